//! The life of a connection: keep-alive pings, the frame size limit, catching up with
//! `after=` after a reconnect, and graceful shutdown.

use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncReadExt;

use super::*;

/// Room for a few ping intervals of one second on a loaded machine.
const KEEP_ALIVE_PATIENCE: Duration = Duration::from_secs(15);

/// The frames a server sends, as (opcode, payload), from raw bytes (server frames are
/// unmasked; these are all short).
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0x0f;
        let len = usize::from(bytes[1] & 0x7f);
        assert!(len < 126, "an unexpectedly long frame");
        let payload = bytes.get(2..2 + len).expect("a whole frame").to_vec();
        frames.push((opcode, payload));
        bytes = &bytes[2 + len..];
    }
    frames
}

#[tokio::test]
async fn a_client_that_answers_pings_stays_open_over_several_intervals() {
    let Some(app) = spawn_app_with(|config| config.ws_ping_interval_secs = 1).await else {
        return;
    };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let mut socket = connect(&app, &room_ws(room), &alice.access).await;

    // Reading answers each ping with a pong (tungstenite does it on the next read).
    let pings = tokio::time::timeout(KEEP_ALIVE_PATIENCE, async {
        let mut pings = 0;
        while pings < 4 {
            match socket.next().await {
                Some(Ok(Message::Ping(_))) => pings += 1,
                other => panic!("expected pings only, got {other:?}"),
            }
        }
        pings
    })
    .await
    .expect("pings every second");
    assert_eq!(pings, 4);

    // Four intervals later (twice the silence that drops a client), it still works.
    act(
        &mut socket,
        json!({"action": "new_message", "message": "still here"}),
    )
    .await;
    assert_eq!(next_event(&mut socket).await["type"], "message.created");
}

#[tokio::test]
async fn a_client_that_never_answers_is_closed_with_1001() {
    let Some(app) = spawn_app_with(|config| config.ws_ping_interval_secs = 1).await else {
        return;
    };
    let alice = app.user("alice").await;
    let mut socket = connect(&app, ALL_ROOMS_WS, &alice.access).await;

    // Below the WebSocket layer nothing answers the pings: read raw bytes until the server
    // hangs up.
    let mut bytes = Vec::new();
    tokio::time::timeout(
        KEEP_ALIVE_PATIENCE,
        socket.get_mut().read_to_end(&mut bytes),
    )
    .await
    .expect("the server hangs up")
    .expect("read");

    let frames = frames(&bytes);
    let (last, pings) = frames.split_last().expect("frames");
    assert!(!pings.is_empty(), "pinged first: {frames:?}");
    assert!(pings.iter().all(|(opcode, _)| *opcode == 0x9), "{frames:?}");
    let (opcode, payload) = last;
    assert_eq!(*opcode, 0x8, "a close frame last: {frames:?}");
    assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), 1001);
    assert_eq!(&payload[2..], b"no pong");
}

#[tokio::test]
async fn a_frame_over_the_configured_limit_closes_with_1009() {
    let Some(app) = spawn_app_with(|config| config.ws_max_frame_bytes = 1024).await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut alices = connect(&app, &room_ws(room), &alice.access).await;
    let mut bobs = connect(&app, &room_ws(room), &bob.access).await;

    act(
        &mut alices,
        json!({"action": "new_message", "message": "x".repeat(900)}),
    )
    .await;
    let ack = next_event(&mut alices).await;
    assert_eq!(ack["type"], "message.created", "a frame under the limit");
    assert_eq!(next_event(&mut bobs).await, ack);

    act(
        &mut alices,
        json!({"action": "new_message", "message": "x".repeat(2_000)}),
    )
    .await;
    assert_eq!(
        close_frame(&mut alices).await,
        Some((1009, "frame too large".to_owned()))
    );
    // Nothing was stored or sent, and bob's socket is unaffected.
    let stored = app.get(&messages_url(room), Some(&bob.access)).await;
    assert_eq!(stored.body["results"], json!([ack["message"]]));
    let id = app.message(&alice, room, "bob still hears").await;
    expect_created(&mut bobs, id).await;
}

