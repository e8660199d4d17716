//! Property-based fuzzing of the whole API with schemathesis (`contract-tests/schemathesis/run.sh`,
//! every check, a real Bearer token) against the real server binary. Zero failures allowed.

use std::path::PathBuf;
use std::process::Command;

use contract_tests::Server;
use contract_tests::server::workspace_root;
use serde_json::{Value, json};

/// Cases per operation and phase: enough to find what matters, a minute or so on 2 cores.
const MAX_EXAMPLES: &str = "100";

#[tokio::test]
async fn schemathesis_finds_no_failures() {
    let Some(st) = schemathesis() else {
        return;
    };
    fuzz(&st, "schemathesis", &[]).await;
}

/// The same on PostgreSQL, which refuses some input SQLite stores (NUL in text).
#[tokio::test]
async fn schemathesis_finds_no_failures_on_postgres() {
    let Some(st) = schemathesis() else {
        return;
    };
    let Some(db) = chat_test_support::migrated_postgres_db().await else {
        return;
    };
    fuzz(&st, "schemathesis-postgres", &[("DATABASE_URL", &db.url)]).await;
}

/// Runs schemathesis against a fresh server with `env`; its report goes to `target/<report>`.
async fn fuzz(st: &std::path::Path, report: &str, env: &[(&str, &str)]) {
    // Access tokens outlive the run: an expiry mid-run would read as a failure.
    let env: Vec<(&str, &str)> = [("JWT_ACCESS_TTL_SECS", "3600")]
        .into_iter()
        .chain(env.iter().copied())
        .collect();
    let server = Server::start_with(&env);
    let token = token(&server).await;

    let output = Command::new(workspace_root().join("contract-tests/schemathesis/run.sh"))
        .env("BASE_URL", &server.base)
        .env("TOKEN", token)
        .env("ST", st)
        .env("ST_MAX_EXAMPLES", MAX_EXAMPLES)
        .env(
            "ST_REPORT_DIR",
            workspace_root().join("target").join(report),
        )
        .output()
        .expect("run.sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The summary (cases generated, passed, failed) shows with `--nocapture`.
    println!("{stdout}");
    assert!(
        output.status.success(),
        "schemathesis reported failures ({}):\n{stdout}\n{stderr}\nserver log:\n{}",
        output.status,
        server.log()
    );
}

/// The `st` executable, or `None` (skip) outside CI when it is not installed.
fn schemathesis() -> Option<PathBuf> {
    let st = std::env::var_os("ST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/schemathesis/bin/st"));
    if st.exists() {
        return Some(st);
    }
    let install = "python3 -m venv .venv/schemathesis && \
        .venv/schemathesis/bin/pip install -r contract-tests/schemathesis/requirements.txt";
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!(
            "schemathesis is missing at {}; install it: {install}",
            st.display()
        );
    }
    eprintln!(
        "skipping: schemathesis is not installed at {}; install it with: {install}",
        st.display()
    );
    None
}

async fn token(server: &Server) -> String {
    let client = reqwest::Client::new();
    let credentials = json!({"username": "fuzzer", "password": "fuzzer-password"});
    let registered = client
        .post(server.url("/api/users/register/"))
        .json(&credentials)
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 201);
    let tokens: Value = client
        .post(server.url("/api/token/"))
        .json(&credentials)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token body");
    tokens["access"]
        .as_str()
        .expect("an access token")
        .to_owned()
}
