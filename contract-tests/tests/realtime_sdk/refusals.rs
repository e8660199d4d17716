//! When the caller may not listen: a typed error, then the end of the stream.

use chat_sdk::realtime::{Event, RealtimeError, Target};
use chat_sdk::{Client, Error};
use contract_tests::Server;

use super::proxy::Proxy;
use super::{
    FORBIDDEN, assert_ended, group, next_event, next_item, quick, remove_everyone, say, user,
};

#[tokio::test]
async fn a_refused_handshake_is_a_typed_error() {
    let server = Server::start();
    let (_, alice_client) = user(&server.base, "alice").await;
    let (_, carol_client) = user(&server.base, "carol").await;
    let room = group(&alice_client, vec![]).await;

    let refused = carol_client.realtime_room(room).await.map(|_| ());
    let Err(RealtimeError::Handshake(Error::ErrorResponse(response))) = refused else {
        panic!("expected a typed 403, got {refused:?}");
    };
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(response.detail.as_deref(), Some(FORBIDDEN));

    let anonymous = Client::anonymous(&server.base).realtime_all().await;
    assert_eq!(
        anonymous.map(|_| ()).err().and_then(|e| e.status()),
        Some(401)
    );
}

#[tokio::test]
async fn a_handshake_refused_on_reconnection_ends_the_stream() {
    let server = Server::start();
    let proxy = Proxy::start(&server.base).await;
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&proxy.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;
    let mut bobs = bob_client
        .realtime(Target::Room(room), quick())
        .await
        .expect("subscribed");

    // The connection drops and cannot come back yet; meanwhile Bob is removed.
    proxy.refuse(true);
    proxy.cut().await;
    remove_everyone(&alice_client, room, alice.id).await;
    proxy.refuse(false);

    let last = next_item(&mut bobs).await;
    let Err(RealtimeError::Handshake(Error::ErrorResponse(response))) = last else {
        panic!("expected the reconnection's 403, got {last:?}");
    };
    assert_eq!(response.status().as_u16(), 403);
    assert_ended(&mut bobs).await;
}

#[tokio::test]
async fn leaving_or_losing_the_room_ends_the_stream() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;

    let left = group(&alice_client, vec![bob.id]).await;
    let mut bobs_left = bob_client.realtime_room(left).await.expect("subscribed");
    let mut bobs_all = bob_client.realtime_all().await.expect("subscribed");
    remove_everyone(&alice_client, left, alice.id).await;
    match next_item(&mut bobs_left).await {
        Err(RealtimeError::Closed { code, reason }) => {
            assert_eq!((code, reason.as_str()), (1008, "not a participant"))
        }
        other => panic!("expected the 1008 close, got {other:?}"),
    }
    assert_ended(&mut bobs_left).await;

    let deleted = group(&alice_client, vec![bob.id]).await;
    let mut bobs_deleted = bob_client.realtime_room(deleted).await.expect("subscribed");
    let gone = alice_client.rooms_destroy().id(deleted).send().await;
    assert!(gone.is_ok(), "{gone:?}");
    match next_item(&mut bobs_deleted).await {
        Err(RealtimeError::Closed { code, reason }) => {
            assert_eq!((code, reason.as_str()), (1000, "room deleted"))
        }
        other => panic!("expected the 1000 close, got {other:?}"),
    }
    assert_ended(&mut bobs_deleted).await;

    // The every-room subscription just stops hearing those rooms and goes on.
    let kept = group(&alice_client, vec![bob.id]).await;
    let sent = say(&alice_client, kept, "Still here").await;
    match next_event(&mut bobs_all).await {
        Event::MessageCreated(message) => assert_eq!(message.id, sent.id),
        other => panic!("expected message.created, got {other:?}"),
    }
}
