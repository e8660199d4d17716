//! Swagger UI at `/docs/` in a real headless Chromium: it must list every operation of the
//! spec in the spec's tag order, show each error's example, accept a Bearer token through
//! "Authorize", get a 200 from "Try it out" on `GET /api/chat/rooms/` and explain how to
//! connect on a WebSocket route; the AsyncAPI page it links must render the socket's events.
//! The browser work is `contract-tests/browser/swagger-ui.mjs` (Playwright); this test gives
//! it a running server, a token and a room of the token's user.
//!
//! Needs Node.js, `npm ci --prefix contract-tests/browser` and Debian's Chromium (or `CHROMIUM`
//! pointing at one). Without them it is skipped locally, but fails under `CI=true`: a CI run
//! that silently skipped the only browser test would prove nothing about the docs page.

use std::path::PathBuf;
use std::process::Command;

use contract_tests::Server;
use contract_tests::server::workspace_root;
use contract_tests::tools;
use serde_json::{Value, json};

const SCRIPT: &str = "contract-tests/browser/swagger-ui.mjs";
const NODE_MODULES: &str = "contract-tests/browser/node_modules";

#[tokio::test]
async fn swagger_ui_lists_every_operation_and_tries_one_with_a_bearer_token() {
    let Some(chromium) = prerequisites() else {
        return;
    };

    let server = Server::start();
    let token = access_token(&server).await;
    let room = a_room(&server, &token).await;

    let root = workspace_root();
    let base = server.base.clone();
    // Screenshots of a failure land beside the test's other build output, where CI can
    // keep them.
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("swagger-ui");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(root.join(SCRIPT))
            .arg(&base)
            .arg(&token)
            .arg(room.to_string())
            .env("CHROMIUM", &chromium)
            .env("SWAGGER_UI_ARTIFACTS", &artifacts)
            .current_dir(&root)
            .output()
    })
    .await
    .expect("the node task finishes")
    .expect("node runs");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{SCRIPT} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server log\n{}",
        output.status,
        server.log(),
    );
    // Shown with `--nocapture`; the summary says how many operations were checked.
    println!("{stdout}");
}

/// The Chromium to drive, or `None` when something the test needs is missing (see
/// `contract_tests::tools::ready`).
fn prerequisites() -> Option<PathBuf> {
    let root = workspace_root();
    let chromium = tools::chromium();
    let mut missing = tools::missing_commands(&["node"]);
    if !root.join(NODE_MODULES).join("playwright-core").is_dir() {
        missing.push(format!(
            "{NODE_MODULES} (playwright-core): npm ci --prefix contract-tests/browser"
        ));
    }
    missing.extend(tools::missing_chromium(&chromium));
    tools::ready("the Swagger UI browser test", &missing).then_some(chromium)
}

/// A GROUP room of the token's user.
async fn a_room(server: &Server, token: &str) -> i64 {
    let reply = reqwest::Client::new()
        .post(server.url("/api/chat/rooms/"))
        .bearer_auth(token)
        .json(&json!({"name": "Swagger UI", "room_type": "GROUP"}))
        .send()
        .await
        .expect("room request");
    assert!(reply.status().is_success(), "room: {}", reply.status());
    let room: Value = reply.json().await.expect("room JSON");
    room["id"].as_i64().expect("a room id")
}

/// Registers a fresh user and returns an access token for it.
async fn access_token(server: &Server) -> String {
    let client = reqwest::Client::new();
    let credentials = json!({"username": "swagger-ui", "password": "correct horse battery"});
    let reply = client
        .post(server.url("/api/users/register/"))
        .json(&credentials)
        .send()
        .await
        .expect("register request");
    assert!(
        reply.status().is_success(),
        "register: {}: {}",
        reply.status(),
        reply.text().await.unwrap_or_default()
    );
    let reply = client
        .post(server.url("/api/token/"))
        .json(&credentials)
        .send()
        .await
        .expect("token request");
    assert!(reply.status().is_success(), "token: {}", reply.status());
    let tokens: Value = reply.json().await.expect("token JSON");
    tokens["access"]
        .as_str()
        .expect("an access token")
        .to_owned()
}
