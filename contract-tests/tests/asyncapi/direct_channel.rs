//! The live scenario of seed 002's direct channel `/ws/chat/{user_id}/{other_user_id}/`.

use serde_json::{Value, json};

use super::rest::Rest;
use super::{Cast, Sockets, assert_field_error};

/// Seed 002's direct socket.
pub async fn direct_socket(rest: &Rest, cast: &Cast, sockets: &mut Sockets) {
    let (alice, bob, carol) = (&cast.alice, &cast.bob, &cast.carol);
    let (room, direct) = (cast.room, cast.direct);
    let Sockets {
        a_direct,
        b_direct,
        b_all,
        ..
    } = sockets;
    a_direct
        .act(json!({"action": "new_message", "sender": alice.id, "other_user": bob.id, "chat_room": direct, "message": "Hi Bob"}))
        .await;
    let ack = a_direct
        .expect("message.created", |f| f["message"]["content"] == "Hi Bob")
        .await;
    let id = ack["message"]["id"].as_i64().expect("message id");
    b_direct
        .expect("message.created", |f| f["message"]["id"] == id)
        .await;
    b_all
        .expect("message.created", |f| f["message"]["id"] == id)
        .await;
    a_direct
        .act(json!({"action": "new_message", "sender": bob.id, "message": "I am Bob"}))
        .await;
    a_direct.expect_error("permission_denied").await;
    a_direct
        .act(json!({"action": "new_message", "other_user": carol.id, "message": "Hi Carol"}))
        .await;
    assert_field_error(&a_direct.expect_error("invalid").await, "other_user");
    a_direct
        .act(json!({"action": "new_message", "chat_room": room, "message": "Wrong room"}))
        .await;
    assert_field_error(&a_direct.expect_error("invalid").await, "chat_room");
    a_direct
        .malformed(json!({"action": "new_message", "message": ""}))
        .await;
    assert_field_error(&a_direct.expect_error("invalid").await, "message");
    a_direct
        .act(json!({"action": "typing", "sender": alice.id, "other_user": bob.id}))
        .await;
    b_direct
        .expect("typing", |f| f["chat_room"] == direct)
        .await;
    b_all.expect("typing", |f| f["chat_room"] == direct).await;
    b_direct
        .act(json!({"action": "typing", "sender": alice.id}))
        .await;
    b_direct.expect_error("permission_denied").await;
    b_direct.malformed_text("not json").await;
    b_direct.expect_error("parse_error").await;
    b_direct.malformed(json!({"action": "shout"})).await;
    b_direct.expect_error("unknown_action").await;
    let direct_key = "3c6e0b8a-5f2d-4e1b-9c7a-2d4f6a8b0c1e";
    b_direct
        .act(json!({"action": "new_message", "message": "Once", "client_id": direct_key}))
        .await;
    b_direct
        .expect("message.created", |f| {
            f["message"]["client_id"] == direct_key
        })
        .await;
    b_direct
        .act(json!({"action": "new_message", "message": "Twice", "client_id": direct_key}))
        .await;
    b_direct.expect_error("conflict").await;
    rest.call(
        "PATCH",
        &format!("/api/chat/rooms/{direct}/messages/{id}/"),
        alice,
        json!({"content": "Hi Bob!"}),
    )
    .await;
    for socket in [&mut *a_direct, &mut *b_direct, &mut *b_all] {
        socket
            .expect("message.updated", |f| f["message"]["id"] == id)
            .await;
    }
    rest.call(
        "DELETE",
        &format!("/api/chat/rooms/{direct}/messages/{id}/"),
        alice,
        Value::Null,
    )
    .await;
    for socket in [&mut *a_direct, &mut *b_direct, &mut *b_all] {
        socket
            .expect("message.deleted", |f| f["message_id"] == id)
            .await;
    }
}
