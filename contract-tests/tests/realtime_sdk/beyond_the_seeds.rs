//! The typed events beyond the seeds (`read`, `reaction.added`, `reaction.removed`,
//! `presence`, `invitation.created`) and replies sent on the socket.

use chat_sdk::realtime::{Event, Reaction};
use chat_sdk::types;
use contract_tests::Server;

use super::{group, next_event, next_item, say, user};

#[tokio::test]
async fn reads_and_reactions_arrive_typed() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;
    let mut alices_room = alice_client.realtime_room(room).await.expect("subscribed");
    let mut alices_all = alice_client.realtime_all().await.expect("subscribed");

    let sent = say(&alice_client, room, "Read me").await;
    for subscription in [&mut alices_room, &mut alices_all] {
        assert!(
            matches!(next_event(subscription).await, Event::MessageCreated(m) if m.id == sent.id)
        );
    }
    let marker = bob_client
        .rooms_read_create()
        .id(room)
        .body_map(|b| b.message_id(sent.id))
        .send()
        .await
        .expect("marked read")
        .into_inner();
    assert_eq!(marker.last_read_id, sent.id);
    for subscription in [&mut alices_room, &mut alices_all] {
        match next_event(subscription).await {
            Event::Read {
                chat_room,
                user_id,
                message_id,
            } => assert_eq!((chat_room, user_id, message_id), (room, bob.id, sent.id)),
            other => panic!("expected read, got {other:?}"),
        }
    }

    let reacted = bob_client
        .messages_reactions_create()
        .room_id(room)
        .id(sent.id)
        .body_map(|b| b.emoji("👍"))
        .send()
        .await;
    assert!(reacted.is_ok(), "{reacted:?}");
    let expected = |count| Reaction {
        chat_room: room,
        message_id: sent.id,
        emoji: "👍".to_owned(),
        user_id: bob.id,
        username: bob.username.clone(),
        count,
    };
    for subscription in [&mut alices_room, &mut alices_all] {
        match next_event(subscription).await {
            Event::ReactionAdded(reaction) => assert_eq!(reaction, expected(1)),
            other => panic!("expected reaction.added, got {other:?}"),
        }
    }
    let removed = bob_client
        .messages_reactions_destroy()
        .room_id(room)
        .id(sent.id)
        .emoji("👍")
        .send()
        .await;
    assert!(removed.is_ok(), "{removed:?}");
    for subscription in [&mut alices_room, &mut alices_all] {
        match next_event(subscription).await {
            Event::ReactionRemoved(reaction) => assert_eq!(reaction, expected(0)),
            other => panic!("expected reaction.removed, got {other:?}"),
        }
    }
    assert_eq!(alice.id, sent.sender_id);
}

#[tokio::test]
async fn replies_are_sent_on_the_socket() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;
    let other_room = group(&alice_client, vec![bob.id]).await;
    let parent = say(&alice_client, room, "A question?").await;
    let mut bobs = bob_client.realtime_all().await.expect("subscribed");

    bobs.sender()
        .reply_in(room, parent.id, "An answer", None)
        .await
        .expect("sent");
    match next_event(&mut bobs).await {
        Event::MessageCreated(message) => {
            assert_eq!(message.reply_to, Some(parent.id));
            let preview = message.reply_preview.expect("a preview of the parent");
            assert_eq!((preview.id, preview.sender_id), (parent.id, alice.id));
            assert_eq!(preview.content, "A question?");
        }
        other => panic!("expected the reply's message.created, got {other:?}"),
    }
    // A message of another room cannot be answered there.
    bobs.sender()
        .reply_in(other_room, parent.id, "Lost", None)
        .await
        .expect("sent");
    match next_event(&mut bobs).await {
        Event::Error { code, errors, .. } => {
            assert_eq!(code, "invalid");
            assert!(errors.expect("field errors").contains_key("reply_to"));
        }
        other => panic!("expected an error event, got {other:?}"),
    }
}

/// Bob's first socket opening and his last closing reach Alice as typed `presence` events,
/// with the REST presence agreeing.
#[tokio::test]
async fn presence_events_arrive_typed() {
    let server = Server::start();
    let (_, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;
    group(&alice_client, vec![bob.id]).await;
    let mut alices = alice_client.realtime_all().await.expect("subscribed");

    let bobs = bob_client.realtime_all().await.expect("subscribed");
    match next_item(&mut alices).await {
        Ok(Event::Presence {
            user_id,
            username,
            online,
            last_seen_at,
        }) => {
            assert_eq!(
                (user_id, username.as_str()),
                (bob.id, bob.username.as_str())
            );
            assert!(online);
            assert_eq!(last_seen_at, None);
        }
        other => panic!("expected presence, got {other:?}"),
    }
    let now = alice_client
        .users_presence_retrieve()
        .id(bob.id)
        .send()
        .await
        .expect("presence")
        .into_inner();
    assert!(now.online, "{now:?}");

    drop(bobs);
    match next_item(&mut alices).await {
        Ok(Event::Presence {
            user_id,
            online,
            last_seen_at,
            ..
        }) => {
            assert_eq!(user_id, bob.id);
            assert!(!online);
            assert!(last_seen_at.is_some());
        }
        other => panic!("expected presence, got {other:?}"),
    }
}

/// An invitation reaches the invitee's every-room subscription, typed.
#[tokio::test]
async fn invitations_arrive_typed() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (carol, carol_client) = user(&server.base, "carol").await;
    let room = group(&alice_client, vec![]).await;
    let mut carols = carol_client.realtime_all().await.expect("subscribed");

    let invited = alice_client
        .rooms_invitations_create()
        .id(room)
        .body_map(|b| b.user_id(carol.id))
        .send()
        .await
        .expect("invited")
        .into_inner();
    match next_event(&mut carols).await {
        Event::InvitationCreated(invitation) => {
            assert_eq!(invitation.id, invited.id);
            assert_eq!(
                (invitation.chat_room, invitation.inviter_id),
                (room, alice.id)
            );
            assert_eq!(invitation.status, types::InvitationStatus::Pending);
        }
        other => panic!("expected invitation.created, got {other:?}"),
    }
}
