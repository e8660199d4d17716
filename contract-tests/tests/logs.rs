//! `--log-format json`: the real binary logs one JSON object per line, and a request's lines
//! carry the `request_id` its response echoes in `X-Request-Id`, never a token.

use contract_tests::Server;
use serde_json::Value;

#[tokio::test]
async fn json_logs_carry_the_request_id_and_no_query_strings() {
    let server = Server::start_with(&[("CHAT_LOG_FORMAT", "json"), ("RUST_LOG", "info")]);
    let client = reqwest::Client::new();
    let response = client
        .get(server.url("/api/chat/rooms/?token=secret-token-text"))
        .header("X-Request-Id", "log-test-42")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["x-request-id"], "log-test-42");

    // The line is written after the response: give the logger a moment.
    let mut log = String::new();
    for _ in 0..50 {
        log = server.log();
        if log.contains("log-test-42") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let lines: Vec<Value> = log
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"))
        })
        .collect();
    let response_line = lines
        .iter()
        .find(|line| line["message"] == "response" && line["status"] == 401)
        .unwrap_or_else(|| panic!("no response line in:\n{log}"));
    let spans = response_line["spans"].as_array().expect("a span list");
    let request = spans
        .iter()
        .find(|span| span["name"] == "request")
        .expect("the request span");
    // poem's RequestId middleware puts the id on a span of its own around `request`: once.
    let ids: Vec<&Value> = spans
        .iter()
        .filter_map(|span| span.get("request_id"))
        .collect();
    assert_eq!(ids, ["log-test-42"], "{response_line}");
    assert_eq!(request["path"], "/api/chat/rooms/", "{response_line}");
    assert_eq!(response_line["operation"], "rooms_list");
    assert!(
        !log.contains("secret-token-text"),
        "a query string reached the log:\n{log}"
    );
}
