//! Realtime events over WebSocket: typed, and resumed by stream position.
//!
//! [`Client::realtime_room`] subscribes to one room, [`Client::realtime_all`] to every room
//! of the caller, following membership: a room the caller joins is heard from its
//! [`Event::RoomCreated`] or [`Event::MemberAdded`] on, one they leave up to their
//! [`Event::MemberRemoved`]. A [`Subscription`] is a [`Stream`](futures::Stream) of
//! [`Event`]s and sends [`Action`]s (messages, typing) on the same socket.
//!
//! The socket is opened with the generated upgrade operations (`ws_room`, `ws_all_rooms`),
//! so it carries the session's Bearer token, renewed like any request's.
//!
//! # Resuming
//!
//! Every change other clients must learn about is a *stored* event with a position, an
//! integer that grows with commit order across the service: messages created, edited and
//! deleted, reactions, read markers, rooms created, changed and deleted, members added and
//! removed, invitations ([`Event::position`]). A subscription remembers the position of the
//! last stored event it yielded. When the connection drops — the server restarts or shuts
//! down (1001), closes it as a slow consumer (1008 `slow consumer`), or the network fails —
//! it reconnects with [`Backoff`] and asks for the stream after that position (`since`): the
//! server first sends every stored event after it that the caller may see, then live ones,
//! with no gap and no duplicate at the seam. Everything that happened while disconnected is
//! therefore yielded, exactly once and in position order: edits, deletions, reactions, reads
//! and membership changes as well as new messages. As a safety net, a stored event at or
//! before the last position yielded is never yielded again. Ephemeral events (typing,
//! presence, errors) are not replayed.
//!
//! A subscription starts from the stream's newest position when it connects (read with
//! `GET /api/events/`, so that a connection lost before the first event misses nothing
//! either; events from then on are delivered), or after the position given with
//! [`Options::since`]: an app that saved the last position it handled resumes there after a
//! restart, and the events it missed come first. If that position is older than the server
//! keeps (`--event-retention-hours`), the first event is [`Event::Resync`]: reload what is
//! shown over REST, and the stream goes on from the position it carries.
//!
//! It does not reconnect when the caller may not listen any more: the server closed a
//! room's socket with 1008 `not a participant` (after the caller's
//! [`Event::MemberRemoved`]) or 1000 `room deleted` (after [`Event::RoomDeleted`]), or
//! refused the handshake with 401, 403, 404 or 400. The stream then ends with a
//! [`RealtimeError`] as its last item.
//!
//! ```no_run
//! use chat_sdk::Client;
//! use chat_sdk::realtime::{Event, Options, RealtimeError, Target};
//! use futures::TryStreamExt;
//!
//! # fn save(_: i64) {}
//! # async fn demo(client: Client, room_id: i64, saved: Option<i64>) -> Result<(), RealtimeError> {
//! // Resume after the last position handled by a previous run, if it saved one.
//! let mut options = Options::default();
//! options.since = saved;
//! let mut room = client.realtime(Target::Room(room_id), options).await?;
//! room.send_message("Hello everyone!", Some(uuid::Uuid::new_v4())).await?;
//! while let Some(event) = room.try_next().await? {
//!     match &event {
//!         Event::MessageCreated { message, .. } => {
//!             println!("{}: {}", message.sender, message.content)
//!         }
//!         Event::MessageUpdated { message, .. } => println!("edited: {}", message.content),
//!         Event::MessageDeleted { message_id, .. } => println!("{message_id} was deleted"),
//!         Event::Typing { username, .. } => println!("{username} is typing…"),
//!         Event::Resync { .. } => println!("too much was missed: reload the room over REST"),
//!         Event::Error { detail, .. } => eprintln!("the server refused an action: {detail}"),
//!         _ => {}
//!     }
//!     if let Some(position) = event.position() {
//!         save(position);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The subscription's task runs on the Tokio runtime it was created in.

mod action;
mod backoff;
mod driver;
mod error;
mod event;
mod subscription;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

pub use action::Action;
pub use backoff::Backoff;
pub use error::RealtimeError;
pub use event::{Departure, Event, Reaction};
pub use subscription::{Sender, Subscription};

use crate::Client;
use driver::Driver;

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
    /// Where the stream starts: after this position (see [`Options::since`]), or with
    /// `None`, at the newest position when the subscription connects. Default: `None`.
    pub since: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backoff: Backoff::default(),
            buffer: 256,
            keepalive: Duration::from_secs(20),
            handshake_timeout: Duration::from_secs(30),
            since: None,
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

    /// Starts the stream after `position`, e.g. the last [`Event::position`] an app handled
    /// before it stopped: the stored events after it that the caller may see (in the
    /// subscription's room, or in any of theirs) are yielded first, then live ones. A
    /// position older than the server keeps yields [`Event::Resync`] first; one newer than
    /// the server's newest is refused ([`RealtimeError::Handshake`], 400).
    pub fn since(mut self, position: i64) -> Options {
        self.since = Some(position);
        self
    }
}

/// Actions waiting for the socket (e.g. during a reconnection) before senders wait too.
const COMMAND_QUEUE: usize = 32;

/// Realtime subscriptions on the generated client.
impl Client {
    /// Subscribes to the events of one room, with [`Options::default`].
    ///
    /// Returns once the socket is open: events stored from then on are delivered. Any
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
            position: 0,
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
