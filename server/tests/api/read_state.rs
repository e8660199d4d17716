//! `POST /api/chat/rooms/{id}/read/` and what follows from read markers: the room's
//! `unread_count`/`mention_count` per caller, messages' `is_read`, and `read` events.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::realtime::{
    ALL_ROOMS_WS, QUIET, assert_growing, assert_silent, connect, expect_stored, next_event,
    room_ws, unpositioned,
};

fn read_url(room: i64) -> String {
    format!("/api/chat/rooms/{room}/read/")
}

async fn read(app: &TestApp, user: &User, room: i64, message: i64) -> Reply {
    app.post(
        &read_url(room),
        Some(&user.access),
        json!({ "message_id": message }),
    )
    .await
}

/// The read state POST answers with.
fn marker(room: i64, last_read_id: i64, unread: i64, mentions: i64) -> Value {
    json!({
        "chat_room": room,
        "last_read_id": last_read_id,
        "unread_count": unread,
        "mention_count": mentions,
    })
}

/// `(unread_count, mention_count)` of the room for `user`, from the room's detail; checks
/// that the room list says the same.
async fn counts(app: &TestApp, user: &User, room: i64) -> (i64, i64) {
    let detail = app
        .get(&format!("/api/chat/rooms/{room}/"), Some(&user.access))
        .await;
    assert_eq!(detail.status, 200, "{detail:?}");
    let pair = (
        detail.body["unread_count"].as_i64().expect("unread_count"),
        detail.body["mention_count"]
            .as_i64()
            .expect("mention_count"),
    );
    let list = app
        .get("/api/chat/rooms/?page_size=100", Some(&user.access))
        .await;
    assert_eq!(list.status, 200, "{list:?}");
    let listed = list.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == room)
        .unwrap_or_else(|| panic!("room {room} listed for {}", user.username));
    assert_eq!(
        (&listed["unread_count"], &listed["mention_count"]),
        (&json!(pair.0), &json!(pair.1)),
        "the list agrees with the detail for {}",
        user.username
    );
    pair
}

async fn is_read(app: &TestApp, viewer: &User, room: i64, id: i64) -> bool {
    let reply = app.get(&message_url(room, id), Some(&viewer.access)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["is_read"].as_bool().expect("is_read")
}

/// `is_read` of each message of the room's listing, by id, as `viewer` sees it.
async fn listed_is_read(app: &TestApp, viewer: &User, room: i64) -> Vec<(i64, bool)> {
    let reply = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/?page_size=100"),
            Some(&viewer.access),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let mut pairs: Vec<(i64, bool)> = reply.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|m| (m["id"].as_i64().unwrap(), m["is_read"].as_bool().unwrap()))
        .collect();
    pairs.sort_unstable();
    pairs
}

#[tokio::test]
async fn a_new_room_has_nothing_unread() {
    let Some(s) = group_scene().await else { return };
    for user in [&s.alice, &s.bob, &s.carol] {
        assert_eq!(counts(&s.app, user, s.room).await, (0, 0));
    }
}

#[tokio::test]
async fn marking_read_answers_the_read_state_and_never_moves_back() {
    let Some(s) = group_scene().await else { return };
    let m1 = s.app.message(&s.alice, s.room, "one").await;
    let m2 = s.app.message(&s.alice, s.room, "two").await;
    let m3 = s.app.message(&s.alice, s.room, "three").await;
    assert_eq!(counts(&s.app, &s.bob, s.room).await, (3, 0));

    read(&s.app, &s.bob, s.room, m2)
        .await
        .expect(200, marker(s.room, m2, 1, 0));
    assert_eq!(counts(&s.app, &s.bob, s.room).await, (1, 0));

    // An older message, or the same one again: 200, the marker stays.
    read(&s.app, &s.bob, s.room, m1)
        .await
        .expect(200, marker(s.room, m2, 1, 0));
    read(&s.app, &s.bob, s.room, m2)
        .await
        .expect(200, marker(s.room, m2, 1, 0));
    assert_eq!(counts(&s.app, &s.bob, s.room).await, (1, 0));

    read(&s.app, &s.bob, s.room, m3)
        .await
        .expect(200, marker(s.room, m3, 0, 0));
    assert_eq!(counts(&s.app, &s.bob, s.room).await, (0, 0));
    // Carol's marker is her own.
    assert_eq!(counts(&s.app, &s.carol, s.room).await, (3, 0));
    // Alice sent them all: her marker is at her last message.
    read(&s.app, &s.alice, s.room, m1)
        .await
        .expect(200, marker(s.room, m3, 0, 0));
}

