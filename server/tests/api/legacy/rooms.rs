//! `/chatrooms/create`, `GET /chatrooms/`, `PUT`/`DELETE /chatrooms/{id}/`: seed 000's
//! envelopes around the main API's room objects, JSON or form bodies.

use super::*;

fn participants(room: &Value) -> Vec<i64> {
    sorted(
        room["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .map(|id| id.as_i64().expect("participant id"))
            .collect(),
    )
}

/// The ids of `caller`'s rooms with `participant` (`GET /chatrooms/?participant=`), sorted.
async fn filtered(app: &TestApp, caller: &User, participant: i64) -> Vec<i64> {
    let reply = app
        .get(
            &format!("{ROOMS}?participant={participant}"),
            Some(&caller.access),
        )
        .await;
    let rooms = envelope(
        &reply,
        "message",
        "Chat rooms retrieved successfully.",
        "chat_rooms",
    );
    sorted(ids(rooms.as_array().expect("chat_rooms")))
}

// ---------------------------------------------------------------- create

#[tokio::test]
async fn create_returns_the_pair_room_as_the_main_api_has_it() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let room = legacy_room(&app, &alice, &bob).await;

    assert_eq!(room["room_type"], "ONE_TO_ONE");
    assert_eq!(room["created_by"], alice.id);
    assert_eq!(participants(&room), sorted(vec![alice.id, bob.id]));
    assert_eq!(room, main_room(&app, &alice, id_of(&room)).await);
    assert_eq!(room, main_room(&app, &bob, id_of(&room)).await);
}

#[tokio::test]
async fn create_accepts_a_form_body() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (me, other) = (alice.id.to_string(), bob.id.to_string());

    let reply = form(
        &app,
        Method::POST,
        CREATE_ROOM,
        Some(&alice.access),
        &[("participant1", &other), ("participant2", &me)],
    )
    .await;

    let room = envelope(
        &reply,
        "message",
        "Chat room created successfully.",
        "chat_room",
    );
    assert_eq!(room["room_type"], "ONE_TO_ONE");
    assert_eq!(participants(room), sorted(vec![alice.id, bob.id]));
    assert_eq!(*room, main_room(&app, &alice, id_of(room)).await);
}

#[tokio::test]
async fn create_is_the_one_to_one_room_the_main_api_dedupes_to() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let room = legacy_room(&app, &alice, &bob).await;
    let id = id_of(&room);

    // The main API finds the pair's room: 200, not a second room.
    let main = app
        .post(
            "/api/chat/rooms/",
            Some(&bob.access),
            json!({"name": "Again", "room_type": "ONE_TO_ONE", "participants": [alice.id]}),
        )
        .await;
    assert_eq!((main.status, id_of(&main.body)), (200, id), "{main:?}");
    // So does seed 000 itself, from either side and in either order.
    let again = legacy_room(&app, &bob, &alice).await;
    assert_eq!(id_of(&again), id);
    let listed = main_rooms(&app, &alice).await;
    assert_eq!(ids(&listed), [id], "{listed:?}");
    assert_eq!(listed[0], main_room(&app, &alice, id).await);
    assert_eq!(ids(&main_rooms(&app, &bob).await), [id]);
}

#[tokio::test]
async fn create_returns_a_pair_room_made_by_the_main_api() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.room(&bob, "ONE_TO_ONE", &[&alice]).await;

    let room = legacy_room(&app, &alice, &bob).await;

    assert_eq!(id_of(&room), id);
    assert_eq!(room, main_room(&app, &alice, id).await);
    assert_eq!(ids(&main_rooms(&app, &alice).await), [id]);
}

// ---------------------------------------------------------------- list

#[tokio::test]
async fn list_is_the_callers_rooms_as_the_main_api_lists_them() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let with_bob = id_of(&legacy_room(&app, &alice, &bob).await);
    let group = app.room(&carol, "GROUP", &[&alice, &bob]).await;
    let _not_alices = app.room(&dave, "GROUP", &[&carol]).await;
    // Activity reorders: the first room is now the most recent.
    app.message(&bob, with_bob, "hi").await;

    let reply = app.get(ROOMS, Some(&alice.access)).await;

    let listed = envelope(
        &reply,
        "message",
        "Chat rooms retrieved successfully.",
        "chat_rooms",
    );
    let listed = listed.as_array().expect("chat_rooms is a list");
    assert_eq!(ids(listed), [with_bob, group]);
    assert_eq!(*listed, main_rooms(&app, &alice).await);
}

