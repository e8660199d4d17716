//! The checker must reject what is wrong, or a passing contract run would mean nothing.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, OnceLock};

use contract_tests::validate::check;
use contract_tests::{ContractClient, Coverage, Exchange, Exemption, Spec};
use serde_json::{Value, json};

const JSON: &str = "application/json; charset=utf-8";

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(Spec::load)
}

fn room() -> Value {
    json!({
        "id": 1, "name": "General", "room_type": "GROUP", "participants": [1, 2],
        "created_by": 1, "messages": [message()], "unread_count": 0, "mention_count": 0,
        "created_at": "2025-07-05T16:44:51.889737Z", "updated_at": "2025-07-05T16:44:51.889737Z"
    })
}

fn message() -> Value {
    json!({
        "id": 15, "chat_room": 1, "sender": "edulite", "sender_id": 2, "content": "Hi",
        "created_at": "2023-10-01T14:30:00.000000Z", "updated_at": null, "is_read": false,
        "client_id": null, "reply_to": null, "reply_preview": null,
        "reactions": [{ "emoji": "👍", "count": 1, "me": true }], "mentions": [1]
    })
}

fn exchange(
    method: &str,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Exchange {
    Exchange {
        method: method.to_owned(),
        url: format!("http://127.0.0.1:1{path}"),
        request_body: None,
        status,
        headers: content_type
            .map(|ct| BTreeMap::from([("content-type".to_owned(), ct.to_owned())]))
            .unwrap_or_default(),
        body: body.to_vec(),
    }
}

fn problems(exchange: &Exchange) -> Vec<String> {
    check(spec(), exchange).problems
}

fn get_room(body: &Value) -> Vec<String> {
    problems(&exchange(
        "GET",
        "/api/chat/rooms/1/",
        200,
        Some(JSON),
        body.to_string().as_bytes(),
    ))
}

#[test]
fn a_conforming_room_passes() {
    assert_eq!(get_room(&room()), Vec::<String>::new());
}

#[test]
fn a_room_whose_id_is_a_string_is_a_violation() {
    let mut wrong = room();
    wrong["id"] = json!("1");
    let found = get_room(&wrong);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("at /id:") && p.contains("integer")),
        "{found:#?}"
    );
}

#[test]
fn null_is_accepted_only_where_the_spec_says_nullable() {
    let mut edited = room();
    edited["messages"][0]["updated_at"] = json!("2025-07-05T16:44:51.889737Z");
    assert_eq!(get_room(&edited), Vec::<String>::new());
    let mut wrong = room();
    wrong["messages"][0]["content"] = Value::Null;
    let found = get_room(&wrong);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("at /messages/0/content:")),
        "{found:#?}"
    );
}

#[test]
fn formats_missing_fields_and_undocumented_fields_are_violations() {
    let mut wrong = room();
    wrong["messages"][0]["client_id"] = json!("not-a-uuid");
    wrong.as_object_mut().unwrap().remove("created_by");
    wrong["secret"] = json!("leaked");
    let found = get_room(&wrong).join("\n");
    for expected in ["/messages/0/client_id", "created_by", "secret"] {
        assert!(
            found.contains(expected),
            "{expected} not reported in:\n{found}"
        );
    }
}

/// `/metrics` documents a text body: Prometheus text passes as the string it is, JSON where
/// text is documented is a wrong Content-Type, and bytes that are not UTF-8 are no text.
#[test]
fn a_documented_text_body_is_checked_as_text() {
    let text = "# TYPE chat_http_requests_total counter\n";
    let plain = "text/plain; charset=utf-8";
    let metrics = |content_type: &str, body: &[u8]| {
        problems(&exchange("GET", "/metrics", 200, Some(content_type), body))
    };
    assert_eq!(metrics(plain, text.as_bytes()), Vec::<String>::new());
    let found = metrics(JSON, b"{}");
    assert!(
        found.iter().any(|p| p.contains("Content-Type")),
        "{found:#?}"
    );
    let found = metrics(plain, &[0xff, 0xfe]);
    assert!(found.iter().any(|p| p.contains("not UTF-8")), "{found:#?}");
}

#[test]
fn an_undocumented_status_is_a_violation() {
    let found = problems(&exchange(
        "GET",
        "/api/chat/rooms/1/",
        418,
        Some(JSON),
        b"{}",
    ));
    assert!(
        found.iter().any(|p| p.contains("418 is not documented")),
        "{found:#?}"
    );
}

#[test]
fn a_wrong_or_missing_content_type_is_a_violation() {
    let body = room().to_string();
    for content_type in [Some("text/plain"), None] {
        let found = problems(&exchange(
            "GET",
            "/api/chat/rooms/1/",
            200,
            content_type,
            body.as_bytes(),
        ));
        assert!(
            found.iter().any(|p| p.contains("Content-Type")),
            "{found:#?}"
        );
    }
}

