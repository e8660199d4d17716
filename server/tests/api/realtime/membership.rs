//! Sockets follow membership as it changes, and hear each change as a stored event before
//! what follows it: a new room's first participants hear `room.created` on `/ws/chat/`;
//! removed users hear their `member.removed`, then nothing more of the room (their socket for
//! it closes); added ones hear their `member.added` on `/ws/chat/` without reconnecting, then
//! the room; and a deleted room's sockets hear `room.deleted`, then close.

use serde_json::json;

use super::*;

fn room_url(room: i64) -> String {
    format!("/api/chat/rooms/{room}/")
}

fn permission_denied() -> Value {
    json!({"type": "error", "code": "permission_denied", "detail": FORBIDDEN})
}

async fn set_participants(app: &TestApp, by: &User, room: i64, participants: &[&User]) {
    let ids: Vec<i64> = participants.iter().map(|u| u.id).collect();
    let reply = app
        .patch(
            &room_url(room),
            Some(&by.access),
            json!({"participants": ids}),
        )
        .await;
    assert_eq!(reply.status, 200, "set participants: {reply:?}");
}

#[tokio::test]
async fn a_removed_user_stops_hearing_the_room_and_its_room_socket_closes() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob, &carol]).await;
    let other = app.room(&alice, "GROUP", &[&bob]).await;
    let mut bobs_room = connect(&app, &room_ws(room), &bob.access).await;
    let mut bobs_other = connect(&app, &room_ws(other), &bob.access).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut carols_room = connect(&app, &room_ws(room), &carol.access).await;
    let before = app.message(&alice, room, "before").await;
    let heard = expect_created(&mut bobs_all, before).await;

    set_participants(&app, &alice, room, &[&carol]).await;

    // Every socket of the room hears bob go, his own included; then his room socket closes.
    let removed = json!({
        "type": "member.removed", "chat_room": room, "user_id": bob.id, "by": alice.id,
        "reason": "removed",
    });
    let (events, closed) = events_until_close(&mut bobs_room).await;
    assert_eq!(closed, Some((1008, "not a participant".to_owned())));
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], heard);
    assert_eq!(unpositioned(&events[1]), removed);
    let at = position(&events[1]);
    assert_growing(&[position(&heard), at]);
    assert_eq!(expect_stored(&mut bobs_all, &removed).await, at);
    let after = app.message(&alice, room, "after").await;
    let barrier = app.message(&alice, other, "barrier").await;
    expect_created(&mut bobs_all, barrier).await;
    expect_created(&mut bobs_other, barrier).await;
    expect_created(&mut carols_room, before).await;
    assert_eq!(expect_stored(&mut carols_room, &removed).await, at);
    expect_created(&mut carols_room, after).await;

    // His every-room socket may no longer act in it either, and he cannot reopen the room.
    for action in ["typing", "new_message"] {
        act(
            &mut bobs_all,
            json!({"action": action, "chat_room": room, "message": "let me in"}),
        )
        .await;
        assert_eq!(next_event(&mut bobs_all).await, permission_denied());
    }
    let last = app.message(&alice, room, "last").await;
    expect_created(&mut carols_room, last).await;
    let reopened = try_connect(&app, &room_ws(room), Some(&bob.access)).await;
    assert_eq!(refusal(reopened), (403, detail(FORBIDDEN)));
}

#[tokio::test]
async fn an_added_user_starts_hearing_on_every_room_sockets_without_reconnecting() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&carol]).await;
    let bobs_own = app.room(&bob, "GROUP", &[]).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut alices_room = connect(&app, &room_ws(room), &alice.access).await;

    let unheard = app.message(&alice, room, "not for bob yet").await;
    expect_created(&mut alices_room, unheard).await;
    act(
        &mut bobs_all,
        json!({"action": "typing", "chat_room": room}),
    )
    .await;
    assert_eq!(next_event(&mut bobs_all).await, permission_denied());

    // Any participant may add people; carol adds bob. Bob hears it first, then the room.
    set_participants(&app, &carol, room, &[&alice, &carol, &bob]).await;
    let added = json!({
        "type": "member.added", "chat_room": room, "user_id": bob.id, "by": carol.id,
        "room": shared_room(&app, &bob, room).await,
    });
    let at = expect_stored(&mut bobs_all, &added).await;
    assert_eq!(expect_stored(&mut alices_room, &added).await, at);

    let heard = app.message(&alice, room, "welcome").await;
    let welcome = expect_created(&mut bobs_all, heard).await;
    assert_growing(&[at, position(&welcome)]);
    expect_created(&mut alices_room, heard).await;
    act(
        &mut bobs_all,
        json!({"action": "typing", "chat_room": room}),
    )
    .await;
    assert_eq!(
        next_event(&mut alices_room).await,
        json!({"type": "typing", "chat_room": room, "user_id": bob.id, "username": "bob"})
    );
    act(
        &mut bobs_all,
        json!({"action": "new_message", "chat_room": room, "message": "thanks"}),
    )
    .await;
    let ack = next_event(&mut bobs_all).await;
    assert_eq!(ack["message"]["chat_room"], json!(room), "{ack}");
    assert_eq!(next_event(&mut alices_room).await, ack);
    // His own room is still heard.
    let own = app.message(&bob, bobs_own, "mine").await;
    expect_created(&mut bobs_all, own).await;
}

