//! Presence: a user is online while they hold a WebSocket, `presence` events reach the rooms
//! they share, and `GET /api/users/{id}/presence/` answers the caller and their room-mates.

use std::time::Duration;

use chat_test_support::Database;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::realtime::{
    ALL_ROOMS_WS, PATIENCE, QUIET, Socket, assert_silent_including_presence as assert_silent,
    connect, next_event_including_presence as next_event, pair_ws, room_ws,
};

fn presence_url(user: &User) -> String {
    format!("/api/users/{}/presence/", user.id)
}

/// `user`'s presence as `caller` reads it (200 expected).
async fn presence(app: &TestApp, caller: &User, user: &User) -> Value {
    let reply = app.get(&presence_url(user), Some(&caller.access)).await;
    assert_eq!(
        reply.status, 200,
        "presence of {}: {reply:?}",
        user.username
    );
    assert_eq!(reply.body["user_id"], user.id);
    reply.body
}

/// Polls until `user` reads as offline (a closed socket is noticed by the server a moment
/// after the client closes it); returns that answer.
async fn offline(app: &TestApp, caller: &User, user: &User) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let body = presence(app, caller, user).await;
        if body["online"] == false {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} still online: {body}",
            user.username
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Nothing about `user` arrives for [`QUIET`]. Others' presence may: on PostgreSQL alice's
/// own "online", announced through the database, can reach bob's socket after it opened.
async fn hears_nothing_of(socket: &mut Socket, user: &User) {
    let heard = tokio::time::timeout(QUIET, async {
        loop {
            let event = next_event(socket).await;
            if event["type"] != "presence" || event["user_id"] == user.id {
                return event;
            }
        }
    })
    .await;
    if let Ok(event) = heard {
        panic!("{} heard of themselves: {event}", user.username);
    }
}

async fn close(mut socket: Socket) {
    socket.close(None).await.expect("close sent");
}

fn online_event(user: &User) -> Value {
    json!({
        "type": "presence",
        "user_id": user.id,
        "username": user.username,
        "online": true,
        "last_seen_at": null,
    })
}

/// The `presence` event of `user` going offline: `last_seen_at` is a DRF timestamp.
fn assert_offline_event(event: &Value, user: &User) {
    assert!(is_drf_timestamp(&event["last_seen_at"]), "{event}");
    let mut without_time = event.clone();
    without_time["last_seen_at"] = Value::Null;
    assert_eq!(
        without_time,
        json!({
            "type": "presence",
            "user_id": user.id,
            "username": user.username,
            "online": false,
            "last_seen_at": null,
        })
    );
}

#[tokio::test]
async fn a_user_is_online_while_a_socket_is_open_and_last_seen_when_it_closes() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;

    let never = json!({"user_id": bob.id, "online": false, "last_seen_at": null});
    assert_eq!(presence(&app, &alice, &bob).await, never);

    let socket = connect(&app, &room_ws(room), &bob.access).await;
    assert_eq!(
        presence(&app, &alice, &bob).await,
        json!({"user_id": bob.id, "online": true, "last_seen_at": null})
    );

    close(socket).await;
    let seen = offline(&app, &alice, &bob).await;
    assert!(is_drf_timestamp(&seen["last_seen_at"]), "{seen}");

    // Online again: no last_seen_at while online; a new one after.
    let socket = connect(&app, &pair_ws(bob.id, alice.id), &bob.access).await;
    assert_eq!(presence(&app, &alice, &bob).await["online"], true);
    assert_eq!(
        presence(&app, &alice, &bob).await["last_seen_at"],
        Value::Null
    );
    close(socket).await;
    let again = offline(&app, &alice, &bob).await;
    assert!(
        again["last_seen_at"].as_str() >= seen["last_seen_at"].as_str(),
        "{again} after {seen}"
    );
}

#[tokio::test]
async fn two_sockets_keep_a_user_online_until_both_close() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;

    let one_room = connect(&app, &room_ws(room), &bob.access).await;
    let every_room = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    close(one_room).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        presence(&app, &alice, &bob).await,
        json!({"user_id": bob.id, "online": true, "last_seen_at": null})
    );

    close(every_room).await;
    let seen = offline(&app, &alice, &bob).await;
    assert!(is_drf_timestamp(&seen["last_seen_at"]), "{seen}");
}

#[tokio::test]
async fn room_mates_are_answered_both_ways_and_anyone_about_themselves() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.room(&alice, "GROUP", &[&bob]).await;

    app.get("/api/users/abc/presence/", Some(&alice.access))
        .await
        .expect(404, detail(NOT_FOUND));
    // Room-mates both ways, and anyone about themselves (carol is in no room).
    assert_eq!(presence(&app, &bob, &alice).await["online"], false);
    assert_eq!(presence(&app, &alice, &bob).await["online"], false);
    assert_eq!(
        presence(&app, &carol, &carol).await,
        json!({"user_id": carol.id, "online": false, "last_seen_at": null})
    );
    let socket = connect(&app, ALL_ROOMS_WS, &carol.access).await;
    assert_eq!(presence(&app, &carol, &carol).await["online"], true);
    close(socket).await;
}

