//! The TypeScript client (`clients/typescript/`) against the real server: its generated types
//! must match `openapi.yaml`, its tests (`node --test`) must pass, and its example web page
//! must let two users chat in headless Chromium, served from another origin than the API.
//!
//! Needs Node.js 20 with npm, `npm ci --prefix clients/typescript` and, for the page,
//! Debian's Chromium (or `CHROMIUM` pointing at one). Without them the tests skip locally
//! and fail under `CI=true`. `UPDATE_TS_CLIENT=1` rewrites the generated types instead of
//! checking them.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use contract_tests::Server;
use contract_tests::server::workspace_root;
use contract_tests::tools;

const CLIENT: &str = "clients/typescript";
const INSTALL: &str = "npm ci --prefix clients/typescript --no-audit --no-fund";

#[test]
fn generated_types_match_openapi_yaml() {
    if prerequisites(false).is_none() {
        return;
    }
    // The script reads UPDATE_TS_CLIENT itself.
    let output = node(["scripts/generate.mjs", "--check"]).output();
    assert_success("the generated types check", output, &[]);
}

#[tokio::test]
async fn node_tests_pass_against_the_real_server() {
    if prerequisites(false).is_none() {
        return;
    }
    let server = Server::start();
    // Forgets events after about a second, so that a position can expire (`resync`).
    let forgetful = Server::start_with(&[("CHAT_EVENT_RETENTION_HOURS", "0.0003")]);
    build().await;

    let mut command = node(["scripts/test.mjs"]);
    command
        .env("CHAT_API_BASE", &server.base)
        .env("CHAT_API_BASE_SHORT_RETENTION", &forgetful.base);
    let output = run(command).await;
    assert_success("node --test", output, &[&server, &forgetful]);
}

#[tokio::test]
async fn web_chat_example_works_in_chromium() {
    let Some(chromium) = prerequisites(true) else {
        return;
    };
    // The server must know the page's origin before the script serves the page there.
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let server = Server::start_with(&[("CHAT_CORS_ORIGINS", &origin)]);
    build().await;

    let mut command = node(["test/browser/web-chat.mjs", &server.base, &port.to_string()]);
    command.env("CHROMIUM", &chromium).env(
        "WEB_CHAT_ARTIFACTS",
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-chat"),
    );
    let output = run(command).await;
    assert_success("test/browser/web-chat.mjs", output, &[&server]);
}

/// `node <args>` in the client's directory.
fn node<const N: usize>(args: [&str; N]) -> Command {
    let mut command = Command::new("node");
    command
        .args(args)
        .current_dir(workspace_root().join(CLIENT));
    command
}

async fn run(mut command: Command) -> std::io::Result<Output> {
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the node task finishes")
}

/// `npm run build` once per test process, however many tests need it (two `tsc`s writing
/// the same `dist/` at once would trip over each other).
async fn build() {
    static BUILD: OnceLock<Result<(), String>> = OnceLock::new();
    let built = tokio::task::spawn_blocking(|| {
        BUILD
            .get_or_init(|| {
                let output = Command::new("npm")
                    .args(["run", "build", "--silent"])
                    .current_dir(workspace_root().join(CLIENT))
                    .output()
                    .map_err(|e| format!("npm does not run: {e}"))?;
                if output.status.success() {
                    return Ok(());
                }
                Err(format!(
                    "npm run build failed ({}):\n{}{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ))
            })
            .clone()
    })
    .await
    .expect("the build task finishes");
    if let Err(why) = built {
        panic!("{why}");
    }
}

fn assert_success(what: &str, output: std::io::Result<Output>, servers: &[&Server]) {
    let output = output.unwrap_or_else(|e| panic!("{what}: node does not run: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let logs: String = servers
        .iter()
        .map(|server| format!("--- server log ({})\n{}", server.base, server.log()))
        .collect();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n{logs}",
        output.status,
    );
    // Shown with `--nocapture`.
    println!("{stdout}");
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port()
}

/// The Chromium to drive (when `browser`), or `None` when something the test needs is
/// missing (see `contract_tests::tools::ready`).
fn prerequisites(browser: bool) -> Option<PathBuf> {
    let modules = workspace_root().join(CLIENT).join("node_modules");
    let chromium = tools::chromium();
    let mut missing = tools::missing_commands(&["node", "npm"]);
    let mut packages = vec!["typescript", "openapi-typescript", "openapi-fetch", "yaml"];
    if browser {
        packages.push("playwright-core");
    }
    if let Some(package) = packages.iter().find(|p| !modules.join(p).is_dir()) {
        missing.push(format!("{CLIENT}/node_modules ({package}): {INSTALL}"));
    }
    if browser {
        missing.extend(tools::missing_chromium(&chromium));
    }
    tools::ready("the TypeScript client's tests", &missing).then_some(chromium)
}
