//! Typed events as REST and sockets cause them, with the positions the writes answered, and
//! actions sent on the socket.

use chat_sdk::realtime::{Event, RealtimeError};
use contract_tests::Server;

use super::{echoed, group, next_event, say_at, user};

#[tokio::test]
async fn events_arrive_typed() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;
    let mut bobs_room = bob_client.realtime_room(room).await.expect("subscribed");
    let mut bobs_all = bob_client.realtime_all().await.expect("subscribed");

    let (sent, at) = say_at(&alice_client, room, "Hello, Bob").await;
    for subscription in [&mut bobs_room, &mut bobs_all] {
        match next_event(subscription).await {
            Event::MessageCreated {
                message,
                position: Some(position),
            } => {
                assert_eq!(position, at);
                assert_eq!(message.id, sent.id);
                assert_eq!(message.content, "Hello, Bob");
                assert_eq!((message.chat_room, message.sender_id), (room, alice.id));
            }
            other => panic!("expected message.created, got {other:?}"),
        }
    }

    let read = alice_client
        .messages_partial_update()
        .room_id(room)
        .id(sent.id)
        .body_map(|b| b.is_read(true))
        .send()
        .await
        .expect("marked read");
    let at = echoed(&read);
    for subscription in [&mut bobs_room, &mut bobs_all] {
        match next_event(subscription).await {
            Event::MessageUpdated { message, position } => {
                assert!(message.id == sent.id && message.is_read);
                assert_eq!(position, at);
            }
            other => panic!("expected message.updated, got {other:?}"),
        }
    }

    let deleted = alice_client
        .messages_destroy()
        .room_id(room)
        .id(sent.id)
        .send()
        .await
        .expect("deleted");
    let at = echoed(&deleted);
    for subscription in [&mut bobs_room, &mut bobs_all] {
        match next_event(subscription).await {
            Event::MessageDeleted {
                chat_room,
                message_id,
                position,
            } => assert_eq!((chat_room, message_id, position), (room, sent.id, at)),
            other => panic!("expected message.deleted, got {other:?}"),
        }
    }

    // Typing, from Alice's socket: Bob hears it with her name.
    let alices_room = alice_client.realtime_room(room).await.expect("subscribed");
    alices_room.typing().await.expect("sent");
    for subscription in [&mut bobs_room, &mut bobs_all] {
        // Ephemeral: no position.
        let typing = next_event(subscription).await;
        assert_eq!(typing.position(), None, "{typing:?}");
        match typing {
            Event::Typing {
                chat_room,
                user_id,
                username,
            } => {
                assert_eq!((chat_room, user_id), (room, alice.id));
                assert_eq!(username, alice.username);
            }
            other => panic!("expected typing, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn messages_and_typing_are_sent_on_the_socket() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;
    let mut alices = alice_client.realtime_room(room).await.expect("subscribed");
    let mut bobs = bob_client.realtime_all().await.expect("subscribed");

    // The sender's own message.created, carrying its client_id, is the acknowledgement.
    let client_id = uuid::Uuid::new_v4();
    alices
        .send_message("From a socket", Some(client_id))
        .await
        .expect("sent");
    let ack = match next_event(&mut alices).await {
        Event::MessageCreated {
            message,
            position: Some(_),
        } => message,
        other => panic!("expected the acknowledgement, got {other:?}"),
    };
    assert_eq!(ack.client_id, Some(client_id));
    assert_eq!(
        (ack.content.as_str(), ack.sender_id),
        ("From a socket", alice.id)
    );
    match next_event(&mut bobs).await {
        Event::MessageCreated { message, .. } => assert_eq!(message.id, ack.id),
        other => panic!("expected message.created, got {other:?}"),
    }
    // Sent again with its client_id: the stored message comes back to the sender alone, as
    // no new event (no position); Bob's next event below is the next message.
    alices
        .send_message("From a socket", Some(client_id))
        .await
        .expect("sent again");
    match next_event(&mut alices).await {
        Event::MessageCreated {
            message,
            position: None,
        } => assert_eq!(message.id, ack.id),
        other => panic!("expected the stored message again, got {other:?}"),
    }
    let stored = bob_client
        .messages_retrieve()
        .room_id(room)
        .id(ack.id)
        .send()
        .await
        .expect("stored like a POST")
        .into_inner();
    assert_eq!(stored.content, "From a socket");

    // Validation failures come back as typed error events; the socket stays.
    alices.send_message("   ", None).await.expect("sent");
    match next_event(&mut alices).await {
        Event::Error { code, errors, .. } => {
            assert_eq!(code, "invalid");
            let errors = errors.expect("field errors");
            assert_eq!(errors["message"], ["This field may not be blank."]);
        }
        other => panic!("expected an error event, got {other:?}"),
    }

    // The every-room socket must be told the room, and then works the same.
    assert!(matches!(
        bobs.send_message("Where to?", None).await,
        Err(RealtimeError::RoomRequired)
    ));
    assert!(matches!(
        bobs.typing().await,
        Err(RealtimeError::RoomRequired)
    ));
    bobs.typing_in(room).await.expect("sent");
    match next_event(&mut alices).await {
        Event::Typing { user_id, .. } => assert_eq!(user_id, bob.id),
        other => panic!("expected typing, got {other:?}"),
    }
    let sender = bobs.sender();
    let task = tokio::spawn(async move { sender.send_message_in(room, "Hi Alice", None).await });
    task.await.expect("joined").expect("sent");
    for subscription in [&mut alices, &mut bobs] {
        match next_event(subscription).await {
            Event::MessageCreated { message, .. } => {
                assert_eq!(
                    (message.content.as_str(), message.sender_id),
                    ("Hi Alice", bob.id)
                )
            }
            other => panic!("expected message.created, got {other:?}"),
        }
    }

    // Once the subscription is gone, its senders say so.
    let sender = alices.sender();
    drop(alices);
    assert!(matches!(sender.typing().await, Err(RealtimeError::Ended)));
}

/// Over the sender's message throttle (one a second here), a `new_message` comes back as a
/// typed `throttled` error event with DRF's text; the subscription stays, and a second later
/// the same socket sends again.
#[tokio::test]
async fn a_message_over_the_throttle_is_a_throttled_error_event() {
    let server = Server::start_with(&[("CHAT_MESSAGE_RATE", "1"), ("CHAT_MESSAGE_BURST", "1")]);
    let (alice, alice_client) = user(&server.base, "alice").await;
    let room = group(&alice_client, vec![]).await;
    let mut alices = alice_client.realtime_room(room).await.expect("subscribed");

    alices.send_message("First", None).await.expect("sent");
    match next_event(&mut alices).await {
        Event::MessageCreated { message, .. } => assert_eq!(message.sender_id, alice.id),
        other => panic!("expected the acknowledgement, got {other:?}"),
    }
    alices.send_message("Too soon", None).await.expect("sent");
    match next_event(&mut alices).await {
        Event::Error {
            code,
            detail,
            errors,
        } => {
            assert_eq!(code, "throttled");
            assert_eq!(
                detail,
                "Request was throttled. Expected available in 1 second."
            );
            assert_eq!(errors, None);
        }
        other => panic!("expected a throttled error event, got {other:?}"),
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    alices.send_message("In time", None).await.expect("sent");
    match next_event(&mut alices).await {
        Event::MessageCreated { message, .. } => assert_eq!(message.content, "In time"),
        other => panic!("expected the acknowledgement, got {other:?}"),
    }
}
