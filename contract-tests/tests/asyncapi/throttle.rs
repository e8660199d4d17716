//! The `throttled` error event, on a server of its own whose message throttle admits one
//! message a second per user with no burst (the main scenario's server runs without
//! throttles): on every channel, a second `new_message` right after the first is refused with
//! DRF's throttle text, and the socket stays open and takes the message a second later.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use contract_tests::Server;
use serde_json::{Value, json};

use super::log::Log;
use super::rest::Rest;
use super::socket::{Auth, Client};
use super::{ALL_ROOMS, DIRECT, ROOM};

/// One message a second per user, no burst beyond it.
const LOW_THROTTLE: [(&str, &str); 2] = [("CHAT_MESSAGE_RATE", "1"), ("CHAT_MESSAGE_BURST", "1")];
/// What the throttle says when the next message is due within the second.
const THROTTLED: &str = "Request was throttled. Expected available in 1 second.";

/// Frames go into `log` with the main scenario's, so they are validated and counted alike.
pub async fn throttled_on_every_channel(log: &Arc<Mutex<Log>>) {
    let server = Server::start_with(&LOW_THROTTLE);
    let rest = Rest::new(&server.base);
    // One sender per channel: the throttle is per user, across channels.
    let alice = rest.user("alice").await;
    let bob = rest.user("bob").await;
    let carol = rest.user("carol").await;
    let room = rest.room(&alice, "throttled", &[bob.id]).await;

    let mut a_room = Client::open(
        &server,
        log,
        ROOM,
        &format!("/ws/chat/rooms/{room}/"),
        Auth::Header(&alice.token),
    )
    .await;
    let mut b_all = Client::open(
        &server,
        log,
        ALL_ROOMS,
        "/ws/chat/",
        Auth::Query(&bob.token),
    )
    .await;
    let mut c_direct = Client::open(
        &server,
        log,
        DIRECT,
        &format!("/ws/chat/{}/{}/", carol.id, alice.id),
        Auth::Header(&carol.token),
    )
    .await;

    let said = json!({"action": "new_message", "message": "Once a second"});
    twice(&mut a_room, &said, alice.id).await;
    // The refusal is no close: a second later the same socket is admitted again.
    tokio::time::sleep(Duration::from_secs(1)).await;
    a_room
        .act(json!({"action": "new_message", "message": "A second later"}))
        .await;
    a_room
        .expect("message.created", |f| {
            f["message"]["content"] == "A second later"
        })
        .await;
    twice(
        &mut b_all,
        &json!({"action": "new_message", "chat_room": room, "message": "Once a second"}),
        bob.id,
    )
    .await;
    twice(&mut c_direct, &said, carol.id).await;

    for socket in [&mut a_room, &mut b_all, &mut c_direct] {
        socket.drain().await;
    }
}

/// `action` twice in a row from `sender`: stored the first time, throttled the second.
async fn twice(socket: &mut Client, action: &Value, sender: i64) {
    socket.act(action.clone()).await;
    socket
        .expect("message.created", |f| f["message"]["sender_id"] == sender)
        .await;
    socket.act(action.clone()).await;
    let refusal = socket.expect_error("throttled").await;
    assert_eq!(refusal["detail"], THROTTLED, "{refusal}");
}
