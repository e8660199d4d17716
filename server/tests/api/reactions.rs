//! `/api/chat/rooms/{room_id}/messages/{id}/reactions/` (POST) and `.../reactions/{emoji}/`
//! (DELETE): one reaction per user and emoji, `reactions` in message objects as each viewer
//! sees them, and `reaction.added`/`reaction.removed` events.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::realtime::{
    ALL_ROOMS_WS, assert_growing, assert_silent, connect, expect_created, expect_stored,
    next_event, room_ws,
};

/// The group scene with a message of alice's in its room.
async fn scene() -> Option<(Scene, i64)> {
    let s = group_scene().await?;
    let message = s.app.message(&s.alice, s.room, "react to me").await;
    Some((s, message))
}

fn reactions_url(room: i64, id: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/{id}/reactions/")
}

/// Every byte of the emoji percent-encoded, as a client library would.
fn reaction_url(room: i64, id: i64, emoji: &str) -> String {
    let encoded: String = emoji.bytes().map(|b| format!("%{b:02X}")).collect();
    format!("/api/chat/rooms/{room}/messages/{id}/reactions/{encoded}/")
}

async fn react(app: &TestApp, user: &User, room: i64, id: i64, emoji: &str) -> Reply {
    app.post(
        &reactions_url(room, id),
        Some(&user.access),
        json!({ "emoji": emoji }),
    )
    .await
}

async fn unreact(app: &TestApp, user: &User, room: i64, id: i64, emoji: &str) -> Reply {
    app.delete(&reaction_url(room, id, emoji), Some(&user.access))
        .await
}

async fn get_message(app: &TestApp, viewer: &User, room: i64, id: i64) -> Value {
    let reply = app.get(&message_url(room, id), Some(&viewer.access)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body
}

async fn reactions_seen_by(app: &TestApp, viewer: &User, room: i64, id: i64) -> Value {
    get_message(app, viewer, room, id).await["reactions"].clone()
}

fn invalid_emoji(echo: &str) -> Value {
    json!({"emoji": [format!("\"{echo}\" is not a valid emoji.")]})
}

#[tokio::test]
async fn reacting_adds_one_reaction_per_user_and_answers_the_message() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    let before = get_message(app, &s.bob, room, id).await;
    assert_eq!(before["reactions"], json!([]));

    let added = react(app, &s.bob, room, id, "👍").await;
    assert_eq!(added.status, 201, "{added:?}");
    let mut expected = before.clone();
    expected["reactions"] = json!([{"emoji": "👍", "count": 1, "me": true}]);
    assert_eq!(added.body, expected, "the message, with the reaction");
    assert_eq!(get_message(app, &s.bob, room, id).await, expected);

    // Again: 200, the message unchanged.
    react(app, &s.bob, room, id, "👍")
        .await
        .expect(200, expected.clone());

    let second = react(app, &s.alice, room, id, "👍").await;
    assert_eq!(second.status, 201, "{second:?}");
    assert_eq!(
        second.body["reactions"],
        json!([{"emoji": "👍", "count": 2, "me": true}])
    );
    for viewer in [&s.alice, &s.bob] {
        assert_eq!(
            reactions_seen_by(app, viewer, room, id).await,
            json!([{"emoji": "👍", "count": 2, "me": true}])
        );
    }

    // Alice takes hers back: each viewer sees their own `me`.
    assert_eq!(unreact(app, &s.alice, room, id, "👍").await.status, 204);
    assert_eq!(
        reactions_seen_by(app, &s.alice, room, id).await,
        json!([{"emoji": "👍", "count": 1, "me": false}])
    );
    assert_eq!(
        reactions_seen_by(app, &s.bob, room, id).await,
        json!([{"emoji": "👍", "count": 1, "me": true}])
    );
    // Reacting does not edit the message.
    assert_eq!(
        get_message(app, &s.bob, room, id).await["updated_at"],
        Value::Null
    );
}

