//! A slow client never slows others: a reader that stops is closed with 1008 `slow consumer`
//! while fast readers of the same room get every event, and the slow one recovers with
//! `after=`.

use serde_json::Value;

use super::*;

/// Enough data that a socket nobody reads fills its TCP buffers, then its queue: 200 messages
/// of 10,000 four-byte characters are 8 MB of events, twice what Linux lets a loopback
/// connection buffer by default (`tcp_wmem` max 4 MiB; 200 × 8,000 ASCII characters all fit).
const COUNT: usize = 200;

fn content(n: usize) -> String {
    let mut text = format!("{n:04} ");
    let prefix = text.chars().count();
    text.push_str(&"\u{1F600}".repeat(10_000 - prefix));
    text
}

/// Reads `count` events on its own task, so the socket drains while the test sends.
fn drain(mut socket: Socket, count: usize) -> tokio::task::JoinHandle<Vec<Value>> {
    tokio::spawn(async move {
        let mut events = Vec::with_capacity(count);
        for _ in 0..count {
            events.push(next_event(&mut socket).await);
        }
        events
    })
}

fn created_ids(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|event| {
            assert_eq!(event["type"], "message.created", "{event}");
            event["message"]["id"].as_i64().expect("message id")
        })
        .collect()
}

#[tokio::test]
async fn a_reader_that_stops_is_closed_while_fast_readers_get_everything_in_order() {
    // Events reach sockets from the log, a batch per read of the feed: a reader that keeps up
    // may still be handed dozens at once on a loaded machine (a PostgreSQL run under the full
    // suite overflowed 8). 32 leaves it that slack; the reader that stops still overflows it
    // (200 events of 40 KB, more than its socket's buffers hold).
    let Some(app) = spawn_app_with(|config| config.ws_queue_len = 32).await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob, &carol]).await;
    let mut slow = connect(&app, &room_ws(room), &bob.access).await;
    let fast_room = drain(connect(&app, &room_ws(room), &carol.access).await, COUNT);
    let fast_all = drain(connect(&app, ALL_ROOMS_WS, &carol.access).await, COUNT);

    let mut sent = Vec::with_capacity(COUNT);
    for n in 0..COUNT {
        sent.push(app.message(&alice, room, &content(n)).await);
    }

    for fast in [fast_room, fast_all] {
        let events = fast.await.expect("fast reader");
        assert_eq!(created_ids(&events), sent, "every message, in order");
        for (n, event) in events.iter().enumerate() {
            assert_eq!(event["message"]["content"], content(n).as_str());
        }
    }

    // Only now does the slow client read: what reached it, then the close frame.
    let (events, closed) = events_until_close(&mut slow).await;
    assert_eq!(closed, Some((1008, "slow consumer".to_owned())));
    let heard = created_ids(&events);
    assert!(heard.len() < COUNT, "the slow socket was closed early");
    assert_eq!(
        heard,
        sent[..heard.len()],
        "what it heard is a prefix, in order"
    );

    // It recovers with `after=`: every message it missed, exactly once, oldest first.
    let first = match heard.last() {
        Some(last) => format!("{}?after={last}&page_size=100", messages_url(room)),
        None => format!("{}?after=0&page_size=100", messages_url(room)),
    };
    let (missed, _) = walk(&app, &bob.access, &first, "next").await;
    let missed: Vec<i64> = missed
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(missed, sent[heard.len()..]);
}

#[tokio::test]
async fn a_slow_consumer_is_closed_alone_and_its_user_may_reconnect() {
    let Some(app) = spawn_app_with(|config| config.ws_queue_len = 4).await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut slow = connect(&app, &room_ws(room), &bob.access).await;
    let mut other_room = {
        let elsewhere = app.room(&bob, "GROUP", &[]).await;
        (
            connect(&app, &room_ws(elsewhere), &bob.access).await,
            elsewhere,
        )
    };

    for n in 0..COUNT {
        app.message(&alice, room, &content(n)).await;
    }

    // Bob's socket for another room is untouched by his slow one.
    let id = app.message(&bob, other_room.1, "still here").await;
    expect_created(&mut other_room.0, id).await;
    let (_, closed) = events_until_close(&mut slow).await;
    assert_eq!(closed, Some((1008, "slow consumer".to_owned())));

    let mut again = connect(&app, &room_ws(room), &bob.access).await;
    let id = app.message(&alice, room, "after the reconnect").await;
    expect_created(&mut again, id).await;
}