#[test]
fn a_204_with_a_body_is_a_violation() {
    let clean = problems(&exchange("DELETE", "/api/chat/rooms/1/", 204, None, b""));
    assert_eq!(clean, Vec::<String>::new());
    let found = problems(&exchange(
        "DELETE",
        "/api/chat/rooms/1",
        204,
        Some(JSON),
        b"{}",
    ));
    assert_eq!(found.len(), 2, "{found:#?}");
}

/// A WebSocket upgrade's 101 documents no content, like a 204.
#[test]
fn a_101_with_a_body_is_a_violation() {
    let clean = problems(&exchange("GET", "/ws/chat/rooms/1/", 101, None, b""));
    assert_eq!(clean, Vec::<String>::new());
    let found = problems(&exchange("GET", "/ws/chat/", 101, Some(JSON), b"{}"));
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn a_401_without_www_authenticate_is_a_violation() {
    let body = br#"{"detail": "Authentication credentials were not provided."}"#;
    let found = problems(&exchange("GET", "/api/users/me/", 401, Some(JSON), body));
    assert!(
        found.iter().any(|p| p.contains("WWW-Authenticate")),
        "{found:#?}"
    );
}

#[test]
fn requests_for_no_operation_are_violations() {
    let found = problems(&exchange("GET", "/api/nothing/", 404, Some(JSON), b"{}"));
    assert!(found.iter().any(|p| p.contains("no path")), "{found:#?}");
    let found = problems(&exchange(
        "PATCH",
        "/api/chat/rooms/",
        405,
        Some(JSON),
        b"{}",
    ));
    assert!(found.iter().any(|p| p.contains("not PATCH")), "{found:#?}");
}

#[test]
fn an_unprovoked_pair_fails_the_coverage() {
    let documented = spec().documented_pairs();
    let mut observed = documented.clone();
    observed.remove(&("rooms_create".to_owned(), 200));
    let exemptions = [Exemption {
        operation: "*",
        status: 500,
        reason: "test",
    }];
    let coverage = Coverage::compute(&documented, &observed, &exemptions);
    let failures = coverage.failures();
    assert!(
        failures.contains(
            &"rooms_create 200: documented, but no scenario provoked it (nor is it exempted)"
                .to_owned()
        ),
        "{failures:#?}"
    );
    assert!(
        failures.contains(
            &"rooms_create 500: exempted as unprovokable, yet a scenario provoked it".to_owned()
        ),
        "{failures:#?}"
    );
    assert_eq!(coverage.missing.len(), 1, "{failures:#?}");
}

/// End to end through the client: a server that answers a Room with a string `id`, then a
/// 418, must leave two violations in the ledger, each naming the operation and the problem.
#[tokio::test]
async fn the_client_records_what_a_lying_server_answers() {
    let wrong = {
        let mut room = room();
        room["id"] = json!("1");
        room.to_string()
    };
    let base = canned_server(vec![(200, wrong), (418, "{}".to_owned())]);
    let api = ContractClient::new(&base, Arc::new(Spec::load()));
    api.get("/api/chat/rooms/1/").expect(200).await;
    api.get("/api/chat/rooms/1/").expect(200).await;
    let ledger = api.finish();
    let report: Vec<String> = ledger.violations.iter().map(ToString::to_string).collect();
    assert_eq!(report.len(), 2, "{report:#?}");
    assert!(
        report[0].contains("rooms_retrieve") && report[0].contains("at /id:"),
        "{}",
        report[0]
    );
    assert!(
        report[0].contains(r#""id": "1",    <== "1" is not of type "integer""#),
        "the body marks the wrong field: {}",
        report[0]
    );
    assert!(report[1].contains("418 is not documented"), "{}", report[1]);
    assert!(
        report[1].contains("expected status 200, got 418"),
        "{}",
        report[1]
    );
}

/// A client for a second server records into the first one's ledger: the coverage of a run
/// counts the responses of both, and a violation on either is reported.
#[tokio::test]
async fn clients_sharing_a_ledger_record_into_one() {
    let first = canned_server(vec![(200, room().to_string())]);
    let second = canned_server(vec![(418, "{}".to_owned())]);
    let api = ContractClient::new(&first, Arc::new(Spec::load()));
    let other = api.sharing_ledger(&second);
    api.get("/api/chat/rooms/1/").expect(200).await;
    other.get("/api/chat/rooms/1/").expect(200).await;
    other.problem("a scenario's own finding".to_owned());
    drop(other);
    let ledger = api.finish();
    assert_eq!(ledger.exchanges, 2);
    assert!(
        ledger
            .observed
            .contains(&("rooms_retrieve".to_owned(), 200)),
        "{:?}",
        ledger.observed
    );
    assert_eq!(ledger.violations.len(), 1, "{:#?}", ledger.violations);
    assert!(
        ledger.violations[0]
            .to_string()
            .contains("418 is not documented")
    );
    assert_eq!(ledger.problems, ["a scenario's own finding"]);
}

/// A one-connection-per-answer HTTP server giving `answers` in order.
fn canned_server(answers: Vec<(u16, String)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for (status, body) in answers {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let response = format!(
                "HTTP/1.1 {status} Whatever\r\ncontent-type: {JSON}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = reader.get_mut().write_all(response.as_bytes());
        }
    });
    base
}
