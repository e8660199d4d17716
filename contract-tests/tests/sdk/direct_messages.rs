//! Seed 002's `/{chat_room_id}/messages/` (tag `direct-messages`) through the SDK: the main
//! API's `Message` and `ApiError` types.

use chat_sdk::{Client, types};

use super::{ApiResult, FORBIDDEN, api_error, group, ok, start, user};

#[tokio::test]
async fn direct_messages() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (_, carol_client) = user(&server, "carol").await;
    let room = group(&alice_client, "Seed 002", vec![bob.id]).await;

    // direct_messages_create: 201; `chat_room` and `sender` may name the room and the caller.
    let first = ok(send(&alice_client, room.id, None, None).await, 201);
    assert_eq!(first.sender_id, alice.id);
    assert_eq!(first.chat_room, room.id);
    let second = ok(
        send(&bob_client, room.id, Some(room.id), Some(bob.id)).await,
        201,
    );
    assert_eq!(second.sender_id, bob.id);
    let (status, body) = api_error(send(&alice_client, room.id, None, Some(bob.id)).await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    let (status, body) = api_error(send(&carol_client, room.id, None, None).await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    let (status, body) = api_error(send(&alice_client, room.id, Some(999_999), None).await);
    assert_eq!(status, 400);
    assert_eq!(body.extra["chat_room"], ["Must be the room of the URL."]);

    // direct_messages_list: oldest first, `limit` and `offset`; participants only.
    let list = || bob_client.direct_messages_list().chat_room_id(room.id);
    let all = ok(list().send().await, 200);
    assert_eq!(
        all.iter().map(|m| m.id).collect::<Vec<_>>(),
        [first.id, second.id]
    );
    let page = ok(list().limit(1).offset(1).send().await, 200);
    assert_eq!(page.iter().map(|m| m.id).collect::<Vec<_>>(), [second.id]);
    let outsider = carol_client.direct_messages_list().chat_room_id(room.id);
    let (status, body) = api_error(outsider.send().await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
}

async fn send(
    client: &Client,
    room: i64,
    chat_room: Option<i64>,
    sender: Option<i64>,
) -> ApiResult<types::Message> {
    client
        .direct_messages_create()
        .chat_room_id(room)
        .body_map(|b| b.content("Hello").chat_room(chat_room).sender(sender))
        .send()
        .await
}
