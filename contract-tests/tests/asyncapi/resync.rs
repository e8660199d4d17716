//! The `resync` event, on a server of its own that keeps events for about a second
//! (`CHAT_EVENT_RETENTION_HOURS=0.0003`; pruning then runs every second): once an event has
//! been pruned (`GET /api/events/?since=0` answers 410), a socket of every channel resuming
//! with `?since=0` gets one `resync` with the newest position as its first frame, then live
//! events, after that position.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use contract_tests::Server;
use serde_json::json;

use super::log::Log;
use super::rest::{Rest, User};
use super::socket::{Auth, Client};
use super::{ALL_ROOMS, DIRECT, ROOM};

/// About 1.08 seconds.
const SHORT_RETENTION: [(&str, &str); 1] = [("CHAT_EVENT_RETENTION_HOURS", "0.0003")];
/// How long pruning may take to catch up with the first event.
const PRUNING_PATIENCE: Duration = Duration::from_secs(20);

/// Frames go into `log` with the main scenario's, so they are validated and counted alike.
pub async fn resync_on_every_channel(log: &Arc<Mutex<Log>>) {
    let server = Server::start_with(&SHORT_RETENTION);
    let rest = Rest::new(&server.base);
    let alice = rest.user("alice").await;
    let bob = rest.user("bob").await;
    let room = rest.room(&alice, "short-lived", &[bob.id]).await;
    let expired = pruned(&rest, &alice).await;

    let mut a_room = Client::open(
        &server,
        log,
        ROOM,
        &format!("/ws/chat/rooms/{room}/?since=0"),
        Auth::Header(&alice.token),
    )
    .await;
    let mut b_all = Client::open(
        &server,
        log,
        ALL_ROOMS,
        "/ws/chat/?since=0",
        Auth::Query(&bob.token),
    )
    .await;
    // This handshake creates the pair's room: its `room.created` comes before the socket's
    // start, and is not replayed either.
    let mut a_direct = Client::open(
        &server,
        log,
        DIRECT,
        &format!("/ws/chat/{}/{}/?since=0", alice.id, bob.id),
        Auth::Query(&alice.token),
    )
    .await;
    for socket in [&mut a_room, &mut b_all, &mut a_direct] {
        let first = socket.next_text().await;
        assert!(
            first["type"] == "resync" && first["reason"] == "position_expired",
            "the first frame after an expired `since` is a resync: {first}"
        );
        let position = first["position"].as_i64().expect("the resync's position");
        assert!(
            position >= expired,
            "the resync's position {position} is the newest, at least the 410's {expired}"
        );
    }

    // Live events follow (their positions after the resync's: the log check sees to it).
    let posted = rest
        .call(
            "POST",
            &format!("/api/chat/rooms/{room}/messages/"),
            &alice,
            json!({"content": "Still here"}),
        )
        .await;
    for socket in [&mut a_room, &mut b_all] {
        socket
            .expect("message.created", |f| f["message"]["id"] == posted["id"])
            .await;
    }
    a_direct
        .act(json!({"action": "new_message", "message": "And here"}))
        .await;
    let ack = a_direct
        .expect("message.created", |f| f["message"]["content"] == "And here")
        .await;
    b_all
        .expect("message.created", |f| {
            f["message"]["id"] == ack["message"]["id"]
        })
        .await;
    for socket in [&mut a_room, &mut b_all, &mut a_direct] {
        socket.drain().await;
    }
}

/// Waits until the log has pruned an event: `GET /api/events/?since=0` answers 410 with the
/// newest position, which it returns.
async fn pruned(rest: &Rest, user: &User) -> i64 {
    let deadline = tokio::time::Instant::now() + PRUNING_PATIENCE;
    loop {
        let (status, body) = rest.status("GET", "/api/events/?since=0", user).await;
        match status {
            410 => {
                assert_eq!(body["code"], "position_expired", "{body}");
                return body["position"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("the 410 carries the newest position: {body}"));
            }
            200 => assert!(
                tokio::time::Instant::now() < deadline,
                "no event was pruned within {PRUNING_PATIENCE:?} (retention about a second)"
            ),
            other => panic!("GET /api/events/?since=0 → {other}: {body}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
