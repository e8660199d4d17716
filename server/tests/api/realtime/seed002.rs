//! Seed 002's `GET /ws/chat/{user_id}/{other_user_id}/`: the caller's chat with one user,
//! on the ONE_TO_ONE room of the pair (found or created), with the action fields seed 002
//! lists (`sender`, `chat_room`, `other_user`).

use serde_json::json;

use super::*;

/// The caller's rooms, as REST lists them.
async fn rooms_of(app: &TestApp, user: &User) -> Vec<Value> {
    let reply = app.get("/api/chat/rooms/", Some(&user.access)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["results"].as_array().expect("results").clone()
}

fn invalid(field: &str, message: &str) -> Value {
    json!({
        "type": "error",
        "code": "invalid",
        "detail": "Invalid message.",
        "errors": {field: [message]},
    })
}

#[tokio::test]
async fn the_pair_room_is_created_once_listed_and_reused() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let mut alices = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    let rooms = rooms_of(&app, &alice).await;
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    let room = &rooms[0];
    assert_eq!(room["room_type"], "ONE_TO_ONE");
    assert_eq!(room["created_by"], json!(alice.id));
    let mut participants: Vec<i64> = room["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    participants.sort_unstable();
    assert_eq!(participants, [alice.id, bob.id]);
    let room_id = room["id"].as_i64().expect("room id");
    assert_eq!(rooms_of(&app, &bob).await, rooms, "bob sees the same room");

    // The other direction, and a second socket of alice, land in the same room.
    let mut bobs = connect(&app, &pair_ws(bob.id, alice.id), &bob.access).await;
    let mut alices_second = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    assert_eq!(rooms_of(&app, &alice).await.len(), 1);
    act(&mut bobs, json!({"action": "new_message", "message": "hi"})).await;
    let ack = next_event(&mut bobs).await;
    assert_eq!(ack["message"]["chat_room"], json!(room_id), "{ack}");
    assert_eq!(next_event(&mut alices).await, ack);
    assert_eq!(next_event(&mut alices_second).await, ack);

    // REST finds the same room for the pair.
    let again = app
        .post(
            "/api/chat/rooms/",
            Some(&bob.access),
            json!({"name": "again", "room_type": "ONE_TO_ONE", "participants": [alice.id]}),
        )
        .await;
    assert_eq!((again.status, &again.body["id"]), (200, &json!(room_id)));
}

#[tokio::test]
async fn an_existing_one_to_one_room_is_used() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&bob, "ONE_TO_ONE", &[&alice]).await;
    // A GROUP room of the same two is not the pair's room.
    app.room(&alice, "GROUP", &[&bob]).await;

    let mut alices = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    let mut bobs_room = connect(&app, &room_ws(room), &bob.access).await;
    act(
        &mut alices,
        json!({"action": "new_message", "message": "hi"}),
    )
    .await;
    let ack = next_event(&mut alices).await;
    assert_eq!(ack["message"]["chat_room"], json!(room), "{ack}");
    assert_eq!(next_event(&mut bobs_room).await, ack);
    assert_eq!(rooms_of(&app, &alice).await.len(), 2);
}

#[tokio::test]
async fn an_other_user_that_is_not_a_number_or_the_caller_is_refused() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    let not_a_number = format!("/ws/chat/{}/abc/", alice.id);
    let not_a_number = try_connect(&app, &not_a_number, Some(&alice.access)).await;
    assert_eq!(refusal(not_a_number), (404, detail(NOT_FOUND)));
    let herself = try_connect(&app, &pair_ws(alice.id, alice.id), Some(&alice.access)).await;
    assert_eq!(
        refusal(herself),
        (
            400,
            json!({"other_user_id": ["A direct room needs another user."]})
        )
    );
    assert!(
        rooms_of(&app, &alice).await.is_empty(),
        "no room was created"
    );
}

