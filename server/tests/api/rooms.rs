//! Every route of `/api/chat/rooms/` (API.md "Rooms"): create, list, retrieve, update, delete.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const ROOMS: &str = "/api/chat/rooms/";

fn room_url(id: i64) -> String {
    format!("{ROOMS}{id}/")
}

fn messages_url(room: i64) -> String {
    format!("{ROOMS}{room}/messages/")
}

fn field_error(field: &str, message: &str) -> Value {
    json!({ field: [message] })
}

/// The participant ids of a room object, sorted (API.md does not fix their order).
fn participants(room: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = room["participants"]
        .as_array()
        .expect("participants is a list")
        .iter()
        .map(|id| id.as_i64().expect("participant ids are integers"))
        .collect();
    ids.sort_unstable();
    ids
}

fn sorted(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
}

fn ids(results: &Value) -> Vec<i64> {
    results
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

/// Asserts that `reply` is `status` with a room object holding exactly the fields of `expected`
/// plus a positive `id` and DRF `created_at`/`updated_at`; participants compare as a set.
/// Returns the room's id.
fn assert_room(reply: &Reply, status: u16, expected: Value) -> i64 {
    assert_eq!(reply.status, status, "unexpected reply: {reply:?}");
    let body = &reply.body;
    let id = body["id"]
        .as_i64()
        .filter(|id| *id > 0)
        .expect("id is a positive integer");
    assert!(is_drf_timestamp(&body["created_at"]), "created_at: {body}");
    assert!(is_drf_timestamp(&body["updated_at"]), "updated_at: {body}");
    let mut expected = expected;
    expected["id"] = json!(id);
    expected["created_at"] = body["created_at"].clone();
    expected["updated_at"] = body["updated_at"].clone();
    expected["participants"] = json!(participants(&expected));
    let mut actual = body.clone();
    actual["participants"] = json!(participants(body));
    assert_eq!(actual, expected);
    id
}

async fn create(app: &TestApp, user: &User, body: Value) -> Reply {
    app.post(ROOMS, Some(&user.access), body).await
}

/// A GROUP room ("<owner> room") created by `owner` with `others`.
async fn group(app: &TestApp, owner: &User, others: &[&User]) -> i64 {
    app.room(owner, "GROUP", others).await
}

/// A 400 whose only key is `participants` (API.md gives no text for these rules).
fn assert_participants_error(reply: &Reply) {
    assert_eq!(reply.status, 400, "unexpected reply: {reply:?}");
    let errors = reply.body.as_object().expect("an error object");
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        ["participants"],
        "{reply:?}"
    );
    assert!(
        errors["participants"]
            .as_array()
            .is_some_and(|messages| !messages.is_empty() && messages.iter().all(Value::is_string)),
        "participants: a list of messages: {reply:?}"
    );
}

fn assert_no_credentials(reply: &Reply) {
    reply.expect(401, detail(NO_CREDENTIALS));
    assert_eq!(
        reply
            .headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some(r#"Bearer realm="api""#),
        "WWW-Authenticate of {reply:?}"
    );
}

/// A request with a raw body, for payloads that are not valid JSON.
async fn raw(app: &TestApp, method: Method, path: &str, token: &str, body: &'static str) -> Reply {
    let response = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request sent");
    Reply::from(response).await
}

/// Registers `count` users (no tokens: only their ids are needed), a few at a time so the
/// password hashing does not exhaust memory.
async fn register_many(app: &TestApp, prefix: &str, count: usize) -> Vec<i64> {
    let mut ids = Vec::with_capacity(count);
    let names: Vec<String> = (0..count).map(|n| format!("{prefix}{n}")).collect();
    for chunk in names.chunks(8) {
        let mut tasks = tokio::task::JoinSet::new();
        for name in chunk {
            let request = app
                .client
                .post(app.url("/api/users/register/"))
                .json(&json!({"username": name, "password": "password123"}));
            tasks.spawn(
                async move { Reply::from(request.send().await.expect("request sent")).await },
            );
        }
        while let Some(reply) = tasks.join_next().await {
            let reply = reply.expect("task");
            assert_eq!(reply.status, 201, "register: {reply:?}");
            ids.push(reply.body["id"].as_i64().expect("id"));
        }
    }
    ids
}

// ---------------------------------------------------------------- create

#[tokio::test]
async fn create_returns_201_with_the_full_room_object() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let reply = create(
        &app,
        &alice,
        json!({"name": "General", "room_type": "GROUP", "participants": [bob.id]}),
    )
    .await;

    assert_room(
        &reply,
        201,
        json!({
            "name": "General",
            "room_type": "GROUP",
            "participants": [alice.id, bob.id],
            "created_by": alice.id,
            "messages": [],
        }),
    );
    assert_eq!(
        reply.body["created_at"], reply.body["updated_at"],
        "a new room was never updated"
    );
}

