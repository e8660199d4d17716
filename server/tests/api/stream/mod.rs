//! The durable event stream (API.md "The event stream"): stored events replayed with `since`
//! on every socket route and over `GET /api/events/`, byte for byte, exactly once, in order;
//! the seam between replay and live; who sees what at the time of the event; expiry and
//! retention; `X-Event-Position`.

mod expiry;
mod replay;
mod rest;
mod seam;
mod visibility;

use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;
use crate::invitations::{accept_url, decline_url, invitation_url, invited};
use crate::realtime::{PATIENCE, QUIET, Socket, connect};

/// The next text frame as sent, skipping keep-alives, `presence` and `typing` (ephemeral,
/// never replayed).
pub async fn next_stored(socket: &mut Socket) -> String {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let kind = serde_json::from_str::<Value>(text.as_str())
                        .map(|frame| frame["type"].clone())
                        .unwrap_or(Value::Null);
                    if kind != "presence" && kind != "typing" {
                        return text.as_str().to_owned();
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected a frame, got {other:?}"),
            }
        }
    })
    .await
    .expect("a frame within the patience")
}

/// The stored frames that arrive until none comes for [`QUIET`].
pub async fn drain_stored(socket: &mut Socket) -> Vec<String> {
    let mut frames = Vec::new();
    loop {
        let next = tokio::time::timeout(QUIET, next_stored(socket)).await;
        match next {
            Ok(frame) => frames.push(frame),
            Err(_) => return frames,
        }
    }
}

/// `n` stored frames, in the order they arrive.
pub async fn stored(socket: &mut Socket, n: usize) -> Vec<String> {
    let mut frames = Vec::with_capacity(n);
    for _ in 0..n {
        frames.push(next_stored(socket).await);
    }
    frames
}

pub fn parse(frame: &str) -> Value {
    serde_json::from_str(frame).unwrap_or_else(|err| panic!("{frame}: {err}"))
}

pub fn position(frame: &str) -> i64 {
    parse(frame)["position"]
        .as_i64()
        .unwrap_or_else(|| panic!("no position in {frame}"))
}

pub fn kind(frame: &str) -> String {
    parse(frame)["type"].as_str().unwrap_or_default().to_owned()
}

/// `path` with `since` added to its query.
pub fn since(path: &str, position: i64) -> String {
    let glue = if path.contains('?') { '&' } else { '?' };
    format!("{path}{glue}since={position}")
}

/// `GET /api/events/` as `user`: the raw body, and its events and position.
pub async fn rest_events(app: &TestApp, user: &User, query: &str) -> (Vec<Value>, i64) {
    let reply = app
        .get(&format!("/api/events/{query}"), Some(&user.access))
        .await;
    assert_eq!(reply.status, 200, "{query}: {reply:?}");
    let events = reply.body["events"].as_array().cloned().expect("events");
    let position = reply.body["position"].as_i64().expect("position");
    (events, position)
}

/// The raw text of `GET /api/events/`'s body.
pub async fn rest_body(app: &TestApp, user: &User, query: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!("/api/events/{query}")))
        .bearer_auth(&user.access)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200);
    response.text().await.expect("body")
}

/// The body `GET /api/events/` answers for these frames: the frames as they are.
pub fn body_of(frames: &[String], position: i64) -> String {
    format!(
        "{{\"events\":[{}],\"position\":{position}}}",
        frames.join(",")
    )
}

/// The newest position of the log, as `GET /api/events/` without `since` gives it.
pub async fn latest(app: &TestApp, user: &User) -> i64 {
    rest_events(app, user, "").await.1
}

/// The `X-Event-Position` of a reply.
pub fn echoed(reply: &Reply) -> Option<i64> {
    reply
        .headers
        .get("x-event-position")
        .map(|value| value.to_str().expect("ascii").parse().expect("an integer"))
}

/// Three users, and a GROUP room of the first two (alice, bob); carol is outside.
pub struct Cast {
    pub alice: User,
    pub bob: User,
    pub carol: User,
    pub room: i64,
}

pub async fn cast(app: &TestApp) -> Cast {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    Cast {
        alice,
        bob,
        carol,
        room,
    }
}

