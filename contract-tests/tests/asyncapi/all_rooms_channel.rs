//! The live scenario of the every-room channel `/ws/chat/`: actions naming their room, and
//! the refusals of a socket that is in none.

use serde_json::json;

use super::{Cast, Sockets, assert_field_error};

/// The every-room socket.
pub async fn every_room_socket(cast: &Cast, sockets: &mut Sockets) {
    let (bob, room, other_room) = (&cast.bob, cast.room, cast.other_room);
    let Sockets {
        a_room,
        b_room,
        b_all,
        c_all,
        ..
    } = sockets;
    b_all
        .act(json!({"action": "new_message", "chat_room": room, "message": "From the every-room socket"}))
        .await;
    let ack = b_all
        .expect("message.created", |f| f["message"]["sender_id"] == bob.id)
        .await;
    let id = ack["message"]["id"].clone();
    a_room
        .expect("message.created", |f| f["message"]["id"] == id)
        .await;
    b_room
        .expect("message.created", |f| f["message"]["id"] == id)
        .await;
    b_all
        .malformed(json!({"action": "new_message", "message": "Which room?"}))
        .await;
    assert_field_error(&b_all.expect_error("invalid").await, "chat_room");
    b_all
        .malformed(json!({"action": "new_message", "chat_room": "general", "message": "x"}))
        .await;
    assert_field_error(&b_all.expect_error("invalid").await, "chat_room");
    b_all
        .act(json!({"action": "typing", "chat_room": room}))
        .await;
    a_room.expect("typing", |f| f["user_id"] == bob.id).await;
    b_all.malformed(json!({"action": "typing"})).await;
    assert_field_error(&b_all.expect_error("invalid").await, "chat_room");
    c_all
        .act(json!({"action": "new_message", "chat_room": room, "message": "Let me in"}))
        .await;
    c_all.expect_error("permission_denied").await;
    c_all
        .act(json!({"action": "typing", "chat_room": room}))
        .await;
    c_all.expect_error("permission_denied").await;
    let other_key = "0d9f7a34-1b2c-4d5e-8f60-7a8b9c0d1e2f";
    c_all
        .malformed_text("{\"action\": \"typing\", \"chat_room\": ")
        .await;
    c_all.expect_error("parse_error").await;
    b_all
        .act(json!({"action": "new_message", "chat_room": other_room, "message": "One", "client_id": other_key}))
        .await;
    b_all
        .expect("message.created", |f| {
            f["message"]["client_id"] == other_key
        })
        .await;
    b_all
        .act(json!({"action": "new_message", "chat_room": other_room, "message": "Two", "client_id": other_key}))
        .await;
    b_all.expect_error("conflict").await;
    b_all
        .malformed(json!({"action": "wave", "chat_room": room}))
        .await;
    b_all.expect_error("unknown_action").await;
}
