//! `/api/chat/rooms/{room_id}/messages/` and `.../{id}/`: what sends, edits and deletes do,
//! validation and idempotent sends (who may call which is matrix.rs's).

use serde_json::{Value, json};

use crate::helpers::*;

fn messages(room: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/")
}

fn message(room: i64, id: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/{id}/")
}

#[tokio::test]
async fn a_participant_sends_and_the_message_has_every_field() {
    let Some(s) = group_scene().await else { return };
    let reply = s
        .app
        .post(
            &messages(s.room),
            Some(&s.bob.access),
            json!({"content": "  Hello!  "}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let m = &reply.body;
    assert_eq!(m["chat_room"], s.room);
    assert_eq!(m["sender"], "bob");
    assert_eq!(m["sender_id"], s.bob.id);
    assert_eq!(m["content"], "Hello!", "content is trimmed");
    assert_eq!(m["is_read"], false);
    assert_eq!(m["updated_at"], Value::Null);
    assert_eq!(m["client_id"], Value::Null);
    assert!(is_drf_timestamp(&m["created_at"]), "{m}");
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 13, "{keys:?}");
    assert_eq!(m["reply_to"], Value::Null);
    assert_eq!(m["reply_preview"], Value::Null);
    assert_eq!(m["reactions"], json!([]));
    assert_eq!(m["mentions"], json!([]));

    s.app
        .get(
            &message(s.room, m["id"].as_i64().unwrap()),
            Some(&s.alice.access),
        )
        .await
        .expect(200, m.clone());
}

#[tokio::test]
async fn is_read_and_sender_id_may_be_sent() {
    let Some(s) = group_scene().await else { return };
    let reply = s
        .app
        .post(
            &messages(s.room),
            Some(&s.bob.access),
            json!({"content": "x", "is_read": true, "sender_id": s.bob.id}),
        )
        .await;
    assert_eq!((reply.status, &reply.body["is_read"]), (201, &json!(true)));
}

#[tokio::test]
async fn sending_as_someone_else_is_forbidden_and_an_unknown_sender_invalid() {
    let Some(s) = group_scene().await else { return };
    s.app
        .post(
            &messages(s.room),
            Some(&s.bob.access),
            json!({"content": "x", "sender_id": s.alice.id}),
        )
        .await
        .expect(403, detail(FORBIDDEN));
    s.app
        .post(
            &messages(s.room),
            Some(&s.bob.access),
            json!({"content": "x", "sender_id": 999}),
        )
        .await
        .expect(
            400,
            json!({"sender_id": ["Invalid pk \"999\" - object does not exist."]}),
        );
}

#[tokio::test]
async fn content_and_is_read_are_validated_as_drf_does() {
    let Some(s) = group_scene().await else { return };
    let url = messages(s.room);
    let send = |body: Value| s.app.post(&url, Some(&s.bob.access), body);
    send(json!({}))
        .await
        .expect(400, json!({"content": ["This field is required."]}));
    send(json!({"content": " \n\t "}))
        .await
        .expect(400, json!({"content": ["This field may not be blank."]}));
    send(json!({"content": null}))
        .await
        .expect(400, json!({"content": ["This field may not be null."]}));
    send(json!({"content": ["x"]}))
        .await
        .expect(400, json!({"content": ["Not a valid string."]}));
    send(json!({"content": 42}))
        .await
        .expect(400, json!({"content": ["Not a valid string."]}));
    send(json!({"content": "x".repeat(10_001)})).await.expect(
        400,
        json!({"content": ["Ensure this field has no more than 10000 characters."]}),
    );
    assert_eq!(
        send(json!({"content": "é".repeat(10_000)})).await.status,
        201,
        "10,000 characters fit"
    );
    send(json!({"content": "x", "is_read": 5}))
        .await
        .expect(400, json!({"is_read": ["Must be a valid boolean."]}));
    send(json!({"content": "x", "is_read": "true"}))
        .await
        .expect(400, json!({"is_read": ["Must be a valid boolean."]}));
    send(json!({"is_read": 5})).await.expect(
        400,
        json!({"content": ["This field is required."], "is_read": ["Must be a valid boolean."]}),
    );
    send(json!({"content": "x", "client_id": "nope"}))
        .await
        .expect(400, json!({"client_id": ["Must be a valid UUID."]}));
}

#[tokio::test]
async fn a_message_id_that_is_not_a_number_is_404() {
    let Some(s) = group_scene().await else { return };
    s.app
        .get(
            &format!("/api/chat/rooms/{}/messages/abc/", s.room),
            Some(&s.alice.access),
        )
        .await
        .expect(404, detail(NOT_FOUND));
}

#[tokio::test]
async fn the_sender_edits_and_updated_at_is_set() {
    let Some(s) = group_scene().await else { return };
    let id = s.app.message(&s.bob, s.room, "first").await;

    let edited = s
        .app
        .put(
            &message(s.room, id),
            Some(&s.bob.access),
            json!({"content": " second "}),
        )
        .await;
    assert_eq!(
        (edited.status, &edited.body["content"]),
        (200, &json!("second")),
        "{edited:?}"
    );
    assert!(is_drf_timestamp(&edited.body["updated_at"]));

    let patched = s
        .app
        .patch(
            &message(s.room, id),
            Some(&s.bob.access),
            json!({"is_read": true}),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(
        (&patched.body["content"], &patched.body["is_read"]),
        (&json!("second"), &json!(true))
    );
    assert_eq!(
        s.app
            .get(&message(s.room, id), Some(&s.alice.access))
            .await
            .body,
        patched.body
    );
}

#[tokio::test]
async fn edits_are_validated() {
    let Some(s) = group_scene().await else { return };
    let id = s.app.message(&s.bob, s.room, "first").await;
    let bob = Some(s.bob.access.as_str());
    s.app
        .put(&message(s.room, id), bob, json!({}))
        .await
        .expect(400, json!({"content": ["This field is required."]}));
    s.app
        .patch(&message(s.room, id), bob, json!({"content": ""}))
        .await
        .expect(400, json!({"content": ["This field may not be blank."]}));
    s.app
        .patch(&message(s.room, id), bob, json!({"is_read": "yes"}))
        .await
        .expect(400, json!({"is_read": ["Must be a valid boolean."]}));
    s.app
        .patch(&message(s.room, id), bob, json!({"sender_id": s.alice.id}))
        .await
        .expect(403, detail(FORBIDDEN));
}

#[tokio::test]
async fn the_sender_deletes_and_the_reply_is_empty() {
    let Some(s) = group_scene().await else { return };
    let id = s.app.message(&s.bob, s.room, "bye").await;
    let deleted = s
        .app
        .delete(&message(s.room, id), Some(&s.bob.access))
        .await;
    assert_eq!((deleted.status, &deleted.body), (204, &Value::Null));
    s.app
        .get(&message(s.room, id), Some(&s.bob.access))
        .await
        .expect(404, detail(NOT_FOUND));
}

#[tokio::test]
async fn the_same_client_id_returns_the_first_message_even_after_a_restart() {
    let Some(s) = group_scene().await else { return };
    let client_id = uuid::Uuid::new_v4();
    let body = json!({"content": "once", "client_id": client_id});
    let first = s
        .app
        .post(&messages(s.room), Some(&s.bob.access), body.clone())
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(first.body["client_id"], client_id.to_string());
    s.app
        .post(&messages(s.room), Some(&s.bob.access), body.clone())
        .await
        .expect(200, first.body.clone());

    s.app
        .post(
            &messages(s.room),
            Some(&s.bob.access),
            json!({"content": "other", "client_id": client_id}),
        )
        .await
        .expect(
            409,
            detail("client_id was already used for a different message."),
        );

    // Another sender's key space is separate.
    assert_eq!(
        s.app
            .post(&messages(s.room), Some(&s.alice.access), body.clone())
            .await
            .status,
        201
    );

    // Alice has answered since: she has read Bob's message.
    let mut first = first.body;
    first["is_read"] = json!(true);
    let restarted = spawn_in(s.app.data.clone(), |_| {}).await;
    restarted
        .post(&messages(s.room), Some(&s.bob.access), body)
        .await
        .expect(200, first);
    let listed = restarted.get(&messages(s.room), Some(&s.bob.access)).await;
    assert_eq!(
        listed.body["results"].as_array().unwrap().len(),
        2,
        "no duplicate was stored"
    );
}

#[tokio::test]
async fn a_new_message_moves_its_room_to_the_top_and_into_the_preview() {
    let Some(s) = group_scene().await else { return };
    let newer = s.app.room(&s.alice, "GROUP", &[&s.bob]).await;
    let rooms = s.app.get("/api/chat/rooms/", Some(&s.bob.access)).await;
    assert_eq!(rooms.body["results"][0]["id"], newer);
    let id = s.app.message(&s.alice, s.room, "bump").await;
    let rooms = s.app.get("/api/chat/rooms/", Some(&s.bob.access)).await;
    assert_eq!(rooms.body["results"][0]["id"], s.room);
    assert_eq!(rooms.body["results"][0]["messages"][0]["id"], id);
}

#[tokio::test]
async fn a_patch_without_a_body_changes_nothing() {
    let Some(s) = group_scene().await else { return };
    let id = s.app.message(&s.bob, s.room, "unchanged").await;

    let reply = s
        .app
        .call(
            reqwest::Method::PATCH,
            &message(s.room, id),
            Some(&s.bob.access),
            None,
        )
        .await;

    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["content"], "unchanged");
}

#[tokio::test]
async fn sends_at_once_share_a_batch_and_each_gets_its_own_message() {
    // The writer stores everything queued in one transaction and one INSERT: each answer
    // must still be its own message, a client_id claimed twice in a batch must replay or
    // conflict, and a message must land in its own room.
    let Some(s) = group_scene().await else { return };
    let other = s.app.room(&s.carol, "GROUP", &[&s.alice]).await;
    let replayed = uuid::Uuid::new_v4();
    let conflicting = uuid::Uuid::new_v4();
    let mut sends = Vec::new();
    for n in 0..10 {
        sends.push((
            s.room,
            &s.bob,
            json!({"content": "same", "client_id": replayed}),
            n,
        ));
        sends.push((
            s.room,
            &s.alice,
            json!({"content": format!("conflict {n}"), "client_id": conflicting}),
            n,
        ));
        sends.push((s.room, &s.carol, json!({"content": format!("room {n}")}), n));
        sends.push((other, &s.alice, json!({"content": format!("other {n}")}), n));
        sends.push((
            other,
            &s.carol,
            json!({"content": format!("keyed {n}"), "client_id": uuid::Uuid::new_v4()}),
            n,
        ));
    }
    let answers = futures::future::join_all(sends.iter().map(|(room, user, body, _)| {
        let (app, url) = (&s.app, messages(*room));
        async move { app.post(&url, Some(&user.access), body.clone()).await }
    }))
    .await;

    let mut ids = std::collections::HashSet::new();
    let (mut replays, mut conflicts) = (Vec::new(), Vec::new());
    for ((room, user, body, _), answer) in sends.iter().zip(&answers) {
        match answer.status {
            201 => {
                let id = answer.body["id"].as_i64().expect("id");
                assert!(ids.insert(id), "{id} answered twice");
                assert_eq!(answer.body["content"], body["content"], "{answer:?}");
                assert_eq!(answer.body["chat_room"], *room);
                assert_eq!(answer.body["sender"], user.username.as_str());
                let stored = s.app.get(&message(*room, id), Some(&user.access)).await;
                assert_eq!(stored.body["content"], body["content"]);
            }
            200 => replays.push(answer.body["id"].as_i64().expect("id")),
            409 => conflicts.push(body["content"].clone()),
            status => panic!("unexpected {status}: {answer:?}"),
        }
    }
    // One of the ten with the replayed key was stored; the nine others are that message.
    assert_eq!(replays.len(), 9, "{replays:?}");
    assert!(
        replays
            .iter()
            .all(|id| ids.contains(id) && *id == replays[0])
    );
    // One of the ten different contents under one key won; the nine others conflict.
    assert_eq!(conflicts.len(), 9, "{conflicts:?}");
    assert_eq!(ids.len(), 1 + 1 + 10 + 10 + 10);
}

#[tokio::test]
async fn a_participant_is_refused_at_once_after_removal_though_just_seen_in_the_room() {
    // Membership reads are remembered briefly: a change must forget them before it answers.
    let Some(s) = group_scene().await else { return };
    for _ in 0..3 {
        s.app.message(&s.bob, s.room, "still here").await;
        let page = s.app.get(&messages(s.room), Some(&s.bob.access)).await;
        assert_eq!(page.status, 200);
    }
    let removed = s
        .app
        .patch(
            &format!("/api/chat/rooms/{}/", s.room),
            Some(&s.alice.access),
            json!({"participants": [s.alice.id, s.carol.id]}),
        )
        .await;
    assert_eq!(removed.status, 200, "{removed:?}");
    s.app
        .post(
            &messages(s.room),
            Some(&s.bob.access),
            json!({"content": "gone?"}),
        )
        .await
        .expect(403, detail(FORBIDDEN));
    assert_eq!(
        s.app
            .get(&messages(s.room), Some(&s.bob.access))
            .await
            .status,
        403
    );

    // The same for a deleted room, after its members were just seen (403 for a room that
    // does not exist, as for one the caller is not in).
    s.app.message(&s.carol, s.room, "last words").await;
    let deleted = s
        .app
        .delete(
            &format!("/api/chat/rooms/{}/", s.room),
            Some(&s.alice.access),
        )
        .await;
    assert_eq!(deleted.status, 204);
    s.app
        .post(
            &messages(s.room),
            Some(&s.carol.access),
            json!({"content": "anyone?"}),
        )
        .await
        .expect(403, detail(FORBIDDEN));
}
