//! `POST /messages/create`, `GET /messages/`, `PUT`/`DELETE /messages/{id}/`: seed 000's
//! envelopes around the main API's message objects, the same messages whichever route wrote
//! them, and the same realtime events.

use crate::realtime::{assert_growing, connect, expect_stored};

use super::*;

/// `GET /messages/{query}` as `reader`: the messages of the envelope.
async fn listed(app: &TestApp, reader: &User, query: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("{MESSAGES}{query}"), Some(&reader.access))
        .await;
    let messages = envelope(
        &reply,
        "detail",
        "Messages retrieved successfully.",
        "messages",
    );
    messages.as_array().expect("messages is a list").clone()
}

/// The ids the main API lists for `room`, oldest first.
async fn main_ids(app: &TestApp, reader: &User, room: i64) -> Vec<i64> {
    let first = format!("/api/chat/rooms/{room}/messages/?page_size=100");
    let (newest_first, _) = walk(app, &reader.access, &first, "next").await;
    ids(&newest_first).into_iter().rev().collect()
}

// ---------------------------------------------------------------- create

#[tokio::test]
async fn create_returns_the_message_as_the_main_api_has_it() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = id_of(&legacy_room(&app, &alice, &bob).await);

    let message = legacy_message(&app, &alice, room, "  hello bob \n").await;

    assert_eq!(message["content"], "hello bob", "trimmed");
    assert_eq!(message["chat_room"], room);
    assert_eq!(message["sender_id"], alice.id);
    assert_eq!(message["sender"], "alice");
    assert_eq!(message["updated_at"], Value::Null);
    assert_eq!(
        message,
        main_message(&app, &bob, room, id_of(&message)).await
    );
}

#[tokio::test]
async fn create_accepts_a_form_body() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let room_text = room.to_string();

    let reply = form(
        &app,
        Method::POST,
        CREATE_MESSAGE,
        Some(&alice.access),
        &[("chat_room", &room_text), ("content", "from a form & more")],
    )
    .await;

    let message = envelope(&reply, "detail", "Message sent successfully.", "message");
    assert_eq!(message["content"], "from a form & more");
    assert_eq!(message["chat_room"], room);
    assert_eq!(
        *message,
        main_message(&app, &alice, room, id_of(message)).await
    );
}

// ---------------------------------------------------------------- list

#[tokio::test]
async fn list_is_oldest_first_with_the_main_api_objects() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = id_of(&legacy_room(&app, &alice, &bob).await);
    let first = app.message(&alice, room, "one").await;
    let second = id_of(&legacy_message(&app, &bob, room, "two").await);
    let third = app.message(&alice, room, "three").await;

    let messages = listed(&app, &bob, &format!("?chat_room={room}")).await;

    assert_eq!(ids(&messages), [first, second, third]);
    for message in &messages {
        assert_eq!(
            *message,
            main_message(&app, &bob, room, id_of(message)).await
        );
    }
    assert_eq!(main_ids(&app, &alice, room).await, [first, second, third]);
}

#[tokio::test]
async fn list_pages_with_limit_and_offset() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(app.message(&alice, room, &format!("m{i}")).await);
    }

    assert_eq!(
        ids(&listed(&app, &alice, &format!("?chat_room={room}&limit=2")).await),
        sent[..2]
    );
    assert_eq!(
        ids(&listed(&app, &alice, &format!("?chat_room={room}&limit=2&offset=2")).await),
        sent[2..4]
    );
    assert_eq!(
        ids(&listed(&app, &alice, &format!("?chat_room={room}&limit=2&offset=4")).await),
        sent[4..]
    );
    assert!(
        listed(&app, &alice, &format!("?chat_room={room}&offset=5"))
            .await
            .is_empty()
    );
    assert_eq!(
        ids(&listed(&app, &alice, &format!("?chat_room={room}&offset=3")).await),
        sent[3..]
    );
}

#[tokio::test]
async fn list_returns_at_most_100_a_call() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let mut sent = Vec::new();
    for i in 0..101 {
        sent.push(app.message(&alice, room, &format!("m{i}")).await);
    }

    let all = listed(&app, &alice, &format!("?chat_room={room}")).await;
    assert_eq!(ids(&all), sent[..100]);
    let asked_for_more = listed(&app, &alice, &format!("?chat_room={room}&limit=500")).await;
    assert_eq!(ids(&asked_for_more), sent[..100]);
    let rest = listed(&app, &alice, &format!("?chat_room={room}&offset=100")).await;
    assert_eq!(ids(&rest), sent[100..]);
}

#[tokio::test]
async fn list_without_a_room_is_every_room_of_the_caller() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let pair = id_of(&legacy_room(&app, &alice, &bob).await);
    let group = app.room(&alice, "GROUP", &[&carol]).await;
    let elsewhere = app.room(&bob, "GROUP", &[&carol]).await;
    let a = app.message(&alice, pair, "a").await;
    let b = app.message(&carol, group, "b").await;
    let _not_alices = app.message(&bob, elsewhere, "c").await;
    let d = app.message(&bob, pair, "d").await;

    assert_eq!(ids(&listed(&app, &alice, "").await), [a, b, d]);
    assert_eq!(ids(&listed(&app, &alice, "?limit=1&offset=1").await), [b]);
}

