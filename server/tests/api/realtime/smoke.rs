//! The core paths: REST and socket messages reach participants, not outsiders.

use serde_json::json;

use super::*;

#[tokio::test]
async fn a_message_posted_over_rest_reaches_room_and_every_room_sockets() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut bobs_room = connect(&app, &format!("/ws/chat/rooms/{room}/"), &bob.access).await;
    let mut bobs_all = connect(&app, "/ws/chat/", &bob.access).await;
    let mut carols_all = connect(&app, "/ws/chat/", &carol.access).await;

    let id = app.message(&alice, room, "hello").await;

    for socket in [&mut bobs_room, &mut bobs_all] {
        let event = next_event(socket).await;
        assert_eq!(event["type"], "message.created");
        assert_eq!(event["message"]["id"], json!(id));
        assert_eq!(event["message"]["content"], "hello");
    }
    assert_silent(&mut carols_all).await;
}

#[tokio::test]
async fn a_socket_message_is_stored_and_acknowledged_to_its_sender() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut alices = connect(&app, &format!("/ws/chat/rooms/{room}/"), &alice.access).await;
    let mut bobs = connect(&app, "/ws/chat/", &bob.access).await;

    act(
        &mut alices,
        json!({"action": "new_message", "message": "from a socket"}),
    )
    .await;

    let ack = next_event(&mut alices).await;
    let heard = next_event(&mut bobs).await;
    assert_eq!(ack, heard);
    assert_eq!(ack["message"]["sender_id"], json!(alice.id));
    let stored = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/"),
            Some(&bob.access),
        )
        .await;
    assert_eq!(stored.body["results"][0], ack["message"]);
}

#[tokio::test]
async fn bad_frames_get_error_events_and_the_socket_stays() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let mut socket = connect(&app, &format!("/ws/chat/rooms/{room}/"), &alice.access).await;

    socket.send(Message::text("{not json")).await.expect("sent");
    assert_eq!(next_event(&mut socket).await["code"], "parse_error");
    act(&mut socket, json!({"action": "dance"})).await;
    assert_eq!(next_event(&mut socket).await["code"], "unknown_action");
    act(
        &mut socket,
        json!({"action": "new_message", "message": "   "}),
    )
    .await;
    let invalid = next_event(&mut socket).await;
    assert_eq!(invalid["code"], "invalid");
    assert_eq!(
        invalid["errors"]["message"],
        json!(["This field may not be blank."])
    );

    act(
        &mut socket,
        json!({"action": "new_message", "message": "still here"}),
    )
    .await;
    assert_eq!(next_event(&mut socket).await["type"], "message.created");
}

#[tokio::test]
async fn shutdown_closes_sockets_with_1001() {
    let Some(mut app) = spawn_app().await else {
        return;
    };
    let alice = app.user("alice").await;
    let mut socket = connect(&app, "/ws/chat/", &alice.access).await;

    if let Some(stop) = app.stop.take() {
        let _ = stop.send(());
    }

    let (code, _) = close_frame(&mut socket).await.expect("a close frame");
    assert_eq!(code, 1001);
}