#[tokio::test]
async fn the_path_without_its_trailing_slash_is_served_too() {
    let Some(s) = group_scene().await else { return };
    let m1 = s.app.message(&s.alice, s.room, "one").await;
    s.app
        .post(
            &format!("/api/chat/rooms/{}/read", s.room),
            Some(&s.bob.access),
            json!({ "message_id": m1 }),
        )
        .await
        .expect(200, marker(s.room, m1, 0, 0));
}

#[tokio::test]
async fn a_message_not_in_the_room_is_invalid() {
    let Some(s) = group_scene().await else { return };
    let mine = s.app.message(&s.alice, s.room, "here").await;
    let other_room = s.app.room(&s.bob, "GROUP", &[&s.carol]).await;
    let elsewhere = s.app.message(&s.bob, other_room, "there").await;
    let gone = s.app.message(&s.alice, s.room, "soon gone").await;
    assert_eq!(
        s.app
            .delete(&message_url(s.room, gone), Some(&s.alice.access))
            .await
            .status,
        204
    );
    let invalid =
        |id: i64| json!({"message_id": [format!("Invalid pk \"{id}\" - object does not exist.")]});
    for id in [elsewhere, gone, i64::MAX, 0, -1] {
        read(&s.app, &s.bob, s.room, id)
            .await
            .expect(400, invalid(id));
    }
    // Nothing moved.
    assert_eq!(counts(&s.app, &s.bob, s.room).await, (1, 0));
    read(&s.app, &s.bob, s.room, mine)
        .await
        .expect(200, marker(s.room, mine, 0, 0));
}

#[tokio::test]
async fn message_id_is_required_and_an_integer() {
    let Some(s) = group_scene().await else { return };
    s.app.message(&s.alice, s.room, "one").await;
    let url = read_url(s.room);
    let send = |body: Value| s.app.post(&url, Some(&s.bob.access), body);
    send(json!({}))
        .await
        .expect(400, json!({"message_id": ["This field is required."]}));
    send(json!({"message_id": null}))
        .await
        .expect(400, json!({"message_id": ["This field may not be null."]}));
    for (value, kind) in [
        (json!("1"), "str"),
        (json!(1.5), "float"),
        (json!(true), "bool"),
        (json!([1]), "list"),
        (json!({"id": 1}), "dict"),
    ] {
        send(json!({ "message_id": value })).await.expect(
            400,
            json!({"message_id": [format!("Incorrect type. Expected pk value, received {kind}.")]}),
        );
    }
    // No body at all is an empty one.
    s.app
        .call(reqwest::Method::POST, &url, Some(&s.bob.access), None)
        .await
        .expect(400, json!({"message_id": ["This field is required."]}));
    send(json!([1])).await.expect(
        400,
        json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    );
    assert_eq!(counts(&s.app, &s.bob, s.room).await, (1, 0));
}

#[tokio::test]
async fn other_methods_are_not_allowed() {
    let Some(s) = group_scene().await else { return };
    let reply = s.app.get(&read_url(s.room), Some(&s.bob.access)).await;
    reply.expect(405, detail("Method \"GET\" not allowed."));
}

#[tokio::test]
async fn own_messages_are_never_unread() {
    let Some(s) = group_scene().await else { return };
    for text in ["a", "b", "c"] {
        s.app.message(&s.alice, s.room, text).await;
    }
    assert_eq!(counts(&s.app, &s.alice, s.room).await, (0, 0));
    assert_eq!(counts(&s.app, &s.bob, s.room).await, (3, 0));
    // Bob answers: he has read what he answers.
    let b1 = s.app.message(&s.bob, s.room, "d").await;
    assert_eq!(counts(&s.app, &s.bob, s.room).await, (0, 0));
    assert_eq!(counts(&s.app, &s.alice, s.room).await, (1, 0));
    assert_eq!(counts(&s.app, &s.carol, s.room).await, (4, 0));
    read(&s.app, &s.alice, s.room, b1)
        .await
        .expect(200, marker(s.room, b1, 0, 0));
}

