//! Resuming by stream position: every kind of stored event missed during a cut, a position
//! the app gives ([`Options::since`]), and a position older than the server keeps.

use std::time::Duration;

use chat_sdk::realtime::{Event, Options, RealtimeError, Subscription, Target};
use chat_sdk::{Client, Error, types};
use contract_tests::Server;

use super::proxy::Proxy;
use super::{
    PATIENCE, echoed, events_until, group, messages_until, next_event, quick, say, say_at, user,
};

/// Edits a message's content over REST; the position of its `message.updated`.
async fn edit(client: &Client, room: i64, id: i64, content: &str) -> i64 {
    let content = content.parse::<types::MessagePatchContent>().ok();
    let edited = client
        .messages_partial_update()
        .room_id(room)
        .id(id)
        .body_map(move |b| b.content(content))
        .send()
        .await
        .expect("edited");
    echoed(&edited)
}

/// Sets a room's participants (the creator stays); the position of the last event stored.
async fn set_members(client: &Client, room: i64, participants: Vec<i64>) -> i64 {
    let patched = client
        .rooms_partial_update()
        .id(room)
        .body_map(|b| b.participants(participants))
        .send()
        .await
        .expect("members set");
    echoed(&patched)
}

/// A cut during which a message is created, another edited, a third deleted, a reaction
/// added and members added: after the reconnection each arrives once, in position order,
/// typed — on the room's subscription and on the every-room one, which also follows Bob
/// into the room he was added to meanwhile.
#[tokio::test]
async fn a_reconnection_recovers_every_kind_of_change_once_in_order() {
    let server = Server::start();
    let proxy = Proxy::start(&server.base).await;
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&proxy.base, "bob").await;
    let (carol, _) = user(&server.base, "carol").await;
    let room = group(&alice_client, vec![bob.id]).await;
    // Bob is not in this one yet.
    let elsewhere = group(&alice_client, vec![]).await;
    let kept = say(&alice_client, room, "Keep me").await;
    let doomed = say(&alice_client, room, "Delete me").await;
    let mut bobs_room = bob_client
        .realtime(Target::Room(room), quick())
        .await
        .expect("subscribed");
    let mut bobs_all = bob_client
        .realtime(Target::AllRooms, quick())
        .await
        .expect("subscribed");
    let before = say(&alice_client, room, "Before the cut").await;
    for subscription in [&mut bobs_room, &mut bobs_all] {
        assert_eq!(messages_until(subscription, before.id).await, [before.id]);
    }

    proxy.refuse(true);
    proxy.cut().await;
    let (created, created_at) = say_at(&alice_client, room, "Missed").await;
    let edited_at = edit(&alice_client, room, kept.id, "Kept, edited").await;
    let deleted_at = echoed(
        &alice_client
            .messages_destroy()
            .room_id(room)
            .id(doomed.id)
            .send()
            .await
            .expect("deleted"),
    );
    let reacted_at = echoed(
        &alice_client
            .messages_reactions_create()
            .room_id(room)
            .id(created.id)
            .body_map(|b| b.emoji("🎉"))
            .send()
            .await
            .expect("reacted"),
    );
    let carol_added_at = set_members(&alice_client, room, vec![bob.id, carol.id]).await;
    let bob_added_at = set_members(&alice_client, elsewhere, vec![bob.id]).await;
    let (welcome, welcome_at) = say_at(&alice_client, elsewhere, "Welcome, Bob").await;
    proxy.refuse(false);

    // In the room: its five events.
    let heard = events_until(&mut bobs_room, carol_added_at).await;
    let positions: Vec<Option<i64>> = heard.iter().map(Event::position).collect();
    let in_room = [
        created_at,
        edited_at,
        deleted_at,
        reacted_at,
        carol_added_at,
    ];
    assert_eq!(positions, in_room.map(Some), "{heard:#?}");
    let check_room_events = |heard: &[Event]| {
        assert!(
            matches!(&heard[0], Event::MessageCreated { message, .. }
                if message.id == created.id && message.content == "Missed"),
            "{:?}",
            heard[0]
        );
        assert!(
            matches!(&heard[1], Event::MessageUpdated { message, .. }
                if message.id == kept.id && message.content == "Kept, edited"),
            "{:?}",
            heard[1]
        );
        assert!(
            matches!(&heard[2], Event::MessageDeleted { chat_room, message_id, .. }
                if (*chat_room, *message_id) == (room, doomed.id)),
            "{:?}",
            heard[2]
        );
        assert!(
            matches!(&heard[3], Event::ReactionAdded { reaction, .. }
                if reaction.message_id == created.id && reaction.emoji == "🎉"
                    && reaction.user_id == alice.id && reaction.count == 1),
            "{:?}",
            heard[3]
        );
        assert!(
            matches!(&heard[4], Event::MemberAdded { chat_room, user_id, by, room: joined, .. }
                if (*chat_room, *user_id, *by) == (room, carol.id, alice.id)
                    && joined.participants.contains(&carol.id)),
            "{:?}",
            heard[4]
        );
    };
    check_room_events(&heard);

    // Everywhere: the same, then Bob's own member.added and the room's message after it.
    let heard = events_until(&mut bobs_all, welcome_at).await;
    let positions: Vec<Option<i64>> = heard.iter().map(Event::position).collect();
    let everywhere: Vec<Option<i64>> = in_room
        .iter()
        .chain(&[bob_added_at, welcome_at])
        .copied()
        .map(Some)
        .collect();
    assert_eq!(positions, everywhere, "{heard:#?}");
    check_room_events(&heard[..5]);
    assert!(
        matches!(&heard[5], Event::MemberAdded { chat_room, user_id, room: joined, .. }
            if (*chat_room, *user_id) == (elsewhere, bob.id) && joined.id == elsewhere),
        "{:?}",
        heard[5]
    );
    assert!(
        matches!(&heard[6], Event::MessageCreated { message, .. } if message.id == welcome.id),
        "{:?}",
        heard[6]
    );

    // Nothing comes twice: the next event is the next message.
    let (after, after_at) = say_at(&alice_client, room, "After").await;
    for subscription in [&mut bobs_room, &mut bobs_all] {
        match next_event(subscription).await {
            Event::MessageCreated {
                message,
                position: Some(position),
            } => assert_eq!((message.id, position), (after.id, after_at)),
            other => panic!("expected the next message, got {other:?}"),
        }
    }
    assert!(bobs_room.reconnects() >= 1 && bobs_all.reconnects() >= 1);
}