#[tokio::test]
async fn the_default_limit_is_64_kib_and_fits_the_longest_message() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let mut socket = connect(&app, &room_ws(room), &alice.access).await;

    // 10,000 four-byte characters: about 40 KB.
    let longest = "\u{1F600}".repeat(10_000);
    act(
        &mut socket,
        json!({"action": "new_message", "message": longest}),
    )
    .await;
    assert_eq!(next_event(&mut socket).await["message"]["content"], longest);

    socket
        .send(Message::binary(vec![b' '; 64 * 1024 + 1]))
        .await
        .expect("sent");
    assert_eq!(
        close_frame(&mut socket).await,
        Some((1009, "frame too large".to_owned()))
    );
}

#[tokio::test]
async fn after_a_reconnect_after_returns_every_missed_message_once_oldest_first() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob, &carol]).await;
    let mut bobs = connect(&app, &room_ws(room), &bob.access).await;
    let mut last_seen = 0;
    for text in ["one", "two", "three"] {
        let id = app.message(&alice, room, text).await;
        last_seen = expect_created(&mut bobs, id).await["message"]["id"]
            .as_i64()
            .expect("id");
    }
    bobs.close(None).await.expect("close sent");
    while bobs.next().await.is_some() {}

    // 60 messages (more than a page) while bob is away, one of them deleted again.
    let mut missed = Vec::new();
    for n in 0..60 {
        let sender = if n % 3 == 0 { &carol } else { &alice };
        missed.push(app.message(sender, room, &format!("missed {n}")).await);
    }
    let gone = missed.remove(9); // carol's "missed 9"
    app.delete(&message_url(room, gone), Some(&carol.access))
        .await
        .expect(204, Value::Null);

    // Reconnect first, then catch up: nothing falls between the two.
    let mut again = connect(&app, &room_ws(room), &bob.access).await;
    let first = format!("{}?after={last_seen}", messages_url(room));
    let (caught_up, pages) = walk(&app, &bob.access, &first, "next").await;
    let ids: Vec<i64> = caught_up
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, missed, "every missed message once, oldest first");
    assert_eq!(pages, 2);
    assert_eq!(caught_up[0]["content"], "missed 0");

    let live = app.message(&alice, room, "live again").await;
    // On PostgreSQL events reach sockets through the database, so the deletion, published
    // just before this socket connected, may still arrive on it: that one, and nothing else
    // from before, may come first.
    let event = next_event(&mut again).await;
    if event["type"] == "message.deleted" {
        assert_eq!(event["message_id"], gone, "{event}");
        expect_created(&mut again, live).await;
    } else {
        let created = (&event["type"], &event["message"]["id"]);
        assert_eq!(
            created,
            (&json!("message.created"), &json!(live)),
            "{event}"
        );
    }
    let newest = format!("{}?after={live}", messages_url(room));
    let reply = app.get(&newest, Some(&bob.access)).await;
    assert_eq!(reply.body["results"], json!([]), "{reply:?}");
    assert_eq!(reply.body["next"], Value::Null);
}

#[tokio::test]
async fn shutdown_closes_every_kind_of_socket_with_1001() {
    let Some(mut app) = spawn_app().await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob, &carol]).await;
    let mut sockets = vec![
        connect(&app, &room_ws(room), &alice.access).await,
        connect(&app, &room_ws(room), &bob.access).await,
        connect(&app, ALL_ROOMS_WS, &bob.access).await,
        connect(&app, ALL_ROOMS_WS, &carol.access).await,
        connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await,
        connect(&app, &pair_ws(bob.id, alice.id), &bob.access).await,
    ];
    // One with events it has not read yet.
    app.message(&carol, room, "unread").await;

    if let Some(stop) = app.stop.take() {
        let _ = stop.send(());
    }

    for socket in &mut sockets {
        assert_eq!(
            close_frame(socket).await,
            Some((1001, "server shutting down".to_owned()))
        );
    }
}