// ---------------------------------------------------------------- update

#[tokio::test]
async fn update_edits_the_message_for_the_main_api() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = id_of(&legacy_room(&app, &alice, &bob).await);
    let id = app.message(&alice, room, "draft").await;

    let reply = app
        .put(
            &message_url(id),
            Some(&alice.access),
            json!({"content": " final "}),
        )
        .await;

    let message = envelope(&reply, "detail", "Message updated successfully.", "message");
    assert_eq!(message["content"], "final");
    assert!(is_drf_timestamp(&message["updated_at"]), "{message}");
    assert_eq!(*message, main_message(&app, &bob, room, id).await);
    // Naming the message's own room is accepted too.
    let again = app
        .put(
            &message_url(id),
            Some(&alice.access),
            json!({"content": "final 2", "chat_room": room}),
        )
        .await;
    let message = envelope(&again, "detail", "Message updated successfully.", "message");
    assert_eq!(*message, main_message(&app, &bob, room, id).await);
    assert_eq!(message["content"], "final 2");
}

#[tokio::test]
async fn update_accepts_a_form_body() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let id = id_of(&legacy_message(&app, &alice, room, "draft").await);
    let room_text = room.to_string();

    let reply = form(
        &app,
        Method::PUT,
        &message_url(id),
        Some(&alice.access),
        &[("content", "edited in a form"), ("chat_room", &room_text)],
    )
    .await;

    let message = envelope(&reply, "detail", "Message updated successfully.", "message");
    assert_eq!(message["content"], "edited in a form");
    assert_eq!(*message, main_message(&app, &alice, room, id).await);
}

// ---------------------------------------------------------------- delete

#[tokio::test]
async fn delete_removes_the_message_from_the_main_api() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = id_of(&legacy_room(&app, &alice, &bob).await);
    let kept = app.message(&alice, room, "kept").await;
    let id = id_of(&legacy_message(&app, &alice, room, "gone").await);

    let reply = app.delete(&message_url(id), Some(&alice.access)).await;

    reply.expect(200, json!({"detail": "Message deleted successfully."}));
    let gone = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/{id}/"),
            Some(&bob.access),
        )
        .await;
    gone.expect(404, detail(NOT_FOUND));
    assert_eq!(main_ids(&app, &bob, room).await, [kept]);
    assert_eq!(
        ids(&listed(&app, &bob, &format!("?chat_room={room}")).await),
        [kept]
    );
}

// ---------------------------------------------------------------- across routes

#[tokio::test]
async fn messages_are_the_same_on_every_route() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = id_of(&legacy_room(&app, &alice, &bob).await);
    let legacy = legacy_message(&app, &alice, room, "via seed 000").await;
    let main = app.message(&bob, room, "via the main API").await;
    let seed002 = app
        .post(
            &format!("/{room}/messages/"),
            Some(&alice.access),
            json!({"content": "via seed 002"}),
        )
        .await;
    assert_eq!(seed002.status, 201, "{seed002:?}");
    let expected = [id_of(&legacy), main, id_of(&seed002.body)];

    assert_eq!(main_ids(&app, &bob, room).await, expected);
    let legacy_list = listed(&app, &bob, &format!("?chat_room={room}")).await;
    assert_eq!(ids(&legacy_list), expected);
    let seed002_list = app
        .get(&format!("/{room}/messages/"), Some(&bob.access))
        .await;
    assert_eq!(seed002_list.status, 200, "{seed002_list:?}");
    assert_eq!(seed002_list.body, json!(legacy_list));
    // Bob answered Alice's first message, so he has read it.
    let mut legacy = legacy;
    legacy["is_read"] = json!(true);
    assert_eq!(legacy_list[0], legacy);
    assert_eq!(legacy_list[2], seed002.body);
}

#[tokio::test]
async fn legacy_writes_are_the_same_realtime_events() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = id_of(&legacy_room(&app, &alice, &bob).await);
    let mut bobs = connect(&app, &format!("/ws/chat/rooms/{room}/"), &bob.access).await;

    let created = legacy_message(&app, &alice, room, "live").await;
    let first = expect_stored(
        &mut bobs,
        &json!({"type": "message.created", "message": created}),
    )
    .await;

    let id = id_of(&created);
    let reply = app
        .put(
            &message_url(id),
            Some(&alice.access),
            json!({"content": "live, edited"}),
        )
        .await;
    let updated = envelope(&reply, "detail", "Message updated successfully.", "message");
    let edited = expect_stored(
        &mut bobs,
        &json!({"type": "message.updated", "message": updated}),
    )
    .await;

    let deleted = app.delete(&message_url(id), Some(&alice.access)).await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let gone = expect_stored(
        &mut bobs,
        &json!({"type": "message.deleted", "chat_room": room, "message_id": id}),
    )
    .await;
    assert_growing(&[first, edited, gone]);
}
