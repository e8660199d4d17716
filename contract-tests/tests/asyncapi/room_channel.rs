//! The live scenarios of the one-room channel: REST changes reaching the room's sockets, and
//! every action, refusal and event on `/ws/chat/rooms/{room_id}/`.

use serde_json::{Value, json};

use super::rest::Rest;
use super::{Cast, Sockets, assert_field_error};

/// REST changes reach every socket of the room.
pub async fn rest_changes(rest: &Rest, cast: &Cast, sockets: &mut Sockets) {
    let (alice, room) = (&cast.alice, cast.room);
    let Sockets {
        a_room,
        b_room,
        b_all,
        ..
    } = sockets;
    let posted = rest
        .call(
            "POST",
            &format!("/api/chat/rooms/{room}/messages/"),
            alice,
            json!({"content": "Hello over REST"}),
        )
        .await;
    let id = posted["id"].as_i64().expect("message id");
    for socket in [&mut *a_room, &mut *b_room, &mut *b_all] {
        socket
            .expect("message.created", |f| f["message"]["id"] == id)
            .await;
    }
    rest.call(
        "PATCH",
        &format!("/api/chat/rooms/{room}/messages/{id}/"),
        alice,
        json!({"content": "Hello over REST, edited"}),
    )
    .await;
    for socket in [&mut *a_room, &mut *b_room, &mut *b_all] {
        socket
            .expect("message.updated", |f| f["message"]["id"] == id)
            .await;
    }
    rest.call(
        "DELETE",
        &format!("/api/chat/rooms/{room}/messages/{id}/"),
        alice,
        Value::Null,
    )
    .await;
    for socket in [&mut *a_room, &mut *b_room, &mut *b_all] {
        socket
            .expect("message.deleted", |f| f["message_id"] == id)
            .await;
    }
}

/// The one-room socket.
pub async fn one_room_socket(cast: &Cast, sockets: &mut Sockets) {
    let (alice, room, other_room) = (&cast.alice, cast.room, cast.other_room);
    let Sockets {
        a_room,
        b_room,
        b_all,
        ..
    } = sockets;
    let key = "6f1c2b2e-8d7a-4c1e-9a55-0b4e2d3fa1c7";
    a_room
        .act(json!({"action": "new_message", "message": "Hello over the socket", "client_id": key}))
        .await;
    let ack = a_room
        .expect("message.created", |f| f["message"]["client_id"] == key)
        .await;
    assert!(
        ack["position"].is_i64(),
        "the acknowledgement is the stored event: {ack}"
    );
    let id = ack["message"]["id"].clone();
    b_room
        .expect("message.created", |f| f["message"]["id"] == id)
        .await;
    b_all
        .expect("message.created", |f| f["message"]["id"] == id)
        .await;
    // A retry is answered with the stored message; another text under the key is a conflict.
    a_room
        .act(json!({"action": "new_message", "message": "Hello over the socket", "client_id": key, "chat_room": room}))
        .await;
    let retry = a_room
        .expect("message.created", |f| f["message"]["id"] == id)
        .await;
    assert!(
        retry.get("position").is_none(),
        "a retry stores nothing: its answer carries no position: {retry}"
    );
    a_room
        .act(json!({"action": "new_message", "message": "Something else", "client_id": key}))
        .await;
    a_room.expect_error("conflict").await;
    a_room
        .malformed(json!({"action": "new_message", "message": "   "}))
        .await;
    assert_field_error(&a_room.expect_error("invalid").await, "message");
    a_room
        .malformed(json!({"action": "new_message", "message": "x", "client_id": "not-a-uuid"}))
        .await;
    assert_field_error(&a_room.expect_error("invalid").await, "client_id");
    a_room.malformed(json!({"action": "new_message"})).await;
    assert_field_error(&a_room.expect_error("invalid").await, "message");
    a_room
        .act(json!({"action": "new_message", "message": "Wrong room", "chat_room": other_room}))
        .await;
    assert_field_error(&a_room.expect_error("invalid").await, "chat_room");
    a_room.act(json!({"action": "typing"})).await;
    b_room
        .expect("typing", |f| {
            f["user_id"] == alice.id && f["chat_room"] == room
        })
        .await;
    b_all.expect("typing", |f| f["user_id"] == alice.id).await;
    a_room
        .act(json!({"action": "typing", "chat_room": room}))
        .await;
    b_room.expect("typing", |f| f["username"] == "alice").await;
    a_room
        .act(json!({"action": "typing", "chat_room": other_room}))
        .await;
    assert_field_error(&a_room.expect_error("invalid").await, "chat_room");
    // Frames that are not actions.
    for text in ["{", "[1, 2]", "\"typing\"", "null"] {
        a_room.malformed_text(text).await;
        a_room.expect_error("parse_error").await;
    }
    a_room.binary().await;
    a_room.expect_error("parse_error").await;
    for frame in [
        json!({"action": "dance"}),
        json!({"message": "no action"}),
        json!({"action": 7}),
    ] {
        a_room.malformed(frame).await;
        a_room.expect_error("unknown_action").await;
    }
}
