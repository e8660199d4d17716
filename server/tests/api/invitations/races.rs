//! Invariants under concurrency and at the participant limit.

use futures::future::join_all;

use super::*;

#[tokio::test]
async fn identical_invitations_racing_store_exactly_one() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;

    let inviters = [&alice, &bob];
    let replies = join_all((0..10).map(|n| invite(&app, inviters[n % 2], room, carol.id))).await;

    let created: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(created.len(), 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.expect(400, field_error("user_id", ALREADY_INVITED));
    }
    assert_eq!(
        pending_of(&app, &carol).await,
        vec![created[0].body["id"].as_i64().expect("id")]
    );
}

#[tokio::test]
async fn accepts_racing_join_once() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let id = invited(&app, &alice, room, &bob).await;

    let replies = join_all((0..6).map(|n| {
        let path = if n % 3 == 2 {
            decline_url(id)
        } else {
            accept_url(id)
        };
        let app = &app;
        let token = bob.access.clone();
        async move { post_empty(app, &path, Some(&token)).await }
    }))
    .await;

    // Exactly one answer wins; the others learn which one it was.
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(won.len(), 1, "{replies:?}");
    let accepted = won[0].body.get("participants").is_some();
    let message = if accepted {
        ALREADY_ACCEPTED
    } else {
        ALREADY_DECLINED
    };
    for reply in replies.iter().filter(|r| r.status != 200) {
        reply.expect(400, field_error("non_field_errors", message));
    }
    let expected = if accepted {
        vec![alice.id, bob.id]
    } else {
        vec![alice.id]
    };
    assert_eq!(participants(&app, &alice, room).await, expected);
}

/// Adds `count` users straight to the database (registering 500 through the API would hash
/// 500 passwords) and makes them participants of `room`.
async fn fill(app: &TestApp, room: i64, count: i64) {
    app.data
        .execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO users (username, username_folded, email, password_hash, created_at) \
             SELECT 'filler' || i, 'filler' || i, '', 'x', 0 FROM n",
            count,
        )
        .await;
    let added = app
        .data
        .execute(
            "INSERT INTO room_participants (room_id, user_id) \
             SELECT $1, id FROM users WHERE username LIKE 'filler%'",
            room,
        )
        .await;
    assert_eq!(added, u64::try_from(count).expect("count"));
}

#[tokio::test]
async fn a_full_room_takes_no_invitation_and_no_accept() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let erin = app.user("erin").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    fill(&app, room, 497).await;
    assert_eq!(participants(&app, &alice, room).await.len(), 499);

    // One seat left: both may be invited, the first to accept takes it.
    let to_carol = invited(&app, &alice, room, &carol).await;
    let to_dave = invited(&app, &bob, room, &dave).await;
    assert_eq!(accept(&app, &dave, to_dave).await.status, 200);
    assert_eq!(participants(&app, &alice, room).await.len(), 500);

    accept(&app, &carol, to_carol)
        .await
        .expect(400, field_error("non_field_errors", ROOM_FULL));
    invite(&app, &alice, room, erin.id)
        .await
        .expect(400, field_error("non_field_errors", ROOM_FULL));
    // Nothing changed: Carol's invitation still waits for a seat.
    assert_eq!(pending_of(&app, &carol).await, vec![to_carol]);
    assert!(pending_of(&app, &erin).await.is_empty());
    assert_eq!(participants(&app, &alice, room).await.len(), 500);

    // A seat frees up: she can take it.
    let left = app
        .patch(
            &room_url(room),
            Some(&alice.access),
            json!({"participants": [bob.id, dave.id]}),
        )
        .await;
    assert_eq!(left.status, 200, "{left:?}");
    assert_eq!(accept(&app, &carol, to_carol).await.status, 200);
    assert_eq!(
        participants(&app, &alice, room).await,
        vec![alice.id, bob.id, carol.id, dave.id]
    );
}
