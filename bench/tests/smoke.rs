//! `chat-bench --smoke all` against a debug build of the server: every scenario still runs
//! end to end, so `cargo test --workspace` keeps the harness from rotting. Speed is not
//! checked (a debug server on a busy CI machine says nothing about performance): only that
//! each scenario measured something, without errors, and that the JSON has every part.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[test]
fn smoke_run_exercises_every_scenario() {
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
        .arg("all")
        .output()
        .expect("chat-bench runs");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chat-bench --smoke all failed ({}):\n{stdout}\n{stderr}",
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
            "create_n_senders"
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

    // Every ratio and target is computed (pass or miss does not matter here).
    assert_eq!(results["ratios"].as_array().map(Vec::len), Some(5));
    let targets = results["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 6);
    assert!(
        targets.iter().all(|t| t["pass"].is_boolean()),
        "{targets:?}"
    );
    assert!(
        stdout.contains("targets"),
        "the table is printed:\n{stdout}"
    );
}
