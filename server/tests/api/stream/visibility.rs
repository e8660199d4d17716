//! Who sees what, at the time of the event: a removed member gets their `member.removed` and
//! nothing more of the room; a member added later replays nothing from before; invitation
//! events go to the invitee and the inviter only; outsiders see nothing.

use serde_json::json;

use super::*;
use crate::invitations::accept;

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn each_user_replays_what_they_could_see_when_it_happened() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let dave = app.user("dave").await;
    let start = latest(&app, &cast.alice).await;
    story(&app, &cast).await;
    let after_story = app
        .message(&cast.alice, cast.room, "after everyone left")
        .await;

    // alice was there throughout.
    let (alice, _) = rest_events(&app, &cast.alice, &format!("?since={start}&limit=500")).await;
    assert_eq!(
        kinds(&alice),
        [
            "message.created",
            "message.updated",
            "reaction.added",
            "reaction.removed",
            "read",
            "message.deleted",
            "room.updated",
            "invitation.created",
            "invitation.declined",
            "invitation.created",
            "invitation.revoked",
            "invitation.created",
            "invitation.accepted",
            "member.added",
            "member.removed",
            "member.removed",
            "message.created",
        ]
    );
    assert_eq!(alice.last().expect("events")["message"]["id"], after_story);

    // bob: up to his removal, which he sees; never the invitations (neither inviter nor invitee).
    let (bob, _) = rest_events(&app, &cast.bob, &format!("?since={start}&limit=500")).await;
    assert_eq!(
        kinds(&bob),
        [
            "message.created",
            "message.updated",
            "reaction.added",
            "reaction.removed",
            "read",
            "message.deleted",
            "room.updated",
            "member.added",
            "member.removed",
        ]
    );
    assert_eq!(bob[8]["user_id"], cast.bob.id);
    assert_eq!(bob[8]["reason"], "removed");

    // carol: her invitations, then the room from her joining to her leaving.
    let (carol, _) = rest_events(&app, &cast.carol, &format!("?since={start}&limit=500")).await;
    assert_eq!(
        kinds(&carol),
        [
            "invitation.created",
            "invitation.declined",
            "invitation.created",
            "invitation.revoked",
            "invitation.created",
            "invitation.accepted",
            "member.added",
            "member.removed",
            "member.removed",
        ]
    );
    assert_eq!(carol[6]["user_id"], cast.carol.id);
    assert_eq!(carol[6]["room"]["name"], "renamed");
    assert_eq!(carol[8]["reason"], "left");

    let (outsider, position) = rest_events(&app, &dave, &format!("?since={start}")).await;
    assert!(outsider.is_empty(), "{outsider:?}");
    assert_eq!(
        position,
        latest(&app, &dave).await,
        "moves past what is not theirs"
    );
}

#[tokio::test]
async fn a_member_added_back_sees_nothing_of_the_time_outside() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let room_url = format!("/api/chat/rooms/{}/", cast.room);
    let start = latest(&app, &cast.bob).await;
    let before = app.message(&cast.alice, cast.room, "before").await;
    let removed = app
        .patch(
            &room_url,
            Some(&cast.alice.access),
            json!({"participants": []}),
        )
        .await;
    assert_eq!(removed.status, 200, "{removed:?}");
    app.message(&cast.alice, cast.room, "while bob is out")
        .await;
    let added = app
        .patch(
            &room_url,
            Some(&cast.alice.access),
            json!({"participants": [cast.bob.id]}),
        )
        .await;
    assert_eq!(added.status, 200, "{added:?}");
    let back = app.message(&cast.alice, cast.room, "bob is back").await;

    let (events, _) = rest_events(&app, &cast.bob, &format!("?since={start}")).await;
    assert_eq!(
        kinds(&events),
        [
            "message.created",
            "member.removed",
            "member.added",
            "message.created"
        ]
    );
    assert_eq!(events[0]["message"]["id"], before);
    assert_eq!(
        events[2]["room"]["participants"],
        json!([cast.alice.id, cast.bob.id])
    );
    assert_eq!(events[3]["message"]["id"], back);
}

#[tokio::test]
async fn a_new_member_replays_nothing_from_before_they_joined() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    app.message(&cast.alice, cast.room, "old news").await;
    let id = invited(&app, &cast.alice, cast.room, &cast.carol).await;
    let joined = accept(&app, &cast.carol, id).await;
    assert_eq!(joined.status, 200, "{joined:?}");
    let (events, _) = rest_events(&app, &cast.carol, "?since=0").await;
    assert_eq!(
        kinds(&events),
        ["invitation.created", "invitation.accepted", "member.added"]
    );
    assert_eq!(events[2]["by"], cast.carol.id);
}

#[tokio::test]
async fn an_invitee_joining_after_the_inviter_left_hears_the_room_from_then_on() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    let id = invited(&app, &cast.bob, cast.room, &cast.carol).await;
    let left = app
        .patch(
            &format!("/api/chat/rooms/{}/", cast.room),
            Some(&cast.bob.access),
            json!({"participants": [cast.alice.id]}),
        )
        .await;
    assert_eq!(left.status, 200, "{left:?}");
    let joined = accept(&app, &cast.carol, id).await;
    assert_eq!(joined.status, 200, "{joined:?}");
    let after = app.message(&cast.alice, cast.room, "welcome").await;

    let (events, _) = rest_events(&app, &cast.carol, "?since=0").await;
    assert_eq!(
        kinds(&events),
        [
            "invitation.created",
            "invitation.accepted",
            "member.added",
            "message.created"
        ]
    );
    assert_eq!(
        events[2]["room"]["participants"],
        json!([cast.alice.id, cast.carol.id]),
        "the room as she joined it"
    );
    assert_eq!(events[3]["message"]["id"], after);
}
