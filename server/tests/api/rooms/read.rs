//! Reading rooms: the message preview, the list, and a single room.

use super::*;

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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
async fn list_and_create_are_served_without_the_trailing_slash() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
async fn room_routes_are_served_without_the_trailing_slash() {
    let Some(app) = spawn_app().await else { return };
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
