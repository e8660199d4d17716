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

/// A body `POST /api/chat/rooms/` refuses, by alice with bob registered, and the exact 400
/// body.
struct Invalid {
    body: fn(&User) -> Value,
    errors: Value,
}

/// What each refusal names, field by field, as DRF words it.
fn invalid_creates() -> Vec<Invalid> {
    let not_a_list = |kind: &str| {
        field_error(
            "participants",
            &format!(r#"Expected a list of items but got type "{kind}"."#),
        )
    };
    vec![
        Invalid {
            body: |_| json!({"room_type": "GROUP"}),
            errors: field_error("name", "This field is required."),
        },
        Invalid {
            body: |_| json!({"name": "", "room_type": "GROUP"}),
            errors: field_error("name", "This field may not be blank."),
        },
        Invalid {
            body: |_| json!({"name": "   ", "room_type": "GROUP"}),
            errors: field_error("name", "This field may not be blank."),
        },
        Invalid {
            body: |_| json!({"name": "n".repeat(256), "room_type": "GROUP"}),
            errors: field_error("name", "Ensure this field has no more than 255 characters."),
        },
        Invalid {
            body: |_| json!({"name": "Team"}),
            errors: field_error("room_type", "This field is required."),
        },
        Invalid {
            body: |_| json!({"name": "Team", "room_type": "X"}),
            errors: field_error("room_type", r#""X" is not a valid choice."#),
        },
        Invalid {
            body: |_| json!({"name": "Team", "room_type": ""}),
            errors: field_error("room_type", r#""" is not a valid choice."#),
        },
        Invalid {
            body: |_| json!({"name": "Team", "room_type": "group"}),
            errors: field_error("room_type", r#""group" is not a valid choice."#),
        },
        Invalid {
            body: |_| json!({}),
            errors: json!({"name": ["This field is required."], "room_type": ["This field is required."]}),
        },
        Invalid {
            body: |bob| json!({"name": "Team", "room_type": "GROUP", "participants": [bob.id, 999]}),
            errors: field_error(
                "participants",
                r#"Invalid pk "999" - object does not exist."#,
            ),
        },
        Invalid {
            body: |bob| json!({"name": "Team", "room_type": "GROUP", "participants": bob.id}),
            errors: not_a_list("int"),
        },
        Invalid {
            body: |_| json!({"name": "Team", "room_type": "GROUP", "participants": "1,2"}),
            errors: not_a_list("str"),
        },
        // Fields take their JSON types only.
        Invalid {
            body: |bob| json!({"name": 7, "room_type": "GROUP", "participants": [bob.id.to_string()]}),
            errors: json!({
                "name": ["Not a valid string."],
                "participants": ["Incorrect type. Expected pk value, received str."],
            }),
        },
    ]
}

#[tokio::test]
async fn create_refuses_each_invalid_body_naming_its_fields() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    for invalid in invalid_creates() {
        create(&app, &alice, (invalid.body)(&bob))
            .await
            .expect(400, invalid.errors);
    }
    assert_eq!(
        app.get(ROOMS, Some(&alice.access)).await.body["count"],
        json!(0)
    );
}

#[tokio::test]
async fn create_takes_a_name_of_255_characters() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

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
async fn a_one_to_one_room_needs_exactly_one_other_participant() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    for body in [
        json!({"name": "Trio", "room_type": "ONE_TO_ONE", "participants": [bob.id, carol.id]}),
        json!({"name": "Me", "room_type": "ONE_TO_ONE", "participants": []}),
        json!({"name": "Me", "room_type": "ONE_TO_ONE", "participants": [alice.id]}),
        json!({"name": "Me", "room_type": "ONE_TO_ONE"}),
    ] {
        assert_participants_error(&create(&app, &alice, body).await);
    }
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