#[tokio::test]
async fn create_accepts_every_room_type() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for room_type in ["GROUP", "COURSE", "ONE_TO_ONE"] {
        let reply = create(
            &app,
            &alice,
            json!({"name": room_type, "room_type": room_type, "participants": [bob.id]}),
        )
        .await;
        assert_eq!(
            (reply.status, &reply.body["room_type"]),
            (201, &json!(room_type)),
            "{reply:?}"
        );
    }
}

#[tokio::test]
async fn create_without_participants_has_only_the_creator() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    let reply = create(&app, &alice, json!({"name": "Notes", "room_type": "GROUP"})).await;

    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(participants(&reply.body), [alice.id]);
}

#[tokio::test]
async fn create_lists_the_creator_and_repeated_ids_once() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let reply = create(
        &app,
        &alice,
        json!({"name": "Team", "room_type": "GROUP", "participants": [alice.id, bob.id, bob.id]}),
    )
    .await;

    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(participants(&reply.body), sorted(&[alice.id, bob.id]));
}

#[tokio::test]
async fn create_requires_a_name() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    create(&app, &alice, json!({"room_type": "GROUP"}))
        .await
        .expect(400, field_error("name", "This field is required."));
}

#[tokio::test]
async fn create_rejects_a_blank_name() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    for blank in ["", "   "] {
        create(&app, &alice, json!({"name": blank, "room_type": "GROUP"}))
            .await
            .expect(400, field_error("name", "This field may not be blank."));
    }
}

#[tokio::test]
async fn create_rejects_a_name_over_255_characters() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    create(
        &app,
        &alice,
        json!({"name": "n".repeat(256), "room_type": "GROUP"}),
    )
    .await
    .expect(
        400,
        field_error("name", "Ensure this field has no more than 255 characters."),
    );

    let longest = create(
        &app,
        &alice,
        json!({"name": "n".repeat(255), "room_type": "GROUP"}),
    )
    .await;
    assert_eq!(
        (longest.status, &longest.body["name"]),
        (201, &json!("n".repeat(255)))
    );
}

#[tokio::test]
async fn create_requires_a_room_type() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    create(&app, &alice, json!({"name": "Team"}))
        .await
        .expect(400, field_error("room_type", "This field is required."));
}

#[tokio::test]
async fn create_rejects_an_unknown_room_type() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    for (room_type, message) in [
        ("X", r#""X" is not a valid choice."#),
        ("", r#""" is not a valid choice."#),
        ("group", r#""group" is not a valid choice."#),
    ] {
        create(
            &app,
            &alice,
            json!({"name": "Team", "room_type": room_type}),
        )
        .await
        .expect(400, field_error("room_type", message));
    }
}

#[tokio::test]
async fn create_reports_every_missing_field_at_once() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    create(&app, &alice, json!({})).await.expect(
        400,
        json!({"name": ["This field is required."], "room_type": ["This field is required."]}),
    );
}

#[tokio::test]
async fn create_rejects_an_unknown_participant() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    create(
        &app,
        &alice,
        json!({"name": "Team", "room_type": "GROUP", "participants": [bob.id, 999]}),
    )
    .await
    .expect(
        400,
        field_error(
            "participants",
            r#"Invalid pk "999" - object does not exist."#,
        ),
    );
}

#[tokio::test]
async fn create_rejects_participants_that_are_not_a_list() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    create(
        &app,
        &alice,
        json!({"name": "Team", "room_type": "GROUP", "participants": bob.id}),
    )
    .await
    .expect(
        400,
        field_error(
            "participants",
            r#"Expected a list of items but got type "int"."#,
        ),
    );
    create(
        &app,
        &alice,
        json!({"name": "Team", "room_type": "GROUP", "participants": "1,2"}),
    )
    .await
    .expect(
        400,
        field_error(
            "participants",
            r#"Expected a list of items but got type "str"."#,
        ),
    );
}

