//! PUT and PATCH: who may rename, add, remove, and change the type.

use super::*;

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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    // Alice has Bob's message to read; Bob, who sent it, has not.
    assert_eq!(expected["unread_count"], 1);
    expected["unread_count"] = json!(0);
    reply.expect(200, expected);
}

#[tokio::test]
async fn any_participant_can_add_participants() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
async fn a_non_creator_cannot_drop_the_creator() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for method in UPDATES {
        let room = group(&app, &alice, &[&bob]).await;
        update(
            &app,
            &method,
            room,
            &bob,
            json!({"name": "Team", "room_type": "GROUP", "participants": [bob.id]}),
        )
        .await
        .expect(403, detail(FORBIDDEN));
        let unchanged = app.get(&room_url(room), Some(&alice.access)).await;
        assert_eq!(
            participants(&unchanged.body),
            sorted(&[alice.id, bob.id]),
            "{method}"
        );
    }
}

#[tokio::test]
async fn only_the_creator_can_change_the_type_of_a_group_room() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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

#[tokio::test]
async fn a_patch_without_a_body_changes_nothing() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = group(&app, &alice, &[&bob]).await;
    let before = app.get(&room_url(room), Some(&alice.access)).await;

    let reply = app
        .call(Method::PATCH, &room_url(room), Some(&bob.access), None)
        .await;

    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["name"], before.body["name"]);
    assert_eq!(reply.body["participants"], before.body["participants"]);
}

#[tokio::test]
async fn participants_null_leaves_them_and_an_empty_list_leaves_the_creator() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = group(&app, &alice, &[&bob]).await;

    let kept = app
        .patch(
            &room_url(room),
            Some(&alice.access),
            json!({"participants": null}),
        )
        .await;
    assert_eq!(
        kept.body["participants"],
        json!([alice.id, bob.id]),
        "{kept:?}"
    );

    let emptied = app
        .patch(
            &room_url(room),
            Some(&alice.access),
            json!({"participants": []}),
        )
        .await;
    assert_eq!(
        emptied.body["participants"],
        json!([alice.id]),
        "{emptied:?}"
    );
}