#[tokio::test]
async fn a_user_removed_then_added_back_hears_the_room_again() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;

    set_participants(&app, &alice, room, &[]).await;
    app.message(&alice, room, "while away").await;
    set_participants(&app, &alice, room, &[&bob]).await;
    let back = app.message(&alice, room, "back").await;

    let removed = json!({
        "type": "member.removed", "chat_room": room, "user_id": bob.id, "by": alice.id,
        "reason": "removed",
    });
    let added = json!({
        "type": "member.added", "chat_room": room, "user_id": bob.id, "by": alice.id,
        "room": shared_room(&app, &bob, room).await,
    });
    let gone = expect_stored(&mut bobs_all, &removed).await;
    let again = expect_stored(&mut bobs_all, &added).await;
    let heard = expect_created(&mut bobs_all, back).await;
    assert_growing(&[gone, again, position(&heard)]);
}

#[tokio::test]
async fn a_new_rooms_members_hear_it_on_every_room_sockets() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let carols_own = app.room(&carol, "GROUP", &[]).await;
    let mut alices_all = connect(&app, ALL_ROOMS_WS, &alice.access).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let mut carols_all = connect(&app, ALL_ROOMS_WS, &carol.access).await;

    for room_type in ["GROUP", "COURSE", "ONE_TO_ONE"] {
        let room = app.room(&alice, room_type, &[&bob]).await;
        let id = app.message(&bob, room, room_type).await;
        let created = expect_room_created(&app, &mut alices_all, &alice, room).await;
        assert_eq!(
            expect_room_created(&app, &mut bobs_all, &bob, room).await,
            created
        );
        assert_growing(&[
            created,
            position(&expect_created(&mut alices_all, id).await),
        ]);
        expect_created(&mut bobs_all, id).await;
    }
    let barrier = app.message(&carol, carols_own, "barrier").await;
    expect_created(&mut carols_all, barrier).await;
}

#[tokio::test]
async fn a_deleted_room_closes_its_sockets_and_every_room_sockets_stop_hearing_it() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let other = app.room(&alice, "GROUP", &[&bob]).await;
    let mut alices_room = connect(&app, &room_ws(room), &alice.access).await;
    let mut bobs_room = connect(&app, &room_ws(room), &bob.access).await;
    let mut bobs_all = connect(&app, ALL_ROOMS_WS, &bob.access).await;

    // Only the creator may delete a GROUP room; a refused delete closes nothing.
    app.delete(&room_url(room), Some(&bob.access))
        .await
        .expect(403, detail(FORBIDDEN));
    let still = app.message(&bob, room, "still here").await;
    expect_created(&mut alices_room, still).await;
    expect_created(&mut bobs_room, still).await;
    expect_created(&mut bobs_all, still).await;

    app.delete(&room_url(room), Some(&alice.access))
        .await
        .expect(204, Value::Null);

    // The room's sockets hear `room.deleted`, then close.
    let deleted = json!({"type": "room.deleted", "chat_room": room});
    let at = expect_stored(&mut bobs_all, &deleted).await;
    for socket in [&mut alices_room, &mut bobs_room] {
        let (events, closed) = events_until_close(socket).await;
        assert_eq!(closed, Some((1000, "room deleted".to_owned())));
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(unpositioned(&events[0]), deleted);
        assert_eq!(position(&events[0]), at);
    }
    act(
        &mut bobs_all,
        json!({"action": "typing", "chat_room": room}),
    )
    .await;
    assert_eq!(next_event(&mut bobs_all).await, permission_denied());
    let barrier = app.message(&alice, other, "the other room").await;
    expect_created(&mut bobs_all, barrier).await;
}