#[tokio::test]
async fn create_allows_at_most_500_participants() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let others = register_many(&app, "member", 501).await;

    // 501 others, or 500 others and the creator: a room of 501.
    for count in [501, 500] {
        let reply = create(
            &app,
            &alice,
            json!({"name": "Big", "room_type": "GROUP", "participants": others[..count]}),
        )
        .await;
        assert_participants_error(&reply);
    }

    let reply = create(
        &app,
        &alice,
        json!({"name": "Big", "room_type": "GROUP", "participants": others[..499]}),
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(participants(&reply.body).len(), 500);
}

// ---------------------------------------------------------------- ONE_TO_ONE

#[tokio::test]
async fn one_to_one_room_with_three_people_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    let reply = create(
        &app,
        &alice,
        json!({"name": "Trio", "room_type": "ONE_TO_ONE", "participants": [bob.id, carol.id]}),
    )
    .await;

    assert_participants_error(&reply);
}

#[tokio::test]
async fn one_to_one_room_alone_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    for alone in [json!([]), json!([alice.id])] {
        let reply = create(
            &app,
            &alice,
            json!({"name": "Me", "room_type": "ONE_TO_ONE", "participants": alone}),
        )
        .await;
        assert_participants_error(&reply);
    }
    let reply = create(
        &app,
        &alice,
        json!({"name": "Me", "room_type": "ONE_TO_ONE"}),
    )
    .await;
    assert_participants_error(&reply);
}

#[tokio::test]
async fn one_to_one_room_is_created_once_per_pair() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let first = create(
        &app,
        &alice,
        json!({"name": "Us", "room_type": "ONE_TO_ONE", "participants": [bob.id]}),
    )
    .await;
    let id = assert_room(
        &first,
        201,
        json!({"name": "Us", "room_type": "ONE_TO_ONE", "participants": [alice.id, bob.id], "created_by": alice.id, "messages": []}),
    );

    let again = create(
        &app,
        &alice,
        json!({"name": "Us again", "room_type": "ONE_TO_ONE", "participants": [bob.id]}),
    )
    .await;
    again.expect(200, first.body.clone());

    let reversed = create(
        &app,
        &alice,
        json!({"name": "Us", "room_type": "ONE_TO_ONE", "participants": [bob.id, alice.id]}),
    )
    .await;
    reversed.expect(200, first.body.clone());

    let from_bob = create(
        &app,
        &bob,
        json!({"name": "Them", "room_type": "ONE_TO_ONE", "participants": [alice.id]}),
    )
    .await;
    from_bob.expect(200, first.body.clone());

    let listed = app.get(ROOMS, Some(&bob.access)).await;
    assert_eq!(ids(&listed.body["results"]), [id], "{listed:?}");
}

#[tokio::test]
async fn one_to_one_rooms_of_different_pairs_are_distinct() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    let with_bob = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;
    let reply = create(
        &app,
        &alice,
        json!({"name": "Us", "room_type": "ONE_TO_ONE", "participants": [carol.id]}),
    )
    .await;

    assert_eq!(reply.status, 201, "{reply:?}");
    assert_ne!(reply.body["id"], json!(with_bob));
}

// ---------------------------------------------------------------- messages preview

/// A room of alice and bob with three messages; returns the room and the message ids, oldest
/// first.
async fn room_with_three_messages(app: &TestApp, alice: &User, bob: &User) -> (i64, Vec<i64>) {
    let room = group(app, alice, &[bob]).await;
    let mut messages = Vec::new();
    for (sender, content) in [(alice, "first"), (bob, "second"), (alice, "third")] {
        messages.push(app.message(sender, room, content).await);
    }
    (room, messages)
}

/// The message objects as the message routes give them.
async fn message_objects(app: &TestApp, user: &User, room: i64, ids: &[i64]) -> Vec<Value> {
    let mut objects = Vec::new();
    for id in ids {
        let reply = app
            .get(&format!("{}{id}/", messages_url(room)), Some(&user.access))
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        objects.push(reply.body);
    }
    objects
}

#[tokio::test]
async fn room_shows_its_newest_message_by_default() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (room, messages) = room_with_three_messages(&app, &alice, &bob).await;
    let newest = message_objects(&app, &alice, room, &[messages[2]]).await;

    let detail = app.get(&room_url(room), Some(&alice.access)).await;
    assert_eq!(
        (detail.status, &detail.body["messages"]),
        (200, &json!(newest)),
        "{detail:?}"
    );

    let list = app.get(ROOMS, Some(&alice.access)).await;
    assert_eq!(
        list.body["results"][0]["messages"],
        json!(newest),
        "{list:?}"
    );
}