#[tokio::test]
async fn reactions_are_listed_in_the_order_they_were_first_chosen() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    assert_eq!(react(app, &s.bob, room, id, "🎉").await.status, 201);
    assert_eq!(react(app, &s.alice, room, id, "👍").await.status, 201);
    assert_eq!(react(app, &s.alice, room, id, "🎉").await.status, 201);
    assert_eq!(react(app, &s.bob, room, id, "😂").await.status, 201);
    assert_eq!(
        reactions_seen_by(app, &s.alice, room, id).await,
        json!([
            {"emoji": "🎉", "count": 2, "me": true},
            {"emoji": "👍", "count": 1, "me": true},
            {"emoji": "😂", "count": 1, "me": false},
        ])
    );
    assert_eq!(
        reactions_seen_by(app, &s.bob, room, id).await,
        json!([
            {"emoji": "🎉", "count": 2, "me": true},
            {"emoji": "👍", "count": 1, "me": false},
            {"emoji": "😂", "count": 1, "me": true},
        ])
    );
    // 🎉 goes away entirely and comes back: it is now the latest.
    assert_eq!(unreact(app, &s.bob, room, id, "🎉").await.status, 204);
    assert_eq!(unreact(app, &s.alice, room, id, "🎉").await.status, 204);
    assert_eq!(react(app, &s.bob, room, id, "🎉").await.status, 201);
    assert_eq!(
        reactions_seen_by(app, &s.bob, room, id).await,
        json!([
            {"emoji": "👍", "count": 1, "me": false},
            {"emoji": "😂", "count": 1, "me": true},
            {"emoji": "🎉", "count": 1, "me": true},
        ])
    );
}

#[tokio::test]
async fn listings_show_reactions_with_each_viewers_me() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    let plain = app.message(&s.bob, room, "no reactions here").await;
    assert_eq!(react(app, &s.bob, room, id, "👍").await.status, 201);
    assert_eq!(
        react(app, &s.alice, room, id, "\u{2764}\u{fe0f}")
            .await
            .status,
        201
    );
    let seen = |me_thumb: bool, me_heart: bool| {
        json!([
            {"emoji": "👍", "count": 1, "me": me_thumb},
            {"emoji": "\u{2764}\u{fe0f}", "count": 1, "me": me_heart},
        ])
    };
    for (viewer, expected) in [(&s.alice, seen(false, true)), (&s.bob, seen(true, false))] {
        let list = app
            .get(
                &format!("/api/chat/rooms/{room}/messages/"),
                Some(&viewer.access),
            )
            .await;
        assert_eq!(list.status, 200, "{list:?}");
        let results = list.body["results"].as_array().expect("results");
        let find = |wanted: i64| {
            results
                .iter()
                .find(|m| m["id"] == wanted)
                .expect("listed")
                .clone()
        };
        assert_eq!(find(id)["reactions"], expected, "{}", viewer.username);
        assert_eq!(find(plain)["reactions"], json!([]));

        let detail = app
            .get(
                &format!("/api/chat/rooms/{room}/?messages_limit=5"),
                Some(&viewer.access),
            )
            .await;
        assert_eq!(detail.status, 200, "{detail:?}");
        assert_eq!(detail.body["messages"][1]["id"], id);
        assert_eq!(detail.body["messages"][1]["reactions"], expected);
        assert_eq!(detail.body["messages"][0]["reactions"], json!([]));

        let rooms = app
            .get("/api/chat/rooms/?messages_limit=5", Some(&viewer.access))
            .await;
        assert_eq!(rooms.status, 200, "{rooms:?}");
        assert_eq!(
            rooms.body["results"][0]["messages"][1]["reactions"],
            expected
        );

        assert_eq!(reactions_seen_by(app, viewer, room, id).await, expected);
    }
}