#[tokio::test]
async fn actions_with_seed_002_fields_are_checked() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let mut alices = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    let mut bobs = connect(&app, &pair_ws(bob.id, alice.id), &bob.access).await;
    let room = rooms_of(&app, &alice).await[0]["id"]
        .as_i64()
        .expect("room id");
    let permission_denied =
        json!({"type": "error", "code": "permission_denied", "detail": FORBIDDEN});
    let with = |field: &str, value: Value| {
        let mut action = json!({
            "action": "new_message", "message": "hello",
            "sender": alice.id, "chat_room": room, "other_user": bob.id,
        });
        action[field] = value;
        action
    };

    for sender in [json!(bob.id), json!(carol.id), json!(carol.id + 1000)] {
        act(&mut alices, with("sender", sender)).await;
        assert_eq!(next_event(&mut alices).await, permission_denied);
    }
    for other in [json!(carol.id), json!(alice.id), json!("bob")] {
        act(&mut alices, with("other_user", other)).await;
        assert_eq!(
            next_event(&mut alices).await,
            invalid("other_user", "Must be the other user of this chat.")
        );
    }
    let carols_room = app.room(&carol, "GROUP", &[&alice]).await;
    for chat_room in [json!(carols_room), json!(room + 1000)] {
        act(&mut alices, with("chat_room", chat_room)).await;
        assert_eq!(
            next_event(&mut alices).await,
            invalid("chat_room", "Must be this socket's room.")
        );
    }
    let mut typing = with("other_user", json!(carol.id));
    typing["action"] = json!("typing");
    act(&mut alices, typing).await;
    assert_eq!(
        next_event(&mut alices).await,
        invalid("other_user", "Must be the other user of this chat.")
    );
    let mut typing = with("sender", json!(bob.id));
    typing["action"] = json!("typing");
    act(&mut alices, typing).await;
    assert_eq!(next_event(&mut alices).await, permission_denied);

    // Every field right: stored, acknowledged, and the only thing bob hears.
    act(&mut alices, with("message", json!("hello"))).await;
    let ack = next_event(&mut alices).await;
    assert_eq!(ack["type"], "message.created", "{ack}");
    assert_eq!(ack["message"]["sender_id"], json!(alice.id));
    assert_eq!(ack["message"]["chat_room"], json!(room));
    assert_eq!(next_event(&mut bobs).await, ack);
    let stored = app.get(&messages_url(room), Some(&bob.access)).await;
    assert_eq!(stored.body["results"], json!([ack["message"]]));
    assert_eq!(
        app.get(&messages_url(carols_room), Some(&carol.access))
            .await
            .body["results"],
        json!([])
    );
}

#[tokio::test]
async fn a_new_pair_room_is_heard_on_the_members_every_room_sockets() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut alices_all = connect(&app, ALL_ROOMS_WS, &alice.access).await;

    // Opening the pair creates its room: both every-room sockets hear `room.created` first.
    let mut alices = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    let room = rooms_of(&app, &alice).await[0]["id"]
        .as_i64()
        .expect("room id");
    let created = expect_room_created(&app, &mut bobs_all, &bob, room).await;
    assert_eq!(
        expect_room_created(&app, &mut alices_all, &alice, room).await,
        created
    );
    act(
        &mut alices,
        json!({"action": "new_message", "message": "first words"}),
    )
    .await;
    let ack = next_event(&mut alices).await;
    assert_eq!(ack["message"]["chat_room"], json!(room), "{ack}");
    assert_growing(&[created, position(&ack)]);
    assert_eq!(next_event(&mut bobs_all).await, ack);
    assert_eq!(next_event(&mut alices_all).await, ack);

    // Typing there reaches bob's every-room socket too.
    act(&mut alices, json!({"action": "typing"})).await;
    assert_eq!(
        next_event(&mut bobs_all).await,
        json!({
            "type": "typing", "chat_room": ack["message"]["chat_room"],
            "user_id": alice.id, "username": "alice",
        })
    );
}

#[tokio::test]
async fn deleting_the_pair_room_closes_its_sockets() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut alices = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    let mut bobs = connect(&app, &pair_ws(bob.id, alice.id), &bob.access).await;
    let room = rooms_of(&app, &bob).await[0]["id"]
        .as_i64()
        .expect("room id");

    // Either member of a ONE_TO_ONE room may delete it.
    app.delete(&format!("/api/chat/rooms/{room}/"), Some(&bob.access))
        .await
        .expect(204, Value::Null);

    let deleted = Some((1000, "room deleted".to_owned()));
    assert_eq!(close_frame(&mut alices).await, deleted);
    assert_eq!(close_frame(&mut bobs).await, deleted);

    // Opening the pair again starts a new room.
    let mut again = connect(&app, &pair_ws(alice.id, bob.id), &alice.access).await;
    act(
        &mut again,
        json!({"action": "new_message", "message": "new"}),
    )
    .await;
    let ack = next_event(&mut again).await;
    assert_eq!(ack["type"], "message.created", "{ack}");
    assert_eq!(rooms_of(&app, &alice).await.len(), 1);
}
