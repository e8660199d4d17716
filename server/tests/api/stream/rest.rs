//! `GET /api/events/`: its parameters, its paging by position, the long poll, and the
//! `X-Event-Position` of writes.

use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

#[tokio::test]
async fn without_since_it_gives_the_newest_position_to_start_from() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let id = app.message(&cast.alice, cast.room, "hello").await;
    let reply = app.get("/api/events/", Some(&cast.bob.access)).await;
    assert_eq!(reply.status, 200);
    let position = reply.body["position"].as_i64().expect("position");
    assert_eq!(reply.body, json!({"events": [], "position": position}));
    let (events, _) = rest_events(&app, &cast.bob, &format!("?since={}", position - 1)).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["message"]["id"], id);
    assert_eq!(events[0]["position"], position);
}

#[tokio::test]
async fn pages_hold_exactly_limit_events_and_go_on_from_the_last() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let start = latest(&app, &cast.bob).await;
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(app.message(&cast.alice, cast.room, &format!("m{n}")).await);
    }
    let mut seen = Vec::new();
    let mut from = start;
    for expected in [2, 2, 1] {
        let (events, position) =
            rest_events(&app, &cast.bob, &format!("?since={from}&limit=2")).await;
        assert_eq!(events.len(), expected);
        if expected == 2 {
            assert_eq!(
                position, events[1]["position"],
                "a full page goes on from its last"
            );
        }
        seen.extend(events.iter().map(|e| e["message"]["id"].clone()));
        from = position;
    }
    assert_eq!(seen, sent.iter().map(|id| json!(id)).collect::<Vec<_>>());
    let (events, position) = rest_events(&app, &cast.bob, &format!("?since={from}")).await;
    assert!(events.is_empty());
    assert_eq!(position, from);
}

#[tokio::test]
async fn bad_parameters_are_400s_keyed_by_their_names() {
    let Some(app) = spawn_app().await else { return };
    let user = app.user("alice").await;
    let newest = latest(&app, &user).await;
    let integer = json!(["A valid integer is required."]);
    for (query, body) in [
        ("?since=abc", json!({"since": integer})),
        (
            "?since=-1",
            json!({"since": ["Ensure this value is greater than or equal to 0."]}),
        ),
        (
            &*format!("?since={}", newest + 1),
            json!({"since": [format!("Ensure this value is less than or equal to {newest}.")]}),
        ),
        (
            "?limit=0",
            json!({"limit": ["Ensure this value is greater than or equal to 1."]}),
        ),
        (
            "?limit=501",
            json!({"limit": ["Ensure this value is less than or equal to 500."]}),
        ),
        (
            "?timeout=31",
            json!({"timeout": ["Ensure this value is less than or equal to 30."]}),
        ),
        (
            "?since=x&limit=y&timeout=z",
            json!({"since": integer, "limit": integer, "timeout": integer}),
        ),
    ] {
        let reply = app
            .get(&format!("/api/events/{query}"), Some(&user.access))
            .await;
        assert_eq!((reply.status, reply.body), (400, body), "{query}");
    }
    let reply = app.get("/api/events/?since=0", None).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn a_long_poll_answers_as_soon_as_an_event_comes() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let from = latest(&app, &cast.bob).await;
    let url = app.url(&format!("/api/events/?since={from}&timeout=20"));
    let poll = tokio::spawn(
        app.client
            .get(url)
            .bearer_auth(cast.bob.access.clone())
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!poll.is_finished(), "it waits while there is nothing");
    let id = app.message(&cast.alice, cast.room, "wake up").await;
    let answered = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("answered well before its timeout")
        .expect("task")
        .expect("response");
    let body: Value = answered.json().await.expect("json");
    assert_eq!(body["events"][0]["message"]["id"], id);
}

#[tokio::test]
async fn a_long_poll_with_nothing_new_ends_at_its_timeout_even_past_the_request_timeout() {
    let Some(app) = spawn_app_with(|config| config.request_timeout_secs = 1).await else {
        return;
    };
    let user = app.user("alice").await;
    let from = latest(&app, &user).await;
    let started = Instant::now();
    let (events, position) = rest_events(&app, &user, &format!("?since={from}&timeout=2")).await;
    assert!(events.is_empty());
    assert_eq!(position, from);
    assert!(started.elapsed() >= Duration::from_secs(2), "it waited");
}

#[tokio::test]
async fn writes_echo_the_position_of_their_event_and_no_change_echoes_none() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let from = latest(&app, &cast.alice).await;
    let client_id = "6f1c2b2e-8d7a-4c1e-9a55-0b4e2d3fa1c7";
    let body = json!({"content": "once", "client_id": client_id});
    let messages = format!("/api/chat/rooms/{}/messages/", cast.room);
    let sent = app
        .post(&messages, Some(&cast.alice.access), body.clone())
        .await;
    assert_eq!(sent.status, 201);
    let retried = app.post(&messages, Some(&cast.alice.access), body).await;
    assert_eq!(retried.status, 200);
    assert_eq!(echoed(&retried), None, "a retry stores nothing");
    let id = sent.body["id"].as_i64().expect("id");
    let reactions = format!("{messages}{id}/reactions/");
    let reacted = app
        .post(&reactions, Some(&cast.bob.access), json!({"emoji": "👍"}))
        .await;
    let again = app
        .post(&reactions, Some(&cast.bob.access), json!({"emoji": "👍"}))
        .await;
    assert_eq!((reacted.status, again.status), (201, 200));
    assert_eq!(echoed(&again), None, "a repeated reaction stores nothing");

    let (events, _) = rest_events(&app, &cast.alice, &format!("?since={from}")).await;
    assert_eq!(events.len(), 2);
    assert_eq!(echoed(&sent), events[0]["position"].as_i64());
    assert_eq!(echoed(&reacted), events[1]["position"].as_i64());
}
