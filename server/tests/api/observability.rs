//! What the running binary tells its operator: the startup lines, the request log lines and
//! `/metrics`, on the suite's database.

use crate::binary::{Running, server, start};
use crate::helpers::TestData;

/// The binary serving the suite's database (SQLite in a temporary directory, or a PostgreSQL
/// database of its own); `None` when PostgreSQL is not set up (the test skips).
async fn start_on_suite_database(name: &str) -> Option<Running> {
    let data = TestData::new().await?;
    let mut command = server(data.dir.path());
    command.env("DATABASE_URL", data.database_url());
    Some(start(command, data, name))
}

#[tokio::test]
async fn startup_names_version_database_and_docs_after_the_listening_line() {
    let Some(running) = start_on_suite_database("server").await else {
        return;
    };
    let url = running.app.data.database_url();
    let base = &running.app.base;
    // Unchanged, and first: scripts read the address from it.
    assert!(
        running.stdout[0].starts_with("listening on http://127.0.0.1:"),
        "{:?}",
        running.stdout
    );
    assert_eq!(running.stdout.len(), 3, "{:?}", running.stdout);
    let about = &running.stdout[1];
    assert!(
        about.contains(&format!("chat-server {}", env!("CARGO_PKG_VERSION"))),
        "{about}"
    );
    match &running.app.data.postgres {
        None => {
            let file = running.app.data.dir.path().join("chat.db");
            assert!(about.contains(&file.display().to_string()), "{about}");
        }
        Some(_) => {
            // postgres://user:password@host:port/database, shown without the password.
            let (credentials, rest) = url
                .trim_start_matches("postgres://")
                .split_once('@')
                .expect("credentials in TEST_POSTGRES_URL");
            let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
            let database = rest.rsplit('/').next().expect("a database");
            assert!(
                about.contains(&format!("postgres://{user}@")) && about.contains(database),
                "{about}"
            );
            if !password.is_empty() {
                assert!(!about.contains(&format!(":{password}@")), "{about}");
            }
        }
    }
    assert_eq!(running.stdout[2], format!("API docs: {base}/docs/"));
    let docs = running
        .app
        .client
        .get(format!("{base}/docs/"))
        .send()
        .await
        .expect("sent");
    assert_eq!(docs.status(), 200);
}

#[tokio::test]
async fn a_request_logs_one_plain_line_with_its_id_user_and_a_round_duration() {
    let Some(running) = start_on_suite_database("server").await else {
        return;
    };
    let alice = running.app.user("alice").await;
    assert_eq!(
        running
            .app
            .get("/api/users/me/", Some(&alice.access))
            .await
            .status,
        200
    );
    let line = running
        .log_line(&["operation=\"users_me\"", "status=200"])
        .await;
    // stderr is a file here, not a terminal: no colour codes in it.
    assert!(!running.log().contains('\u{1b}'), "{}", running.log());
    assert_eq!(line.matches("request_id=").count(), 1, "{line}");
    assert!(line.contains(&format!("user_id={}", alice.id)), "{line}");
    let duration = line
        .split("duration_ms=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no duration in {line}"));
    let decimals = duration.split_once('.').map_or(0, |(_, d)| d.len());
    assert!(
        duration.parse::<f64>().is_ok() && decimals <= 3,
        "duration_ms={duration}"
    );
}

#[tokio::test]
async fn metrics_have_help_lines_process_metrics_and_latency_by_status() {
    let Some(running) = start_on_suite_database("server").await else {
        return;
    };
    running.app.user("alice").await;
    let reply = running
        .app
        .client
        .get(running.app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status(), 200);
    let text = reply.text().await.expect("body");
    for wanted in [
        "# HELP chat_http_requests_total ",
        "# HELP chat_http_request_duration_seconds ",
        "# HELP chat_websocket_connections ",
        "# HELP chat_db_connections ",
        "# HELP process_cpu_seconds_total ",
        "process_cpu_seconds_total ",
        "process_resident_memory_bytes ",
        "process_open_fds ",
        "process_start_time_seconds ",
        r#"chat_http_request_duration_seconds_count{operation="users_register",method="POST",status="201"} 1"#,
        r#"chat_http_request_duration_seconds_count{operation="token_obtain",method="POST",status="200"} 1"#,
    ] {
        assert!(text.contains(wanted), "`{wanted}` missing from:\n{text}");
    }
}