#[tokio::test]
async fn deletions_keep_every_count_exact() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let mut a = Vec::new();
    for i in 1..=5 {
        a.push(app.message(&s.alice, room, &format!("a{i}")).await);
    }
    read(app, &s.bob, room, a[1])
        .await
        .expect(200, marker(room, a[1], 3, 0));
    let alice = &s.alice;
    let delete = |id: i64| async move {
        let reply = app
            .delete(&message_url(room, id), Some(&alice.access))
            .await;
        assert_eq!(reply.status, 204, "{reply:?}");
    };

    // Unread by bob and carol, read by its sender.
    delete(a[3]).await;
    assert_eq!(counts(app, &s.bob, room).await, (2, 0));
    assert_eq!(counts(app, &s.carol, room).await, (4, 0));
    assert_eq!(counts(app, &s.alice, room).await, (0, 0));

    // Read by bob, unread by carol.
    delete(a[0]).await;
    assert_eq!(counts(app, &s.bob, room).await, (2, 0));
    assert_eq!(counts(app, &s.carol, room).await, (3, 0));
    assert_eq!(counts(app, &s.alice, room).await, (0, 0));

    // Bob answers; then alice deletes a message he has read only by answering.
    let b1 = app.message(&s.bob, room, "b1").await;
    assert_eq!(counts(app, &s.bob, room).await, (0, 0));
    assert_eq!(counts(app, &s.alice, room).await, (1, 0));
    assert_eq!(counts(app, &s.carol, room).await, (4, 0));
    delete(a[4]).await;
    assert_eq!(counts(app, &s.bob, room).await, (0, 0));
    assert_eq!(counts(app, &s.alice, room).await, (1, 0));
    assert_eq!(counts(app, &s.carol, room).await, (3, 0));

    // The message bob's marker is at goes: his marker keeps its place.
    let reply = app
        .delete(&message_url(room, b1), Some(&s.bob.access))
        .await;
    assert_eq!(reply.status, 204, "{reply:?}");
    assert_eq!(counts(app, &s.bob, room).await, (0, 0));
    assert_eq!(counts(app, &s.alice, room).await, (0, 0));
    assert_eq!(counts(app, &s.carol, room).await, (2, 0));
    read(app, &s.bob, room, a[2])
        .await
        .expect(200, marker(room, b1, 0, 0));

    // What is left is a2 and a3; new messages count from there.
    let a6 = app.message(&s.alice, room, "a6").await;
    assert_eq!(counts(app, &s.bob, room).await, (1, 0));
    assert_eq!(counts(app, &s.carol, room).await, (3, 0));
    read(app, &s.carol, room, a[2])
        .await
        .expect(200, marker(room, a[2], 1, 0));
    read(app, &s.bob, room, a6)
        .await
        .expect(200, marker(room, a6, 0, 0));
    delete(a6).await;
    assert_eq!(counts(app, &s.carol, room).await, (0, 0));
    assert_eq!(counts(app, &s.bob, room).await, (0, 0));
    assert_eq!(counts(app, &s.alice, room).await, (0, 0));
    // Every message gone: nothing unread, and marking reads no longer finds any.
    delete(a[1]).await;
    delete(a[2]).await;
    for user in [&s.alice, &s.bob, &s.carol] {
        assert_eq!(counts(app, user, room).await, (0, 0));
    }
    read(app, &s.carol, room, a[2]).await.expect(
        400,
        json!({"message_id": [format!("Invalid pk \"{}\" - object does not exist.", a[2])]}),
    );
}

