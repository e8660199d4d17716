//! The hand-written layer: page streams over every list operation.

use std::collections::BTreeSet;

use chat_sdk::types;
use futures::TryStreamExt;

use super::{FORBIDDEN, group, register, say, start, typed, unique, user};

#[tokio::test]
async fn the_room_stream_walks_every_page_in_order() {
    let Some(server) = start().await else { return };
    let (_, client) = user(&server, "alice").await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(group(&client, &format!("Room {i}"), vec![]).await.id);
    }

    let streamed: Vec<i64> = client
        .rooms_list()
        .page_size(10)
        .messages_limit(0)
        .into_stream()
        .map_ok(|room| room.id)
        .try_collect()
        .await
        .expect("every page");
    // Most recent activity first: the newest room leads.
    created.reverse();
    assert_eq!(streamed, created);

    // limit/offset paging is followed too, from wherever the request starts.
    let rest: Vec<i64> = client
        .rooms_list()
        .limit(7)
        .offset(5)
        .into_stream()
        .map_ok(|room| room.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(rest, created[5..]);
}

#[tokio::test]
async fn the_message_stream_walks_every_cursor_page_newest_first() {
    let Some(server) = start().await else { return };
    let (_, client) = user(&server, "alice").await;
    let room = group(&client, "Busy", vec![]).await;
    let mut sent = Vec::new();
    for i in 0..120 {
        sent.push(say(&client, room.id, &format!("Message {i}")).await.id);
    }

    let streamed: Vec<types::Message> = client
        .messages_list()
        .room_id(room.id)
        .page_size(50)
        .into_stream()
        .try_collect()
        .await
        .expect("every page");
    let ids: Vec<i64> = streamed.iter().map(|m| m.id).collect();
    let distinct: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "no duplicates");
    let mut newest_first = sent.clone();
    newest_first.reverse();
    assert_eq!(ids, newest_first);
    assert_eq!(streamed[0].content, "Message 119");

    // With `after`, the newer messages, oldest first, across pages as well.
    let caught_up: Vec<i64> = client
        .messages_list()
        .room_id(room.id)
        .after(sent[59])
        .page_size(25)
        .into_stream()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(caught_up, sent[60..]);
}

#[tokio::test]
async fn the_user_stream_walks_every_page() {
    let Some(server) = start().await else { return };
    let (_, client) = user(&server, "alice").await;
    let tag = unique("crowd");
    let mut registered = Vec::new();
    for i in 0..12 {
        registered.push(register(&server, &format!("u{i}-{tag}")).await.id);
    }

    let streamed: Vec<i64> = client
        .users_list()
        .search(tag.as_str())
        .page_size(5)
        .into_stream()
        .map_ok(|u| u.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(streamed, registered);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_typed_error() {
    let Some(server) = start().await else { return };
    let (_, client) = user(&server, "alice").await;
    let (_, other) = user(&server, "bob").await;
    let room = group(&other, "Private", vec![]).await;
    let result: Result<Vec<types::Message>, _> = client
        .messages_list()
        .room_id(room.id)
        .into_stream()
        .try_collect()
        .await;
    let (status, body) = typed(result.expect_err("an outsider is refused"));
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
}
