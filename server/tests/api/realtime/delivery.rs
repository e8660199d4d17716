//! Each event type reaches every socket of the room's participants (room, every-room and
//! seed 002 sockets), never an outsider, with exactly its documented fields: stored events
//! with their position first, the same on every socket and growing from one event to the next.

use serde_json::json;

use super::*;

const MESSAGE_KEYS: [&str; 13] = [
    "chat_room",
    "client_id",
    "content",
    "created_at",
    "id",
    "is_read",
    "mentions",
    "reactions",
    "reply_preview",
    "reply_to",
    "sender",
    "sender_id",
    "updated_at",
];

/// A `message.created`/`message.updated` event: `{position, type, message}`, the message as
/// REST has it.
async fn assert_message_event(app: &TestApp, reader: &User, event: &Value, kind: &str) {
    assert_eq!(keys(event), ["message", "position", "type"], "{event}");
    position(event);
    assert_eq!(event["type"], kind);
    assert_eq!(keys(&event["message"]), MESSAGE_KEYS);
    let room = event["message"]["chat_room"].as_i64().expect("chat_room");
    let id = event["message"]["id"].as_i64().expect("id");
    assert_eq!(event["message"], rest_message(app, reader, room, id).await);
}

/// Created, edited twice (PUT, PATCH) and deleted over REST by `sender`: every socket in
/// `sockets` hears all four, with the same text (positions included), at growing positions.
async fn assert_hears_a_message_lifecycle(
    app: &TestApp,
    sender: &User,
    room: i64,
    sockets: &mut [&mut Socket],
) {
    let id = app.message(sender, room, "first").await;
    let mut created = Vec::new();
    for socket in sockets.iter_mut() {
        created.push(expect_created(socket, id).await);
    }
    assert_message_event(app, sender, &created[0], "message.created").await;
    assert!(created.iter().all(|event| *event == created[0]));
    let mut positions = vec![position(&created[0])];

    let url = message_url(room, id);
    let put = app
        .put(&url, Some(&sender.access), json!({"content": "second"}))
        .await;
    assert_eq!(put.status, 200, "{put:?}");
    let patch = app
        .patch(&url, Some(&sender.access), json!({"is_read": true}))
        .await;
    assert_eq!(patch.status, 200, "{patch:?}");
    let mut updated = Vec::new();
    for socket in sockets.iter_mut() {
        for reply in [&put, &patch] {
            let event = next_event(socket).await;
            assert_eq!(
                unpositioned(&event),
                json!({"type": "message.updated", "message": reply.body})
            );
            updated.push(event);
        }
    }
    assert!(updated.chunks(2).all(|edits| edits == &updated[..2]));
    positions.extend(updated[..2].iter().map(position));
    assert_message_event(app, sender, &updated[1], "message.updated").await;

    app.delete(&url, Some(&sender.access))
        .await
        .expect(204, Value::Null);
    let deleted = json!({"type": "message.deleted", "chat_room": room, "message_id": id});
    let mut at = Vec::new();
    for socket in sockets.iter_mut() {
        at.push(expect_stored(socket, &deleted).await);
    }
    assert!(at.iter().all(|p| *p == at[0]), "{at:?}");
    positions.push(at[0]);
    assert_growing(&positions);
}

#[tokio::test]
async fn message_events_reach_room_and_every_room_sockets_of_participants_only() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let elsewhere = app.room(&carol, "GROUP", &[]).await;
    let mut bobs_room = connect(&app, &room_ws(room), &bob.access).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut alices_all = connect(&app, ALL_ROOMS_WS, &alice.access).await;
    let mut carols_all = connect(&app, ALL_ROOMS_WS, &carol.access).await;
    let mut carols_room = connect(&app, &room_ws(elsewhere), &carol.access).await;

    assert_hears_a_message_lifecycle(
        &app,
        &alice,
        room,
        &mut [&mut bobs_room, &mut bobs_all, &mut alices_all],
    )
    .await;

    // Carol heard none of it: the first thing her sockets hear is her own room's message.
    let barrier = app.message(&carol, elsewhere, "mine").await;
    expect_created(&mut carols_all, barrier).await;
    expect_created(&mut carols_room, barrier).await;
    // ... and carol's room never reaches bob's socket for alice's.
    let next = app.message(&alice, room, "next").await;
    expect_created(&mut bobs_room, next).await;
}

#[tokio::test]
async fn message_events_reach_both_sockets_of_a_seed_002_pair_only() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;
    let mut alices = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    let mut bobs = connect(&app, &pair_ws(bob.id, alice.id), &bob.access).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    // Carol's pair with alice is another room.
    let mut carols = connect(&app, &pair_ws(carol.id, alice.id), &carol.access).await;

    assert_hears_a_message_lifecycle(
        &app,
        &bob,
        room,
        &mut [&mut alices, &mut bobs, &mut bobs_all],
    )
    .await;

    act(
        &mut carols,
        json!({"action": "new_message", "message": "carol here"}),
    )
    .await;
    let carols_message = next_event(&mut carols).await;
    assert_eq!(carols_message["type"], "message.created");
    assert_ne!(carols_message["message"]["chat_room"], json!(room));
    // Alice's pair socket with bob does not hear her chat with carol.
    let next = app.message(&bob, room, "next").await;
    expect_created(&mut alices, next).await;
}

