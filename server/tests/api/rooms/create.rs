//! Creating rooms: the body rules, and one ONE_TO_ONE room per pair.

use super::*;

// ---------------------------------------------------------------- create

#[tokio::test]
async fn create_returns_201_with_the_full_room_object() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    let reply = create(&app, &alice, json!({"name": "Notes", "room_type": "GROUP"})).await;

    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(participants(&reply.body), [alice.id]);
}

#[tokio::test]
async fn create_lists_the_creator_and_repeated_ids_once() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    create(&app, &alice, json!({"room_type": "GROUP"}))
        .await
        .expect(400, field_error("name", "This field is required."));
}

#[tokio::test]
async fn create_rejects_a_blank_name() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    for blank in ["", "   "] {
        create(&app, &alice, json!({"name": blank, "room_type": "GROUP"}))
            .await
            .expect(400, field_error("name", "This field may not be blank."));
    }
}

#[tokio::test]
async fn create_rejects_a_name_over_255_characters() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    create(&app, &alice, json!({"name": "Team"}))
        .await
        .expect(400, field_error("room_type", "This field is required."));
}

#[tokio::test]
async fn create_rejects_an_unknown_room_type() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    create(&app, &alice, json!({})).await.expect(
        400,
        json!({"name": ["This field is required."], "room_type": ["This field is required."]}),
    );
}

#[tokio::test]
async fn create_rejects_an_unknown_participant() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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

/// The list counts as sent, as the spec's `maxItems: 500` says: 501 ids are too many even
/// when they name one user, on create and on update.
#[tokio::test]
async fn more_than_500_ids_are_refused_even_when_repeated() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let repeated = vec![bob.id; 501];
    let too_many = field_error(
        "participants",
        "Ensure this field has no more than 500 elements.",
    );
    create(
        &app,
        &alice,
        json!({"name": "Big", "room_type": "GROUP", "participants": repeated}),
    )
    .await
    .expect(400, too_many.clone());
    let room = group(&app, &alice, &[]).await;
    app.patch(
        &format!("{ROOMS}{room}/"),
        Some(&alice.access),
        json!({"participants": repeated}),
    )
    .await
    .expect(400, too_many);
    let reply = create(
        &app,
        &alice,
        json!({"name": "Big", "room_type": "GROUP", "participants": vec![bob.id; 500]}),
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
}

// ---------------------------------------------------------------- ONE_TO_ONE

#[tokio::test]
async fn one_to_one_room_with_three_people_is_rejected() {
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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
    let Some(app) = spawn_app().await else { return };
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

#[tokio::test]
async fn fields_take_their_json_types_only() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let reply = create(
        &app,
        &alice,
        json!({"name": 7, "room_type": "GROUP", "participants": [bob.id.to_string()]}),
    )
    .await;

    reply.expect(
        400,
        json!({
            "name": ["Not a valid string."],
            "participants": ["Incorrect type. Expected pk value, received str."],
        }),
    );
}
