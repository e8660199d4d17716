//! PUT and PATCH: what a rename, a change of participants or of the type does (who may make
//! which change is matrix.rs's), and how bodies are validated.

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

/// Alice (the creator), bob and carol, by position in a [`MembershipChange`].
const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;

/// A change of participants that is allowed, and whom the room has after it.
struct MembershipChange {
    what: &'static str,
    /// Who is in alice's GROUP room before, besides her.
    others: &'static [usize],
    by: usize,
    sent: &'static [usize],
    /// The room's participants after; whoever else was in it no longer sees it.
    after: &'static [usize],
}

const MEMBERSHIP_CHANGES: &[MembershipChange] = &[
    MembershipChange {
        what: "any participant adds participants",
        others: &[BOB],
        by: BOB,
        sent: &[ALICE, BOB, CAROL],
        after: &[ALICE, BOB, CAROL],
    },
    MembershipChange {
        what: "a participant who is not the creator removes themselves",
        others: &[BOB, CAROL],
        by: BOB,
        sent: &[ALICE, CAROL],
        after: &[ALICE, CAROL],
    },
    MembershipChange {
        what: "the creator removes others",
        others: &[BOB, CAROL],
        by: ALICE,
        sent: &[ALICE, CAROL],
        after: &[ALICE, CAROL],
    },
    MembershipChange {
        what: "the creator always stays a participant",
        others: &[BOB],
        by: ALICE,
        sent: &[BOB],
        after: &[ALICE, BOB],
    },
];

#[tokio::test]
async fn allowed_changes_of_participants_leave_the_room_with_exactly_those_sent() {
    let Some(app) = spawn_app().await else { return };
    let users = [
        app.user("alice").await,
        app.user("bob").await,
        app.user("carol").await,
    ];
    let ids = |positions: &[usize]| -> Vec<i64> {
        sorted(&positions.iter().map(|&at| users[at].id).collect::<Vec<_>>())
    };

    for change in MEMBERSHIP_CHANGES {
        for method in UPDATES {
            let others: Vec<&User> = change.others.iter().map(|&at| &users[at]).collect();
            let room = group(&app, &users[ALICE], &others).await;
            let reply = update(
                &app,
                &method,
                room,
                &users[change.by],
                json!({"name": "Team", "room_type": "GROUP", "participants": ids(change.sent)}),
            )
            .await;

            let what = format!("{} ({method})", change.what);
            assert_eq!(reply.status, 200, "{what}: {reply:?}");
            assert_eq!(participants(&reply.body), ids(change.after), "{what}");
            for (at, user) in users.iter().enumerate() {
                let seen = app.get(&room_url(room), Some(&user.access)).await;
                if change.after.contains(&at) {
                    assert_eq!(seen.status, 200, "{what}: {}: {seen:?}", user.username);
                    assert_eq!(participants(&seen.body), ids(change.after), "{what}");
                } else if change.others.contains(&at) {
                    seen.expect(404, detail(NOT_FOUND));
                }
            }
        }
    }
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
async fn the_creator_changes_the_type_of_a_group_room() {
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

/// A body the update routes refuse, and the exact 400 body.
struct Invalid {
    /// Only PUT requires every field.
    methods: &'static [Method],
    body: fn(&User) -> Value,
    errors: fn() -> Value,
}

const INVALID_UPDATES: &[Invalid] = &[
    Invalid {
        methods: &[Method::PUT],
        body: |_| json!({"room_type": "GROUP"}),
        errors: || field_error("name", "This field is required."),
    },
    Invalid {
        methods: &[Method::PUT],
        body: |_| json!({"name": "Team"}),
        errors: || field_error("room_type", "This field is required."),
    },
    Invalid {
        methods: &[Method::PUT],
        body: |_| json!({}),
        errors: || json!({"name": ["This field is required."], "room_type": ["This field is required."]}),
    },
    Invalid {
        methods: &UPDATES,
        body: |_| json!({"name": " ", "room_type": "GROUP"}),
        errors: || field_error("name", "This field may not be blank."),
    },
    Invalid {
        methods: &UPDATES,
        body: |_| json!({"name": "n".repeat(256), "room_type": "GROUP"}),
        errors: || field_error("name", "Ensure this field has no more than 255 characters."),
    },
    Invalid {
        methods: &UPDATES,
        body: |_| json!({"name": "Team", "room_type": "X"}),
        errors: || field_error("room_type", r#""X" is not a valid choice."#),
    },
    Invalid {
        methods: &UPDATES,
        body: |alice| json!({"name": "Team", "room_type": "GROUP", "participants": [alice.id, 999]}),
        errors: || {
            field_error(
                "participants",
                r#"Invalid pk "999" - object does not exist."#,
            )
        },
    },
];

#[tokio::test]
async fn update_validates_like_create_and_put_requires_name_and_room_type() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = group(&app, &alice, &[]).await;

    for invalid in INVALID_UPDATES {
        for method in invalid.methods {
            update(&app, method, room, &alice, (invalid.body)(&alice))
                .await
                .expect(400, (invalid.errors)());
        }
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
