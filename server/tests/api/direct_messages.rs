//! Seed 002's REST routes, `GET`/`POST /{chat_room_id}/messages/` (API.md "Seed 000 (legacy
//! flat routes) and seed 002 (REST)"): the main API's messages and DRF error bodies, `sender`
//! must be the caller and `chat_room` the room of the URL, 403 for a room the caller is not in
//! or that does not exist.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::realtime::{assert_silent, connect, expect_stored};

fn url(room: i64) -> String {
    format!("/{room}/messages/")
}

fn ids(messages: &Value) -> Vec<i64> {
    messages
        .as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {messages}"))
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect()
}

/// The message as `GET /api/chat/rooms/{room}/messages/{id}/` returns it.
async fn main_message(app: &TestApp, reader: &User, room: i64, id: i64) -> Value {
    let reply = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/{id}/"),
            Some(&reader.access),
        )
        .await;
    assert_eq!(reply.status, 200, "get message {id}: {reply:?}");
    reply.body
}

/// `GET /{room}/messages/{query}`: 200 and the array.
async fn list(app: &TestApp, reader: &User, room: i64, query: &str) -> Value {
    let reply = app
        .get(&format!("{}{query}", url(room)), Some(&reader.access))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body
}

/// Alice and bob in a ONE_TO_ONE room, carol outside it.
async fn pair() -> Option<(TestApp, User, User, User, i64)> {
    let app = spawn_app().await?;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;
    Some((app, alice, bob, carol, room))
}

// ---------------------------------------------------------------- list

#[tokio::test]
async fn list_is_a_plain_array_oldest_first_as_the_main_api_has_them() {
    let Some((app, alice, bob, _, room)) = pair().await else {
        return;
    };
    let first = app.message(&alice, room, "one").await;
    let second = app.message(&bob, room, "two").await;
    let third = app.message(&alice, room, "three").await;

    let listed = list(&app, &bob, room, "").await;

    assert_eq!(ids(&listed), [first, second, third]);
    for message in listed.as_array().expect("array") {
        let id = message["id"].as_i64().expect("id");
        assert_eq!(*message, main_message(&app, &bob, room, id).await);
    }
    // Only that room's messages.
    let other = app.room(&alice, "GROUP", &[]).await;
    app.message(&alice, other, "elsewhere").await;
    assert_eq!(
        ids(&list(&app, &alice, room, "").await),
        [first, second, third]
    );
    assert_eq!(
        list(&app, &alice, app.room(&bob, "GROUP", &[&alice]).await, "").await,
        json!([])
    );
}

#[tokio::test]
async fn list_pages_with_limit_and_offset_at_most_100_a_call() {
    let Some((app, alice, _, _, room)) = pair().await else {
        return;
    };
    let mut sent = Vec::new();
    for i in 0..101 {
        sent.push(app.message(&alice, room, &format!("m{i}")).await);
    }

    assert_eq!(ids(&list(&app, &alice, room, "").await), sent[..100]);
    assert_eq!(
        ids(&list(&app, &alice, room, "?limit=500").await),
        sent[..100]
    );
    assert_eq!(ids(&list(&app, &alice, room, "?limit=3").await), sent[..3]);
    assert_eq!(
        ids(&list(&app, &alice, room, "?limit=3&offset=3").await),
        sent[3..6]
    );
    assert_eq!(
        ids(&list(&app, &alice, room, "?offset=99").await),
        sent[99..]
    );
    assert_eq!(list(&app, &alice, room, "?offset=101").await, json!([]));
}

#[tokio::test]
async fn list_with_parameters_that_are_not_integers_is_400() {
    let Some((app, alice, _, _, room)) = pair().await else {
        return;
    };

    let reply = app
        .get(&format!("{}?limit=many", url(room)), Some(&alice.access))
        .await;

    reply.expect(400, json!({"limit": ["A valid integer is required."]}));
}

// ---------------------------------------------------------------- create

#[tokio::test]
async fn create_returns_201_with_the_message_as_the_main_api_has_it() {
    let Some((app, alice, bob, _, room)) = pair().await else {
        return;
    };

    let bare = app
        .post(
            &url(room),
            Some(&alice.access),
            json!({"content": " hi bob "}),
        )
        .await;
    let full = app
        .post(
            &url(room),
            Some(&bob.access),
            json!({"content": "hi alice", "chat_room": room, "sender": bob.id}),
        )
        .await;

    for (reply, sender, content) in [(&bare, &alice, "hi bob"), (&full, &bob, "hi alice")] {
        assert_eq!(reply.status, 201, "{reply:?}");
        let message = &reply.body;
        assert_eq!(message["content"], content);
        assert_eq!(message["chat_room"], room);
        assert_eq!(message["sender_id"], sender.id);
        assert_eq!(message["sender"], sender.username.as_str());
        let id = message["id"].as_i64().expect("id");
        let mut message = message.clone();
        // Bob's answer to Alice's message says he has read it.
        message["is_read"] = json!(sender.id == alice.id);
        assert_eq!(message, main_message(&app, &alice, room, id).await);
    }
}

#[tokio::test]
async fn create_replays_a_client_id_with_200() {
    let Some((app, alice, _, _, room)) = pair().await else {
        return;
    };
    let body = json!({"content": "once", "client_id": "7b0c8b8e-8f8a-4a57-9d7e-3f0e0a1b2c3d"});

    let first = app
        .post(&url(room), Some(&alice.access), body.clone())
        .await;
    let again = app.post(&url(room), Some(&alice.access), body).await;
    let changed = app
        .post(
            &url(room),
            Some(&alice.access),
            json!({"content": "twice", "client_id": "7b0c8b8e-8f8a-4a57-9d7e-3f0e0a1b2c3d"}),
        )
        .await;

    assert_eq!(first.status, 201, "{first:?}");
    again.expect(200, first.body.clone());
    changed.expect(
        409,
        detail("client_id was already used for a different message."),
    );
    assert_eq!(ids(&list(&app, &alice, room, "").await).len(), 1);
}

