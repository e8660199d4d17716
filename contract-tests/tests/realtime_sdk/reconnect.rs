//! Dropped connections: every message yielded exactly once, in position order, none lost.

use std::time::Duration;

use chat_sdk::realtime::{Event, Target};
use contract_tests::Server;

use super::proxy::Proxy;
use super::{group, messages_until, next_event, quick, say, user};

#[tokio::test]
async fn a_reconnection_yields_every_message_once_in_order() {
    let server = Server::start();
    let proxy = Proxy::start(&server.base).await;
    let (_, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&proxy.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;
    let other_room = group(&alice_client, vec![bob.id]).await;
    let mut bobs_room = bob_client
        .realtime(Target::Room(room), quick())
        .await
        .expect("subscribed");
    let mut bobs_all = bob_client
        .realtime(Target::AllRooms, quick())
        .await
        .expect("subscribed");

    let mut sent = Vec::new();
    for i in 0..3 {
        sent.push(say(&alice_client, room, &format!("Before {i}")).await.id);
    }
    assert_eq!(messages_until(&mut bobs_room, sent[2]).await, sent);
    assert_eq!(messages_until(&mut bobs_all, sent[2]).await, sent);

    // A network failure; messages go on being sent while Bob cannot hear them...
    proxy.refuse(true);
    proxy.cut().await;
    let mut missed_elsewhere = Vec::new();
    for i in 0..3 {
        sent.push(say(&alice_client, room, &format!("Missed {i}")).await.id);
        missed_elsewhere.push(
            say(&alice_client, other_room, &format!("Elsewhere {i}"))
                .await
                .id,
        );
    }
    // ...and while he reconnects, so the replay and the live events meet at the seam.
    proxy.refuse(false);
    for i in 0..6 {
        sent.push(say(&alice_client, room, &format!("Meanwhile {i}")).await.id);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last = *sent.last().expect("messages");
    assert_eq!(messages_until(&mut bobs_room, last).await, sent[3..]);

    // The every-room subscription resumed in both rooms, each in order.
    let heard = messages_until(&mut bobs_all, last).await;
    let in_room: Vec<i64> = heard
        .iter()
        .copied()
        .filter(|id| sent.contains(id))
        .collect();
    let elsewhere: Vec<i64> = heard
        .iter()
        .copied()
        .filter(|id| !sent.contains(id))
        .collect();
    assert_eq!(in_room, sent[3..]);
    assert_eq!(elsewhere, missed_elsewhere);

    // Nothing comes twice: the next event after all that is the next message.
    let after = say(&alice_client, room, "After").await.id;
    assert_eq!(messages_until(&mut bobs_room, after).await, [after]);
    assert_eq!(messages_until(&mut bobs_all, after).await, [after]);
    assert!(bobs_room.reconnects() >= 1 && bobs_all.reconnects() >= 1);

    // Actions wait for the new connection and work on it.
    proxy.refuse(true);
    proxy.cut().await;
    let sender = bobs_room.sender();
    let pending = tokio::spawn(async move { sender.send_message("Queued", None).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.refuse(false);
    pending
        .await
        .expect("joined")
        .expect("sent after reconnecting");
    match next_event(&mut bobs_room).await {
        Event::MessageCreated {
            message,
            position: Some(_),
        } => {
            assert_eq!(
                (message.content.as_str(), message.sender_id),
                ("Queued", bob.id)
            )
        }
        other => panic!("expected the queued message, got {other:?}"),
    }
}

#[tokio::test]
async fn many_reconnections_lose_and_repeat_nothing() {
    let server = Server::start();
    let proxy = Proxy::start(&server.base).await;
    let (_, alice_client) = user(&server.base, "alice").await;
    let (bob, bob_client) = user(&proxy.base, "bob").await;
    let room = group(&alice_client, vec![bob.id]).await;
    let mut bobs = bob_client
        .realtime(Target::Room(room), quick())
        .await
        .expect("subscribed");

    // Alice keeps talking while Bob's connection is cut again and again.
    let talker = tokio::spawn(async move {
        let mut sent = Vec::new();
        for i in 0..60 {
            sent.push(say(&alice_client, room, &format!("Message {i}")).await.id);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        sent
    });
    let cutter = {
        let proxy = proxy.handle();
        tokio::spawn(async move {
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(150)).await;
                proxy.cut().await;
            }
        })
    };
    cutter.await.expect("joined");
    let sent = talker.await.expect("joined");
    let last = *sent.last().expect("messages");
    assert_eq!(messages_until(&mut bobs, last).await, sent);
    assert!(bobs.reconnects() >= 1);
}

#[tokio::test]
async fn a_slow_consumer_dropped_by_the_server_resumes() {
    let server = Server::start_with(&[("CHAT_WS_QUEUE_LEN", "2")]);
    let (bob, bob_client) = user(&server.base, "bob").await;
    // Several talkers: the throttle is per user.
    let mut talkers = Vec::new();
    let mut members = vec![bob.id];
    for name in ["alice", "carol", "dave", "erin"] {
        let (talker, client) = user(&server.base, name).await;
        members.push(talker.id);
        talkers.push(client);
    }
    let room = group(&talkers[0], members).await;
    let mut bobs = bob_client
        .realtime(Target::Room(room), quick().buffer(1))
        .await
        .expect("subscribed");

    // While Bob reads nothing, his subscription holds one event and stops reading the socket;
    // the socket buffers fill, then the server's queue, and the server drops him as a slow
    // consumer. How much that takes depends on the kernel's buffers: large messages (40 KB of
    // UTF-8 each) in batches that double until it happens.
    let large = "\u{1F600}".repeat(10_000);
    let mut sent = Vec::new();
    let mut heard = Vec::new();
    let mut batch = 128;
    while bobs.reconnects() == 0 {
        assert!(batch <= 1024, "the server never dropped the slow consumer");
        let each = batch / talkers.len();
        let talking = talkers.iter().map(|talker| {
            let large = &large;
            async move {
                let mut ids = Vec::new();
                for _ in 0..each {
                    ids.push(say(talker, room, large).await.id);
                }
                ids
            }
        });
        let mut ids: Vec<i64> = futures::future::join_all(talking).await.concat();
        ids.sort_unstable();
        sent.extend(&ids);
        heard.extend(messages_until(&mut bobs, *sent.last().expect("sent")).await);
        batch *= 2;
    }
    let last = say(&talkers[0], room, "Caught up?").await.id;
    sent.push(last);
    heard.extend(messages_until(&mut bobs, last).await);
    assert_eq!(heard, sent);
}
