//! The edges of a socket's life: the handshakes the server refuses, and the close frames it
//! sends.

use std::sync::{Arc, Mutex};

use contract_tests::Server;
use serde_json::{Value, json};

use super::log::Log;
use super::rest::{Rest, User};
use super::socket::{Auth, Client, refusal, try_connect};
use super::{Cast, DIRECT, ROOM, Sockets};

/// The handshakes the server refuses.
pub async fn refusals(
    server: &Server,
    rest: &Rest,
    alice: &User,
    bob: &User,
    carol: &User,
    room: i64,
) {
    // Authentication before the upgrade: both documented ways work, nothing else does.
    let (status, _) = refusal(try_connect(server, &format!("/ws/chat/rooms/{room}/"), None).await);
    assert_eq!(status, 401, "no token");
    let (status, _) = refusal(
        try_connect(
            server,
            &format!("/ws/chat/rooms/{room}/"),
            Some(Auth::Query("not-a-token")),
        )
        .await,
    );
    assert_eq!(status, 401, "a bad ?token=");
    // The other refusals the channel descriptions promise.
    let refusals = [
        (
            format!("/ws/chat/rooms/{room}/"),
            carol,
            403,
            "not a participant",
        ),
        (
            format!("/ws/chat/{}/{}/", bob.id, alice.id),
            alice,
            403,
            "not user_id",
        ),
        (
            format!("/ws/chat/{}/999999/", alice.id),
            alice,
            404,
            "no other user",
        ),
    ];
    for (path, user, expected, why) in refusals {
        let (status, body) =
            refusal(try_connect(server, &path, Some(Auth::Header(&user.token))).await);
        assert_eq!(status, expected, "{path} ({why}): {body}");
    }
    // `since` on every route: an integer from 0 to the newest position, or 400 keyed `since`.
    let newest = rest.position(alice).await;
    let bad_since = [
        (
            format!("/ws/chat/rooms/{room}/?since=soon"),
            "not an integer",
        ),
        ("/ws/chat/?since=-1".to_owned(), "negative"),
        (
            format!("/ws/chat/{}/{}/?since={}", alice.id, bob.id, newest + 1),
            "newer than the newest position",
        ),
    ];
    for (path, why) in bad_since {
        let (status, body) =
            refusal(try_connect(server, &path, Some(Auth::Query(&alice.token))).await);
        assert!(
            status == 400 && body["since"].is_array(),
            "{path} ({why}): {status} {body}"
        );
    }
}

/// The close frames of a deleted room, a removed participant and an oversized frame.
pub async fn close_frames(
    server: &Server,
    rest: &Rest,
    log: &Arc<Mutex<Log>>,
    cast: &Cast,
    sockets: &mut Sockets,
) {
    let (alice, bob, carol) = (&cast.alice, &cast.bob, &cast.carol);
    let b_all = &mut sockets.b_all;
    // A deleted room's sockets hear `room.deleted`, then the one-room ones close.
    let doomed = rest.room(alice, "doomed", &[bob.id]).await;
    let mut x_room = Client::open(
        server,
        log,
        ROOM,
        &format!("/ws/chat/rooms/{doomed}/"),
        Auth::Header(&alice.token),
    )
    .await;
    rest.call(
        "DELETE",
        &format!("/api/chat/rooms/{doomed}/"),
        alice,
        Value::Null,
    )
    .await;
    for socket in [&mut x_room, &mut *b_all] {
        socket
            .expect("room.deleted", |f| f["chat_room"] == doomed)
            .await;
    }
    assert_eq!(
        x_room.expect_close().await,
        Some((1000, "room deleted".into()))
    );

    // A removed participant hears `member.removed`, then nothing more of the room: a one-room
    // socket closes, an every-room socket stays open.
    let left = rest.room(alice, "left", &[bob.id]).await;
    let mut y_room = Client::open(
        server,
        log,
        ROOM,
        &format!("/ws/chat/rooms/{left}/"),
        Auth::Query(&bob.token),
    )
    .await;
    rest.call(
        "PATCH",
        &format!("/api/chat/rooms/{left}/"),
        alice,
        json!({"participants": [alice.id]}),
    )
    .await;
    for socket in [&mut y_room, &mut *b_all] {
        socket
            .expect("member.removed", |f| {
                f["chat_room"] == left
                    && f["user_id"] == bob.id
                    && f["by"] == alice.id
                    && f["reason"] == "removed"
            })
            .await;
    }
    assert_eq!(
        y_room.expect_close().await,
        Some((1008, "not a participant".into()))
    );
    rest.call(
        "POST",
        &format!("/api/chat/rooms/{left}/messages/"),
        alice,
        json!({"content": "Bob is gone"}),
    )
    .await;
    b_all
        .refute("message.created", |f| f["message"]["chat_room"] == left)
        .await;

    let mut z_direct = Client::open(
        server,
        log,
        DIRECT,
        &format!("/ws/chat/{}/{}/", carol.id, alice.id),
        Auth::Header(&carol.token),
    )
    .await;
    z_direct.oversized(70 * 1024).await;
    assert_eq!(
        z_direct.expect_close().await,
        Some((1009, "frame too large".into()))
    );
}
