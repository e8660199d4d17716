//! `@username` mentions: `mentions` in message objects (participants only, any case),
//! recomputed on edit, and the room's `mention_count` for the caller.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::realtime::{act, connect, expect_created, next_event, room_ws};

/// Sends `content` as `sender`; returns (id, mentions).
async fn send(app: &TestApp, sender: &User, room: i64, content: &str) -> (i64, Value) {
    let reply = app
        .post(
            &messages_url(room),
            Some(&sender.access),
            json!({ "content": content }),
        )
        .await;
    assert_eq!(reply.status, 201, "{content}: {reply:?}");
    (
        reply.body["id"].as_i64().expect("id"),
        reply.body["mentions"].clone(),
    )
}

fn sorted(ids: &[i64]) -> Value {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    json!(ids)
}

/// `(unread_count, mention_count)` for `user`, from the room's detail and the room list.
async fn counts(app: &TestApp, user: &User, room: i64) -> (i64, i64) {
    let detail = app
        .get(&format!("/api/chat/rooms/{room}/"), Some(&user.access))
        .await;
    assert_eq!(detail.status, 200, "{detail:?}");
    let list = app.get("/api/chat/rooms/", Some(&user.access)).await;
    let listed = list.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == room)
        .expect("listed")
        .clone();
    assert_eq!(
        (&listed["unread_count"], &listed["mention_count"]),
        (&detail.body["unread_count"], &detail.body["mention_count"])
    );
    (
        detail.body["unread_count"].as_i64().expect("unread_count"),
        detail.body["mention_count"]
            .as_i64()
            .expect("mention_count"),
    )
}

async fn read(app: &TestApp, user: &User, room: i64, id: i64) -> Reply {
    app.post(
        &format!("/api/chat/rooms/{room}/read/"),
        Some(&user.access),
        json!({ "message_id": id }),
    )
    .await
}

#[tokio::test]
async fn participants_named_with_an_at_sign_are_mentioned_in_any_case() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let (id, mentions) = send(
        app,
        &s.alice,
        room,
        "hey @Carol and @BOB, also @dave and @nobody",
    )
    .await;
    assert_eq!(mentions, sorted(&[s.bob.id, s.carol.id]), "ascending ids");
    // Read back the same, by anyone in the room, and in the listing.
    for viewer in [&s.alice, &s.bob, &s.carol] {
        let read = app.get(&message_url(room, id), Some(&viewer.access)).await;
        assert_eq!(read.body["mentions"], mentions);
    }
    let list = app.get(&messages_url(room), Some(&s.bob.access)).await;
    assert_eq!(list.body["results"][0]["mentions"], mentions);

    for (content, expected) in [
        ("no one here", vec![]),
        ("mail bob@example.com please", vec![]),
        ("@bob.", vec![s.bob.id]),
        ("thanks, @bob!", vec![s.bob.id]),
        ("(@carol)", vec![s.carol.id]),
        ("@bob @bob @BOB", vec![s.bob.id]),
        ("@carol: and @bob?", vec![s.bob.id, s.carol.id]),
        ("@ bob", vec![]),
        ("@bobby", vec![]),
        ("@dave", vec![]),
        ("line one\n@carol", vec![s.carol.id]),
    ] {
        let (_, mentions) = send(app, &s.alice, room, content).await;
        assert_eq!(mentions, sorted(&expected), "{content:?}");
    }
}

#[tokio::test]
async fn usernames_with_punctuation_are_mentioned_whole() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let dotted = app.user("j.doe").await;
    let plus = app.user("ann+1").await;
    let room = app.room(&alice, "GROUP", &[&dotted, &plus]).await;
    for (content, expected) in [
        ("ask @j.doe", vec![dotted.id]),
        ("ask @j.doe.", vec![dotted.id]),
        ("ask @J.Doe, then @ann+1.", vec![dotted.id, plus.id]),
        ("ask @j", vec![]),
    ] {
        let (_, mentions) = send(&app, &alice, room, content).await;
        assert_eq!(mentions, sorted(&expected), "{content:?}");
    }
}

