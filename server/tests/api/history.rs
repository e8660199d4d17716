//! `GET /api/chat/rooms/{room_id}/messages/{id}/history/`: every content a message has had,
//! whichever route edited it, gone with the message.

use serde_json::{Value, json};

use crate::helpers::*;

/// The group scene with alice's message in its room.
async fn scene() -> Option<(Scene, i64)> {
    let s = group_scene().await?;
    let draft = s.app.message(&s.alice, s.room, "first draft").await;
    Some((s, draft))
}

fn history(room: i64, id: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/{id}/history/")
}

fn message(room: i64, id: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/{id}/")
}

fn contents(page: &Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|v| v["content"].as_str().expect("content"))
        .collect()
}

#[tokio::test]
async fn an_unedited_message_has_one_version_written_when_it_was_sent() {
    let Some((s, draft)) = scene().await else {
        return;
    };
    let sent = s
        .app
        .get(&message(s.room, draft), Some(&s.bob.access))
        .await;
    let reply = s
        .app
        .get(&history(s.room, draft), Some(&s.bob.access))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["count"], 1);
    assert_eq!(
        reply.body["results"],
        json!([{"version": 1, "content": "first draft", "created_at": sent.body["created_at"]}])
    );
}

#[tokio::test]
async fn each_edit_keeps_the_content_it_replaced_oldest_first() {
    let Some((s, draft)) = scene().await else {
        return;
    };
    let sent = s
        .app
        .get(&message(s.room, draft), Some(&s.alice.access))
        .await;
    let first = s
        .app
        .put(
            &message(s.room, draft),
            Some(&s.alice.access),
            json!({"content": "second draft"}),
        )
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    let second = s
        .app
        .patch(
            &message(s.room, draft),
            Some(&s.alice.access),
            json!({"content": "final text"}),
        )
        .await;
    assert_eq!(second.status, 200, "{second:?}");

    let reply = s
        .app
        .get(&history(s.room, draft), Some(&s.bob.access))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["count"], 3);
    assert_eq!(reply.body["next"], Value::Null);
    assert_eq!(
        reply.body["results"],
        json!([
            {"version": 1, "content": "first draft", "created_at": sent.body["created_at"]},
            {"version": 2, "content": "second draft", "created_at": first.body["updated_at"]},
            {"version": 3, "content": "final text", "created_at": second.body["updated_at"]},
        ])
    );
}

#[tokio::test]
async fn edits_that_leave_the_content_unchanged_add_no_version() {
    let Some((s, draft)) = scene().await else {
        return;
    };
    let url = message(s.room, draft);
    let edit = s
        .app
        .put(&url, Some(&s.alice.access), json!({"content": "new words"}))
        .await;
    assert_eq!(edit.status, 200);
    // Same content (after trimming), then only `is_read`: updated_at moves, content does not.
    for body in [json!({"content": "  new words "}), json!({"is_read": true})] {
        let reply = s.app.patch(&url, Some(&s.alice.access), body).await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    let reply = s
        .app
        .get(&history(s.room, draft), Some(&s.alice.access))
        .await;
    assert_eq!(contents(&reply.body), ["first draft", "new words"]);
    assert_eq!(
        reply.body["results"][1]["created_at"], edit.body["updated_at"],
        "the current content dates from the edit that wrote it, not from the later ones"
    );
}

#[tokio::test]
async fn an_edit_through_the_legacy_route_is_recorded_too() {
    let Some((s, draft)) = scene().await else {
        return;
    };
    let reply = s
        .app
        .put(
            &format!("/messages/{}/", draft),
            Some(&s.alice.access),
            json!({"content": "edited the old way"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = s
        .app
        .get(&history(s.room, draft), Some(&s.bob.access))
        .await;
    assert_eq!(contents(&reply.body), ["first draft", "edited the old way"]);
}

#[tokio::test]
async fn a_deleted_message_takes_its_versions_with_it() {
    let Some((s, draft)) = scene().await else {
        return;
    };
    let url = message(s.room, draft);
    for content in ["secret one", "secret two"] {
        let reply = s
            .app
            .patch(&url, Some(&s.alice.access), json!({"content": content}))
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    // Rows touched: how many versions are stored.
    let count = "UPDATE message_versions SET content = content WHERE message_id = $1";
    assert_eq!(s.app.data.execute(count, draft).await, 2);

    let reply = s.app.delete(&url, Some(&s.alice.access)).await;
    assert_eq!(reply.status, 204, "{reply:?}");
    s.app
        .get(&history(s.room, draft), Some(&s.alice.access))
        .await
        .expect(404, detail(NOT_FOUND));
    assert_eq!(
        s.app.data.execute(count, draft).await,
        0,
        "versions cascade away"
    );
}

#[tokio::test]
async fn a_long_history_comes_in_pages() {
    let Some((s, draft)) = scene().await else {
        return;
    };
    let url = message(s.room, draft);
    for n in 2..=12 {
        let reply = s
            .app
            .patch(
                &url,
                Some(&s.alice.access),
                json!({"content": format!("draft {n}")}),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    let first = s
        .app
        .get(&history(s.room, draft), Some(&s.bob.access))
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["count"], 12);
    assert_eq!(first.body["total_pages"], 2);
    assert_eq!(first.body["results"].as_array().map(Vec::len), Some(10));
    assert_eq!(first.body["results"][0]["version"], 1);

    let (all, pages) = walk(&s.app, &s.bob.access, &history(s.room, draft), "next").await;
    assert_eq!(pages, 2);
    let versions: Vec<i64> = all
        .iter()
        .map(|v| v["version"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(versions, (1..=12).collect::<Vec<_>>());
    assert_eq!(all[0]["content"], "first draft");
    assert_eq!(
        all[11]["content"], "draft 12",
        "the current content comes last"
    );

    let small = s
        .app
        .get(
            &format!("{}?page=3&page_size=5", history(s.room, draft)),
            Some(&s.bob.access),
        )
        .await;
    assert_eq!(contents(&small.body), ["draft 11", "draft 12"]);
    assert_eq!(small.body["results"][0]["version"], 11);
    s.app
        .get(
            &format!("{}?page=4&page_size=5", history(s.room, draft)),
            Some(&s.bob.access),
        )
        .await
        .expect(404, detail("Invalid page."));
}