#[tokio::test]
async fn an_every_room_socket_hears_all_the_users_rooms_in_order() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let first = app.room(&alice, "GROUP", &[&bob]).await;
    let second = app.room(&bob, "COURSE", &[&alice]).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut bobs_first = connect(&app, &room_ws(first), &bob.access).await;

    let a = app.message(&alice, first, "one").await;
    let b = app.message(&alice, second, "two").await;
    let c = app.message(&bob, first, "three").await;

    for id in [a, b, c] {
        expect_created(&mut bobs_all, id).await;
    }
    expect_created(&mut bobs_first, a).await;
    expect_created(&mut bobs_first, c).await;
    assert_silent(&mut bobs_first).await;
}

#[tokio::test]
async fn typing_reaches_the_others_with_exactly_its_fields_and_never_the_typer() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut alices_room = connect(&app, &room_ws(room), &alice.access).await;
    let mut alices_all = connect(&app, ALL_ROOMS_WS, &alice.access).await;
    let mut bobs_room = connect(&app, &room_ws(room), &bob.access).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut carols_all = connect(&app, ALL_ROOMS_WS, &carol.access).await;
    let alice_typing = json!({
        "type": "typing", "chat_room": room, "user_id": alice.id, "username": "alice",
    });

    act(&mut alices_room, json!({"action": "typing"})).await;
    assert_eq!(next_event(&mut bobs_room).await, alice_typing);
    assert_eq!(next_event(&mut bobs_all).await, alice_typing);

    // The every-room socket names the room.
    act(
        &mut alices_all,
        json!({"action": "typing", "chat_room": room}),
    )
    .await;
    assert_eq!(next_event(&mut bobs_room).await, alice_typing);
    assert_eq!(next_event(&mut bobs_all).await, alice_typing);

    // Neither of alice's sockets heard her typing: the next thing they hear is her message.
    act(
        &mut alices_room,
        json!({"action": "new_message", "message": "done typing"}),
    )
    .await;
    let ack = next_event(&mut alices_room).await;
    assert_eq!(ack["type"], "message.created", "{ack}");
    assert_eq!(next_event(&mut alices_all).await, ack);
    assert_eq!(next_event(&mut bobs_room).await, ack);

    // Bob typing reaches alice, and carol hears nothing at all.
    act(
        &mut bobs_all,
        json!({"action": "typing", "chat_room": room}),
    )
    .await;
    let bob_typing = json!({
        "type": "typing", "chat_room": room, "user_id": bob.id, "username": "bob",
    });
    assert_eq!(next_event(&mut alices_room).await, bob_typing);
    assert_eq!(next_event(&mut alices_all).await, bob_typing);
    assert_silent(&mut carols_all).await;
}

#[tokio::test]
async fn typing_on_a_seed_002_socket_reaches_the_other_user() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut alices = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    let mut bobs = connect(&app, &pair_ws(bob.id, alice.id), &bob.access).await;
    let rooms = app.get("/api/chat/rooms/", Some(&alice.access)).await;
    let room = rooms.body["results"][0]["id"]
        .as_i64()
        .expect("the pair's room");

    act(
        &mut alices,
        json!({"action": "typing", "chat_room": room, "other_user": bob.id}),
    )
    .await;
    assert_eq!(
        next_event(&mut bobs).await,
        json!({"type": "typing", "chat_room": room, "user_id": alice.id, "username": "alice"})
    );
    // Not echoed: alice's next event is bob's message.
    let next = app.message(&bob, room, "next").await;
    expect_created(&mut alices, next).await;
}

#[tokio::test]
async fn error_events_go_to_the_offending_socket_alone_with_exactly_their_fields() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut alices_room = connect(&app, &room_ws(room), &alice.access).await;
    let mut alices_all = connect(&app, ALL_ROOMS_WS, &alice.access).await;
    let mut bobs_room = connect(&app, &room_ws(room), &bob.access).await;

    alices_room
        .send(Message::text("{not json"))
        .await
        .expect("sent");
    let error = expect_error(&mut alices_room, "parse_error").await;
    assert_eq!(keys(&error), ["code", "detail", "type"]);
    assert!(
        error["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("JSON parse error - ")),
        "{error}"
    );
    for frame in [json!([1, 2]), json!("new_message")] {
        act(&mut alices_room, frame).await;
        let error = expect_error(&mut alices_room, "parse_error").await;
        assert_eq!(keys(&error), ["code", "detail", "type"]);
    }
    alices_room
        .send(Message::binary(b"{}".to_vec()))
        .await
        .expect("sent");
    expect_error(&mut alices_room, "parse_error").await;
    for frame in [json!({"action": "dance"}), json!({"message": "no action"})] {
        act(&mut alices_room, frame).await;
        let error = expect_error(&mut alices_room, "unknown_action").await;
        assert_eq!(keys(&error), ["code", "detail", "type"]);
    }
    assert_eq!(
        next_event_after_action(&mut alices_room, json!({"action": "dance"})).await["detail"],
        "Unknown action \"dance\"."
    );

    // Nobody else heard any of it, alice's other socket included.
    let barrier = app.message(&bob, room, "barrier").await;
    expect_created(&mut alices_all, barrier).await;
    expect_created(&mut bobs_room, barrier).await;
    expect_created(&mut alices_room, barrier).await;
}

async fn next_event_after_action(socket: &mut Socket, action: Value) -> Value {
    act(socket, action).await;
    next_event(socket).await
}
