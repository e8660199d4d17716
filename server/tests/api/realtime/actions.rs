//! Socket actions against REST: a `new_message` is a POST by another road (same storage,
//! same validation, same idempotency), and REST edits reach sockets.

use serde_json::{Map, json};

use super::*;

const CLIENT_ID: &str = "6f1c2b2e-8d7a-4c1e-9a55-0b4e2d3fa1c7";
const CONFLICT: &str = "client_id was already used for a different message.";

/// The group scene with alice's socket for its room and bob's every-room socket.
async fn scene() -> Option<(Scene, Socket, Socket)> {
    let s = group_scene().await?;
    let alices = connect(&s.app, &room_ws(s.room), &s.alice.access).await;
    let bobs = connect(&s.app, ALL_ROOMS_WS, &s.bob.access).await;
    Some((s, alices, bobs))
}

async fn stored_count(app: &TestApp, reader: &User, room: i64) -> usize {
    let reply = app.get(&messages_url(room), Some(&reader.access)).await;
    reply.body["results"].as_array().expect("results").len()
}

/// The REST 400 body for `content`-style fields, as the socket reports it: the text is
/// called `message` there.
fn as_socket_errors(rest: &Value) -> Value {
    let mut errors: Map<String, Value> = rest.as_object().expect("field errors").clone();
    if let Some(messages) = errors.remove("content") {
        errors.insert("message".into(), messages);
    }
    Value::Object(errors)
}

#[tokio::test]
async fn a_socket_message_equals_a_posted_one() {
    let Some((s, mut alices, mut bobs)) = scene().await else {
        return;
    };
    let posted = s
        .app
        .post(
            &messages_url(s.room),
            Some(&s.alice.access),
            json!({"content": "  same  "}),
        )
        .await;
    assert_eq!(posted.status, 201, "{posted:?}");
    expect_created(&mut alices, posted.body["id"].as_i64().expect("id")).await;

    act(
        &mut alices,
        json!({"action": "new_message", "message": "  same  "}),
    )
    .await;
    let ack = next_event(&mut alices).await;
    assert_eq!(ack["type"], "message.created");
    let sent = &ack["message"];
    assert_eq!(keys(sent), keys(&posted.body));
    for field in [
        "chat_room",
        "sender",
        "sender_id",
        "content",
        "is_read",
        "updated_at",
        "client_id",
    ] {
        assert_eq!(sent[field], posted.body[field], "{field}");
    }
    assert_eq!(sent["content"], "same", "trimmed like a POST");
    assert!(is_drf_timestamp(&sent["created_at"]), "{sent}");
    let id = sent["id"].as_i64().expect("id");
    assert_eq!(*sent, rest_message(&s.app, &s.bob, s.room, id).await);

    // Bob heard both, the same events.
    expect_created(&mut bobs, posted.body["id"].as_i64().expect("id")).await;
    assert_eq!(next_event(&mut bobs).await, ack);
}

#[tokio::test]
async fn validation_errors_are_the_posts_with_message_for_content() {
    let Some((s, mut alices, mut bobs)) = scene().await else {
        return;
    };
    let too_long = "é".repeat(10_001);
    let cases = [
        (json!({"message": "   "}), json!({"content": "   "})),
        (json!({}), json!({})),
        (json!({"message": null}), json!({"content": null})),
        (json!({"message": too_long}), json!({"content": too_long})),
        (
            json!({"message": "hi", "client_id": "not-a-uuid"}),
            json!({"content": "hi", "client_id": "not-a-uuid"}),
        ),
    ];
    for (action, body) in cases {
        let rest = s
            .app
            .post(&messages_url(s.room), Some(&s.alice.access), body.clone())
            .await;
        assert_eq!(rest.status, 400, "{body}: {rest:?}");

        let mut frame = action.clone();
        frame["action"] = json!("new_message");
        act(&mut alices, frame).await;
        let error = expect_error(&mut alices, "invalid").await;
        assert_eq!(
            keys(&error),
            ["code", "detail", "errors", "type"],
            "{error}"
        );
        assert_eq!(error["detail"], "Invalid message.");
        assert_eq!(error["errors"], as_socket_errors(&rest.body), "{action}");
    }
    assert_eq!(stored_count(&s.app, &s.alice, s.room).await, 0);

    // The limit is 10,000 characters (not bytes), both ways.
    let longest = "é".repeat(10_000);
    let posted = s.app.message(&s.alice, s.room, &longest).await;
    expect_created(&mut alices, posted).await;
    act(
        &mut alices,
        json!({"action": "new_message", "message": longest}),
    )
    .await;
    let ack = next_event(&mut alices).await;
    assert_eq!(
        ack["message"]["content"],
        longest.as_str(),
        "{}",
        ack["type"]
    );

    // Bob heard only the two stored messages.
    expect_created(&mut bobs, posted).await;
    assert_eq!(next_event(&mut bobs).await, ack);
    assert_silent(&mut bobs).await;
}