#[tokio::test]
async fn messages_limit_sets_how_many_newest_messages_a_room_shows() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (room, messages) = room_with_three_messages(&app, &alice, &bob).await;
    let newest_first =
        message_objects(&app, &alice, room, &[messages[2], messages[1], messages[0]]).await;

    for (limit, expected) in [
        (0, &newest_first[..0]),
        (2, &newest_first[..2]),
        (50, &newest_first[..]),
    ] {
        let detail = app
            .get(
                &format!("{}?messages_limit={limit}", room_url(room)),
                Some(&alice.access),
            )
            .await;
        assert_eq!(
            (detail.status, &detail.body["messages"]),
            (200, &json!(expected)),
            "detail, limit {limit}: {detail:?}"
        );

        let list = app
            .get(
                &format!("{ROOMS}?messages_limit={limit}"),
                Some(&alice.access),
            )
            .await;
        assert_eq!(
            (list.status, &list.body["results"][0]["messages"]),
            (200, &json!(expected)),
            "list, limit {limit}: {list:?}"
        );
    }
}

#[tokio::test]
async fn messages_limit_out_of_range_or_not_a_number_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;

    for path in [room_url(room), ROOMS.to_owned()] {
        for (value, message) in [
            ("51", "Ensure this value is less than or equal to 50."),
            ("-1", "Ensure this value is greater than or equal to 0."),
            ("x", "A valid integer is required."),
        ] {
            app.get(
                &format!("{path}?messages_limit={value}"),
                Some(&alice.access),
            )
            .await
            .expect(400, field_error("messages_limit", message));
        }
    }
}

// ---------------------------------------------------------------- list

#[tokio::test]
async fn list_shows_only_the_callers_rooms() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let alice_and_bob = group(&app, &alice, &[&bob]).await;
    let bobs_with_alice = group(&app, &bob, &[&alice]).await;
    let carols = group(&app, &carol, &[]).await;
    let bob_and_carol = app.room(&bob, "ONE_TO_ONE", &[&carol]).await;

    let for_alice = app.get(ROOMS, Some(&alice.access)).await;
    assert_eq!(for_alice.body["count"], json!(2), "{for_alice:?}");
    assert_eq!(
        ids(&for_alice.body["results"]),
        [bobs_with_alice, alice_and_bob]
    );

    let for_carol = app.get(ROOMS, Some(&carol.access)).await;
    assert_eq!(ids(&for_carol.body["results"]), [bob_and_carol, carols]);
}

#[tokio::test]
async fn list_items_are_full_room_objects() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = group(&app, &alice, &[&bob]).await;
    app.message(&bob, room, "hello").await;

    let detail = app.get(&room_url(room), Some(&alice.access)).await;
    let list = app.get(ROOMS, Some(&alice.access)).await;

    assert_eq!(list.body["results"], json!([detail.body]));
}

#[tokio::test]
async fn list_puts_the_most_recently_active_room_first() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let oldest = group(&app, &alice, &[&bob]).await;
    let middle = group(&app, &alice, &[&bob]).await;
    let newest = group(&app, &alice, &[&bob]).await;
    let listed = |reply: Reply| ids(&reply.body["results"]);

    assert_eq!(
        listed(app.get(ROOMS, Some(&alice.access)).await),
        [newest, middle, oldest]
    );

    app.message(&bob, oldest, "wake up").await;
    assert_eq!(
        listed(app.get(ROOMS, Some(&alice.access)).await),
        [oldest, newest, middle]
    );

    app.message(&alice, middle, "me too").await;
    assert_eq!(
        listed(app.get(ROOMS, Some(&bob.access)).await),
        [middle, oldest, newest]
    );
}

#[tokio::test]
async fn list_requires_authentication() {
    let app = spawn_app().await;

    assert_no_credentials(&app.get(ROOMS, None).await);
    assert_no_credentials(
        &app.post(ROOMS, None, json!({"name": "Team", "room_type": "GROUP"}))
            .await,
    );
}

#[tokio::test]
async fn list_and_create_are_served_without_the_trailing_slash() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    let created = app
        .post(
            "/api/chat/rooms",
            Some(&alice.access),
            json!({"name": "Team", "room_type": "GROUP"}),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");

    let listed = app.get("/api/chat/rooms", Some(&alice.access)).await;
    assert_eq!(
        (listed.status, ids(&listed.body["results"])),
        (200, vec![created.body["id"].as_i64().expect("id")])
    );
}

