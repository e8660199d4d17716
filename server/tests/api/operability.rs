//! What operators get: a request id on every response, Prometheus metrics, and readiness
//! apart from liveness.

use chat_test_support::Database;
use serde_json::json;

use crate::helpers::*;
use crate::realtime::{connect, next_event, room_ws};

#[tokio::test]
async fn every_response_carries_a_request_id_generated_or_echoed() {
    let Some(app) = spawn_app().await else { return };
    let ok = app.get("/healthz", None).await;
    let generated = ok.headers["x-request-id"].to_str().expect("ASCII");
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");

    // Errors too, and each request gets its own.
    let refused = app.get("/api/users/me/", None).await;
    assert_eq!(refused.status, 401);
    let other = refused.headers["x-request-id"].to_str().expect("ASCII");
    assert!(uuid::Uuid::parse_str(other).is_ok() && other != generated);

    // A caller's id (a proxy's, say) is kept, so logs on both sides line up.
    let echoed = app
        .client
        .get(app.url("/api/chat/rooms/"))
        .header("X-Request-Id", "trace-4711")
        .send()
        .await
        .expect("sent");
    assert_eq!(echoed.status(), 401);
    assert_eq!(echoed.headers()["x-request-id"], "trace-4711");
}

#[tokio::test]
async fn readiness_is_distinct_from_liveness() {
    let Some(app) = spawn_app().await else { return };
    app.get("/healthz", None)
        .await
        .expect(200, json!({"status": "ok"}));
    app.get("/readyz", None)
        .await
        .expect(200, json!({"status": "ready"}));
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_status_and_show_sockets_and_pools() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let mut socket = connect(&app, &room_ws(room), &alice.access).await;
    app.message(&alice, room, "hello").await;
    assert_eq!(next_event(&mut socket).await["type"], "message.created");
    assert_eq!(
        app.get("/api/chat/rooms/999/", Some(&alice.access))
            .await
            .status,
        404
    );
    assert_eq!(app.get("/nowhere/", None).await.status, 404);

    let reply = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status(), 200);
    assert!(
        reply.headers()["content-type"]
            .to_str()
            .expect("ASCII")
            .starts_with("text/plain")
    );
    let text = reply.text().await.expect("body");
    // SQLite's writer and readers have a pool each, PostgreSQL's connections one.
    let (writing, reading) = match crate::DATABASE {
        Database::Sqlite => ("write", "read"),
        Database::Postgres => ("postgres", "postgres"),
    };
    let in_use = format!(r#"chat_db_connections{{pool="{writing}",state="in_use"}}"#);
    let idle = format!(r#"chat_db_connections{{pool="{reading}",state="idle"}}"#);
    // `cargo test` runs many servers in one process, which share the recorder: counts are
    // at least this test's own.
    for (series, at_least) in [
        (
            r#"chat_http_requests_total{operation="messages_create",method="POST",status="201"}"#,
            1.0,
        ),
        (
            r#"chat_http_requests_total{operation="rooms_retrieve",method="GET",status="404"}"#,
            1.0,
        ),
        (
            r#"chat_http_requests_total{operation="unmatched",method="GET",status="404"}"#,
            1.0,
        ),
        (
            r#"chat_http_request_duration_seconds_bucket{operation="messages_create",method="POST",status="201",le="+Inf"}"#,
            1.0,
        ),
        ("chat_websocket_connections", 1.0),
        (in_use.as_str(), 0.0),
        (idle.as_str(), 0.0),
        ("chat_realtime_events_delivered_total", 1.0),
    ] {
        let value = text
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|value| value.parse::<f64>().ok());
        assert!(
            value.is_some_and(|value| value >= at_least),
            "`{series}` is {value:?}, expected at least {at_least}, in:\n{text}"
        );
    }
}
