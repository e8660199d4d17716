//! When the caller may not listen: a typed error, then the end of the stream.

use chat_sdk::realtime::{Departure, Event, RealtimeError, Subscription, Target};
use chat_sdk::{Client, Error};
use contract_tests::Server;

use super::proxy::Proxy;
use super::{
    FORBIDDEN, assert_ended, group, live, next_event, next_item, next_outcome, quick,
    remove_everyone, say, user,
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

/// The room's subscription ends with the close that says why (whether the event before it,
/// `member.removed` or `room.deleted`, reached it is `a_room_subscription_hears_why_it_ends`);
/// the every-room subscription hears the events and goes on.
#[tokio::test]
async fn leaving_or_losing_the_room_ends_the_stream() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;

    let left = group(&alice_client, vec![bob.id]).await;
    let mut bobs_left = bob_client.realtime_room(left).await.expect("subscribed");
    let mut bobs_all = bob_client.realtime_all().await.expect("subscribed");
    live(&mut bobs_left).await;
    remove_everyone(&alice_client, left, alice.id).await;
    let (_, end) = ending(&mut bobs_left).await;
    assert_eq!(end, (1008, "not a participant".to_owned()));

    let deleted = group(&alice_client, vec![bob.id]).await;
    let mut bobs_deleted = bob_client.realtime_room(deleted).await.expect("subscribed");
    live(&mut bobs_deleted).await;
    let gone = alice_client.rooms_destroy().id(deleted).send().await;
    assert!(gone.is_ok(), "{gone:?}");
    let (_, end) = ending(&mut bobs_deleted).await;
    assert_eq!(end, (1000, "room deleted".to_owned()));

    // The every-room subscription heard all of it, follows the rooms Bob is in, and goes on.
    let kept = group(&alice_client, vec![bob.id]).await;
    let sent = say(&alice_client, kept, "Still here").await;
    match next_event(&mut bobs_all).await {
        Event::MemberRemoved {
            chat_room,
            user_id,
            by,
            reason,
            ..
        } => {
            assert_eq!((chat_room, user_id, by), (left, bob.id, alice.id));
            assert_eq!(reason, Departure::Removed);
        }
        other => panic!("expected member.removed, got {other:?}"),
    }
    for expected in [deleted, kept] {
        match next_event(&mut bobs_all).await {
            Event::RoomCreated { room, .. } => {
                assert_eq!(room.id, expected);
                assert!(room.participants.contains(&bob.id));
                assert!(room.messages.is_empty());
            }
            other => panic!("expected room.created, got {other:?}"),
        }
        if expected == deleted {
            assert!(matches!(
                next_event(&mut bobs_all).await,
                Event::RoomDeleted { chat_room, .. } if chat_room == deleted
            ));
        }
    }
    match next_event(&mut bobs_all).await {
        Event::MessageCreated { message, .. } => assert_eq!(message.id, sent.id),
        other => panic!("expected message.created, got {other:?}"),
    }
}

/// Before a room's subscription ends, it yields the event that ends it: the caller's
/// `member.removed` before the 1008 close, `room.deleted` before the 1000 close. Several
/// rounds, as the server sends the event and the close from one moment.
#[tokio::test]
async fn a_room_subscription_hears_why_it_ends() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;
    for round in 0..5 {
        let left = group(&alice_client, vec![bob.id]).await;
        let mut bobs = bob_client.realtime_room(left).await.expect("subscribed");
        live(&mut bobs).await;
        remove_everyone(&alice_client, left, alice.id).await;
        let (events, (code, _)) = ending(&mut bobs).await;
        match (events.as_slice(), code) {
            (
                [
                    Event::MemberRemoved {
                        chat_room,
                        user_id,
                        reason: Departure::Removed,
                        ..
                    },
                ],
                1008,
            ) if (*chat_room, *user_id) == (left, bob.id) => {}
            other => panic!("round {round}: expected member.removed, then 1008: {other:?}"),
        }

        let deleted = group(&alice_client, vec![bob.id]).await;
        let mut bobs = bob_client.realtime_room(deleted).await.expect("subscribed");
        live(&mut bobs).await;
        let gone = alice_client.rooms_destroy().id(deleted).send().await;
        assert!(gone.is_ok(), "{gone:?}");
        let (events, (code, _)) = ending(&mut bobs).await;
        match (events.as_slice(), code) {
            ([Event::RoomDeleted { chat_room, .. }], 1000) if *chat_room == deleted => {}
            other => panic!("round {round}: expected room.deleted, then 1000: {other:?}"),
        }
    }
}

/// The events until the subscription's final close, and that close's code and reason; the
/// stream ends after it.
async fn ending(subscription: &mut Subscription) -> (Vec<Event>, (u16, String)) {
    let mut events = Vec::new();
    loop {
        match next_outcome(subscription).await {
            Ok(event) => events.push(event),
            Err(RealtimeError::Closed { code, reason }) => {
                assert_ended(subscription).await;
                return (events, (code, reason));
            }
            Err(other) => panic!("expected a close, got {other:?} after {events:?}"),
        }
    }
}