/// Makes the room go through every kind of stored event except its deletion, each write
/// checked: messages created, edited and deleted, a reaction added and removed, a read
/// marker, a rename, invitations created, declined, revoked and accepted, a member removed by
/// another and one who leaves. Returns the kinds in the order they were stored.
pub async fn story(app: &TestApp, cast: &Cast) -> Vec<&'static str> {
    let Cast {
        alice,
        bob,
        carol,
        room,
    } = cast;
    let room = *room;
    let messages = format!("/api/chat/rooms/{room}/messages/");
    let first = app.message(alice, room, "first").await;
    let second = app.message(bob, room, "second").await;
    let ok = |reply: Reply, what: &str| {
        assert!((200..300).contains(&reply.status), "{what}: {reply:?}");
        assert!(echoed(&reply).is_some(), "{what} echoes its position");
    };
    ok(
        app.patch(
            &format!("{messages}{first}/"),
            Some(&alice.access),
            json!({"content": "first, edited"}),
        )
        .await,
        "edit",
    );
    ok(
        app.post(
            &format!("{messages}{first}/reactions/"),
            Some(&bob.access),
            json!({"emoji": "👍"}),
        )
        .await,
        "react",
    );
    ok(
        app.delete(
            &format!("{messages}{first}/reactions/👍/"),
            Some(&bob.access),
        )
        .await,
        "unreact",
    );
    ok(
        app.post(
            &format!("/api/chat/rooms/{room}/read/"),
            Some(&alice.access),
            json!({"message_id": second}),
        )
        .await,
        "read",
    );
    ok(
        app.delete(&format!("{messages}{second}/"), Some(&bob.access))
            .await,
        "delete",
    );
    ok(
        app.patch(
            &format!("/api/chat/rooms/{room}/"),
            Some(&alice.access),
            json!({"name": "renamed"}),
        )
        .await,
        "rename",
    );
    let declined = invited(app, alice, room, carol).await;
    ok(
        app.post(&decline_url(declined), Some(&carol.access), json!({}))
            .await,
        "decline",
    );
    let revoked = invited(app, alice, room, carol).await;
    ok(
        app.delete(&invitation_url(room, revoked), Some(&alice.access))
            .await,
        "revoke",
    );
    let accepted = invited(app, alice, room, carol).await;
    ok(
        app.post(&accept_url(accepted), Some(&carol.access), json!({}))
            .await,
        "accept",
    );
    ok(
        app.patch(
            &format!("/api/chat/rooms/{room}/"),
            Some(&alice.access),
            json!({"participants": [carol.id]}),
        )
        .await,
        "remove bob",
    );
    ok(
        app.patch(
            &format!("/api/chat/rooms/{room}/"),
            Some(&carol.access),
            json!({"participants": [alice.id]}),
        )
        .await,
        "carol leaves",
    );
    vec![
        "message.created",
        "message.created",
        "message.updated",
        "reaction.added",
        "reaction.removed",
        "read",
        "message.deleted",
        "room.updated",
        "invitation.created",
        "invitation.declined",
        "invitation.created",
        "invitation.revoked",
        "invitation.created",
        "invitation.accepted",
        "member.added",
        "member.removed",
        "member.removed",
    ]
}

/// `frames` as a replay gives them back: a deleted message's own events leave the log with it
/// (they hold its text).
pub fn without_deleted(frames: &[String]) -> Vec<String> {
    let deleted: Vec<Value> = frames
        .iter()
        .map(|f| parse(f))
        .filter(|f| f["type"] == "message.deleted")
        .map(|f| f["message_id"].clone())
        .collect();
    frames
        .iter()
        .filter(|f| {
            let frame = parse(f);
            let own = frame["type"] == "message.created" || frame["type"] == "message.updated";
            !(own && deleted.contains(&frame["message"]["id"]))
        })
        .cloned()
        .collect()
}

/// Positions strictly increase along `frames`.
pub fn assert_in_order(frames: &[String]) {
    let positions: Vec<i64> = frames.iter().map(|f| position(f)).collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "positions must increase: {positions:?}"
    );
}

/// Connects as `user` to `path` (a socket route, with its query).
pub async fn open(app: &TestApp, path: &str, user: &User) -> Socket {
    connect(app, path, &user.access).await
}
