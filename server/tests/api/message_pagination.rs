//! Cursor pagination of messages: complete walks both ways, `after=` gap-fill, and cursors
//! that were tampered with or belong elsewhere.

use serde_json::{Value, json};

use crate::helpers::*;

fn ids(messages: &[Value]) -> Vec<i64> {
    messages.iter().map(|m| m["id"].as_i64().unwrap()).collect()
}

/// A room with `n` messages from alice; returns (app, alice, room, ids oldest first).
async fn history(n: usize) -> Option<(TestApp, User, i64, Vec<i64>)> {
    let app = spawn_app().await?;
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let mut sent = Vec::new();
    for i in 0..n {
        sent.push(app.message(&alice, room, &format!("message {i}")).await);
    }
    Some((app, alice, room, sent))
}

#[tokio::test]
async fn next_walks_every_message_once_newest_first_and_previous_walks_back() {
    let Some((app, alice, room, sent)) = history(23).await else {
        return;
    };
    let first = format!("/api/chat/rooms/{room}/messages/?page_size=5");
    let page = app.get(&first, Some(&alice.access)).await;
    assert_eq!(
        page.body.as_object().unwrap().len(),
        3,
        "{{next, previous, results}}"
    );
    assert_eq!(page.body["previous"], Value::Null);
    let next = page.body["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/api/chat/rooms/{room}/messages/?", app.base)),
        "{next}"
    );
    assert!(next.contains("page_size=5"));

    let (walked, pages) = walk(&app, &alice.access, &first, "next").await;
    let newest_first: Vec<i64> = sent.iter().rev().copied().collect();
    assert_eq!(ids(&walked), newest_first);
    assert_eq!(pages, 5);

    // From the last page, `previous` leads back through every earlier page.
    let mut last = app.get(&first, Some(&alice.access)).await;
    while let Some(next) = last.body["next"].as_str().map(str::to_owned) {
        last = app.get(&next, Some(&alice.access)).await;
    }
    assert_eq!(
        ids(last.body["results"].as_array().unwrap()),
        sent[..3].iter().rev().copied().collect::<Vec<_>>()
    );
    let previous = last.body["previous"].as_str().unwrap();
    let (back, _) = walk(&app, &alice.access, previous, "previous").await;
    let mut back_ids = ids(&back);
    back_ids.sort_unstable();
    assert_eq!(back_ids, sent[3..], "every newer message, once");
}

#[tokio::test]
async fn page_size_defaults_to_50_and_is_capped_at_100() {
    let Some((app, alice, room, _)) = history(120).await else {
        return;
    };
    let url = |q: &str| format!("/api/chat/rooms/{room}/messages/{q}");
    let count = |reply: &Reply| reply.body["results"].as_array().unwrap().len();
    assert_eq!(count(&app.get(&url(""), Some(&alice.access)).await), 50);
    assert_eq!(
        count(&app.get(&url("?page_size=1000"), Some(&alice.access)).await),
        100
    );
    assert_eq!(
        count(&app.get(&url("?page_size=0"), Some(&alice.access)).await),
        50
    );
    app.get(&url("?page_size=abc"), Some(&alice.access))
        .await
        .expect(400, json!({"page_size": ["A valid integer is required."]}));
}

#[tokio::test]
async fn after_returns_newer_messages_oldest_first_with_the_same_envelope() {
    let Some((app, alice, room, sent)) = history(12).await else {
        return;
    };
    let first = format!(
        "/api/chat/rooms/{room}/messages/?after={}&page_size=4",
        sent[2]
    );
    let page = app.get(&first, Some(&alice.access)).await;
    assert_eq!(page.body["previous"], Value::Null);
    assert_eq!(ids(page.body["results"].as_array().unwrap()), sent[3..7]);
    let (walked, _) = walk(&app, &alice.access, &first, "next").await;
    assert_eq!(ids(&walked), sent[3..]);

    let newest = sent[11];
    let caught_up = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/?after={newest}"),
            Some(&alice.access),
        )
        .await;
    caught_up.expect(200, json!({"next": null, "previous": null, "results": []}));
}

#[tokio::test]
async fn cursors_do_not_expose_ids_and_tampered_or_foreign_ones_are_404() {
    let Some((app, alice, room, _)) = history(6).await else {
        return;
    };
    let other = app.room(&alice, "GROUP", &[]).await;
    app.message(&alice, other, "elsewhere").await;
    let page = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/?page_size=2"),
            Some(&alice.access),
        )
        .await;
    let next = page.body["next"].as_str().unwrap().to_owned();
    let cursor = next
        .split("cursor=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    // Sealed with a fresh nonce each time: the same position never reads the same.
    let again = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/?page_size=2"),
            Some(&alice.access),
        )
        .await;
    assert_ne!(
        again.body["next"].as_str().unwrap(),
        next,
        "cursors are opaque"
    );

    let invalid = detail("Invalid cursor");
    let mut tampered = cursor.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [
        tampered.as_str(),
        "cD0yMDIzLTEwLTAxKzEyJTNBMTU%3D",
        "garbage",
        "0",
    ] {
        app.get(
            &format!("/api/chat/rooms/{room}/messages/?cursor={bad}"),
            Some(&alice.access),
        )
        .await
        .expect(404, invalid.clone());
    }
    // A cursor of one room is not valid in another.
    app.get(
        &format!("/api/chat/rooms/{other}/messages/?cursor={cursor}"),
        Some(&alice.access),
    )
    .await
    .expect(404, invalid.clone());
    // Nor across listing orders.
    app.get(
        &format!("/api/chat/rooms/{room}/messages/?after=1&cursor={cursor}"),
        Some(&alice.access),
    )
    .await
    .expect(404, invalid);
}

#[tokio::test]
async fn after_must_be_an_integer() {
    let Some((app, alice, room, _)) = history(1).await else {
        return;
    };
    app.get(
        &format!("/api/chat/rooms/{room}/messages/?after=abc"),
        Some(&alice.access),
    )
    .await
    .expect(400, json!({"after": ["A valid integer is required."]}));
}

#[tokio::test]
async fn messages_are_only_those_of_the_room() {
    let Some((app, alice, room, sent)) = history(3).await else {
        return;
    };
    let other = app.room(&alice, "GROUP", &[]).await;
    app.message(&alice, other, "elsewhere").await;
    let page = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(
        ids(page.body["results"].as_array().unwrap()),
        sent.iter().rev().copied().collect::<Vec<_>>()
    );
}
