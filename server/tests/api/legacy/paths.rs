//! The seed routes' paths and media types at their edges: served without the trailing slash,
//! unknown paths under them answered in the right error shape, forms as browsers send them.

use super::*;

#[tokio::test]
async fn legacy_and_seed_002_paths_are_served_without_the_trailing_slash() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = id_of(&legacy_room(&app, &alice, &bob).await);
    let token = Some(alice.access.as_str());

    let rooms = app.get("/chatrooms", token).await;
    let listed = envelope(
        &rooms,
        "message",
        "Chat rooms retrieved successfully.",
        "chat_rooms",
    );
    assert_eq!(ids(listed.as_array().expect("chat_rooms")), [room]);
    let put = app
        .put(
            &format!("/chatrooms/{room}"),
            token,
            json!({"participant1": alice.id, "participant2": bob.id}),
        )
        .await;
    envelope(
        &put,
        "message",
        "Chat room updated successfully.",
        "chat_room",
    );

    let posted = app
        .post(
            &format!("/{room}/messages"),
            token,
            json!({"content": "no slash"}),
        )
        .await;
    assert_eq!(posted.status, 201, "{posted:?}");
    let id = id_of(&posted.body);
    let direct = app.get(&format!("/{room}/messages"), token).await;
    assert_eq!(
        (direct.status, ids(direct.body.as_array().expect("array"))),
        (200, vec![id])
    );
    let messages = app.get(&format!("/messages?chat_room={room}"), token).await;
    let listed = envelope(
        &messages,
        "detail",
        "Messages retrieved successfully.",
        "messages",
    );
    assert_eq!(ids(listed.as_array().expect("messages")), [id]);
    let edited = app
        .put(
            &format!("/messages/{id}"),
            token,
            json!({"content": "edited"}),
        )
        .await;
    envelope(
        &edited,
        "detail",
        "Message updated successfully.",
        "message",
    );
    let deleted = app.delete(&format!("/messages/{id}"), token).await;
    deleted.expect(200, json!({"detail": "Message deleted successfully."}));
    let deleted = app.delete(&format!("/chatrooms/{room}"), token).await;
    deleted.expect(200, json!({"message": "Chat room deleted successfully."}));
}

#[tokio::test]
async fn unknown_paths_under_the_seed_routes_are_404_in_their_shape() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let token = Some(alice.access.as_str());

    for path in [
        format!("/chatrooms/{room}/extra/"),
        "/messages/1/extra/".to_owned(),
    ] {
        expect_legacy(&app.get(&path, token).await, 404, NOT_FOUND);
    }
    // Seed 002's routes are DRF routes.
    app.get("/abc/messages/", token)
        .await
        .expect(404, detail(NOT_FOUND));
    app.get(&format!("/{room}/messages/1/"), token)
        .await
        .expect(404, detail(NOT_FOUND));
}

#[tokio::test]
async fn a_form_with_a_charset_parameter_is_a_form() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;

    let reply = raw(
        &app,
        Method::POST,
        CREATE_MESSAGE,
        Some(&alice.access),
        "application/x-www-form-urlencoded; charset=UTF-8",
        &format!("chat_room={room}&content=caf%C3%A9+%2B+more"),
    )
    .await;

    let message = envelope(&reply, "detail", "Message sent successfully.", "message");
    assert_eq!(message["content"], "café + more");
    assert_eq!(
        *message,
        main_message(&app, &alice, room, id_of(message)).await
    );
}
