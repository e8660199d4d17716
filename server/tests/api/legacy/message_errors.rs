//! Every error of the `/messages/...` routes, in seed 000's `{"error", "status"}` shape and
//! nothing else: 400, 401, 403, 404, 405, 413, 415.

use super::*;

/// Alice and bob in a ONE_TO_ONE room, carol outside it, and a message of alice's.
struct Scene {
    app: TestApp,
    alice: User,
    bob: User,
    carol: User,
    room: i64,
    message: i64,
}

async fn scene() -> Option<Scene> {
    let app = spawn_app().await?;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = id_of(&legacy_room(&app, &alice, &bob).await);
    let message = app.message(&alice, room, "original").await;
    Some(Scene {
        app,
        alice,
        bob,
        carol,
        room,
        message,
    })
}

impl Scene {
    /// The message is still as sent.
    async fn assert_untouched(&self) {
        let message = main_message(&self.app, &self.alice, self.room, self.message).await;
        assert_eq!(message["content"], "original", "{message}");
        assert_eq!(message["updated_at"], Value::Null, "{message}");
    }

    /// The room holds exactly these message ids.
    async fn assert_messages(&self, expected: &[i64]) {
        let reply = self
            .app
            .get(
                &format!("/{}/messages/", self.room),
                Some(&self.alice.access),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(ids(reply.body.as_array().expect("a list")), expected);
    }
}

// ---------------------------------------------------------------- 400

#[tokio::test]
async fn create_with_bad_fields() {
    let Some(s) = scene().await else { return };
    let token = Some(s.alice.access.as_str());
    let room = s.room;

    let none = s.app.post(CREATE_MESSAGE, token, json!({})).await;
    expect_legacy(
        &none,
        400,
        "chat_room: This field is required. content: This field is required.",
    );
    let empty_form = form(&s.app, Method::POST, CREATE_MESSAGE, token, &[]).await;
    expect_legacy(
        &empty_form,
        400,
        "chat_room: This field is required. content: This field is required.",
    );
    let no_content = s
        .app
        .post(CREATE_MESSAGE, token, json!({"chat_room": room}))
        .await;
    expect_legacy(&no_content, 400, "content: This field is required.");
    let blank = s
        .app
        .post(
            CREATE_MESSAGE,
            token,
            json!({"chat_room": room, "content": "  \n "}),
        )
        .await;
    expect_legacy(&blank, 400, "content: This field may not be blank.");
    let long = s
        .app
        .post(
            CREATE_MESSAGE,
            token,
            json!({"chat_room": room, "content": "x".repeat(10_001)}),
        )
        .await;
    expect_legacy(
        &long,
        400,
        "content: Ensure this field has no more than 10000 characters.",
    );
    let room_text = form(
        &s.app,
        Method::POST,
        CREATE_MESSAGE,
        token,
        &[("chat_room", "general"), ("content", "hi")],
    )
    .await;
    expect_legacy(
        &room_text,
        400,
        "chat_room: Incorrect type. Expected pk value, received str.",
    );
    s.assert_messages(&[s.message]).await;
}

#[tokio::test]
async fn list_with_parameters_that_are_not_integers() {
    let Some(s) = scene().await else { return };

    let reply = s
        .app
        .get(&format!("{MESSAGES}?chat_room=abc"), Some(&s.alice.access))
        .await;
    expect_legacy(&reply, 400, "chat_room: A valid integer is required.");
    let reply = s
        .app
        .get(
            &format!("{MESSAGES}?chat_room={}&limit=many", s.room),
            Some(&s.alice.access),
        )
        .await;
    expect_legacy(&reply, 400, "limit: A valid integer is required.");
}

#[tokio::test]
async fn update_with_bad_fields() {
    let Some(s) = scene().await else { return };
    let token = Some(s.alice.access.as_str());
    let url = message_url(s.message);
    let other_room = s.app.room(&s.alice, "GROUP", &[]).await;

    let none = s.app.put(&url, token, json!({})).await;
    expect_legacy(&none, 400, "content: This field is required.");
    let blank = s.app.put(&url, token, json!({"content": " "})).await;
    expect_legacy(&blank, 400, "content: This field may not be blank.");
    let moved = s
        .app
        .put(
            &url,
            token,
            json!({"content": "moved", "chat_room": other_room}),
        )
        .await;
    expect_legacy(&moved, 400, "chat_room: Must be the message's room.");
    let other = other_room.to_string();
    let moved_by_form = form(
        &s.app,
        Method::PUT,
        &url,
        token,
        &[("content", "moved"), ("chat_room", &other)],
    )
    .await;
    expect_legacy(
        &moved_by_form,
        400,
        "chat_room: Must be the message's room.",
    );
    s.assert_untouched().await;
}

// ---------------------------------------------------------------- 401

#[tokio::test]
async fn every_message_route_needs_credentials() {
    let Some(s) = scene().await else { return };
    let url = message_url(s.message);
    let body = json!({"chat_room": s.room, "content": "hi"});

    for reply in [
        s.app.post(CREATE_MESSAGE, None, body.clone()).await,
        s.app
            .get(&format!("{MESSAGES}?chat_room={}", s.room), None)
            .await,
        s.app.put(&url, None, body.clone()).await,
        s.app.delete(&url, None).await,
    ] {
        expect_legacy_no_credentials(&reply);
    }
    s.assert_untouched().await;
    s.assert_messages(&[s.message]).await;
}

// ---------------------------------------------------------------- 403

#[tokio::test]
async fn an_outsider_may_not_read_or_write_a_rooms_messages() {
    let Some(s) = scene().await else { return };
    let token = Some(s.carol.access.as_str());
    let url = message_url(s.message);

    let create = s
        .app
        .post(
            CREATE_MESSAGE,
            token,
            json!({"chat_room": s.room, "content": "hi"}),
        )
        .await;
    expect_legacy(&create, 403, FORBIDDEN);
    let list = s
        .app
        .get(&format!("{MESSAGES}?chat_room={}", s.room), token)
        .await;
    expect_legacy(&list, 403, FORBIDDEN);
    let update = s.app.put(&url, token, json!({"content": "mine now"})).await;
    expect_legacy(&update, 403, FORBIDDEN);
    let delete = s.app.delete(&url, token).await;
    expect_legacy(&delete, 403, FORBIDDEN);
    // And the room-less list does not leak it.
    let all = s.app.get(MESSAGES, token).await;
    assert_eq!(all.body["messages"], json!([]), "{all:?}");
    s.assert_untouched().await;
    s.assert_messages(&[s.message]).await;
}

#[tokio::test]
async fn a_participant_who_is_not_the_author_may_not_edit_or_delete() {
    let Some(s) = scene().await else { return };
    let token = Some(s.bob.access.as_str());
    let url = message_url(s.message);

    let update = s
        .app
        .put(&url, token, json!({"content": "bob's words"}))
        .await;
    expect_legacy(&update, 403, FORBIDDEN);
    let by_form = form(
        &s.app,
        Method::PUT,
        &url,
        token,
        &[("content", "bob's words")],
    )
    .await;
    expect_legacy(&by_form, 403, FORBIDDEN);
    let delete = s.app.delete(&url, token).await;
    expect_legacy(&delete, 403, FORBIDDEN);
    s.assert_untouched().await;
}

// ---------------------------------------------------------------- 404

#[tokio::test]
async fn a_missing_room_or_message_is_404() {
    let Some(s) = scene().await else { return };
    let token = Some(s.alice.access.as_str());

    let create = s
        .app
        .post(
            CREATE_MESSAGE,
            token,
            json!({"chat_room": 999, "content": "hi"}),
        )
        .await;
    expect_legacy(&create, 404, NOT_FOUND);
    let list = s.app.get(&format!("{MESSAGES}?chat_room=999"), token).await;
    expect_legacy(&list, 404, NOT_FOUND);
    let update = s
        .app
        .put(&message_url(999), token, json!({"content": "hi"}))
        .await;
    expect_legacy(&update, 404, NOT_FOUND);
    let delete = s.app.delete(&message_url(999), token).await;
    expect_legacy(&delete, 404, NOT_FOUND);
    let not_an_id = s.app.delete("/messages/abc/", token).await;
    expect_legacy(&not_an_id, 404, NOT_FOUND);
    // A deleted message is missing too.
    let first = s.app.delete(&message_url(s.message), token).await;
    assert_eq!(first.status, 200, "{first:?}");
    let again = s.app.delete(&message_url(s.message), token).await;
    expect_legacy(&again, 404, NOT_FOUND);
}

// ---------------------------------------------------------------- 405, 413, 415

#[tokio::test]
async fn methods_a_message_route_does_not_answer_are_405() {
    let Some(s) = scene().await else { return };
    let token = Some(s.alice.access.as_str());
    let url = message_url(s.message);

    let patch = s.app.patch(&url, token, json!({"content": "x"})).await;
    expect_legacy(&patch, 405, "Method \"PATCH\" not allowed.");
    let get = s.app.get(&url, token).await;
    expect_legacy(&get, 405, "Method \"GET\" not allowed.");
    let post = s.app.post(MESSAGES, token, json!({})).await;
    expect_legacy(&post, 405, "Method \"POST\" not allowed.");
    s.assert_untouched().await;
}

#[tokio::test]
async fn a_body_that_is_neither_json_nor_a_form_is_415() {
    let Some(s) = scene().await else { return };
    let token = Some(s.alice.access.as_str());
    let body = format!("chat_room={}&content=hi", s.room);

    for (method, path) in [
        (Method::POST, CREATE_MESSAGE.to_owned()),
        (Method::PUT, message_url(s.message)),
    ] {
        let reply = raw(&s.app, method, &path, token, "text/plain", &body).await;
        expect_legacy(
            &reply,
            415,
            "Unsupported media type \"text/plain\" in request.",
        );
    }
    s.assert_untouched().await;
    s.assert_messages(&[s.message]).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let Some(s) = scene().await else { return };
    let content = "x".repeat(70 * 1024);

    let reply = s
        .app
        .post(
            CREATE_MESSAGE,
            Some(&s.alice.access),
            json!({"chat_room": s.room, "content": content}),
        )
        .await;

    expect_legacy(
        &reply,
        413,
        "Request body is larger than the limit of 65536 bytes.",
    );
    s.assert_messages(&[s.message]).await;
}

/// The limit bounds the content as sent, JSON or form, on create and update (issue 21).
#[tokio::test]
async fn content_padded_over_the_limit_is_refused_as_json_and_as_form() {
    let Some(s) = scene().await else { return };
    let token = Some(s.alice.access.as_str());
    let padded = format!("\u{a0}{}", "x".repeat(10_000));
    let too_long = "content: Ensure this field has no more than 10000 characters.";
    let room = s.room.to_string();
    let fields = [("chat_room", room.as_str()), ("content", padded.as_str())];
    for path in [CREATE_MESSAGE.to_owned(), message_url(s.message)] {
        let method = if path == CREATE_MESSAGE {
            Method::POST
        } else {
            Method::PUT
        };
        let as_json = s
            .app
            .call(
                method.clone(),
                &path,
                token,
                Some(json!({"chat_room": s.room, "content": padded})),
            )
            .await;
        expect_legacy(&as_json, 400, too_long);
        expect_legacy(
            &form(&s.app, method, &path, token, &fields).await,
            400,
            too_long,
        );
    }
    s.assert_untouched().await;
}