// ---------------------------------------------------------------- retrieve

#[tokio::test]
async fn retrieve_gives_a_participant_the_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let created = create(
        &app,
        &alice,
        json!({"name": "Team", "room_type": "COURSE", "participants": [bob.id]}),
    )
    .await;
    let id = created.body["id"].as_i64().expect("id");

    for user in [&alice, &bob] {
        app.get(&room_url(id), Some(&user.access))
            .await
            .expect(200, created.body.clone());
    }
}

#[tokio::test]
async fn retrieve_is_not_found_for_an_outsider_or_a_missing_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let outsider = app.user("mallory").await;
    let room = group(&app, &alice, &[]).await;

    app.get(&room_url(room), Some(&outsider.access))
        .await
        .expect(404, detail(NOT_FOUND));
    app.get(&room_url(room + 1000), Some(&alice.access))
        .await
        .expect(404, detail(NOT_FOUND));
    app.get(&format!("{ROOMS}abc/"), Some(&alice.access))
        .await
        .expect(404, detail(NOT_FOUND));
}

#[tokio::test]
async fn retrieve_requires_authentication() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;

    assert_no_credentials(&app.get(&room_url(room), None).await);
}

#[tokio::test]
async fn room_routes_are_served_without_the_trailing_slash() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;
    let slashless = format!("{ROOMS}{room}");

    let expected = app.get(&room_url(room), Some(&alice.access)).await;
    app.get(&slashless, Some(&alice.access))
        .await
        .expect(200, expected.body);

    let renamed = app
        .patch(&slashless, Some(&alice.access), json!({"name": "Renamed"}))
        .await;
    assert_eq!(
        (renamed.status, &renamed.body["name"]),
        (200, &json!("Renamed")),
        "{renamed:?}"
    );

    let replaced = app
        .put(
            &slashless,
            Some(&alice.access),
            json!({"name": "Again", "room_type": "GROUP"}),
        )
        .await;
    assert_eq!(
        (replaced.status, &replaced.body["name"]),
        (200, &json!("Again")),
        "{replaced:?}"
    );

    app.delete(&slashless, Some(&alice.access))
        .await
        .expect(204, Value::Null);
    app.get(&slashless, Some(&alice.access))
        .await
        .expect(404, detail(NOT_FOUND));
}

// ---------------------------------------------------------------- update

/// PUT and PATCH, with a body valid for both (PUT needs `name` and `room_type`).
const UPDATES: [Method; 2] = [Method::PUT, Method::PATCH];

async fn update(app: &TestApp, method: &Method, room: i64, user: &User, body: Value) -> Reply {
    app.call(
        method.clone(),
        &room_url(room),
        Some(&user.access),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn any_participant_can_rename_a_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for method in UPDATES {
        let room = group(&app, &alice, &[&bob]).await;
        let reply = update(
            &app,
            &method,
            room,
            &bob,
            json!({"name": "Renamed", "room_type": "GROUP"}),
        )
        .await;

        assert_room(
            &reply,
            200,
            json!({"name": "Renamed", "room_type": "GROUP", "participants": [alice.id, bob.id], "created_by": alice.id, "messages": []}),
        );
        app.get(&room_url(room), Some(&alice.access))
            .await
            .expect(200, reply.body.clone());
    }
}

#[tokio::test]
async fn patch_changes_only_the_fields_it_names() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = group(&app, &alice, &[&bob]).await;
    app.message(&bob, room, "hi").await;
    let before = app.get(&room_url(room), Some(&alice.access)).await;

    let reply = app
        .patch(
            &room_url(room),
            Some(&bob.access),
            json!({"name": "Renamed"}),
        )
        .await;

    let mut expected = before.body.clone();
    expected["name"] = json!("Renamed");
    expected["updated_at"] = reply.body["updated_at"].clone();
    reply.expect(200, expected);
}