#[tokio::test]
async fn editing_the_content_recomputes_the_mentions() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let (id, mentions) = send(app, &s.alice, room, "@bob look").await;
    assert_eq!(mentions, json!([s.bob.id]));
    assert_eq!(counts(app, &s.bob, room).await, (1, 1));
    assert_eq!(counts(app, &s.carol, room).await, (1, 0));

    let edited = app
        .patch(
            &message_url(room, id),
            Some(&s.alice.access),
            json!({"content": "@carol look"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    assert_eq!(edited.body["mentions"], json!([s.carol.id]));
    assert_eq!(counts(app, &s.bob, room).await, (1, 0));
    assert_eq!(counts(app, &s.carol, room).await, (1, 1));

    // is_read alone leaves them.
    let flagged = app
        .patch(
            &message_url(room, id),
            Some(&s.alice.access),
            json!({"is_read": true}),
        )
        .await;
    assert_eq!(flagged.body["mentions"], json!([s.carol.id]), "{flagged:?}");

    let put = app
        .put(
            &message_url(room, id),
            Some(&s.alice.access),
            json!({"content": "@carol @bob @dave"}),
        )
        .await;
    assert_eq!(
        put.body["mentions"],
        sorted(&[s.bob.id, s.carol.id]),
        "{put:?}"
    );
    assert_eq!(counts(app, &s.bob, room).await, (1, 1));

    let cleared = app
        .put(
            &message_url(room, id),
            Some(&s.alice.access),
            json!({"content": "never mind"}),
        )
        .await;
    assert_eq!(cleared.body["mentions"], json!([]), "{cleared:?}");
    let read_back = app.get(&message_url(room, id), Some(&s.bob.access)).await;
    assert_eq!(read_back.body["mentions"], json!([]));
    assert_eq!(counts(app, &s.bob, room).await, (1, 0));
    assert_eq!(counts(app, &s.carol, room).await, (1, 0));
}

#[tokio::test]
async fn an_edit_is_announced_with_its_new_mentions() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let mut bobs = connect(app, &room_ws(room), &s.bob.access).await;
    let (id, _) = send(app, &s.alice, room, "hello @bob").await;
    let created = expect_created(&mut bobs, id).await;
    assert_eq!(created["message"]["mentions"], json!([s.bob.id]));
    let edited = app
        .patch(
            &message_url(room, id),
            Some(&s.alice.access),
            json!({"content": "hello @carol"}),
        )
        .await;
    let event = next_event(&mut bobs).await;
    assert_eq!(event["type"], "message.updated");
    assert_eq!(event["message"], edited.body);
    assert_eq!(event["message"]["mentions"], json!([s.carol.id]));
}

#[tokio::test]
async fn a_socket_message_mentions_as_a_posted_one() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let mut alices = connect(app, &room_ws(room), &s.alice.access).await;
    let mut bobs = connect(app, &room_ws(room), &s.bob.access).await;
    act(
        &mut alices,
        json!({"action": "new_message", "message": "@carol and @Bob: lunch?"}),
    )
    .await;
    let event = next_event(&mut alices).await;
    assert_eq!(event["type"], "message.created", "{event}");
    assert_eq!(
        event["message"]["mentions"],
        sorted(&[s.bob.id, s.carol.id])
    );
    let id = event["message"]["id"].as_i64().unwrap();
    assert_eq!(expect_created(&mut bobs, id).await, event);
    assert_eq!(counts(app, &s.bob, room).await, (1, 1));
    assert_eq!(counts(app, &s.carol, room).await, (1, 1));
    assert_eq!(counts(app, &s.alice, room).await, (0, 0));
}

#[tokio::test]
async fn mention_count_counts_unread_mentions_of_the_caller() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let (m1, _) = send(app, &s.alice, room, "@bob first").await;
    let (m2, _) = send(app, &s.alice, room, "plain").await;
    let (m3, _) = send(app, &s.alice, room, "@bob @carol second").await;
    let (m4, _) = send(app, &s.alice, room, "plain again").await;
    assert_eq!(counts(app, &s.bob, room).await, (4, 2));
    assert_eq!(counts(app, &s.carol, room).await, (4, 1));
    assert_eq!(counts(app, &s.alice, room).await, (0, 0));

    read(app, &s.bob, room, m1).await.expect(
        200,
        json!({"chat_room": room, "last_read_id": m1, "unread_count": 3, "mention_count": 1}),
    );
    assert_eq!(counts(app, &s.bob, room).await, (3, 1));
    read(app, &s.bob, room, m2).await.expect(
        200,
        json!({"chat_room": room, "last_read_id": m2, "unread_count": 2, "mention_count": 1}),
    );
    // An unread mention deleted: one fewer for bob and carol.
    let deleted = app
        .delete(&message_url(room, m3), Some(&s.alice.access))
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert_eq!(counts(app, &s.bob, room).await, (1, 0));
    assert_eq!(counts(app, &s.carol, room).await, (3, 0));
    // A read mention deleted changes nothing.
    let (m5, _) = send(app, &s.alice, room, "@carol third").await;
    read(app, &s.carol, room, m5).await.expect(
        200,
        json!({"chat_room": room, "last_read_id": m5, "unread_count": 0, "mention_count": 0}),
    );
    let deleted = app
        .delete(&message_url(room, m5), Some(&s.alice.access))
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert_eq!(counts(app, &s.carol, room).await, (0, 0));
    assert_eq!(counts(app, &s.bob, room).await, (1, 0));

    // Bob answers with a mention of carol: bob's own message is no mention for him, and
    // his marker moves past every earlier mention.
    let (b1, mentions) = send(app, &s.bob, room, "@carol @bob ok").await;
    assert_eq!(mentions, sorted(&[s.bob.id, s.carol.id]));
    assert_eq!(counts(app, &s.bob, room).await, (0, 0));
    assert_eq!(counts(app, &s.carol, room).await, (1, 1));
    assert_eq!(counts(app, &s.alice, room).await, (1, 0));
    read(app, &s.carol, room, b1).await.expect(
        200,
        json!({"chat_room": room, "last_read_id": b1, "unread_count": 0, "mention_count": 0}),
    );
    let _ = m4;
}

#[tokio::test]
async fn non_participants_are_not_mentioned_even_once_added() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let (before, mentions) = send(app, &s.alice, room, "@dave should see this").await;
    assert_eq!(mentions, json!([]));
    let reply = app
        .patch(
            &format!("/api/chat/rooms/{room}/"),
            Some(&s.alice.access),
            json!({"participants": [s.alice.id, s.bob.id, s.carol.id, s.dave.id]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let read_back = app
        .get(&message_url(room, before), Some(&s.dave.access))
        .await;
    assert_eq!(read_back.body["mentions"], json!([]));
    assert_eq!(counts(app, &s.dave, room).await, (1, 0));
    // Now he is one.
    let (_, mentions) = send(app, &s.alice, room, "@dave welcome").await;
    assert_eq!(mentions, json!([s.dave.id]));
    assert_eq!(counts(app, &s.dave, room).await, (2, 1));

    // A mention in one room is of that room only.
    let other = app.room(&s.alice, "GROUP", &[&s.dave]).await;
    assert_eq!(counts(app, &s.dave, other).await, (0, 0));
    assert_eq!(counts(app, &s.bob, room).await, (2, 0));
}