#[tokio::test]
async fn messages_cross_between_seed_002_the_main_api_and_seed_000() {
    let Some((app, alice, bob, _, room)) = pair().await else {
        return;
    };
    let main = app.message(&alice, room, "main").await;
    let direct = app
        .post(
            &url(room),
            Some(&bob.access),
            json!({"content": "seed 002"}),
        )
        .await;
    assert_eq!(direct.status, 201, "{direct:?}");
    let direct_id = direct.body["id"].as_i64().expect("id");

    let listed = list(&app, &alice, room, "").await;
    assert_eq!(ids(&listed), [main, direct_id]);
    let main_list = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(ids(&main_list.body["results"]), [direct_id, main]);
    assert_eq!(main_list.body["results"][0], direct.body);
    let legacy = app
        .get(&format!("/messages/?chat_room={room}"), Some(&alice.access))
        .await;
    assert_eq!(legacy.body["messages"], listed, "{legacy:?}");
}

#[tokio::test]
async fn create_is_the_same_realtime_event_as_the_main_api() {
    let Some((app, alice, bob, _, room)) = pair().await else {
        return;
    };
    let mut bobs = connect(&app, &format!("/ws/chat/rooms/{room}/"), &bob.access).await;
    let body = json!({"content": "live", "client_id": "0f6c1b3e-2d4a-4c5b-8e9f-a0b1c2d3e4f5"});

    let created = app
        .post(&url(room), Some(&alice.access), body.clone())
        .await;

    assert_eq!(created.status, 201, "{created:?}");
    expect_stored(
        &mut bobs,
        &json!({"type": "message.created", "message": created.body}),
    )
    .await;
    // A replay is not news.
    let replay = app.post(&url(room), Some(&alice.access), body).await;
    assert_eq!(replay.status, 200, "{replay:?}");
    assert_silent(&mut bobs).await;
}

// ---------------------------------------------------------------- 400, 415

#[tokio::test]
async fn chat_room_other_than_the_path_is_400() {
    let Some((app, alice, _, _, room)) = pair().await else {
        return;
    };
    let other = app.room(&alice, "GROUP", &[]).await;

    let reply = app
        .post(
            &url(room),
            Some(&alice.access),
            json!({"content": "hi", "chat_room": other}),
        )
        .await;

    reply.expect(400, json!({"chat_room": ["Must be the room of the URL."]}));
    assert_eq!(list(&app, &alice, room, "").await, json!([]));
    assert_eq!(list(&app, &alice, other, "").await, json!([]));
}

#[tokio::test]
async fn bad_bodies_are_400_or_415_in_drf_shape() {
    let Some((app, alice, _, _, room)) = pair().await else {
        return;
    };
    let token = Some(alice.access.as_str());

    app.post(&url(room), token, json!({}))
        .await
        .expect(400, json!({"content": ["This field is required."]}));
    app.post(&url(room), token, json!({"content": "  "}))
        .await
        .expect(400, json!({"content": ["This field may not be blank."]}));
    app.post(
        &url(room),
        token,
        json!({"content": "hi", "chat_room": "x"}),
    )
    .await
    .expect(
        400,
        json!({"chat_room": ["Incorrect type. Expected pk value, received str."]}),
    );
    let form = app
        .client
        .post(app.url(&url(room)))
        .bearer_auth(&alice.access)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("content=hi")
        .send()
        .await
        .expect("sent");
    Reply::from(form).await.expect(
        415,
        detail("Unsupported media type \"application/x-www-form-urlencoded\" in request."),
    );
    let text = app
        .client
        .request(Method::POST, app.url(&url(room)))
        .bearer_auth(&alice.access)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .expect("sent");
    Reply::from(text).await.expect(
        415,
        detail("Unsupported media type \"text/plain\" in request."),
    );
    assert_eq!(list(&app, &alice, room, "").await, json!([]));
}

#[tokio::test]
async fn an_unknown_or_malformed_sender_is_400_under_sender() {
    let Some((app, alice, _, _, room)) = pair().await else {
        return;
    };

    let reply = app
        .post(
            &url(room),
            Some(&alice.access),
            json!({"content": "hi", "sender": 999}),
        )
        .await;

    reply.expect(
        400,
        json!({"sender": ["Invalid pk \"999\" - object does not exist."]}),
    );
    let reply = app
        .post(
            &url(room),
            Some(&alice.access),
            json!({"content": "hi", "sender": "me"}),
        )
        .await;
    reply.expect(
        400,
        json!({"sender": ["Incorrect type. Expected pk value, received str."]}),
    );
    assert_eq!(list(&app, &alice, room, "").await, json!([]));
}

// ---------------------------------------------------------------- 401, 403

#[tokio::test]
async fn a_sender_other_than_the_caller_is_403() {
    let Some((app, alice, bob, _, room)) = pair().await else {
        return;
    };

    let reply = app
        .post(
            &url(room),
            Some(&alice.access),
            json!({"content": "as bob", "chat_room": room, "sender": bob.id}),
        )
        .await;

    reply.expect(403, detail(FORBIDDEN));
    assert_eq!(list(&app, &bob, room, "").await, json!([]));
}
