//! The invitee's pending invitations (newest first) and a room's (oldest first), paginated
//! like the room list.

use super::*;

#[tokio::test]
async fn the_invitees_list_is_newest_first_and_paginated() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut sent = Vec::new();
    for _ in 0..3 {
        let room = app.room(&alice, "GROUP", &[]).await;
        sent.push(invited(&app, &alice, room, &bob).await);
    }
    // Answered ones and other users' are not listed.
    let answered_room = app.room(&alice, "GROUP", &[]).await;
    let answered = invited(&app, &alice, answered_room, &bob).await;
    assert_eq!(decline(&app, &bob, answered).await.status, 200);
    let bobs = app.room(&bob, "GROUP", &[]).await;
    invited(&app, &bob, bobs, &alice).await;
    let newest_first: Vec<i64> = sent.iter().rev().copied().collect();

    let first = app
        .get("/api/invitations/?page_size=2", Some(&bob.access))
        .await;
    assert_eq!(ids(&first), newest_first[..2]);
    assert_eq!(
        (
            &first.body["count"],
            &first.body["total_pages"],
            &first.body["current_page"],
            &first.body["page_size"],
            &first.body["previous"],
        ),
        (&json!(3), &json!(2), &json!(1), &json!(2), &Value::Null)
    );
    let next = first.body["next"].as_str().expect("next");
    assert!(
        next.ends_with("/api/invitations/?page_size=2&page=2"),
        "{next}"
    );
    let (all, pages) = walk(&app, &bob.access, "/api/invitations/?page_size=2", "next").await;
    assert_eq!(pages, 2);
    let walked: Vec<i64> = all.iter().map(|i| i["id"].as_i64().expect("id")).collect();
    assert_eq!(walked, newest_first);
    assert_eq!(
        ids(&app
            .get("/api/invitations/?limit=1&offset=1", Some(&bob.access))
            .await),
        newest_first[1..2]
    );
    for page in ["3", "0", "x"] {
        app.get(
            &format!("/api/invitations/?page_size=2&page={page}"),
            Some(&bob.access),
        )
        .await
        .expect(404, detail("Invalid page."));
    }
    app.get("/api/invitations/?page_size=x", Some(&bob.access))
        .await
        .expect(
            400,
            field_error("page_size", "A valid integer is required."),
        );
    // Someone with none: an empty first page.
    let carol = app.user("carol").await;
    app.get(MY_INVITATIONS, Some(&carol.access)).await.expect(
        200,
        json!({"count": 0, "next": null, "previous": null, "total_pages": 1,
               "current_page": 1, "page_size": 10, "results": []}),
    );
}

#[tokio::test]
async fn a_rooms_list_is_oldest_first_and_paginated() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut sent = Vec::new();
    for name in ["carol", "dave", "erin"] {
        let user = app.user(name).await;
        sent.push(invited(&app, &alice, room, &user).await);
    }
    let elsewhere = app.room(&alice, "GROUP", &[]).await;
    invited(&app, &alice, elsewhere, &bob).await;

    // Any participant may look, not only the inviter.
    let first = app
        .get(
            &format!("{}?page_size=2", invitations_url(room)),
            Some(&bob.access),
        )
        .await;
    assert_eq!(ids(&first), sent[..2]);
    assert_eq!(first.body["count"], json!(3));
    let (all, pages) = walk(
        &app,
        &bob.access,
        &format!("{}?page_size=2", invitations_url(room)),
        "next",
    )
    .await;
    assert_eq!(pages, 2);
    let walked: Vec<i64> = all.iter().map(|i| i["id"].as_i64().expect("id")).collect();
    assert_eq!(walked, sent);
    app.get(
        &format!("{}?page=9", invitations_url(room)),
        Some(&bob.access),
    )
    .await
    .expect(404, detail("Invalid page."));
}