#[tokio::test]
async fn a_heart_is_one_reaction_however_spelt_and_skin_tones_are_distinct() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    let bare = react(app, &s.bob, room, id, "\u{2764}").await;
    assert_eq!(bare.status, 201, "{bare:?}");
    assert_eq!(
        bare.body["reactions"],
        json!([{"emoji": "\u{2764}\u{fe0f}", "count": 1, "me": true}])
    );
    // The same reaction in the other spelling.
    assert_eq!(
        react(app, &s.bob, room, id, "\u{2764}\u{fe0f}")
            .await
            .status,
        200
    );
    let alices = react(app, &s.alice, room, id, "\u{2764}\u{fe0f}").await;
    assert_eq!(alices.status, 201, "{alices:?}");
    assert_eq!(
        alices.body["reactions"],
        json!([{"emoji": "\u{2764}\u{fe0f}", "count": 2, "me": true}])
    );
    // Either spelling removes it.
    assert_eq!(
        unreact(app, &s.bob, room, id, "\u{2764}\u{fe0f}")
            .await
            .status,
        204
    );
    assert_eq!(
        unreact(app, &s.alice, room, id, "\u{2764}").await.status,
        204
    );
    assert_eq!(reactions_seen_by(app, &s.bob, room, id).await, json!([]));

    for emoji in ["👍", "👍🏽", "👍🏿"] {
        assert_eq!(
            react(app, &s.bob, room, id, emoji).await.status,
            201,
            "{emoji}"
        );
    }
    assert_eq!(
        reactions_seen_by(app, &s.alice, room, id).await,
        json!([
            {"emoji": "👍", "count": 1, "me": false},
            {"emoji": "👍🏽", "count": 1, "me": false},
            {"emoji": "👍🏿", "count": 1, "me": false},
        ])
    );
    assert_eq!(unreact(app, &s.bob, room, id, "👍🏽").await.status, 204);
    assert_eq!(
        reactions_seen_by(app, &s.bob, room, id).await,
        json!([
            {"emoji": "👍", "count": 1, "me": true},
            {"emoji": "👍🏿", "count": 1, "me": true},
        ])
    );
    // A family (a ZWJ sequence) is one emoji.
    assert_eq!(react(app, &s.bob, room, id, "👨‍👩‍👧").await.status, 201);
}

#[tokio::test]
async fn anything_but_one_emoji_is_refused() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    let long = "x".repeat(100);
    for (emoji, echo) in [
        ("a", "a".to_owned()),
        ("", String::new()),
        (":+1:", ":+1:".to_owned()),
        ("👍👍", "👍👍".to_owned()),
        (" 👍", " 👍".to_owned()),
        (long.as_str(), format!("{}…", "x".repeat(20))),
    ] {
        react(app, &s.bob, room, id, emoji)
            .await
            .expect(400, invalid_emoji(&echo));
    }
    let url = reactions_url(room, id);
    let send = |body: Value| app.post(&url, Some(&s.bob.access), body);
    send(json!({}))
        .await
        .expect(400, json!({"emoji": ["This field is required."]}));
    send(json!({"emoji": null}))
        .await
        .expect(400, json!({"emoji": ["This field may not be null."]}));
    for value in [json!(1), json!(true), json!(["👍"])] {
        send(json!({ "emoji": value }))
            .await
            .expect(400, json!({"emoji": ["Not a valid string."]}));
    }
    assert_eq!(reactions_seen_by(app, &s.bob, room, id).await, json!([]));
}

