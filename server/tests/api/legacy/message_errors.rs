//! Every error of the `/messages/...` routes, in seed 000's `{"error", "status"}` shape and
//! nothing else: 400, 404, 405, 413, 415 (401 and 403, and 404 for a room or message that does
//! not exist, are matrix.rs's).

use super::*;

/// The group scene with a message of alice's.
async fn scene() -> Option<(Scene, i64)> {
    let s = group_scene().await?;
    let message = s.app.message(&s.alice, s.room, "original").await;
    Some((s, message))
}

/// The message is still as sent.
async fn assert_untouched(s: &Scene, id: i64) {
    let message = main_message(&s.app, &s.alice, s.room, id).await;
    assert_eq!(message["content"], "original", "{message}");
    assert_eq!(message["updated_at"], Value::Null, "{message}");
}

/// The room holds exactly these message ids.
async fn assert_messages(s: &Scene, expected: &[i64]) {
    let reply = s
        .app
        .get(&format!("/{}/messages/", s.room), Some(&s.alice.access))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(ids(reply.body.as_array().expect("a list")), expected);
}

// ---------------------------------------------------------------- 400

#[tokio::test]
async fn create_with_bad_fields() {
    let Some((s, message)) = scene().await else {
        return;
    };
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
    assert_messages(&s, &[message]).await;
}

#[tokio::test]
async fn list_with_parameters_that_are_not_integers() {
    let Some((s, _)) = scene().await else { return };

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
    let Some((s, message)) = scene().await else {
        return;
    };
    let token = Some(s.alice.access.as_str());
    let url = message_url(message);
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
    assert_untouched(&s, message).await;
}

// ---------------------------------------------------------------- 404

#[tokio::test]
async fn a_message_id_that_is_not_one_or_is_gone_is_404() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let token = Some(s.alice.access.as_str());
    let not_an_id = s.app.delete("/messages/abc/", token).await;
    expect_legacy(&not_an_id, 404, NOT_FOUND);
    let first = s.app.delete(&message_url(message), token).await;
    assert_eq!(first.status, 200, "{first:?}");
    let again = s.app.delete(&message_url(message), token).await;
    expect_legacy(&again, 404, NOT_FOUND);
}

#[tokio::test]
async fn the_list_of_every_room_shows_an_outsider_none_of_the_rooms_messages() {
    let Some((s, _)) = scene().await else { return };
    let all = s.app.get(MESSAGES, Some(&s.dave.access)).await;
    assert_eq!(all.body["messages"], json!([]), "{all:?}");
}

// ---------------------------------------------------------------- 405, 413, 415

#[tokio::test]
async fn methods_a_message_route_does_not_answer_are_405() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let token = Some(s.alice.access.as_str());
    let url = message_url(message);

    let patch = s.app.patch(&url, token, json!({"content": "x"})).await;
    expect_legacy(&patch, 405, "Method \"PATCH\" not allowed.");
    let get = s.app.get(&url, token).await;
    expect_legacy(&get, 405, "Method \"GET\" not allowed.");
    let post = s.app.post(MESSAGES, token, json!({})).await;
    expect_legacy(&post, 405, "Method \"POST\" not allowed.");
    assert_untouched(&s, message).await;
}

#[tokio::test]
async fn a_body_that_is_neither_json_nor_a_form_is_415() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let token = Some(s.alice.access.as_str());
    let body = format!("chat_room={}&content=hi", s.room);

    for (method, path) in [
        (Method::POST, CREATE_MESSAGE.to_owned()),
        (Method::PUT, message_url(message)),
    ] {
        let reply = raw(&s.app, method, &path, token, "text/plain", &body).await;
        expect_legacy(
            &reply,
            415,
            "Unsupported media type \"text/plain\" in request.",
        );
    }
    assert_untouched(&s, message).await;
    assert_messages(&s, &[message]).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let Some((s, message)) = scene().await else {
        return;
    };
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
    assert_messages(&s, &[message]).await;
}

/// The limit bounds the content as sent, JSON or form, on create and update (issue 21).
#[tokio::test]
async fn content_padded_over_the_limit_is_refused_as_json_and_as_form() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let token = Some(s.alice.access.as_str());
    let padded = format!("\u{a0}{}", "x".repeat(10_000));
    let too_long = "content: Ensure this field has no more than 10000 characters.";
    let room = s.room.to_string();
    let fields = [("chat_room", room.as_str()), ("content", padded.as_str())];
    for path in [CREATE_MESSAGE.to_owned(), message_url(message)] {
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
    assert_untouched(&s, message).await;
}
