//! `chat_sdk::realtime` against the real server: typed events, actions on the socket, typed
//! refusals and endings, and reconnection without loss or duplicates.
//!
//! Connection failures are made on demand by a TCP proxy between the subscriber and the
//! server ([`proxy::Proxy`]): it cuts every connection through it (a network failure, as a
//! restart would) and refuses new ones for as long as a test needs. The server's own
//! slow-consumer close is triggered for real.

mod beyond_the_seeds;
mod events;
mod proxy;
mod reconnect;
mod refusals;

use std::time::Duration;

use chat_sdk::realtime::{Backoff, Event, Options, RealtimeError, Subscription};
use chat_sdk::{Client, types};
use futures::StreamExt;

const PASSWORD: &str = "correct-horse-battery";
const FORBIDDEN: &str = "You do not have permission to perform this action.";
/// How long any one expected event may take.
const PATIENCE: Duration = Duration::from_secs(15);

/// Options for tests: reconnect within tens of milliseconds.
fn quick() -> Options {
    Options::default().backoff(Backoff::new(
        Duration::from_millis(20),
        Duration::from_millis(200),
    ))
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// Registers a user on `server` and logs in through `via` (the server or a proxy to it).
async fn user(via: &str, prefix: &str) -> (types::User, Client) {
    let name = unique(prefix);
    let user = Client::anonymous(via)
        .users_register()
        .body_map(|b| b.username(name.clone()).password(PASSWORD))
        .send()
        .await
        .expect("registered")
        .into_inner();
    let client = Client::login(via, &name, PASSWORD).await.expect("login");
    (user, client)
}

async fn group(client: &Client, participants: Vec<i64>) -> i64 {
    client
        .rooms_create()
        .body_map(|b| {
            b.name("Live")
                .room_type(types::RoomType::Group)
                .participants(participants)
        })
        .send()
        .await
        .expect("room created")
        .id
}

/// Sends a message over REST, waiting out a 429 if the server throttles the burst.
async fn say(client: &Client, room: i64, content: &str) -> types::Message {
    loop {
        let reply = client
            .messages_create()
            .room_id(room)
            .body_map(|b| b.content(content))
            .send()
            .await;
        match reply {
            Err(e) if e.status().is_some_and(|s| s.as_u16() == 429) => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            reply => return reply.expect("message sent").into_inner(),
        }
    }
}

async fn remove_everyone(client: &Client, room: i64, creator: i64) {
    let patched = client
        .rooms_partial_update()
        .id(room)
        .body_map(|b| b.participants(vec![creator]))
        .send()
        .await;
    assert!(patched.is_ok(), "{patched:?}");
}

async fn next_item(subscription: &mut Subscription) -> Result<Event, RealtimeError> {
    match tokio::time::timeout(PATIENCE, subscription.next()).await {
        Ok(Some(item)) => item,
        Ok(None) => panic!("the subscription ended"),
        Err(_) => panic!("no event within {PATIENCE:?}"),
    }
}

/// The next event that is not a `presence` one: room-mates' sockets opening and closing
/// interleave with what a test is about (`presence_events` is about them).
async fn next_event(subscription: &mut Subscription) -> Event {
    loop {
        match next_item(subscription).await {
            Ok(Event::Presence { .. }) => continue,
            Ok(event) => return event,
            Err(e) => panic!("expected an event, got {e:?}"),
        }
    }
}

/// The ids of the messages created until `last` (included), in the order they came.
async fn messages_until(subscription: &mut Subscription, last: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        if let Event::MessageCreated(message) = next_event(subscription).await {
            ids.push(message.id);
            if message.id == last {
                return ids;
            }
        }
    }
}

async fn assert_ended(subscription: &mut Subscription) {
    let end = tokio::time::timeout(PATIENCE, subscription.next()).await;
    assert!(matches!(end, Ok(None)), "expected the end, got {end:?}");
}