#[tokio::test]
async fn room_mates_hear_a_user_come_online_and_go_offline_and_nobody_else_does() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    // Two rooms shared with bob: the every-room socket still hears each transition once.
    app.room(&bob, "GROUP", &[&alice]).await;
    let elsewhere = app.room(&carol, "GROUP", &[]).await;

    let mut alice_everywhere = connect(&app, ALL_ROOMS_WS, &alice.access).await;
    let mut alice_in_room = connect(&app, &room_ws(room), &alice.access).await;
    let mut carol_socket = connect(&app, &room_ws(elsewhere), &carol.access).await;
    let mut carol_everywhere = connect(&app, ALL_ROOMS_WS, &carol.access).await;

    let mut bob_socket = connect(&app, &room_ws(room), &bob.access).await;
    for socket in [&mut alice_everywhere, &mut alice_in_room] {
        assert_eq!(next_event(socket).await, online_event(&bob));
    }
    // A second socket is no new transition; bob's own sockets hear nothing of his.
    let mut bob_again = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    assert_silent(&mut alice_everywhere).await;
    hears_nothing_of(&mut bob_socket, &bob).await;
    close(bob_socket).await;
    hears_nothing_of(&mut bob_again, &bob).await;
    close(bob_again).await;

    let offline_event = next_event(&mut alice_everywhere).await;
    assert_offline_event(&offline_event, &bob);
    assert_eq!(next_event(&mut alice_in_room).await, offline_event);
    assert_eq!(
        offline(&app, &alice, &bob).await["last_seen_at"],
        offline_event["last_seen_at"]
    );
    assert_silent(&mut alice_everywhere).await;
    for socket in [&mut carol_socket, &mut carol_everywhere] {
        assert_silent(socket).await;
    }
}

#[tokio::test]
async fn last_seen_survives_a_restart_and_shutdown_records_it() {
    let Some(mut app) = spawn_app().await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let _held = connect(&app, &room_ws(room), &bob.access).await;
    assert_eq!(presence(&app, &alice, &bob).await["online"], true);

    // Stopped while bob is connected: the shutdown records him as last seen.
    drop(app.stop.take());
    let restarted = spawn_in(app.data.clone(), |_| {}).await;
    let seen = offline(&restarted, &alice, &bob).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut seen = seen;
    while seen["last_seen_at"].is_null() {
        assert!(tokio::time::Instant::now() < deadline, "never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
        seen = presence(&restarted, &alice, &bob).await;
    }
    assert!(is_drf_timestamp(&seen["last_seen_at"]), "{seen}");
}

/// Two instances on one PostgreSQL database: a user connected to both is online until both
/// sockets close, and room-mates on either hear one `online` and one `offline`.
#[tokio::test]
async fn on_several_instances_a_user_is_online_until_their_last_socket_anywhere_closes() {
    if crate::DATABASE != Database::Postgres {
        return;
    }
    let Some(first) = spawn_app().await else {
        return;
    };
    let second = spawn_in(first.data.clone(), |_| {}).await;
    let alice = first.user("alice").await;
    let bob = first.user("bob").await;
    let room = first.room(&alice, "GROUP", &[&bob]).await;
    let mut alice_socket = connect(&second, ALL_ROOMS_WS, &alice.access).await;

    let on_first = connect(&first, &room_ws(room), &bob.access).await;
    assert_eq!(next_event(&mut alice_socket).await, online_event(&bob));
    let on_second = connect(&second, ALL_ROOMS_WS, &bob.access).await;
    assert_silent(&mut alice_socket).await;

    close(on_second).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_silent(&mut alice_socket).await;
    for app in [&first, &second] {
        assert_eq!(presence(app, &alice, &bob).await["online"], true);
    }

    close(on_first).await;
    let event = next_event(&mut alice_socket).await;
    assert_offline_event(&event, &bob);
    for app in [&first, &second] {
        assert_eq!(
            offline(app, &alice, &bob).await["last_seen_at"],
            event["last_seen_at"]
        );
    }
}

/// An instance that stopped without cleaning up (its heartbeat is old) holds nobody online;
/// its last heartbeat stands for when its users were last seen.
#[tokio::test]
async fn a_stopped_instance_holds_nobody_online() {
    if crate::DATABASE != Database::Postgres {
        return;
    }
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    app.room(&alice, "GROUP", &[&bob]).await;
    app.data
        .execute(
            "INSERT INTO presence_instances (instance_id, heartbeat_at) VALUES ('crashed', $1)",
            1_751_733_891_889_737,
        )
        .await;
    app.data
        .execute(
            "INSERT INTO presence_sessions (instance_id, user_id) VALUES ('crashed', $1)",
            bob.id,
        )
        .await;
    assert_eq!(
        presence(&app, &alice, &bob).await,
        json!({"user_id": bob.id, "online": false, "last_seen_at": "2025-07-05T16:44:51.889737Z"})
    );
}
