//! Realtime events over WebSocket, typed, with reconnection and catch-up.
//!
//! [`Client::realtime_room`] subscribes to one room, [`Client::realtime_all`] to every room
//! of the caller. A [`Subscription`] is a [`Stream`](futures::Stream) of [`Event`]s and sends
//! [`Action`]s (messages, typing) on the same socket.
//!
//! The socket is opened with the generated upgrade operations (`ws_room`, `ws_all_rooms`),
//! so it carries the session's Bearer token, renewed like any request's. When the connection
//! drops — the server restarts or shuts down (1001), closes it as a slow consumer (1008
//! `slow consumer`), or the network fails — the subscription reconnects with [`Backoff`],
//! fetches the messages sent in between (`messages_list` with `after`, for each room the
//! caller is in), and yields them as [`Event::MessageCreated`], oldest first. Every message
//! is yielded exactly once, whether it came from the catch-up, the socket, or both.
//!
//! It does not reconnect when the caller may not listen any more: the server closed the
//! socket with 1008 `not a participant` or 1000 `room deleted`, or refused the handshake
//! with 401, 403 or 404. The stream then ends with a [`RealtimeError`] as its last item.
//! Updates and deletions that happened while disconnected are not replayed (only new
//! messages can be fetched with `after`).
//!
//! ```no_run
//! use chat_sdk::Client;
//! use chat_sdk::realtime::{Event, RealtimeError};
//! use futures::TryStreamExt;
//!
//! # async fn demo(client: Client, room_id: i64) -> Result<(), RealtimeError> {
//! let mut room = client.realtime_room(room_id).await?;
//! room.send_message("Hello everyone!", Some(uuid::Uuid::new_v4())).await?;
//! while let Some(event) = room.try_next().await? {
//!     match event {
//!         Event::MessageCreated(message) => println!("{}: {}", message.sender, message.content),
//!         Event::Typing { username, .. } => println!("{username} is typing…"),
//!         Event::Error { detail, .. } => eprintln!("the server refused an action: {detail}"),
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The subscription's task runs on the Tokio runtime it was created in.

mod backoff;
mod driver;
mod error;
mod event;
mod ledger;
mod subscription;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

pub use backoff::Backoff;
pub use error::RealtimeError;
pub use event::{Action, Event, Reaction};
pub use subscription::{Sender, Subscription};

use crate::Client;
use driver::Driver;
use ledger::Ledger;

/// What a subscription listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// One room (`/ws/chat/rooms/{room_id}/`); participants only.
    Room(i64),
    /// Every room of the caller, following membership changes (`/ws/chat/`); actions must
    /// name their room.
    AllRooms,
}

/// How a subscription behaves; [`Options::default`] suits most uses.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The waits between reconnection attempts.
    pub backoff: Backoff,
    /// Events read from the socket but not yet taken from the stream. Default: 256.
    pub buffer: usize,
    /// How often to ping a quiet connection; one silent for twice as long is replaced, and
    /// writing an action may take this long. Default: 20 s.
    pub keepalive: Duration,
    /// How long a handshake may take. Default: 30 s.
    pub handshake_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backoff: Backoff::default(),
            buffer: 256,
            keepalive: Duration::from_secs(20),
            handshake_timeout: Duration::from_secs(30),
        }
    }
}

impl Options {
    /// Sets [`backoff`](Options::backoff).
    pub fn backoff(mut self, backoff: Backoff) -> Options {
        self.backoff = backoff;
        self
    }

    /// Sets [`buffer`](Options::buffer) (at least 1).
    pub fn buffer(mut self, events: usize) -> Options {
        self.buffer = events.max(1);
        self
    }

    /// Sets [`keepalive`](Options::keepalive).
    pub fn keepalive(mut self, interval: Duration) -> Options {
        self.keepalive = interval;
        self
    }

    /// Sets [`handshake_timeout`](Options::handshake_timeout).
    pub fn handshake_timeout(mut self, limit: Duration) -> Options {
        self.handshake_timeout = limit;
        self
    }
}

/// Actions waiting for the socket (e.g. during a reconnection) before senders wait too.
const COMMAND_QUEUE: usize = 32;

/// Realtime subscriptions on the generated client.
impl Client {
    /// Subscribes to the events of one room, with [`Options::default`].
    ///
    /// Returns once the socket is open: events published from then on are delivered. Any
    /// failure to open it is returned, e.g. [`RealtimeError::Handshake`] with a 403 for a
    /// room the caller is not in.
    pub async fn realtime_room(&self, room_id: i64) -> Result<Subscription, RealtimeError> {
        self.realtime(Target::Room(room_id), Options::default())
            .await
    }

    /// Subscribes to the events of every room of the caller, with [`Options::default`].
    pub async fn realtime_all(&self) -> Result<Subscription, RealtimeError> {
        self.realtime(Target::AllRooms, Options::default()).await
    }

    /// Subscribes to `target` with `options`. Must be called within a Tokio runtime, where
    /// the subscription's task is spawned.
    pub async fn realtime(
        &self,
        target: Target,
        options: Options,
    ) -> Result<Subscription, RealtimeError> {
        let (events, receiver) = mpsc::channel(options.buffer.max(1));
        let (commands, queue) = mpsc::channel(COMMAND_QUEUE);
        let status = Arc::default();
        let mut driver = Driver {
            client: self.clone(),
            target,
            options,
            ledger: Ledger::default(),
            events,
            commands: queue,
            status: Arc::clone(&status),
        };
        let socket = driver.connect().await?;
        tokio::spawn(driver.run(socket));
        Ok(Subscription {
            events: receiver,
            sender: Sender { commands, target },
            status,
        })
    }
}