#[tokio::test]
async fn markers_are_per_room() {
    let Some(s) = group_scene().await else { return };
    let other = s.app.room(&s.alice, "GROUP", &[&s.bob]).await;
    let here = s.app.message(&s.alice, s.room, "here").await;
    let there = s.app.message(&s.alice, other, "there").await;
    read(&s.app, &s.bob, s.room, here)
        .await
        .expect(200, marker(s.room, here, 0, 0));
    assert_eq!(counts(&s.app, &s.bob, other).await, (1, 0));
    // A message of the other room is no message of this one.
    read(&s.app, &s.bob, s.room, there).await.expect(
        400,
        json!({"message_id": [format!("Invalid pk \"{there}\" - object does not exist.")]}),
    );
    read(&s.app, &s.bob, other, there)
        .await
        .expect(200, marker(other, there, 0, 0));
}

#[tokio::test]
async fn the_room_hears_read_when_a_marker_moves_and_only_then() {
    let Some(s) = group_scene().await else { return };
    let m1 = s.app.message(&s.alice, s.room, "one").await;
    let m2 = s.app.message(&s.alice, s.room, "two").await;
    let mut alices = connect(&s.app, &room_ws(s.room), &s.alice.access).await;
    let mut bobs_all = connect(&s.app, ALL_ROOMS_WS, &s.bob.access).await;

    read(&s.app, &s.bob, s.room, m2)
        .await
        .expect(200, marker(s.room, m2, 0, 0));
    // The messages sent before the sockets opened are not news to them: `read` comes first.
    let expected =
        json!({"type": "read", "chat_room": s.room, "user_id": s.bob.id, "message_id": m2});
    let moved = expect_stored(&mut alices, &expected).await;
    assert_eq!(expect_stored(&mut bobs_all, &expected).await, moved);

    // Back, or in place: no event.
    read(&s.app, &s.bob, s.room, m1).await;
    read(&s.app, &s.bob, s.room, m2).await;
    // Refused: no event.
    read(&s.app, &s.bob, s.room, m2 + 1000).await;
    assert_silent(&mut alices).await;
    assert_silent(&mut bobs_all).await;

    read(&s.app, &s.carol, s.room, m1)
        .await
        .expect(200, marker(s.room, m1, 1, 0));
    let carols = expect_stored(
        &mut alices,
        &json!({"type": "read", "chat_room": s.room, "user_id": s.carol.id, "message_id": m1}),
    )
    .await;
    assert_growing(&[moved, carols]);
}

#[tokio::test]
async fn is_read_follows_the_markers_of_others_than_the_sender() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let m1 = app.message(&s.alice, room, "one").await;
    let m2 = app.message(&s.alice, room, "two").await;
    for viewer in [&s.alice, &s.bob] {
        assert_eq!(
            listed_is_read(app, viewer, room).await,
            [(m1, false), (m2, false)]
        );
    }
    // Alice reading her own room reads nothing of her own.
    read(app, &s.alice, room, m2).await;
    assert!(!is_read(app, &s.bob, room, m2).await);

    read(app, &s.bob, room, m1).await;
    for viewer in [&s.alice, &s.bob, &s.carol] {
        assert_eq!(
            listed_is_read(app, viewer, room).await,
            [(m1, true), (m2, false)],
            "as {} sees it",
            viewer.username
        );
        assert!(is_read(app, viewer, room, m1).await);
        assert!(!is_read(app, viewer, room, m2).await);
    }

    // Carol answers: she has read both; her own message is read by nobody else yet.
    let c1 = app.message(&s.carol, room, "three").await;
    assert_eq!(
        listed_is_read(app, &s.bob, room).await,
        [(m1, true), (m2, true), (c1, false)]
    );
    // Alice sends again: her marker is the furthest but reads nothing of hers.
    let m3 = app.message(&s.alice, room, "four").await;
    assert_eq!(
        listed_is_read(app, &s.alice, room).await,
        [(m1, true), (m2, true), (c1, true), (m3, false)]
    );
    // The room's preview says the same.
    let detail = app
        .get(&format!("/api/chat/rooms/{room}/"), Some(&s.bob.access))
        .await;
    assert_eq!(detail.body["messages"][0]["id"], m3);
    assert_eq!(detail.body["messages"][0]["is_read"], false);
    read(app, &s.bob, room, m3).await;
    assert!(is_read(app, &s.alice, room, m3).await);
    let detail = app
        .get(&format!("/api/chat/rooms/{room}/"), Some(&s.alice.access))
        .await;
    assert_eq!(detail.body["messages"][0]["is_read"], true);
}

