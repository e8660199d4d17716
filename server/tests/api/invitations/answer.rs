//! `POST /api/invitations/{id}/accept/` and `.../decline/`: only the invitee, only once.

use super::*;

#[tokio::test]
async fn accepting_joins_the_room_and_returns_it() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&carol]).await;
    app.message(&alice, room, "welcome").await;
    let id = invited(&app, &alice, room, &bob).await;

    let reply = accept(&app, &bob, id).await;

    assert_eq!(reply.status, 200, "{reply:?}");
    // The room as its own route shows it, now with Bob in it.
    app.get(&room_url(room), Some(&bob.access))
        .await
        .expect(200, reply.body.clone());
    assert_eq!(
        participants(&app, &alice, room).await,
        vec![alice.id, bob.id, carol.id]
    );
    assert_eq!(reply.body["messages"][0]["content"], json!("welcome"));
    let rooms = app.get("/api/chat/rooms/", Some(&bob.access)).await;
    assert_eq!(rooms.body["results"][0]["id"], json!(room), "{rooms:?}");
    // Answered: gone from both pending lists; the room's sockets and routes are Bob's now.
    assert!(pending_of(&app, &bob).await.is_empty());
    assert!(ids(&app.get(&invitations_url(room), Some(&bob.access)).await).is_empty());
    app.message(&bob, room, "thanks").await;

    accept(&app, &bob, id)
        .await
        .expect(400, field_error("non_field_errors", ALREADY_ACCEPTED));
    decline(&app, &bob, id)
        .await
        .expect(400, field_error("non_field_errors", ALREADY_ACCEPTED));
}

#[tokio::test]
async fn declining_records_the_answer_and_changes_nothing_else() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "COURSE", &[]).await;
    let created = invite(&app, &alice, room, bob.id).await;
    let id = created.body["id"].as_i64().expect("id");

    let reply = decline(&app, &bob, id).await;

    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(is_drf_timestamp(&reply.body["responded_at"]), "{reply:?}");
    let mut expected = created.body.clone();
    expected["status"] = json!("declined");
    expected["responded_at"] = reply.body["responded_at"].clone();
    assert_eq!(reply.body, expected);
    assert_eq!(participants(&app, &alice, room).await, vec![alice.id]);
    assert!(pending_of(&app, &bob).await.is_empty());
    assert!(ids(&app.get(&invitations_url(room), Some(&alice.access)).await).is_empty());

    decline(&app, &bob, id)
        .await
        .expect(400, field_error("non_field_errors", ALREADY_DECLINED));
    accept(&app, &bob, id)
        .await
        .expect(400, field_error("non_field_errors", ALREADY_DECLINED));
    app.get(&room_url(room), Some(&bob.access))
        .await
        .expect(404, detail(NOT_FOUND));
}

#[tokio::test]
async fn answers_take_no_body_but_tolerate_an_empty_object() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let to_bob = invited(&app, &alice, room, &bob).await;
    let to_carol = invited(&app, &alice, room, &carol).await;

    let reply = app
        .post(&accept_url(to_bob), Some(&bob.access), json!({}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = app
        .post(&decline_url(to_carol), Some(&carol.access), json!({}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["status"], json!("declined"));
}

#[tokio::test]
async fn accepting_after_being_added_otherwise_still_succeeds() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let id = invited(&app, &alice, room, &bob).await;
    let added = app
        .patch(
            &room_url(room),
            Some(&alice.access),
            json!({"participants": [bob.id]}),
        )
        .await;
    assert_eq!(added.status, 200, "{added:?}");

    let reply = accept(&app, &bob, id).await;

    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["participants"], json!([alice.id, bob.id]));
    assert!(pending_of(&app, &bob).await.is_empty());
}

#[tokio::test]
async fn a_deleted_room_takes_its_invitations_with_it() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let id = invited(&app, &alice, room, &bob).await;

    let deleted = app.delete(&room_url(room), Some(&alice.access)).await;
    assert_eq!(deleted.status, 204, "{deleted:?}");

    assert!(pending_of(&app, &bob).await.is_empty());
    accept(&app, &bob, id).await.expect(404, detail(NOT_FOUND));
    decline(&app, &bob, id).await.expect(404, detail(NOT_FOUND));
}

#[tokio::test]
async fn an_invitation_id_that_is_not_a_number_is_404() {
    let Some(app) = spawn_app().await else { return };
    let bob = app.user("bob").await;
    post_empty(&app, "/api/invitations/abc/accept/", Some(&bob.access))
        .await
        .expect(404, detail(NOT_FOUND));
}