#[tokio::test]
async fn any_participant_can_add_participants() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    for method in UPDATES {
        let room = group(&app, &alice, &[&bob]).await;
        let reply = update(
            &app,
            &method,
            room,
            &bob,
            json!({"name": "Team", "room_type": "GROUP", "participants": [alice.id, bob.id, carol.id]}),
        )
        .await;

        assert_eq!(reply.status, 200, "{method}: {reply:?}");
        assert_eq!(
            participants(&reply.body),
            sorted(&[alice.id, bob.id, carol.id])
        );
        let for_carol = app.get(&room_url(room), Some(&carol.access)).await;
        assert_eq!(
            for_carol.status, 200,
            "{method}: the added user sees the room: {for_carol:?}"
        );
    }
}

#[tokio::test]
async fn a_non_creator_cannot_remove_someone_else() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    for method in UPDATES {
        let room = group(&app, &alice, &[&bob, &carol]).await;
        update(
            &app,
            &method,
            room,
            &bob,
            json!({"name": "Team", "room_type": "GROUP", "participants": [alice.id, bob.id]}),
        )
        .await
        .expect(403, detail(FORBIDDEN));

        let after = app.get(&room_url(room), Some(&carol.access)).await;
        assert_eq!(
            after.status, 200,
            "{method}: carol is still in the room: {after:?}"
        );
        assert_eq!(
            participants(&after.body),
            sorted(&[alice.id, bob.id, carol.id])
        );
    }
}

#[tokio::test]
async fn a_non_creator_can_remove_only_themselves() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    for method in UPDATES {
        let room = group(&app, &alice, &[&bob, &carol]).await;
        let reply = update(
            &app,
            &method,
            room,
            &bob,
            json!({"name": "Team", "room_type": "GROUP", "participants": [alice.id, carol.id]}),
        )
        .await;
        assert_eq!(reply.status, 200, "{method}: {reply:?}");

        app.get(&room_url(room), Some(&bob.access))
            .await
            .expect(404, detail(NOT_FOUND));
        let for_alice = app.get(&room_url(room), Some(&alice.access)).await;
        assert_eq!(
            participants(&for_alice.body),
            sorted(&[alice.id, carol.id]),
            "{method}"
        );
    }
}

#[tokio::test]
async fn the_creator_can_remove_others() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    for method in UPDATES {
        let room = group(&app, &alice, &[&bob, &carol]).await;
        let reply = update(
            &app,
            &method,
            room,
            &alice,
            json!({"name": "Team", "room_type": "GROUP", "participants": [alice.id, carol.id]}),
        )
        .await;

        assert_eq!(reply.status, 200, "{method}: {reply:?}");
        assert_eq!(participants(&reply.body), sorted(&[alice.id, carol.id]));
        app.get(&room_url(room), Some(&bob.access))
            .await
            .expect(404, detail(NOT_FOUND));
    }
}

#[tokio::test]
async fn the_creator_always_stays_a_participant() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for method in UPDATES {
        let room = group(&app, &alice, &[&bob]).await;
        let reply = update(
            &app,
            &method,
            room,
            &alice,
            json!({"name": "Team", "room_type": "GROUP", "participants": [bob.id]}),
        )
        .await;

        assert_eq!(reply.status, 200, "{method}: {reply:?}");
        assert_eq!(participants(&reply.body), sorted(&[alice.id, bob.id]));
        let for_alice = app.get(&room_url(room), Some(&alice.access)).await;
        assert_eq!(for_alice.status, 200, "{method}: {for_alice:?}");
    }
}

#[tokio::test]
async fn only_the_creator_can_change_the_type_of_a_group_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for method in UPDATES {
        let room = group(&app, &alice, &[&bob]).await;
        update(
            &app,
            &method,
            room,
            &bob,
            json!({"name": "Team", "room_type": "COURSE"}),
        )
        .await
        .expect(403, detail(FORBIDDEN));
        let unchanged = app.get(&room_url(room), Some(&alice.access)).await;
        assert_eq!(unchanged.body["room_type"], json!("GROUP"), "{method}");

        let reply = update(
            &app,
            &method,
            room,
            &alice,
            json!({"name": "Team", "room_type": "COURSE"}),
        )
        .await;
        assert_eq!(
            (reply.status, &reply.body["room_type"]),
            (200, &json!("COURSE")),
            "{method}: {reply:?}"
        );
    }
}

#[tokio::test]
async fn a_one_to_one_room_keeps_its_type() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;

    for method in UPDATES {
        for user in [&alice, &bob] {
            let reply = update(
                &app,
                &method,
                room,
                user,
                json!({"name": "Us", "room_type": "GROUP"}),
            )
            .await;
            assert_eq!(
                reply.status, 400,
                "{method} by {}: {reply:?}",
                user.username
            );
            assert!(
                reply.body.get("room_type").is_some(),
                "{method}: the error is on room_type: {reply:?}"
            );
        }
    }
    let after = app.get(&room_url(room), Some(&alice.access)).await;
    assert_eq!(after.body["room_type"], json!("ONE_TO_ONE"));
}