/// An app that saved the last position it handled resumes from it after a restart: what
/// happened in between comes first, then live events.
#[tokio::test]
async fn a_subscription_resumes_from_the_position_the_app_gives() {
    let server = Server::start();
    let (alice, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&server.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;

    // The app's first run: it handles a message, saves its position, and stops.
    let mut first_run = bob_client.realtime_all().await.expect("subscribed");
    let (seen, seen_at) = say_at(&alice_client, room, "Seen").await;
    let saved = match next_event(&mut first_run).await {
        event @ Event::MessageCreated { .. } => event.position().expect("a position"),
        other => panic!("expected message.created, got {other:?}"),
    };
    assert_eq!(saved, seen_at);
    drop(first_run);

    // Meanwhile.
    let (missed, missed_at) = say_at(&alice_client, room, "Missed").await;
    let edited_at = edit(&alice_client, room, seen.id, "Seen, edited").await;

    // The next run, on a room's subscription and on every room's.
    let mut next_runs = Vec::new();
    for target in [Target::Room(room), Target::AllRooms] {
        let subscription = bob_client
            .realtime(target, Options::default().since(saved))
            .await
            .expect("subscribed");
        next_runs.push((target, subscription));
    }
    for (target, next_run) in &mut next_runs {
        let heard = events_until(next_run, edited_at).await;
        assert!(
            matches!(&heard[..], [
                Event::MessageCreated { message: created, position: Some(created_at) },
                Event::MessageUpdated { message: updated, position: updated_at },
            ] if created.id == missed.id && *created_at == missed_at
                && updated.id == seen.id && updated.content == "Seen, edited"
                && *updated_at == edited_at),
            "{target:?}: {heard:#?}"
        );
    }
    let (live, _) = say_at(&alice_client, room, "Live").await;
    for (_, next_run) in &mut next_runs {
        assert_eq!(messages_until(next_run, live.id).await, [live.id]);
    }

    // From the newest position, nothing is replayed; the first event is the next one.
    let newest = bob_client
        .events_list()
        .send()
        .await
        .expect("the newest position")
        .into_inner()
        .position;
    let mut caught_up = bob_client
        .realtime(Target::Room(room), Options::default().since(newest))
        .await
        .expect("subscribed");
    let (next, _) = say_at(&alice_client, room, "Next").await;
    assert_eq!(messages_until(&mut caught_up, next.id).await, [next.id]);

    // A position the server has not reached is refused before the upgrade.
    let refused = bob_client
        .realtime(Target::AllRooms, Options::default().since(newest + 1000))
        .await
        .map(|_| ());
    let Err(RealtimeError::Handshake(Error::ErrorResponse(response))) = refused else {
        panic!("expected a typed 400, got {refused:?}");
    };
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.extra.contains_key("since"), "{response:?}");
    assert_eq!(alice.id, seen.sender_id);
}