#[tokio::test]
async fn list_filters_by_participant() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let with_bob = id_of(&legacy_room(&app, &alice, &bob).await);
    let with_carol = id_of(&legacy_room(&app, &alice, &carol).await);
    let group = app.room(&alice, "GROUP", &[&bob, &carol]).await;

    assert_eq!(
        filtered(&app, &alice, bob.id).await,
        sorted(vec![with_bob, group])
    );
    assert_eq!(
        filtered(&app, &alice, carol.id).await,
        sorted(vec![with_carol, group])
    );
    assert_eq!(
        filtered(&app, &alice, alice.id).await,
        sorted(vec![with_bob, with_carol, group])
    );
    assert_eq!(filtered(&app, &alice, 9999).await, Vec::<i64>::new());

    // Bob sees only his own rooms, whoever he filters by.
    assert_eq!(filtered(&app, &bob, carol.id).await, [group]);
}

#[tokio::test]
async fn list_of_a_user_without_rooms_is_empty() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    let reply = app.get(ROOMS, Some(&alice.access)).await;

    reply.expect(
        200,
        json!({"message": "Chat rooms retrieved successfully.", "chat_rooms": []}),
    );
}

// ---------------------------------------------------------------- update

#[tokio::test]
async fn update_sets_the_participants_of_a_group_room() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let group = app.room(&alice, "GROUP", &[&bob]).await;

    let reply = app
        .put(
            &room_url(group),
            Some(&alice.access),
            json!({"participant1": alice.id, "participant2": carol.id}),
        )
        .await;

    let room = envelope(
        &reply,
        "message",
        "Chat room updated successfully.",
        "chat_room",
    );
    assert_eq!(participants(room), sorted(vec![alice.id, carol.id]));
    assert_eq!(*room, main_room(&app, &alice, group).await);
    let bobs = app
        .get(&format!("/api/chat/rooms/{group}/"), Some(&bob.access))
        .await;
    assert_eq!(bobs.status, 404, "bob was removed: {bobs:?}");
}

#[tokio::test]
async fn update_accepts_a_form_body() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let group = app.room(&alice, "GROUP", &[]).await;
    let (b, c) = (bob.id.to_string(), carol.id.to_string());

    let reply = form(
        &app,
        Method::PUT,
        &room_url(group),
        Some(&alice.access),
        &[("participant1", &b), ("participant2", &c)],
    )
    .await;

    let room = envelope(
        &reply,
        "message",
        "Chat room updated successfully.",
        "chat_room",
    );
    // The creator always stays in the room.
    assert_eq!(participants(room), sorted(vec![alice.id, bob.id, carol.id]));
    assert_eq!(*room, main_room(&app, &carol, group).await);
}

#[tokio::test]
async fn update_of_a_one_to_one_room_with_its_own_pair_changes_nothing() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = legacy_room(&app, &alice, &bob).await;

    let reply = app
        .put(
            &room_url(id_of(&room)),
            Some(&bob.access),
            json!({"participant1": alice.id, "participant2": bob.id}),
        )
        .await;

    let updated = envelope(
        &reply,
        "message",
        "Chat room updated successfully.",
        "chat_room",
    );
    assert_eq!(participants(updated), participants(&room));
    assert_eq!(*updated, main_room(&app, &bob, id_of(&room)).await);
}

// ---------------------------------------------------------------- delete

#[tokio::test]
async fn delete_removes_the_room_and_its_messages_from_the_main_api() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = id_of(&legacy_room(&app, &alice, &bob).await);
    let message = app.message(&alice, id, "soon gone").await;

    // Either member of a ONE_TO_ONE room may delete it.
    let reply = app.delete(&room_url(id), Some(&bob.access)).await;

    reply.expect(200, json!({"message": "Chat room deleted successfully."}));
    let gone = app
        .get(&format!("/api/chat/rooms/{id}/"), Some(&alice.access))
        .await;
    gone.expect(404, detail(NOT_FOUND));
    assert!(main_rooms(&app, &alice).await.is_empty());
    assert!(main_rooms(&app, &bob).await.is_empty());
    let message = app.delete(&message_url(message), Some(&alice.access)).await;
    expect_legacy(&message, 404, NOT_FOUND);
    // And seed 000 no longer lists it.
    let listed = app.get(ROOMS, Some(&alice.access)).await;
    assert_eq!(listed.body["chat_rooms"], json!([]), "{listed:?}");
}

#[tokio::test]
async fn delete_of_a_group_room_by_its_creator() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let group = app.room(&alice, "GROUP", &[&bob]).await;

    let reply = app.delete(&room_url(group), Some(&alice.access)).await;

    reply.expect(200, json!({"message": "Chat room deleted successfully."}));
    assert!(main_rooms(&app, &bob).await.is_empty());
}
