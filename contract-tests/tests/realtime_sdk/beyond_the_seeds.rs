//! The typed events beyond the seeds (`read`, `reaction.*`, `presence`, `invitation.*`)
//! and replies sent on the socket.

use chat_sdk::realtime::{Event, Reaction};
use chat_sdk::types;
use contract_tests::Server;

use super::{echoed, group, next_event, next_item, say, user};

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
        let created = next_event(subscription).await;
        assert!(
            matches!(&created, Event::MessageCreated { message, .. } if message.id == sent.id),
            "{created:?}"
        );
    }
    let marker = bob_client
        .rooms_read_create()
        .id(room)
        .body_map(|b| b.message_id(sent.id))
        .send()
        .await
        .expect("marked read");
    let at = echoed(&marker);
    assert_eq!(marker.last_read_id, sent.id);
    for subscription in [&mut alices_room, &mut alices_all] {
        match next_event(subscription).await {
            Event::Read {
                chat_room,
                user_id,
                message_id,
                position,
            } => assert_eq!(
                (chat_room, user_id, message_id, position),
                (room, bob.id, sent.id, at)
            ),
            other => panic!("expected read, got {other:?}"),
        }
    }

    let reacted = bob_client
        .messages_reactions_create()
        .room_id(room)
        .id(sent.id)
        .body_map(|b| b.emoji("👍"))
        .send()
        .await
        .expect("reacted");
    let at = echoed(&reacted);
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
            Event::ReactionAdded { reaction, position } => {
                assert_eq!((reaction, position), (expected(1), at))
            }
            other => panic!("expected reaction.added, got {other:?}"),
        }
    }
    let removed = bob_client
        .messages_reactions_destroy()
        .room_id(room)
        .id(sent.id)
        .emoji("👍")
        .send()
        .await
        .expect("reaction removed");
    let at = echoed(&removed);
    for subscription in [&mut alices_room, &mut alices_all] {
        match next_event(subscription).await {
            Event::ReactionRemoved { reaction, position } => {
                assert_eq!((reaction, position), (expected(0), at))
            }
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
        Event::MessageCreated { message, .. } => {
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

/// Invitation events reach the invitee's and the inviter's every-room subscriptions, typed:
/// created, then accepted (and the invitee's `member.added`), declined or revoked.
#[tokio::test]
async fn invitations_arrive_typed() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (carol, carol_client) = user(&server.base, "carol").await;
    let (dave, dave_client) = user(&server.base, "dave").await;
    let room = group(&alice_client, vec![]).await;
    let mut alices = alice_client.realtime_all().await.expect("subscribed");
    let mut carols = carol_client.realtime_all().await.expect("subscribed");
    let mut daves = dave_client.realtime_all().await.expect("subscribed");
    let invite = |user_id: i64| {
        let alice_client = alice_client.clone();
        async move {
            let invited = alice_client
                .rooms_invitations_create()
                .id(room)
                .body_map(|b| b.user_id(user_id))
                .send()
                .await
                .expect("invited");
            let at = echoed(&invited);
            (invited.into_inner(), at)
        }
    };

    let (invited, at) = invite(carol.id).await;
    for subscription in [&mut carols, &mut alices] {
        match next_event(subscription).await {
            Event::InvitationCreated {
                invitation,
                position,
            } => {
                assert_eq!((invitation.id, position), (invited.id, at));
                assert_eq!(
                    (invitation.chat_room, invitation.inviter_id),
                    (room, alice.id)
                );
                assert_eq!(invitation.invitee_id, carol.id);
                assert_eq!(invitation.status, types::InvitationStatus::Pending);
            }
            other => panic!("expected invitation.created, got {other:?}"),
        }
    }
    let accepted = carol_client
        .invitations_accept()
        .id(invited.id)
        .send()
        .await
        .expect("accepted");
    // The answer's header is the newest event it stored: the member.added after it.
    let joined_at = echoed(&accepted);
    for subscription in [&mut carols, &mut alices] {
        match next_event(subscription).await {
            Event::InvitationAccepted {
                invitation,
                position,
            } => {
                assert_eq!(invitation.id, invited.id);
                assert_eq!(invitation.status, types::InvitationStatus::Accepted);
                assert!(position < joined_at);
            }
            other => panic!("expected invitation.accepted, got {other:?}"),
        }
        match next_event(subscription).await {
            Event::MemberAdded {
                chat_room,
                user_id,
                by,
                room: joined,
                position,
            } => {
                assert_eq!((chat_room, user_id, by), (room, carol.id, carol.id));
                assert_eq!(position, joined_at);
                assert_eq!(joined.id, room);
                assert!(joined.participants.contains(&carol.id));
            }
            other => panic!("expected member.added, got {other:?}"),
        }
    }

    let (declined, _) = invite(dave.id).await;
    for subscription in [&mut daves, &mut alices] {
        assert!(matches!(
            next_event(subscription).await,
            Event::InvitationCreated { invitation, .. } if invitation.id == declined.id
        ));
    }
    dave_client
        .invitations_decline()
        .id(declined.id)
        .send()
        .await
        .expect("declined");
    for subscription in [&mut daves, &mut alices] {
        match next_event(subscription).await {
            Event::InvitationDeclined { invitation, .. } => {
                assert_eq!(invitation.id, declined.id);
                assert_eq!(invitation.status, types::InvitationStatus::Declined);
            }
            other => panic!("expected invitation.declined, got {other:?}"),
        }
    }

    let (revoked, _) = invite(dave.id).await;
    for subscription in [&mut daves, &mut alices] {
        assert!(matches!(
            next_event(subscription).await,
            Event::InvitationCreated { invitation, .. } if invitation.id == revoked.id
        ));
    }
    let withdrawn = alice_client
        .rooms_invitations_destroy()
        .id(room)
        .invitation_id(revoked.id)
        .send()
        .await
        .expect("revoked");
    let at = echoed(&withdrawn);
    for subscription in [&mut daves, &mut alices] {
        match next_event(subscription).await {
            Event::InvitationRevoked {
                invitation,
                position,
            } => assert_eq!((invitation.id, position), (revoked.id, at)),
            other => panic!("expected invitation.revoked, got {other:?}"),
        }
    }
}
