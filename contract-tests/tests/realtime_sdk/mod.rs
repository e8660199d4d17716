//! `chat_sdk::realtime` against the real server: typed events with their stream positions,
//! actions on the socket, typed refusals and endings, and resuming by position (after a
//! reconnection, or from a position the app gives) without loss or duplicates.
//!
//! Connection failures are made on demand by a TCP proxy between the subscriber and the
//! server ([`proxy::Proxy`]): it cuts every connection through it (a network failure, as a
//! restart would) and refuses new ones for as long as a test needs. The server's own
//! slow-consumer close is triggered for real, and so is the pruning of the event log.

mod beyond_the_seeds;
mod events;
mod proxy;
mod reconnect;
mod refusals;
mod resume;

use std::time::Duration;

use chat_sdk::realtime::{Backoff, Event, Options, RealtimeError, Subscription};
use chat_sdk::{Client, ResponseValue, types};
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
    say_at(client, room, content).await.0
}

/// [`say`], with the position of its `message.created`.
async fn say_at(client: &Client, room: i64, content: &str) -> (types::Message, i64) {
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
            reply => {
                let reply = reply.expect("message sent");
                let position = echoed(&reply);
                return (reply.into_inner(), position);
            }
        }
    }
}

/// The position of the event a write stored (`X-Event-Position`).
fn echoed<T>(reply: &ResponseValue<T>) -> i64 {
    reply
        .headers()
        .get("x-event-position")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("an X-Event-Position header")
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
    match next_outcome(subscription).await {
        Ok(event) => event,
        Err(e) => panic!("expected an event, got {e:?}"),
    }
}

/// [`next_event`], or the error that ends the stream.
async fn next_outcome(subscription: &mut Subscription) -> Result<Event, RealtimeError> {
    loop {
        match next_item(subscription).await {
            Ok(Event::Presence { .. }) => continue,
            outcome => return outcome,
        }
    }
}

/// The ids of the messages created until `last` (included), in the order they came, which
/// must be the order of their positions.
async fn messages_until(subscription: &mut Subscription, last: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut previous = None;
    loop {
        let event = next_event(subscription).await;
        if let Some(position) = event.position() {
            assert!(
                previous < Some(position),
                "{position} came after {previous:?}"
            );
            previous = Some(position);
        }
        if let Event::MessageCreated { message, .. } = event {
            ids.push(message.id);
            if message.id == last {
                return ids;
            }
        }
    }
}

/// The events (presence aside) until the stored event at `last` (included), checking that
/// each stored event comes once, in position order.
async fn events_until(subscription: &mut Subscription, last: i64) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    loop {
        let event = next_event(subscription).await;
        let position = event.position();
        if let (Some(position), Some(previous)) =
            (position, events.iter().rev().find_map(Event::position))
        {
            assert!(position > previous, "{position} came after {previous}");
        }
        events.push(event);
        match position {
            Some(position) if position == last => return events,
            Some(position) => assert!(position < last, "{position} is past {last}"),
            None => {}
        }
    }
}

/// Waits until a room subscription's socket is live on the server: the server reads actions
/// only once it is, and answers a blank message with an `error` event. (It replays what came
/// after the subscription's start anyway, but a socket that goes live after its room was
/// deleted closes with 1008, not 1000.)
async fn live(subscription: &mut Subscription) {
    subscription.send_message(" ", None).await.expect("sent");
    match next_event(subscription).await {
        Event::Error { .. } => {}
        other => panic!("expected the error event, got {other:?}"),
    }
}

async fn assert_ended(subscription: &mut Subscription) {
    let end = tokio::time::timeout(PATIENCE, subscription.next()).await;
    assert!(matches!(end, Ok(None)), "expected the end, got {end:?}");
}