#[tokio::test]
async fn a_user_added_later_finds_the_history_unread() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let m1 = app.message(&s.alice, room, "one").await;
    app.message(&s.bob, room, "two @dave").await;
    let m3 = app.message(&s.carol, room, "three").await;
    let reply = app
        .patch(
            &format!("/api/chat/rooms/{room}/"),
            Some(&s.alice.access),
            json!({"participants": [s.alice.id, s.bob.id, s.carol.id, s.dave.id]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // Mentions are of participants when sent: dave was not one.
    assert_eq!(counts(app, &s.dave, room).await, (3, 0));
    read(app, &s.dave, room, m1)
        .await
        .expect(200, marker(room, m1, 2, 0));
    read(app, &s.dave, room, m3)
        .await
        .expect(200, marker(room, m3, 0, 0));
    assert_eq!(counts(app, &s.dave, room).await, (0, 0));
}

/// The caller's read state, without moving the marker: marking the room's first message
/// read (a marker is never moved back) answers it.
async fn state_of(app: &TestApp, user: &User, room: i64, first: i64) -> (i64, i64, i64) {
    let reply = read(app, user, room, first).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let b = &reply.body;
    (
        b["last_read_id"].as_i64().unwrap(),
        b["unread_count"].as_i64().unwrap(),
        b["mention_count"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn counts_stay_exact_under_concurrent_sends_reads_and_deletes() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let first = app.message(&s.alice, room, "first").await;
    let mut doomed = Vec::new();
    for i in 0..10 {
        doomed.push(
            app.message(&s.alice, room, &format!("doomed {i} @bob"))
                .await,
        );
    }
    let newest = |user: &User| {
        let token = user.access.clone();
        async move {
            let page = app
                .get(
                    &format!("/api/chat/rooms/{room}/messages/?page_size=1"),
                    Some(&token),
                )
                .await;
            page.body["results"][0]["id"].as_i64().unwrap()
        }
    };
    let deleter = async {
        for id in &doomed {
            let reply = app
                .delete(&message_url(room, *id), Some(&s.alice.access))
                .await;
            assert_eq!(reply.status, 204, "{reply:?}");
        }
    };
    let alice_sends = async {
        for i in 0..10 {
            app.message(&s.alice, room, &format!("alice {i} @carol"))
                .await;
        }
    };
    let bob_sends_and_reads = async {
        for i in 0..10 {
            app.message(&s.bob, room, &format!("bob {i} @alice @carol"))
                .await;
            let id = newest(&s.bob).await;
            assert_eq!(read(app, &s.bob, room, id).await.status, 200);
        }
    };
    let carol_reads = async {
        for _ in 0..15 {
            let id = newest(&s.carol).await;
            let reply = read(app, &s.carol, room, id).await;
            // The newest message may be deleted between the two requests.
            assert!(matches!(reply.status, 200 | 400), "{reply:?}");
        }
    };
    tokio::join!(deleter, alice_sends, bob_sends_and_reads, carol_reads);

    let list = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/?page_size=100"),
            Some(&s.alice.access),
        )
        .await;
    let messages = list.body["results"].as_array().unwrap().clone();
    assert_eq!(messages.len(), 21);
    for user in [&s.alice, &s.bob, &s.carol] {
        let (marker, unread, mentions) = state_of(app, user, room, first).await;
        let after: Vec<&Value> = messages
            .iter()
            .filter(|m| m["id"].as_i64().unwrap() > marker)
            .collect();
        let mentioning = after
            .iter()
            .filter(|m| m["mentions"].as_array().unwrap().contains(&json!(user.id)))
            .count();
        assert_eq!(
            (unread, mentions),
            (after.len() as i64, mentioning as i64),
            "{} (marker {marker})",
            user.username
        );
        assert_eq!(counts(app, user, room).await, (unread, mentions));
    }
}

#[tokio::test]
async fn simultaneous_reads_leave_the_furthest_marker() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(app.message(&s.alice, room, &format!("m{i}")).await);
    }
    let mut alices = connect(app, &room_ws(room), &s.alice.access).await;
    // Newest last, oldest first, interleaved: whatever order they land in.
    let order = [3, 7, 0, 5, 1, 6, 2, 4];
    let replies =
        futures::future::join_all(order.iter().map(|n| read(app, &s.bob, room, ids[*n]))).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{reply:?}");
        let marker = reply.body["last_read_id"].as_i64().unwrap();
        let unread = ids.iter().filter(|id| **id > marker).count() as i64;
        assert_eq!(reply.body["unread_count"], unread, "{reply:?}");
    }
    let last = *ids.last().unwrap();
    read(app, &s.bob, room, ids[0])
        .await
        .expect(200, marker(room, last, 0, 0));
    // Each event announced a move to a different message, the last of them the newest.
    let mut heard = Vec::new();
    while let Ok(event) = tokio::time::timeout(QUIET, next_event(&mut alices)).await {
        assert_eq!(unpositioned(&event)["type"], "read", "{event}");
        assert_eq!(event["user_id"], s.bob.id, "{event}");
        heard.push(event["message_id"].as_i64().unwrap());
    }
    assert!(heard.contains(&last), "{heard:?}");
    let mut distinct = heard.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), heard.len(), "{heard:?}");
    assert!(heard.iter().all(|id| ids.contains(id)), "{heard:?}");
}

