//! Every error of the `/chatrooms/...` routes, in seed 000's `{"error", "status"}` shape and
//! nothing else: 400, 404, 405, 415 (401 and 403, and 404 for a room that does not exist, are
//! matrix.rs's).

use super::*;

/// `POST /chatrooms/create` with `body` as JSON.
async fn create(app: &TestApp, caller: &User, body: Value) -> Reply {
    app.post(CREATE_ROOM, Some(&caller.access), body).await
}

// ---------------------------------------------------------------- 400

#[tokio::test]
async fn create_without_fields_names_both() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    let reply = create(&app, &alice, json!({})).await;

    expect_legacy(
        &reply,
        400,
        "participant1: This field is required. participant2: This field is required.",
    );
    let empty_form = form(&app, Method::POST, CREATE_ROOM, Some(&alice.access), &[]).await;
    expect_legacy(
        &empty_form,
        400,
        "participant1: This field is required. participant2: This field is required.",
    );
}

#[tokio::test]
async fn create_with_ids_that_are_not_integers() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let me = alice.id.to_string();

    let reply = create(
        &app,
        &alice,
        json!({"participant1": alice.id, "participant2": "x"}),
    )
    .await;
    expect_legacy(
        &reply,
        400,
        "participant2: Incorrect type. Expected pk value, received str.",
    );

    let reply = form(
        &app,
        Method::POST,
        CREATE_ROOM,
        Some(&alice.access),
        &[("participant1", "abc"), ("participant2", &me)],
    )
    .await;
    expect_legacy(
        &reply,
        400,
        "participant1: Incorrect type. Expected pk value, received str.",
    );
}

#[tokio::test]
async fn create_with_an_unknown_participant() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    let reply = create(
        &app,
        &alice,
        json!({"participant1": alice.id, "participant2": 999}),
    )
    .await;

    expect_legacy(
        &reply,
        400,
        "participant2: Invalid pk \"999\" - object does not exist.",
    );
    assert!(main_rooms(&app, &alice).await.is_empty());
}

#[tokio::test]
async fn create_with_the_same_user_twice() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let me = alice.id.to_string();

    let reply = create(
        &app,
        &alice,
        json!({"participant1": alice.id, "participant2": alice.id}),
    )
    .await;
    expect_legacy(&reply, 400, "A chat room needs two different participants.");

    let reply = form(
        &app,
        Method::POST,
        CREATE_ROOM,
        Some(&alice.access),
        &[("participant1", &me), ("participant2", &me)],
    )
    .await;
    expect_legacy(&reply, 400, "A chat room needs two different participants.");
    assert!(main_rooms(&app, &alice).await.is_empty());
}

#[tokio::test]
async fn create_with_malformed_json() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    let reply = raw(
        &app,
        Method::POST,
        CREATE_ROOM,
        Some(&alice.access),
        "application/json",
        "{\"participant1\": ",
    )
    .await;

    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(keys(&reply.body), ["error", "status"], "{reply:?}");
    assert_eq!(reply.body["status"], 400);
    let error = reply.body["error"].as_str().expect("error text");
    assert!(error.starts_with("JSON parse error - "), "{error}");
}

#[tokio::test]
async fn list_with_a_participant_that_is_not_an_integer() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    let reply = app
        .get(&format!("{ROOMS}?participant=abc"), Some(&alice.access))
        .await;

    expect_legacy(&reply, 400, "participant: A valid integer is required.");
}

#[tokio::test]
async fn update_with_bad_fields() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let pair = id_of(&legacy_room(&app, &alice, &bob).await);
    let url = room_url(pair);

    let missing = app
        .put(&url, Some(&alice.access), json!({"participant1": alice.id}))
        .await;
    expect_legacy(&missing, 400, "participant2: This field is required.");
    let unknown = app
        .put(
            &url,
            Some(&alice.access),
            json!({"participant1": 999, "participant2": bob.id}),
        )
        .await;
    expect_legacy(
        &unknown,
        400,
        "participant1: Invalid pk \"999\" - object does not exist.",
    );
    let same = app
        .put(
            &url,
            Some(&alice.access),
            json!({"participant1": bob.id, "participant2": bob.id}),
        )
        .await;
    expect_legacy(&same, 400, "A chat room needs two different participants.");
    let other_pair = app
        .put(
            &url,
            Some(&alice.access),
            json!({"participant1": alice.id, "participant2": carol.id}),
        )
        .await;
    expect_legacy(
        &other_pair,
        400,
        "participants: A ONE_TO_ONE room keeps its two participants.",
    );
    let (a, c) = (alice.id.to_string(), carol.id.to_string());
    let form_other_pair = form(
        &app,
        Method::PUT,
        &url,
        Some(&alice.access),
        &[("participant1", &a), ("participant2", &c)],
    )
    .await;
    expect_legacy(
        &form_other_pair,
        400,
        "participants: A ONE_TO_ONE room keeps its two participants.",
    );
    let room = main_room(&app, &alice, pair).await;
    let mut members: Vec<i64> = room["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    members.sort_unstable();
    assert_eq!(members, sorted(vec![alice.id, bob.id]), "unchanged");
}

// ---------------------------------------------------------------- 404

#[tokio::test]
async fn a_room_id_that_is_not_a_number_is_404() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let body = json!({"participant1": alice.id, "participant2": bob.id});

    let not_an_id = app.put("/chatrooms/abc/", Some(&alice.access), body).await;
    expect_legacy(&not_an_id, 404, NOT_FOUND);
}

// ---------------------------------------------------------------- 405, 415

#[tokio::test]
async fn methods_a_room_route_does_not_answer_are_405() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let pair = id_of(&legacy_room(&app, &alice, &bob).await);

    let patch = app
        .patch(
            &room_url(pair),
            Some(&alice.access),
            json!({"participant1": alice.id}),
        )
        .await;
    expect_legacy(&patch, 405, "Method \"PATCH\" not allowed.");
    let allow = patch
        .headers
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        allow.contains("PUT") && allow.contains("DELETE"),
        "Allow: {allow:?}"
    );
    let get = app.get(&room_url(pair), Some(&alice.access)).await;
    expect_legacy(&get, 405, "Method \"GET\" not allowed.");
    let post = app.post(ROOMS, Some(&alice.access), json!({})).await;
    expect_legacy(&post, 405, "Method \"POST\" not allowed.");
    let get_create = app.get(CREATE_ROOM, Some(&alice.access)).await;
    expect_legacy(&get_create, 405, "Method \"GET\" not allowed.");
}

#[tokio::test]
async fn a_body_that_is_neither_json_nor_a_form_is_415() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let pair = id_of(&legacy_room(&app, &alice, &bob).await);
    let text = format!("participant1={}&participant2={}", alice.id, bob.id);

    for (method, path) in [
        (Method::POST, CREATE_ROOM.to_owned()),
        (Method::PUT, room_url(pair)),
    ] {
        let reply = raw(
            &app,
            method,
            &path,
            Some(&alice.access),
            "text/plain",
            &text,
        )
        .await;
        expect_legacy(
            &reply,
            415,
            "Unsupported media type \"text/plain\" in request.",
        );
    }
}
