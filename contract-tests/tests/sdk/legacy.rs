//! Seed 000's flat routes (tag `legacy`) through the SDK: its envelopes as typed successes, and
//! its `{"error", "status"}` bodies as typed `LegacyError`s. The SDK sends JSON bodies.

use std::collections::BTreeSet;

use chat_sdk::{Client, types};

use super::{FORBIDDEN, LegacyResult, api_error, group, ok, start, user};

const NO_SUCH_ID: i64 = 999_999;

#[tokio::test]
async fn legacy_rooms() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (carol, carol_client) = user(&server, "carol").await;

    // legacy_rooms_create: the pair's ONE_TO_ONE room, the same one either way round.
    let created = ok(create_pair(&alice_client, alice.id, bob.id).await, 200);
    assert_eq!(created.message, "Chat room created successfully.");
    assert_eq!(created.chat_room.room_type, types::RoomType::OneToOne);
    let pair = created.chat_room;
    assert_eq!(
        ok(create_pair(&bob_client, bob.id, alice.id).await, 200)
            .chat_room
            .id,
        pair.id
    );
    // A pair the caller is not in: the typed LegacyError, its status repeated in the body.
    let (status, body) = api_error(create_pair(&carol_client, alice.id, bob.id).await);
    assert_eq!((status, body.status), (403, 403));
    assert_eq!(body.error, FORBIDDEN);
    let (status, body) = api_error(create_pair(&alice_client, alice.id, NO_SUCH_ID).await);
    assert_eq!((status, body.status), (400, 400));
    assert_eq!(
        body.error,
        "participant2: Invalid pk \"999999\" - object does not exist."
    );

    // legacy_rooms_list: the caller's rooms; with `participant`, those shared with that user.
    let room = group(&alice_client, "Old school", vec![bob.id]).await;
    let listed = ok(alice_client.legacy_rooms_list().send().await, 200);
    assert_eq!(listed.message, "Chat rooms retrieved successfully.");
    assert_eq!(
        listed
            .chat_rooms
            .iter()
            .map(|r| r.id)
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([pair.id, room.id])
    );
    let shared = alice_client.legacy_rooms_list().participant(carol.id);
    assert!(ok(shared.send().await, 200).chat_rooms.is_empty());
    let anonymous = Client::anonymous(&server.base);
    let (status, body) = api_error(anonymous.legacy_rooms_list().send().await);
    assert_eq!((status, body.status), (401, 401));
    assert_eq!(body.error, "Authentication credentials were not provided.");

    // legacy_rooms_update: the creator swaps bob for carol; bob is then an outsider (403).
    let updated = ok(
        update(&alice_client, room.id, [alice.id, carol.id]).await,
        200,
    );
    assert_eq!(updated.message, "Chat room updated successfully.");
    assert_eq!(
        updated
            .chat_room
            .participants
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([alice.id, carol.id])
    );
    let (status, body) = api_error(update(&bob_client, room.id, [alice.id, bob.id]).await);
    assert_eq!((status, body.status), (403, 403));
    assert_eq!(body.error, FORBIDDEN);
    let (status, body) = api_error(update(&alice_client, pair.id, [alice.id, carol.id]).await);
    assert_eq!((status, body.status), (400, 400));
    assert_eq!(
        body.error,
        "participants: A ONE_TO_ONE room keeps its two participants."
    );
    let (status, body) = api_error(update(&alice_client, NO_SUCH_ID, [alice.id, bob.id]).await);
    assert_eq!((status, body.status), (404, 404));
    assert_eq!(body.error, "Not found.");

    // legacy_rooms_destroy: the creator of a GROUP room, either member of a ONE_TO_ONE one.
    let (status, body) = api_error(carol_client.legacy_rooms_destroy().id(room.id).send().await);
    assert_eq!((status, body.status), (403, 403));
    assert_eq!(body.error, FORBIDDEN);
    let done = ok(
        alice_client.legacy_rooms_destroy().id(room.id).send().await,
        200,
    );
    assert_eq!(done.message, "Chat room deleted successfully.");
    ok(
        bob_client.legacy_rooms_destroy().id(pair.id).send().await,
        200,
    );
    let (status, _) = api_error(alice_client.legacy_rooms_destroy().id(pair.id).send().await);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn legacy_messages() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (_, carol_client) = user(&server, "carol").await;
    let room = group(&alice_client, "Old talk", vec![bob.id]).await;

    // legacy_messages_create: 200 with seed 000's envelope; outsiders 403, no room 404.
    let first = ok(send(&alice_client, room.id, "Hello from 2019").await, 200);
    assert_eq!(first.detail, "Message sent successfully.");
    assert_eq!(first.message.sender_id, alice.id);
    assert_eq!(first.message.chat_room, room.id);
    let first = first.message;
    let reply = ok(send(&bob_client, room.id, "Hi Alice").await, 200).message;
    let (status, body) = api_error(send(&carol_client, room.id, "Let me in").await);
    assert_eq!((status, body.status), (403, 403));
    assert_eq!(body.error, FORBIDDEN);
    let (status, body) = api_error(send(&alice_client, NO_SUCH_ID, "Anyone?").await);
    assert_eq!((status, body.status), (404, 404));
    assert_eq!(body.error, "Not found.");

    // legacy_messages_list: oldest first, `limit` and `offset`.
    let list = || alice_client.legacy_messages_list().chat_room(room.id);
    let listed = ok(list().send().await, 200);
    assert_eq!(listed.detail, "Messages retrieved successfully.");
    assert_eq!(
        listed.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        [first.id, reply.id]
    );
    let second = ok(list().limit(1).offset(1).send().await, 200);
    assert_eq!(
        second.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        [reply.id]
    );
    let outsider = carol_client.legacy_messages_list().chat_room(room.id);
    let (status, body) = api_error(outsider.send().await);
    assert_eq!((status, body.status), (403, 403));

    // legacy_messages_update: the author only; `chat_room`, if sent, is the message's room.
    let edited = ok(edit(&alice_client, first.id, room.id).await, 200);
    assert_eq!(edited.detail, "Message updated successfully.");
    assert_eq!(edited.message.content, "Hello, edited");
    assert!(edited.message.updated_at.is_some());
    let (status, body) = api_error(edit(&bob_client, first.id, room.id).await);
    assert_eq!((status, body.status), (403, 403));
    assert_eq!(body.error, FORBIDDEN);
    let (status, body) = api_error(edit(&alice_client, first.id, NO_SUCH_ID).await);
    assert_eq!((status, body.status), (400, 400));
    assert_eq!(body.error, "chat_room: Must be the message's room.");

    // legacy_messages_destroy: the author only; then it is gone.
    let (status, body) = api_error(destroy(&bob_client, first.id).await);
    assert_eq!((status, body.status), (403, 403));
    let done = ok(destroy(&alice_client, first.id).await, 200);
    assert_eq!(done.detail, "Message deleted successfully.");
    let (status, body) = api_error(destroy(&alice_client, first.id).await);
    assert_eq!((status, body.status), (404, 404));
    assert_eq!(body.error, "Not found.");
}

