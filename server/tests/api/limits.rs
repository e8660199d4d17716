//! API.md "Limits": message creation throttled per user (20/s, burst 40), answered 429 with
//! `Retry-After` and DRF's text, on every route that creates a message and on the WebSocket,
//! and on the edits and invitations that share its budget ("Throttles beyond messages"). The
//! login throttle is in `login_throttle`.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::realtime::{act, connect, expect_error, room_ws};

/// The throttles at API.md's defaults (the test app turns them off unless asked).
async fn throttled_app() -> Option<TestApp> {
    spawn_app_with(|config| {
        config.message_rate = 20;
        config.message_burst = 40;
        config.token_rate_per_min = 10;
    })
    .await
}

pub fn assert_throttled(reply: &Reply) -> u64 {
    assert_eq!(reply.status, 429, "{reply:?}");
    let wait: u64 = reply.headers["retry-after"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("Retry-After is whole seconds");
    assert!(wait >= 1, "{wait}");
    let unit = if wait == 1 { "second" } else { "seconds" };
    let text = format!("Request was throttled. Expected available in {wait} {unit}.");
    let detail = reply.body.get("detail").or_else(|| reply.body.get("error"));
    assert_eq!(detail, Some(&Value::String(text)), "{reply:?}");
    wait
}

async fn send(app: &TestApp, user: &User, room: i64, n: usize) -> Reply {
    app.post(
        &format!("/api/chat/rooms/{room}/messages/"),
        Some(&user.access),
        json!({ "content": format!("message {n}") }),
    )
    .await
}

#[tokio::test]
async fn a_user_may_send_a_burst_of_40_then_is_throttled_with_retry_after() {
    let Some(app) = throttled_app().await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;

    // 50 at once: the burst of 40 passes (plus what 20/s refills while they run), the rest
    // are refused.
    let started = std::time::Instant::now();
    let replies = futures::future::join_all((0..50).map(|n| send(&app, &alice, room, n))).await;
    let refill = (started.elapsed().as_secs_f64() * 20.0).ceil() as usize;
    let created = replies.iter().filter(|r| r.status == 201).count();
    assert!(
        (40..=40 + refill).contains(&created),
        "{created} created, refill {refill}"
    );
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_eq!(assert_throttled(reply), 1);
    }
    // The refused messages were not stored.
    let page = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/?page_size=100"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(page.body["results"].as_array().map(Vec::len), Some(created));

    // Another sender has a bucket of their own.
    assert_eq!(send(&app, &bob, room, 0).await.status, 201);

    // 20/s refills: after Retry-After the sender may go on.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(send(&app, &alice, room, 50).await.status, 201);
}

#[tokio::test]
async fn outsiders_and_bad_bodies_are_answered_before_or_after_the_throttle_as_drf_does() {
    let Some(app) = spawn_app_with(|config| {
        config.message_rate = 1;
        config.message_burst = 1;
    })
    .await
    else {
        return;
    };
    let alice = app.user("alice").await;
    let eve = app.user("eve").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    // Permissions first: an outsider is refused, whatever their rate.
    for _ in 0..3 {
        assert_eq!(send(&app, &eve, room, 0).await.status, 403);
    }
    // Then the throttle, before the body is read: an invalid body uses up the burst too.
    let blank = app
        .post(
            &format!("/api/chat/rooms/{room}/messages/"),
            Some(&alice.access),
            json!({ "content": "" }),
        )
        .await;
    assert_eq!(blank.status, 400);
    assert_throttled(&send(&app, &alice, room, 1).await);
}

#[tokio::test]
async fn the_seed_routes_and_the_socket_share_the_senders_throttle() {
    let Some(app) = spawn_app_with(|config| {
        config.message_rate = 1;
        config.message_burst = 2;
    })
    .await
    else {
        return;
    };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;

    assert_eq!(send(&app, &alice, room, 0).await.status, 201);
    let seed000 = app
        .post(
            "/messages/create",
            Some(&alice.access),
            json!({"chat_room": room, "content": "seed 000"}),
        )
        .await;
    assert_eq!(seed000.status, 200, "seed 000 answers 200: {seed000:?}");

    // Seed 000's route answers in its own error shape.
    let seed000 = app
        .post(
            "/messages/create",
            Some(&alice.access),
            json!({"chat_room": room, "content": "seed 000 again"}),
        )
        .await;
    assert_throttled(&seed000);
    assert_eq!(seed000.body["status"], 429);

    let seed002 = app
        .post(
            &format!("/{room}/messages/"),
            Some(&alice.access),
            json!({"content": "seed 002"}),
        )
        .await;
    assert_throttled(&seed002);

    let mut socket = connect(&app, &room_ws(room), &alice.access).await;
    act(
        &mut socket,
        json!({"action": "new_message", "message": "by socket"}),
    )
    .await;
    let error = expect_error(&mut socket, "throttled").await;
    assert_eq!(
        error["detail"],
        "Request was throttled. Expected available in 1 second."
    );
}

#[tokio::test]
async fn every_edit_path_and_invitations_spend_the_senders_message_budget() {
    let Some(app) = spawn_app_with(|config| {
        config.message_rate = 1;
        config.message_burst = 1;
    })
    .await
    else {
        return;
    };
    let alice = app.user("alice").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let id = app.message(&alice, room, "original").await;

    // The message spent the budget: no edit, on any route, and no invitation.
    let edit = json!({"content": "edited"});
    let url = message_url(room, id);
    assert_throttled(&app.put(&url, Some(&alice.access), edit.clone()).await);
    assert_throttled(&app.patch(&url, Some(&alice.access), edit.clone()).await);
    let seed000 = app
        .put(
            &format!("/messages/{id}/"),
            Some(&alice.access),
            edit.clone(),
        )
        .await;
    assert_throttled(&seed000);
    assert_eq!(seed000.body["status"], 429, "seed 000's shape: {seed000:?}");
    let invite = json!({"user_id": carol.id});
    let invitations = format!("/api/chat/rooms/{room}/invitations/");
    assert_throttled(
        &app.post(&invitations, Some(&alice.access), invite.clone())
            .await,
    );
    // Refused edits changed nothing.
    let stored = app.get(&url, Some(&alice.access)).await;
    assert_eq!(stored.body["content"], "original", "{stored:?}");

    // Once the budget is back an edit goes through, and spends it in turn.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.patch(&url, Some(&alice.access), edit).await.status, 200);
    assert_throttled(&send(&app, &alice, room, 1).await);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        app.post(&invitations, Some(&alice.access), invite)
            .await
            .status,
        201
    );
    assert_throttled(&send(&app, &alice, room, 2).await);
}

#[tokio::test]
async fn a_rate_of_zero_turns_the_throttles_off() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    for n in 0..60 {
        assert_eq!(send(&app, &alice, room, n).await.status, 201);
    }
    for _ in 0..15 {
        let wrong = json!({"username": "alice", "password": "wrong"});
        assert_eq!(app.post("/api/token/", None, wrong).await.status, 401);
    }
}