#[tokio::test]
async fn a_retried_client_id_replays_the_first_message_to_the_sender_only() {
    let Some((s, mut alices, mut bobs)) = scene().await else {
        return;
    };
    let send = json!({"action": "new_message", "message": "once", "client_id": CLIENT_ID});
    act(&mut alices, send.clone()).await;
    let first = next_event(&mut alices).await;
    assert_eq!(first["message"]["client_id"], CLIENT_ID);
    assert_eq!(next_event(&mut bobs).await, first);

    // The replay is the same frame, but not a stored event: it has no position.
    act(&mut alices, send.clone()).await;
    let replay = next_event(&mut alices).await;
    assert_eq!(keys(&replay), ["message", "type"], "{replay}");
    assert_eq!(replay, unpositioned(&first), "the replay");

    // REST sees the same key: 200 and the first message, told to nobody.
    let again = s
        .app
        .post(
            &messages_url(s.room),
            Some(&s.alice.access),
            json!({"content": "once", "client_id": CLIENT_ID}),
        )
        .await;
    again.expect(200, first["message"].clone());

    let barrier = s.app.message(&s.alice, s.room, "barrier").await;
    expect_created(&mut bobs, barrier).await;
    expect_created(&mut alices, barrier).await;
    assert_eq!(stored_count(&s.app, &s.alice, s.room).await, 2);
}

#[tokio::test]
async fn a_posted_client_id_is_replayed_on_the_socket_too() {
    let Some((s, mut alices, mut bobs)) = scene().await else {
        return;
    };
    let posted = s
        .app
        .post(
            &messages_url(s.room),
            Some(&s.alice.access),
            json!({"content": "posted", "client_id": CLIENT_ID}),
        )
        .await;
    assert_eq!(posted.status, 201, "{posted:?}");
    let id = posted.body["id"].as_i64().expect("id");
    expect_created(&mut alices, id).await;
    expect_created(&mut bobs, id).await;

    act(
        &mut alices,
        json!({"action": "new_message", "message": "posted", "client_id": CLIENT_ID}),
    )
    .await;
    assert_eq!(
        next_event(&mut alices).await,
        json!({"type": "message.created", "message": posted.body})
    );
    // Bob was not told again.
    let barrier = s.app.message(&s.alice, s.room, "barrier").await;
    expect_created(&mut bobs, barrier).await;
}

#[tokio::test]
async fn a_client_id_reused_for_other_content_is_a_conflict_both_ways() {
    let Some((s, mut alices, mut bobs)) = scene().await else {
        return;
    };
    act(
        &mut alices,
        json!({"action": "new_message", "message": "one", "client_id": CLIENT_ID}),
    )
    .await;
    let first = next_event(&mut alices).await;
    assert_eq!(first["type"], "message.created");

    act(
        &mut alices,
        json!({"action": "new_message", "message": "two", "client_id": CLIENT_ID}),
    )
    .await;
    assert_eq!(
        next_event(&mut alices).await,
        json!({"type": "error", "code": "conflict", "detail": CONFLICT})
    );
    s.app
        .post(
            &messages_url(s.room),
            Some(&s.alice.access),
            json!({"content": "two", "client_id": CLIENT_ID}),
        )
        .await
        .expect(409, detail(CONFLICT));

    // The key is the sender's: bob may use the same one for his own message.
    let mut bobs_room = connect(&s.app, &room_ws(s.room), &s.bob.access).await;
    act(
        &mut bobs_room,
        json!({"action": "new_message", "message": "two", "client_id": CLIENT_ID}),
    )
    .await;
    let his = next_event(&mut bobs_room).await;
    assert_eq!(his["type"], "message.created", "{his}");
    assert_ne!(his["message"]["id"], first["message"]["id"]);

    // Alice heard bob's message, and nothing of the conflicts.
    assert_eq!(next_event(&mut alices).await, his);
    assert_eq!(next_event(&mut bobs).await, first);
    assert_eq!(next_event(&mut bobs).await, his);
}