#[tokio::test]
async fn a_one_to_one_room_keeps_its_two_participants() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;

    for method in UPDATES {
        for change in [
            json!([alice.id, bob.id, carol.id]),
            json!([alice.id]),
            json!([bob.id, carol.id]),
        ] {
            let reply = update(
                &app,
                &method,
                room,
                &alice,
                json!({"name": "Us", "room_type": "ONE_TO_ONE", "participants": change}),
            )
            .await;
            assert_participants_error(&reply);
        }
    }
    let after = app.get(&room_url(room), Some(&bob.access)).await;
    assert_eq!(participants(&after.body), sorted(&[alice.id, bob.id]));
}

#[tokio::test]
async fn a_one_to_one_room_can_be_renamed_by_either_member() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;

    for (method, user) in [(Method::PUT, &alice), (Method::PATCH, &bob)] {
        let name = format!("by {}", user.username);
        let reply = update(
            &app,
            &method,
            room,
            user,
            json!({"name": name, "room_type": "ONE_TO_ONE"}),
        )
        .await;
        assert_room(
            &reply,
            200,
            json!({"name": name, "room_type": "ONE_TO_ONE", "participants": [alice.id, bob.id], "created_by": alice.id, "messages": []}),
        );
    }
}

#[tokio::test]
async fn put_requires_name_and_room_type() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;

    app.put(
        &room_url(room),
        Some(&alice.access),
        json!({"room_type": "GROUP"}),
    )
    .await
    .expect(400, field_error("name", "This field is required."));
    app.put(
        &room_url(room),
        Some(&alice.access),
        json!({"name": "Team"}),
    )
    .await
    .expect(400, field_error("room_type", "This field is required."));
    app.put(&room_url(room), Some(&alice.access), json!({}))
        .await
        .expect(
            400,
            json!({"name": ["This field is required."], "room_type": ["This field is required."]}),
        );
}

#[tokio::test]
async fn update_validates_like_create() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;

    for method in UPDATES {
        update(
            &app,
            &method,
            room,
            &alice,
            json!({"name": " ", "room_type": "GROUP"}),
        )
        .await
        .expect(400, field_error("name", "This field may not be blank."));
        update(
            &app,
            &method,
            room,
            &alice,
            json!({"name": "n".repeat(256), "room_type": "GROUP"}),
        )
        .await
        .expect(
            400,
            field_error("name", "Ensure this field has no more than 255 characters."),
        );
        update(
            &app,
            &method,
            room,
            &alice,
            json!({"name": "Team", "room_type": "X"}),
        )
        .await
        .expect(
            400,
            field_error("room_type", r#""X" is not a valid choice."#),
        );
        update(
            &app,
            &method,
            room,
            &alice,
            json!({"name": "Team", "room_type": "GROUP", "participants": [alice.id, 999]}),
        )
        .await
        .expect(
            400,
            field_error(
                "participants",
                r#"Invalid pk "999" - object does not exist."#,
            ),
        );
    }
}

#[tokio::test]
async fn update_changes_updated_at_only() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let created = create(&app, &alice, json!({"name": "Team", "room_type": "GROUP"})).await;
    let room = created.body["id"].as_i64().expect("id");

    for method in UPDATES {
        let before = app.get(&room_url(room), Some(&alice.access)).await;
        let reply = update(
            &app,
            &method,
            room,
            &alice,
            json!({"name": format!("{method}"), "room_type": "GROUP"}),
        )
        .await;

        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(is_drf_timestamp(&reply.body["updated_at"]), "{reply:?}");
        let (old, new) = (
            before.body["updated_at"].as_str(),
            reply.body["updated_at"].as_str(),
        );
        assert!(
            new > old,
            "{method}: updated_at moves forward: {old:?} → {new:?}"
        );
        assert_eq!(
            reply.body["created_at"], created.body["created_at"],
            "{method}"
        );
    }
}