#[tokio::test]
async fn removing_takes_only_the_callers_own_reaction() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    assert_eq!(react(app, &s.bob, room, id, "👍").await.status, 201);
    // Alice has no 👍 of her own, though bob has.
    unreact(app, &s.alice, room, id, "👍")
        .await
        .expect(404, detail(NOT_FOUND));
    assert_eq!(
        reactions_seen_by(app, &s.alice, room, id).await,
        json!([{"emoji": "👍", "count": 1, "me": false}])
    );
    // Nobody has 🎉; "a" is no emoji.
    unreact(app, &s.bob, room, id, "🎉")
        .await
        .expect(404, detail(NOT_FOUND));
    unreact(app, &s.bob, room, id, "a")
        .await
        .expect(404, detail(NOT_FOUND));

    let removed = unreact(app, &s.bob, room, id, "👍").await;
    assert_eq!((removed.status, &removed.body), (204, &Value::Null));
    unreact(app, &s.bob, room, id, "👍")
        .await
        .expect(404, detail(NOT_FOUND));
    assert_eq!(reactions_seen_by(app, &s.alice, room, id).await, json!([]));
    // The path without its trailing slash is served too.
    assert_eq!(react(app, &s.bob, room, id, "👍").await.status, 201);
    let unslashed = reaction_url(room, id, "👍");
    let unslashed = unslashed.trim_end_matches('/');
    assert_eq!(app.delete(unslashed, Some(&s.bob.access)).await.status, 204);
}

#[tokio::test]
async fn the_room_hears_reactions_come_and_go() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    let mut alices = connect(app, &room_ws(room), &s.alice.access).await;
    let mut bobs_all = connect(app, ALL_ROOMS_WS, &s.bob.access).await;
    let event = |kind: &str, user: &User, emoji: &str, count: i64| {
        json!({
            "type": kind,
            "chat_room": room,
            "message_id": id,
            "emoji": emoji,
            "user_id": user.id,
            "username": user.username,
            "count": count,
        })
    };

    // A socket hears only what is stored after it opened: the message sent before is not
    // news to it.
    assert_eq!(react(app, &s.bob, room, id, "👍").await.status, 201);
    let added = event("reaction.added", &s.bob, "👍", 1);
    let mut positions = vec![expect_stored(&mut alices, &added).await];
    assert_eq!(expect_stored(&mut bobs_all, &added).await, positions[0]);

    // Nothing changes, nothing is said: a repeat, a refusal, a removal of nothing.
    assert_eq!(react(app, &s.bob, room, id, "👍").await.status, 200);
    assert_eq!(react(app, &s.bob, room, id, "a").await.status, 400);
    assert_eq!(unreact(app, &s.alice, room, id, "👍").await.status, 404);
    assert_silent(&mut alices).await;
    assert_silent(&mut bobs_all).await;

    // The bare heart is announced in its one spelling.
    assert_eq!(react(app, &s.alice, room, id, "\u{2764}").await.status, 201);
    let heart = event("reaction.added", &s.alice, "\u{2764}\u{fe0f}", 1);
    let mut hear = async |expected: Value| {
        let at = expect_stored(&mut alices, &expected).await;
        assert_eq!(expect_stored(&mut bobs_all, &expected).await, at);
        positions.push(at);
    };
    hear(heart).await;
    assert_eq!(react(app, &s.alice, room, id, "👍").await.status, 201);
    hear(event("reaction.added", &s.alice, "👍", 2)).await;

    assert_eq!(unreact(app, &s.bob, room, id, "👍").await.status, 204);
    hear(event("reaction.removed", &s.bob, "👍", 1)).await;
    assert_eq!(unreact(app, &s.alice, room, id, "👍").await.status, 204);
    hear(event("reaction.removed", &s.alice, "👍", 0)).await;
    assert_growing(&positions);
}