async fn create_pair(
    client: &Client,
    participant1: i64,
    participant2: i64,
) -> LegacyResult<types::LegacyRoomReply> {
    client
        .legacy_rooms_create()
        .body_map(|b| b.participant1(participant1).participant2(participant2))
        .send()
        .await
}

async fn send(
    client: &Client,
    chat_room: i64,
    content: &str,
) -> LegacyResult<types::LegacyMessageReply> {
    client
        .legacy_messages_create()
        .body_map(|b| b.chat_room(chat_room).content(content))
        .send()
        .await
}

async fn update(
    client: &Client,
    id: i64,
    [participant1, participant2]: [i64; 2],
) -> LegacyResult<types::LegacyRoomReply> {
    client
        .legacy_rooms_update()
        .id(id)
        .body_map(|b| b.participant1(participant1).participant2(participant2))
        .send()
        .await
}

async fn edit(client: &Client, id: i64, chat_room: i64) -> LegacyResult<types::LegacyMessageReply> {
    client
        .legacy_messages_update()
        .id(id)
        .body_map(|b| b.content("Hello, edited").chat_room(chat_room))
        .send()
        .await
}

async fn destroy(client: &Client, id: i64) -> LegacyResult<types::LegacyDone> {
    client.legacy_messages_destroy().id(id).send().await
}
