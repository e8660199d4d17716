//! DELETE: the creator, or either member of a ONE_TO_ONE room.

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
async fn a_non_creator_cannot_delete_a_group_room() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for room_type in ["GROUP", "COURSE"] {
        let room = app.room(&alice, room_type, &[&bob]).await;
        app.delete(&room_url(room), Some(&bob.access))
            .await
            .expect(403, detail(FORBIDDEN));
        let still_there = app.get(&room_url(room), Some(&bob.access)).await;
        assert_eq!(still_there.status, 200, "{room_type}: {still_there:?}");
    }
}

#[tokio::test]
async fn either_member_can_delete_a_one_to_one_room() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for deleter in [&bob, &alice] {
        let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;
        app.delete(&room_url(room), Some(&deleter.access))
            .await
            .expect(204, Value::Null);
        app.get(&room_url(room), Some(&alice.access))
            .await
            .expect(404, detail(NOT_FOUND));
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

#[tokio::test]
async fn delete_is_not_found_for_an_outsider_or_a_missing_room() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let outsider = app.user("mallory").await;
    let room = group(&app, &alice, &[]).await;

    app.delete(&room_url(room), Some(&outsider.access))
        .await
        .expect(404, detail(NOT_FOUND));
    app.delete(&room_url(room + 1000), Some(&alice.access))
        .await
        .expect(404, detail(NOT_FOUND));
    let still_there = app.get(&room_url(room), Some(&alice.access)).await;
    assert_eq!(still_there.status, 200, "{still_there:?}");
}

#[tokio::test]
async fn delete_requires_authentication() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;

    assert_no_credentials(&app.delete(&room_url(room), None).await);
    let still_there = app.get(&room_url(room), Some(&alice.access)).await;
    assert_eq!(still_there.status, 200, "{still_there:?}");
}
