//! DELETE: what goes with a room (who may delete which room is matrix.rs's).

use super::*;

// ---------------------------------------------------------------- delete

#[tokio::test]
async fn the_creator_deletes_a_room_with_its_messages() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = group(&app, &alice, &[&bob]).await;
    app.message(&bob, room, "soon gone").await;

    app.delete(&room_url(room), Some(&alice.access))
        .await
        .expect(204, Value::Null);

    for user in [&alice, &bob] {
        app.get(&room_url(room), Some(&user.access))
            .await
            .expect(404, detail(NOT_FOUND));
        // The message routes answer 403 for a room that does not exist (seed 004).
        app.get(&messages_url(room), Some(&user.access))
            .await
            .expect(403, detail(FORBIDDEN));
        let listed = app.get(ROOMS, Some(&user.access)).await;
        assert_eq!(listed.body["count"], json!(0), "{listed:?}");
    }
}

#[tokio::test]
async fn a_deleted_one_to_one_room_can_be_created_again() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;
    app.delete(&room_url(room), Some(&bob.access))
        .await
        .expect(204, Value::Null);

    let again = create(
        &app,
        &bob,
        json!({"name": "Us", "room_type": "ONE_TO_ONE", "participants": [alice.id]}),
    )
    .await;

    assert_eq!(again.status, 201, "{again:?}");
    assert_ne!(again.body["id"], json!(room));
}