#[tokio::test]
async fn update_is_not_found_for_an_outsider_even_with_a_malformed_body() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let outsider = app.user("mallory").await;
    let room = group(&app, &alice, &[]).await;

    for method in UPDATES {
        update(
            &app,
            &method,
            room,
            &outsider,
            json!({"name": "Mine", "room_type": "GROUP"}),
        )
        .await
        .expect(404, detail(NOT_FOUND));
        // Permission before validation: an outsider learns nothing from the body's errors.
        update(
            &app,
            &method,
            room,
            &outsider,
            json!({"name": "", "room_type": "X", "participants": 5}),
        )
        .await
        .expect(404, detail(NOT_FOUND));
        raw(
            &app,
            method.clone(),
            &room_url(room),
            &outsider.access,
            "{not json",
        )
        .await
        .expect(404, detail(NOT_FOUND));
    }
    let after = app.get(&room_url(room), Some(&alice.access)).await;
    assert_eq!(after.body["name"], json!("alice room"));
}

#[tokio::test]
async fn update_of_a_missing_room_is_not_found() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    for method in UPDATES {
        update(
            &app,
            &method,
            4242,
            &alice,
            json!({"name": "Team", "room_type": "GROUP"}),
        )
        .await
        .expect(404, detail(NOT_FOUND));
    }
}

#[tokio::test]
async fn update_requires_authentication() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;

    for method in UPDATES {
        let reply = app
            .call(
                method,
                &room_url(room),
                None,
                Some(json!({"name": "Team", "room_type": "GROUP"})),
            )
            .await;
        assert_no_credentials(&reply);
    }
}

// ---------------------------------------------------------------- delete

#[tokio::test]
async fn the_creator_deletes_a_room_with_its_messages() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = group(&app, &alice, &[&bob]).await;
    app.message(&bob, room, "soon gone").await;

    app.delete(&room_url(room), Some(&alice.access))
        .await
        .expect(204, Value::Null);

    for user in [&alice, &bob] {
        app.get(&room_url(room), Some(&user.access))
            .await
            .expect(404, detail(NOT_FOUND));
        // The message routes answer 403 for a room that does not exist (seed 004).
        app.get(&messages_url(room), Some(&user.access))
            .await
            .expect(403, detail(FORBIDDEN));
        let listed = app.get(ROOMS, Some(&user.access)).await;
        assert_eq!(listed.body["count"], json!(0), "{listed:?}");
    }
}

#[tokio::test]
async fn a_non_creator_cannot_delete_a_group_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for room_type in ["GROUP", "COURSE"] {
        let room = app.room(&alice, room_type, &[&bob]).await;
        app.delete(&room_url(room), Some(&bob.access))
            .await
            .expect(403, detail(FORBIDDEN));
        let still_there = app.get(&room_url(room), Some(&bob.access)).await;
        assert_eq!(still_there.status, 200, "{room_type}: {still_there:?}");
    }
}

#[tokio::test]
async fn either_member_can_delete_a_one_to_one_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for deleter in [&bob, &alice] {
        let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;
        app.delete(&room_url(room), Some(&deleter.access))
            .await
            .expect(204, Value::Null);
        app.get(&room_url(room), Some(&alice.access))
            .await
            .expect(404, detail(NOT_FOUND));
    }
}

#[tokio::test]
async fn a_deleted_one_to_one_room_can_be_created_again() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;
    app.delete(&room_url(room), Some(&bob.access))
        .await
        .expect(204, Value::Null);

    let again = create(
        &app,
        &bob,
        json!({"name": "Us", "room_type": "ONE_TO_ONE", "participants": [alice.id]}),
    )
    .await;

    assert_eq!(again.status, 201, "{again:?}");
    assert_ne!(again.body["id"], json!(room));
}

#[tokio::test]
async fn delete_is_not_found_for_an_outsider_or_a_missing_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let outsider = app.user("mallory").await;
    let room = group(&app, &alice, &[]).await;

    app.delete(&room_url(room), Some(&outsider.access))
        .await
        .expect(404, detail(NOT_FOUND));
    app.delete(&room_url(room + 1000), Some(&alice.access))
        .await
        .expect(404, detail(NOT_FOUND));
    let still_there = app.get(&room_url(room), Some(&alice.access)).await;
    assert_eq!(still_there.status, 200, "{still_there:?}");
}

#[tokio::test]
async fn delete_requires_authentication() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;

    assert_no_credentials(&app.delete(&room_url(room), None).await);
    let still_there = app.get(&room_url(room), Some(&alice.access)).await;
    assert_eq!(still_there.status, 200, "{still_there:?}");
}
