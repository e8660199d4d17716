//! Sockets: the invitee hears of an invitation on `/ws/chat/`, and hears the room once they
//! accept, without reconnecting.

use super::*;
use crate::realtime::{ALL_ROOMS_WS, assert_silent, connect, expect_created, next_event, room_ws};

#[tokio::test]
async fn the_invitee_hears_the_invitation_and_then_the_room() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&carol]).await;
    let bobs_own = app.room(&bob, "GROUP", &[]).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut carols_all = connect(&app, ALL_ROOMS_WS, &carol.access).await;
    let mut carols_room = connect(&app, &room_ws(room), &carol.access).await;

    let created = invite(&app, &alice, room, bob.id).await;
    assert_eq!(created.status, 201, "{created:?}");

    assert_eq!(
        next_event(&mut bobs_all).await,
        json!({"type": "invitation.created", "invitation": created.body})
    );
    // Only the invitee is told; the room hears nothing.
    assert_silent(&mut carols_all).await;
    assert_silent(&mut carols_room).await;
    // Not in the room yet: its messages do not reach him.
    let before = app.message(&alice, room, "before").await;
    let barrier = app.message(&bob, bobs_own, "barrier").await;
    expect_created(&mut bobs_all, barrier).await;
    expect_created(&mut carols_all, before).await;

    let id = created.body["id"].as_i64().expect("id");
    assert_eq!(accept(&app, &bob, id).await.status, 200);

    let after = app.message(&alice, room, "after").await;
    expect_created(&mut bobs_all, after).await;
    // And a socket for the room alone opens now.
    let mut bobs_room = connect(&app, &room_ws(room), &bob.access).await;
    let last = app.message(&carol, room, "last").await;
    expect_created(&mut bobs_room, last).await;
}

#[tokio::test]
async fn refused_invitations_send_nothing() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;

    // Already a participant: a 400, and no event.
    assert_eq!(invite(&app, &alice, room, bob.id).await.status, 400);

    assert_silent(&mut bobs_all).await;
}
