//! `POST /api/chat/rooms/{id}/invitations/`: who may invite whom, and every 400.

use super::*;

#[tokio::test]
async fn a_participant_invites_a_user_who_then_sees_it_pending() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;

    // Not only the creator: any participant (the room's editors, API.md).
    let reply = invite(&app, &bob, room, carol.id).await;

    assert_eq!(reply.status, 201, "{reply:?}");
    let invitation = &reply.body;
    let id = invitation["id"].as_i64().expect("id");
    assert!(is_drf_timestamp(&invitation["created_at"]), "{invitation}");
    let mut expected = json!({
        "id": id,
        "chat_room": room,
        "room_name": "alice room",
        "room_type": "GROUP",
        "inviter_id": bob.id,
        "inviter": "bob",
        "invitee_id": carol.id,
        "invitee": "carol",
        "status": "pending",
        "responded_at": null,
    });
    expected["created_at"] = invitation["created_at"].clone();
    assert_eq!(invitation, &expected);

    let mine = app.get(MY_INVITATIONS, Some(&carol.access)).await;
    mine.expect(
        200,
        json!({"count": 1, "next": null, "previous": null, "total_pages": 1,
               "current_page": 1, "page_size": 10, "results": [expected.clone()]}),
    );
    let of_room = app.get(&invitations_url(room), Some(&alice.access)).await;
    assert_eq!(of_room.body["results"], json!([expected]), "{of_room:?}");
    // Carol is not in the room yet.
    app.get(&room_url(room), Some(&carol.access))
        .await
        .expect(404, detail(NOT_FOUND));
}

#[tokio::test]
async fn course_rooms_take_invitations_and_one_to_one_rooms_do_not() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let course = app.room(&alice, "COURSE", &[]).await;
    let direct = app.room(&alice, "ONE_TO_ONE", &[&bob]).await;

    assert_eq!(invite(&app, &alice, course, carol.id).await.status, 201);
    invite(&app, &alice, direct, carol.id).await.expect(
        400,
        field_error(
            "non_field_errors",
            "Only GROUP and COURSE rooms take invitations.",
        ),
    );
    assert_eq!(pending_of(&app, &carol).await.len(), 1);
}

#[tokio::test]
async fn bad_invitations_are_400s_naming_the_field() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let url = invitations_url(room);
    let post = |body: Value| app.post(&url, Some(&alice.access), body);

    post(json!({}))
        .await
        .expect(400, field_error("user_id", "This field is required."));
    post(json!({"user_id": null}))
        .await
        .expect(400, field_error("user_id", "This field may not be null."));
    for (value, kind) in [
        (json!("2"), "str"),
        (json!(1.5), "float"),
        (json!(true), "bool"),
    ] {
        post(json!({ "user_id": value })).await.expect(
            400,
            field_error(
                "user_id",
                &format!("Incorrect type. Expected pk value, received {kind}."),
            ),
        );
    }
    for unknown in [0, -3, 999_999] {
        post(json!({ "user_id": unknown })).await.expect(
            400,
            field_error(
                "user_id",
                &format!("Invalid pk \"{unknown}\" - object does not exist."),
            ),
        );
    }
    post(json!({"user_id": alice.id}))
        .await
        .expect(400, field_error("user_id", "You cannot invite yourself."));
    post(json!({"user_id": bob.id})).await.expect(
        400,
        field_error("user_id", "This user is already a participant."),
    );
    assert_eq!(post(json!({"user_id": carol.id})).await.status, 201);
    // From anyone in the room: one pending invitation per user.
    app.post(&url, Some(&bob.access), json!({"user_id": carol.id}))
        .await
        .expect(400, field_error("user_id", ALREADY_INVITED));

    let malformed = app
        .client
        .post(app.url(&url))
        .bearer_auth(&alice.access)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("sent");
    let malformed = Reply::from(malformed).await;
    assert_eq!(malformed.status, 400, "{malformed:?}");
    assert!(
        malformed.body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("JSON parse error - ")),
        "{malformed:?}"
    );
    post(json!([carol.id])).await.expect(
        400,
        field_error(
            "non_field_errors",
            "Invalid data. Expected a dictionary, but got list.",
        ),
    );
    let text = app
        .client
        .post(app.url(&url))
        .bearer_auth(&alice.access)
        .header("content-type", "text/plain")
        .body("user_id=3")
        .send()
        .await
        .expect("sent");
    Reply::from(text).await.expect(
        415,
        detail("Unsupported media type \"text/plain\" in request."),
    );
    assert_eq!(
        pending_of(&app, &carol).await.len(),
        1,
        "nothing else stored"
    );
}

#[tokio::test]
async fn answered_invitations_do_not_block_a_new_one() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[]).await;

    let first = invited(&app, &alice, room, &bob).await;
    assert_eq!(decline(&app, &bob, first).await.status, 200);
    let second = invited(&app, &alice, room, &bob).await;
    assert_ne!(first, second);
    assert_eq!(accept(&app, &bob, second).await.status, 200);
    // Removed again by the creator: invitable again.
    let reply = app
        .patch(
            &room_url(room),
            Some(&alice.access),
            json!({"participants": []}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let third = invited(&app, &alice, room, &bob).await;
    assert_eq!(pending_of(&app, &bob).await, vec![third]);
}

#[tokio::test]
async fn a_room_id_that_is_not_a_number_is_404() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    app.get("/api/chat/rooms/abc/invitations/", Some(&alice.access))
        .await
        .expect(404, detail(NOT_FOUND));
}
