//! `chat-bench --smoke all` against a debug build of the server: every scenario still runs
//! end to end, so `cargo test --workspace` keeps the harness from rotting. Speed is not
//! checked (a debug server on a busy CI machine says nothing about performance): only that
//! each scenario measured something, without errors, and that the JSON has every part.
//!
//! On SQLite always; on PostgreSQL when `BENCH_POSTGRES_URL` or `TEST_POSTGRES_URL` names a
//! server whose role may create databases and which preloads `pg_stat_statements` for
//! scenario 9 (`.ci/postgres` sets both up; skipped otherwise, failed under `CI=true`).

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// One smoke run at a time: two at once would share the cores and crowd the time bound.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn smoke_run_exercises_every_scenario() {
    let results = smoke(&[]);
    assert_eq!(results["settings"]["database"], "sqlite");
    assert_eq!(results["setup"]["database"]["kind"], "sqlite");
    // Scenario 9 reads PostgreSQL's statistics: not part of `all` on SQLite.
    assert!(results["page_cost"].is_null());
}

#[test]
fn smoke_run_on_postgres_exercises_every_scenario() {
    let url = ["BENCH_POSTGRES_URL", "TEST_POSTGRES_URL"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|url| !url.is_empty()));
    let Some(url) = url else {
        let why = "neither BENCH_POSTGRES_URL nor TEST_POSTGRES_URL is set";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and {why}"
        );
        eprintln!("skipping the PostgreSQL smoke run: {why}");
        return;
    };
    let results = smoke(&["--database", "postgres", "--postgres-url", &url]);
    assert_eq!(results["settings"]["database"], "postgres");
    let database = &results["setup"]["database"];
    assert_eq!(database["kind"], "postgres");
    assert!(database["server_version"].is_string(), "{database}");
    // The URL may hold a password: it is never written out.
    assert!(
        !results.to_string().contains(&url),
        "the results hold the PostgreSQL URL"
    );

    // Scenario 9: each page measured over HTTP, and pg_stat_statements saw its statement run
    // once per request.
    let page_cost = &results["page_cost"];
    let pages = page_cost["pages"].as_array().expect("page_cost.pages");
    let ids: Vec<&str> = pages.iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(ids, ["small_first_page", "big_first_page", "big_deep_page"]);
    for page in pages {
        assert_eq!(page["requests"], 100, "{page}");
        assert_eq!(page["http"]["ok"], 100, "{page}");
        assert_eq!(page["page_statement"]["calls"], 100, "{page}");
        assert!(
            page["db_ms_per_request"].as_f64().unwrap_or(0.0) > 0.0,
            "{page}"
        );
    }
    assert_eq!(pages[0]["room_messages"], 200);
    assert_eq!(pages[1]["room_messages"], 2000);
    // The page statement is the page's read of `messages` (not, say, the server's poll of
    // the event log), in `all` as in `page-cost` alone.
    let page_query = page_cost["page_query"].as_str().unwrap_or_default();
    assert!(page_query.contains("FROM messages"), "{page_cost}");
    assert_eq!(page_cost["notes"], Value::Array(Vec::new()), "{page_cost}");
}

/// Runs `chat-bench --smoke <extra> all`, checks what every smoke run must show, and returns
/// the JSON results.
fn smoke(extra: &[&str]) -> Value {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Built once with the cargo that runs the tests (or CHAT_SERVER_BIN), as the contract
    // tests find it.
    let server = contract_tests::server::binary();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("smoke.json");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_chat-bench"))
        .arg("--smoke")
        .arg("--server-bin")
        .arg(server)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .arg("all")
        .output()
        .expect("chat-bench runs");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chat-bench --smoke {extra:?} all failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // Generous: seconds locally; the bound only catches a smoke mode that stopped being one.
    assert!(
        elapsed < Duration::from_secs(50),
        "the smoke run took {elapsed:?}"
    );

    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the JSON results"))
            .expect("valid JSON");
    assert_eq!(results["run"], "all");
    assert_eq!(results["settings"]["smoke"], true);
    assert!(results["machine"]["cores"].as_u64().unwrap_or(0) > 0);
    assert_eq!(results["problems"], Value::Array(Vec::new()), "{stdout}");

    let ids: Vec<&str> = results["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| {
            let id = s["id"].as_str().expect("an id");
            assert!(s["ok"].as_u64().unwrap_or(0) > 0, "{id} measured nothing");
            assert!(s["throughput"].as_f64().unwrap_or(0.0) > 0.0, "{id}");
            assert!(s["latency_ms"]["p99"].as_f64().unwrap_or(0.0) > 0.0, "{id}");
            id
        })
        .collect();
    assert_eq!(
        ids,
        [
            "healthz",
            "rooms",
            "first_page",
            "deep_page",
            "shallow_page",
            "create_1_sender",
            "create_n_senders",
            "events_nothing_new"
        ]
    );
    assert_eq!(results["setup"]["deep_cursor_depth"], 1800);

    let fanout = &results["fanout"][0];
    assert_eq!(fanout["subs"], 20);
    assert_eq!(fanout["lost"], 0);
    assert_eq!(fanout["deliveries"], 20 * 10);

    let idle = &results["idle"];
    assert_eq!(idle["opened"], 100);
    assert!(idle["bytes_per_connection"].is_number(), "{idle}");

    // Every read brought back exactly the 200 stored events (or `problems` says otherwise).
    let resume = &results["resume"];
    assert_eq!(resume["events"], 200);
    assert_eq!(results["setup"]["posted_events"], 200);
    for read in [&resume["socket"], &resume["rest"]] {
        assert_eq!(read["exact_runs"], 2, "{read}");
        assert!(
            read["events_per_sec"].as_f64().unwrap_or(0.0) > 0.0,
            "{read}"
        );
    }
    // Pages of 50: following `position` is exercised.
    assert_eq!(resume["rest"]["pages"], 4);

    // Every ratio and target is computed (pass or miss does not matter here); scenario 9 adds
    // its four when it ran.
    assert_eq!(results["ratios"].as_array().map(Vec::len), Some(6));
    let targets = results["targets"].as_array().expect("targets");
    let page_cost_targets = if results["page_cost"].is_null() { 0 } else { 4 };
    assert_eq!(targets.len(), 7 + page_cost_targets);
    assert!(
        targets.iter().all(|t| t["pass"].is_boolean()),
        "{targets:?}"
    );
    assert!(
        stdout.contains("targets"),
        "the table is printed:\n{stdout}"
    );
    results
}