#[tokio::test]
async fn every_room_socket_actions_must_name_one_of_the_users_rooms() {
    let Some((s, mut alices, mut bobs)) = scene().await else {
        return;
    };
    let daves_room = s.app.room(&s.dave, "GROUP", &[]).await;
    let mut alices_all = connect(&s.app, ALL_ROOMS_WS, &s.alice.access).await;

    for action in ["new_message", "typing"] {
        act(&mut alices_all, json!({"action": action, "message": "x"})).await;
        let error = expect_error(&mut alices_all, "invalid").await;
        assert_eq!(
            error["errors"],
            json!({"chat_room": ["This field is required."]})
        );
        act(
            &mut alices_all,
            json!({"action": action, "message": "x", "chat_room": "abc"}),
        )
        .await;
        let error = expect_error(&mut alices_all, "invalid").await;
        assert_eq!(
            error["errors"],
            json!({"chat_room": ["A valid integer is required."]})
        );
        for room in [daves_room, daves_room + 1000] {
            act(
                &mut alices_all,
                json!({"action": action, "message": "x", "chat_room": room}),
            )
            .await;
            assert_eq!(
                next_event(&mut alices_all).await,
                json!({"type": "error", "code": "permission_denied", "detail": FORBIDDEN})
            );
        }
    }
    assert_eq!(stored_count(&s.app, &s.dave, daves_room).await, 0);

    act(
        &mut alices_all,
        json!({"action": "new_message", "message": "named", "chat_room": s.room}),
    )
    .await;
    let ack = next_event(&mut alices_all).await;
    assert_eq!(ack["message"]["chat_room"], json!(s.room), "{ack}");
    assert_eq!(next_event(&mut alices).await, ack);
    assert_eq!(next_event(&mut bobs).await, ack);
}

#[tokio::test]
async fn a_room_socket_refuses_actions_for_another_room() {
    let Some((s, mut alices, mut bobs)) = scene().await else {
        return;
    };
    let other = s.app.room(&s.alice, "GROUP", &[&s.bob]).await;
    // Bob's every-room socket hears of the new room (alice's socket for hers does not).
    expect_room_created(&s.app, &mut bobs, &s.bob, other).await;

    for action in ["new_message", "typing"] {
        act(
            &mut alices,
            json!({"action": action, "message": "x", "chat_room": other}),
        )
        .await;
        let error = expect_error(&mut alices, "invalid").await;
        assert_eq!(
            error["errors"],
            json!({"chat_room": ["Must be this socket's room."]})
        );
    }
    act(
        &mut alices,
        json!({"action": "new_message", "message": "here", "chat_room": s.room}),
    )
    .await;
    let ack = next_event(&mut alices).await;
    assert_eq!(ack["message"]["chat_room"], json!(s.room), "{ack}");
    assert_eq!(next_event(&mut bobs).await, ack, "bob heard only this");
}

#[tokio::test]
async fn rest_edits_and_deletes_of_a_socket_message_reach_the_sockets() {
    let Some((s, mut alices, mut bobs)) = scene().await else {
        return;
    };
    act(
        &mut alices,
        json!({"action": "new_message", "message": "draft"}),
    )
    .await;
    let ack = next_event(&mut alices).await;
    assert_eq!(next_event(&mut bobs).await, ack);
    let id = ack["message"]["id"].as_i64().expect("id");
    let url = message_url(s.room, id);

    // Refused edits tell nobody anything.
    let by_bob = s
        .app
        .patch(&url, Some(&s.bob.access), json!({"content": "mine"}))
        .await;
    by_bob.expect(403, detail(FORBIDDEN));
    let blank = s
        .app
        .put(&url, Some(&s.alice.access), json!({"content": " "}))
        .await;
    assert_eq!(blank.status, 400, "{blank:?}");
    s.app
        .delete(&url, Some(&s.bob.access))
        .await
        .expect(403, detail(FORBIDDEN));

    let edited = s
        .app
        .put(&url, Some(&s.alice.access), json!({"content": "final"}))
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    assert!(is_drf_timestamp(&edited.body["updated_at"]), "{edited:?}");
    let updated = json!({"type": "message.updated", "message": edited.body});
    let at = expect_stored(&mut alices, &updated).await;
    assert_eq!(expect_stored(&mut bobs, &updated).await, at);

    s.app
        .delete(&url, Some(&s.alice.access))
        .await
        .expect(204, Value::Null);
    let deleted = json!({"type": "message.deleted", "chat_room": s.room, "message_id": id});
    let gone = expect_stored(&mut alices, &deleted).await;
    assert_eq!(expect_stored(&mut bobs, &deleted).await, gone);
    assert_growing(&[position(&ack), at, gone]);
}
