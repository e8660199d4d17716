//! Sockets: the invitee and the inviter hear of an invitation and of its answer on
//! `/ws/chat/` (not on room sockets, and nobody else does); once the invitee accepts, the room
//! hears `member.added`, and the invitee hears the room from then on, without reconnecting.

use super::*;
use crate::realtime::{
    ALL_ROOMS_WS, assert_growing, assert_silent, connect, expect_created, expect_stored,
    next_event, position, room_ws, shared_room, unpositioned,
};

#[tokio::test]
async fn the_invitee_hears_the_invitation_and_then_the_room() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&carol]).await;
    let bobs_own = app.room(&bob, "GROUP", &[]).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut alices_all = connect(&app, ALL_ROOMS_WS, &alice.access).await;
    let mut alices_room = connect(&app, &room_ws(room), &alice.access).await;
    let mut carols_all = connect(&app, ALL_ROOMS_WS, &carol.access).await;
    let mut carols_room = connect(&app, &room_ws(room), &carol.access).await;

    let created = invite(&app, &alice, room, bob.id).await;
    assert_eq!(created.status, 201, "{created:?}");

    let invited = json!({"type": "invitation.created", "invitation": created.body});
    let at = expect_stored(&mut bobs_all, &invited).await;
    // The inviter is told too, on her every-room socket only; the room hears nothing.
    assert_eq!(expect_stored(&mut alices_all, &invited).await, at);
    assert_silent(&mut alices_room).await;
    assert_silent(&mut carols_all).await;
    assert_silent(&mut carols_room).await;
    // Not in the room yet: its messages do not reach him.
    let before = app.message(&alice, room, "before").await;
    let barrier = app.message(&bob, bobs_own, "barrier").await;
    expect_created(&mut bobs_all, barrier).await;
    for socket in [
        &mut alices_all,
        &mut alices_room,
        &mut carols_all,
        &mut carols_room,
    ] {
        expect_created(socket, before).await;
    }

    let id = created.body["id"].as_i64().expect("id");
    assert_eq!(accept(&app, &bob, id).await.status, 200);

    // Both of them hear the answer; then the whole room hears bob join, his every-room
    // socket included.
    let answer = next_event(&mut bobs_all).await;
    let mut accepted = created.body.clone();
    accepted["status"] = json!("accepted");
    accepted["responded_at"] = answer["invitation"]["responded_at"].clone();
    assert!(is_drf_timestamp(&accepted["responded_at"]), "{answer}");
    let accepted = json!({"type": "invitation.accepted", "invitation": accepted});
    assert_eq!(unpositioned(&answer), accepted);
    assert_eq!(
        expect_stored(&mut alices_all, &accepted).await,
        position(&answer)
    );
    let added = json!({
        "type": "member.added", "chat_room": room, "user_id": bob.id, "by": bob.id,
        "room": shared_room(&app, &bob, room).await,
    });
    let joined = expect_stored(&mut bobs_all, &added).await;
    for socket in [
        &mut alices_all,
        &mut alices_room,
        &mut carols_all,
        &mut carols_room,
    ] {
        assert_eq!(expect_stored(socket, &added).await, joined);
    }
    assert_growing(&[at, position(&answer), joined]);

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