#[tokio::test]
async fn updating_the_room_keeps_every_marker() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let m1 = app.message(&s.alice, room, "one").await;
    let m2 = app.message(&s.alice, room, "two").await;
    read(app, &s.bob, room, m2).await;
    read(app, &s.carol, room, m1).await;
    let everyone = [s.alice.id, s.bob.id, s.carol.id];
    for (method, body) in [
        (
            reqwest::Method::PUT,
            json!({"name": "Renamed", "room_type": "GROUP", "participants": everyone}),
        ),
        (reqwest::Method::PATCH, json!({"name": "Again"})),
        (
            reqwest::Method::PATCH,
            json!({"participants": [s.alice.id, s.bob.id, s.carol.id, s.dave.id]}),
        ),
    ] {
        let reply = app
            .call(
                method.clone(),
                &format!("/api/chat/rooms/{room}/"),
                Some(&s.alice.access),
                Some(body),
            )
            .await;
        assert_eq!(reply.status, 200, "{method}: {reply:?}");
        // The answer is the caller's: alice sent both.
        assert_eq!(
            (&reply.body["unread_count"], &reply.body["mention_count"]),
            (&json!(0), &json!(0)),
            "{method}"
        );
        assert_eq!(counts(app, &s.bob, room).await, (0, 0), "{method}");
        assert_eq!(counts(app, &s.carol, room).await, (1, 0), "{method}");
    }
    assert!(is_read(app, &s.alice, room, m2).await);
    assert_eq!(counts(app, &s.dave, room).await, (2, 0));
}

#[tokio::test]
async fn a_participant_removed_and_added_again_starts_over() {
    let Some(s) = group_scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let m1 = app.message(&s.alice, room, "one").await;
    read(app, &s.carol, room, m1).await;
    let url = format!("/api/chat/rooms/{room}/");
    let without = app
        .patch(
            &url,
            Some(&s.alice.access),
            json!({"participants": [s.alice.id, s.bob.id]}),
        )
        .await;
    assert_eq!(without.status, 200, "{without:?}");
    // Gone from the room: her marker no longer makes anything read, nor can she move it.
    assert!(!is_read(app, &s.bob, room, m1).await);
    read(app, &s.carol, room, m1)
        .await
        .expect(404, detail(NOT_FOUND));
    app.message(&s.alice, room, "two").await;
    let with = app
        .patch(
            &url,
            Some(&s.alice.access),
            json!({"participants": [s.alice.id, s.bob.id, s.carol.id]}),
        )
        .await;
    assert_eq!(with.status, 200, "{with:?}");
    assert_eq!(counts(app, &s.carol, room).await, (2, 0));
}
