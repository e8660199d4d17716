//! `DELETE /api/chat/rooms/{id}/invitations/{invitation_id}/`: the inviter or the room's
//! creator takes back a pending invitation.

use super::*;

#[tokio::test]
async fn the_inviter_revokes_and_the_invitation_is_gone() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let id = invited(&app, &bob, room, &carol).await;

    let reply = app
        .delete(&invitation_url(room, id), Some(&bob.access))
        .await;

    assert_eq!(
        (reply.status, &reply.body),
        (204, &Value::Null),
        "{reply:?}"
    );
    assert!(pending_of(&app, &carol).await.is_empty());
    assert!(ids(&app.get(&invitations_url(room), Some(&alice.access)).await).is_empty());
    accept(&app, &carol, id)
        .await
        .expect(404, detail(NOT_FOUND));
    app.delete(&invitation_url(room, id), Some(&bob.access))
        .await
        .expect(404, detail(NOT_FOUND));
    // And she may be invited again.
    invited(&app, &alice, room, &carol).await;
}

#[tokio::test]
async fn only_pending_invitations_of_that_room_can_be_revoked() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let other = app.room(&alice, "GROUP", &[]).await;
    let accepted = invited(&app, &alice, room, &bob).await;
    assert_eq!(accept(&app, &bob, accepted).await.status, 200);
    let declined = invited(&app, &alice, room, &carol).await;
    assert_eq!(decline(&app, &carol, declined).await.status, 200);
    let elsewhere = invited(&app, &alice, other, &carol).await;

    for id in [accepted, declined, elsewhere, elsewhere + 1000] {
        app.delete(&invitation_url(room, id), Some(&alice.access))
            .await
            .expect(404, detail(NOT_FOUND));
    }
    assert_eq!(pending_of(&app, &carol).await, vec![elsewhere]);
    assert_eq!(
        participants(&app, &alice, room).await,
        vec![alice.id, bob.id]
    );
}