/// A position older than the log keeps: the subscription yields `resync` with the newest
/// position, then goes on live from it — when the app gives it, and when a reconnection
/// comes back too late.
#[tokio::test]
async fn a_position_the_server_no_longer_keeps_yields_resync() {
    // Events are kept for about a second (pruned every second).
    let server = Server::start_with(&[("CHAT_EVENT_RETENTION_HOURS", "0.0003")]);
    let proxy = Proxy::start(&server.base).await;
    let (_, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&proxy.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;
    let mut bobs = bob_client
        .realtime(Target::Room(room), quick())
        .await
        .expect("subscribed");
    let (heard, heard_at) = say_at(&alice_client, room, "Heard").await;
    assert_eq!(messages_until(&mut bobs, heard.id).await, [heard.id]);

    // Cut for longer than the log keeps what is said meanwhile.
    proxy.refuse(true);
    proxy.cut().await;
    say(&alice_client, room, "Lost").await;
    pruned_after(&alice_client, heard_at).await;
    proxy.refuse(false);
    let newest = resync(&mut bobs, &alice_client).await;
    let (fresh, fresh_at) = say_at(&alice_client, room, "Fresh").await;
    assert!(fresh_at > newest);
    assert_eq!(messages_until(&mut bobs, fresh.id).await, [fresh.id]);

    // The same from a position the app gives (0: from the start, long pruned).
    let mut from_start = bob_client
        .realtime(Target::AllRooms, quick().since(0))
        .await
        .expect("subscribed");
    resync(&mut from_start, &alice_client).await;
    let (next, _) = say_at(&alice_client, room, "Next").await;
    assert_eq!(messages_until(&mut from_start, next.id).await, [next.id]);
}

/// Waits until the events after `position` are no longer kept (`GET /api/events/` says 410).
async fn pruned_after(client: &Client, position: i64) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let listed = client.events_list().since(position).send().await;
        match listed {
            Err(e) if e.status().is_some_and(|s| s.as_u16() == 410) => return,
            Ok(_) => {}
            Err(e) => panic!("listing events: {e:?}"),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "position {position} was never pruned"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Checks that the next event is `resync` for an expired position, going on from the log's
/// newest position (nothing is stored meanwhile); returns that position.
async fn resync(subscription: &mut Subscription, client: &Client) -> i64 {
    match next_event(subscription).await {
        Event::Resync { reason, position } => {
            assert_eq!(reason, "position_expired");
            let newest = client.events_list().send().await.expect("listed");
            assert_eq!(position, newest.position);
            position
        }
        other => panic!("expected resync, got {other:?}"),
    }
}