#[tokio::test]
async fn message_events_carry_reactions_without_anyones_me() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    let mut bobs = connect(app, &room_ws(room), &s.bob.access).await;
    assert_eq!(react(app, &s.alice, room, id, "👍").await.status, 201);
    assert_eq!(next_event(&mut bobs).await["type"], "reaction.added");

    let edited = app
        .patch(
            &message_url(room, id),
            Some(&s.alice.access),
            json!({"content": "edited"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    assert_eq!(
        edited.body["reactions"],
        json!([{"emoji": "👍", "count": 1, "me": true}]),
        "the editor's own answer has her `me`"
    );
    let event = next_event(&mut bobs).await;
    assert_eq!(event["type"], "message.updated");
    assert_eq!(
        event["message"]["reactions"],
        json!([{"emoji": "👍", "count": 1, "me": false}])
    );
    let mut message = edited.body.clone();
    message["reactions"][0]["me"] = json!(false);
    assert_eq!(event["message"], message, "otherwise the same message");

    // A new message has none.
    let fresh = app.message(&s.bob, room, "fresh").await;
    let created = expect_created(&mut bobs, fresh).await;
    assert_eq!(created["message"]["reactions"], json!([]));
}

#[tokio::test]
async fn reactions_go_with_their_message() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    assert_eq!(react(app, &s.bob, room, id, "👍").await.status, 201);
    assert_eq!(react(app, &s.alice, room, id, "🎉").await.status, 201);
    let kept = app.message(&s.bob, room, "kept").await;
    assert_eq!(react(app, &s.alice, room, kept, "👍").await.status, 201);

    let deleted = app
        .delete(&message_url(room, id), Some(&s.alice.access))
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    react(app, &s.bob, room, id, "👍")
        .await
        .expect(404, detail(NOT_FOUND));
    unreact(app, &s.bob, room, id, "👍")
        .await
        .expect(404, detail(NOT_FOUND));
    // None of them is left in the database.
    assert_eq!(
        app.data
            .execute("DELETE FROM message_reactions WHERE message_id = $1", id)
            .await,
        0
    );
    assert_eq!(
        reactions_seen_by(app, &s.bob, room, kept).await,
        json!([{"emoji": "👍", "count": 1, "me": false}])
    );
}

#[tokio::test]
async fn reactions_go_with_their_room() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    assert_eq!(react(app, &s.bob, room, id, "👍").await.status, 201);
    let deleted = app
        .delete(&format!("/api/chat/rooms/{room}/"), Some(&s.alice.access))
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert_eq!(
        app.data
            .execute("DELETE FROM message_reactions WHERE message_id = $1", id)
            .await,
        0
    );
}

#[tokio::test]
async fn simultaneous_identical_reactions_count_once() {
    let Some((s, message)) = scene().await else {
        return;
    };
    let (app, room, id) = (&s.app, s.room, message);
    let mut alices = connect(app, &room_ws(room), &s.alice.access).await;
    let attempts = (0..6).map(|_| react(app, &s.bob, room, id, "👍"));
    let replies = futures::future::join_all(attempts).await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 201], "{replies:?}");
    for reply in &replies {
        assert_eq!(
            reply.body["reactions"],
            json!([{"emoji": "👍", "count": 1, "me": true}])
        );
    }
    // Announced once.
    expect_stored(
        &mut alices,
        &json!({
            "type": "reaction.added", "chat_room": room, "message_id": id, "emoji": "👍",
            "user_id": s.bob.id, "username": "bob", "count": 1,
        }),
    )
    .await;
    assert_silent(&mut alices).await;
}

#[tokio::test]
async fn reacting_while_the_message_is_deleted_is_never_an_error_of_the_server() {
    let Some((s, _)) = scene().await else { return };
    let (app, room) = (&s.app, s.room);
    for round in 0..5 {
        let id = app.message(&s.alice, room, &format!("round {round}")).await;
        let emoji = ["👍", "🎉", "😂", "🔥", "👀"];
        let reacting = futures::future::join_all(emoji.iter().flat_map(|e| {
            [
                react(app, &s.bob, room, id, e),
                react(app, &s.alice, room, id, e),
            ]
        }));
        let url = message_url(room, id);
        let deleting = app.delete(&url, Some(&s.alice.access));
        let (reacted, deleted) = tokio::join!(reacting, deleting);
        assert_eq!(deleted.status, 204, "{deleted:?}");
        for reply in reacted {
            assert!(
                matches!(reply.status, 201 | 404),
                "round {round}: {reply:?}"
            );
        }
        assert_eq!(
            app.data
                .execute("DELETE FROM message_reactions WHERE message_id = $1", id)
                .await,
            0,
            "no reaction outlives its message"
        );
    }
}
