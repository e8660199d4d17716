//! Every stored event type comes back after a reconnection with `since`: exactly once, in
//! order, byte for byte as it went out live, on each socket route; `GET /api/events/` answers
//! the same frames.

use serde_json::json;

use super::*;
use crate::realtime::{ALL_ROOMS_WS, assert_silent, pair_ws, room_ws};

#[tokio::test]
async fn every_stored_event_replays_on_the_every_room_socket_and_over_rest() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let start = latest(&app, &cast.alice).await;
    let mut live = open(&app, ALL_ROOMS_WS, &cast.alice).await;

    let mut kinds = story(&app, &cast).await;
    let deleted = app
        .delete(
            &format!("/api/chat/rooms/{}/", cast.room),
            Some(&cast.alice.access),
        )
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert!(echoed(&deleted).is_some());
    kinds.push("room.deleted");
    let heard = stored(&mut live, kinds.len()).await;
    let heard_kinds: Vec<String> = heard.iter().map(|f| kind(f)).collect();
    assert_eq!(heard_kinds, kinds, "live, every kind once, in order");
    assert_in_order(&heard);
    assert_silent(&mut live).await;

    let kept = without_deleted(&heard);
    assert_eq!(
        kept.len(),
        heard.len() - 1,
        "the deleted message's creation"
    );
    let mut resumed = open(&app, &since(ALL_ROOMS_WS, start), &cast.alice).await;
    assert_eq!(
        stored(&mut resumed, kept.len()).await,
        kept,
        "byte for byte"
    );
    assert_silent(&mut resumed).await;

    // From the middle: only what follows, and nothing twice.
    let middle = position(&heard[6]);
    let mut resumed = open(&app, &since(ALL_ROOMS_WS, middle), &cast.alice).await;
    assert_eq!(stored(&mut resumed, heard.len() - 7).await, heard[7..]);
    assert_silent(&mut resumed).await;

    let last = position(heard.last().expect("frames"));
    let body = rest_body(&app, &cast.alice, &format!("?since={start}&limit=500")).await;
    assert_eq!(body, body_of(&kept, last), "REST returns the same frames");
}

#[tokio::test]
async fn a_room_socket_replays_that_rooms_events_only() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let elsewhere = app.room(&cast.alice, "GROUP", &[&cast.carol]).await;
    let start = latest(&app, &cast.alice).await;
    let mut live = open(&app, &room_ws(cast.room), &cast.alice).await;

    app.message(&cast.alice, elsewhere, "not this room").await;
    // The story without its invitations' and removals' ends: alice stays in the room, so its
    // socket stays open. Invitations go to the every-room sockets only.
    let first = app.message(&cast.bob, cast.room, "one").await;
    let edited = app
        .patch(
            &format!("/api/chat/rooms/{}/messages/{first}/", cast.room),
            Some(&cast.bob.access),
            json!({"content": "one, edited"}),
        )
        .await;
    assert_eq!(edited.status, 200);
    let reacted = app
        .post(
            &format!("/api/chat/rooms/{}/messages/{first}/reactions/", cast.room),
            Some(&cast.alice.access),
            json!({"emoji": "🎉"}),
        )
        .await;
    assert_eq!(reacted.status, 201);
    let renamed = app
        .patch(
            &format!("/api/chat/rooms/{}/", cast.room),
            Some(&cast.alice.access),
            json!({"name": "renamed", "participants": [cast.carol.id]}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{renamed:?}");
    app.message(&cast.alice, elsewhere, "still not this room")
        .await;

    let heard = stored(&mut live, 6).await;
    let kinds: Vec<String> = heard.iter().map(|f| kind(f)).collect();
    assert_eq!(
        kinds,
        [
            "message.created",
            "message.updated",
            "reaction.added",
            "room.updated",
            "member.removed",
            "member.added"
        ]
    );
    assert_silent(&mut live).await;

    let mut resumed = open(&app, &since(&room_ws(cast.room), start), &cast.alice).await;
    assert_eq!(stored(&mut resumed, heard.len()).await, heard);
    assert_silent(&mut resumed).await;
}

#[tokio::test]
async fn the_pair_socket_replays_its_room_from_its_creation() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let start = latest(&app, &alice).await;
    // The pair route creates the room before the socket goes live: resuming from before, the
    // socket replays room.created, then goes on live.
    let mut live = open(&app, &since(&pair_ws(alice.id, bob.id), start), &alice).await;
    let created = next_stored(&mut live).await;
    assert_eq!(kind(&created), "room.created");
    let room = parse(&created)["room"]["id"].as_i64().expect("room id");

    let id = app.message(&bob, room, "hi").await;
    let read = app
        .post(
            &format!("/api/chat/rooms/{room}/read/"),
            Some(&alice.access),
            json!({"message_id": id}),
        )
        .await;
    assert_eq!(read.status, 200);
    let gone = app
        .delete(
            &format!("/api/chat/rooms/{room}/messages/{id}/"),
            Some(&bob.access),
        )
        .await;
    assert_eq!(gone.status, 204);
    let mut heard = vec![created];
    heard.extend(stored(&mut live, 3).await);
    let kinds: Vec<String> = heard.iter().map(|f| kind(f)).collect();
    assert_eq!(
        kinds,
        ["room.created", "message.created", "read", "message.deleted"]
    );

    let mut resumed = open(&app, &since(&pair_ws(alice.id, bob.id), start), &alice).await;
    let kept = without_deleted(&heard);
    assert_eq!(stored(&mut resumed, kept.len()).await, kept);
    assert_silent(&mut resumed).await;
}

#[tokio::test]
async fn a_deleted_message_leaves_the_log_and_replies_lose_their_quote() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let start = latest(&app, &cast.alice).await;
    let parent = app.message(&cast.alice, cast.room, "secret words").await;
    let reply = app
        .post(
            &format!("/api/chat/rooms/{}/messages/", cast.room),
            Some(&cast.bob.access),
            json!({"content": "an answer", "reply_to": parent}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let gone = app
        .delete(
            &format!("/api/chat/rooms/{}/messages/{parent}/", cast.room),
            Some(&cast.alice.access),
        )
        .await;
    assert_eq!(gone.status, 204);

    let (events, _) = rest_events(&app, &cast.bob, &format!("?since={start}")).await;
    let text = serde_json::to_string(&events).expect("json");
    assert!(!text.contains("secret words"), "{text}");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["message.created", "message.deleted"]);
    assert_eq!(events[0]["message"]["content"], "an answer");
    assert_eq!(events[0]["message"]["reply_to"], Value::Null);
    assert_eq!(events[0]["message"]["reply_preview"], Value::Null);
}
