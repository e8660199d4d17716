//! The handles a caller holds: the [`Subscription`] stream and its [`Sender`]s.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::{Action, Event, RealtimeError, Target};

/// What the stream yields.
pub(crate) type Item = Result<Event, RealtimeError>;

/// An action on its way to the connection task, with the slot for its outcome.
pub(crate) struct Command {
    pub(crate) action: Action,
    pub(crate) done: oneshot::Sender<Result<(), RealtimeError>>,
}

/// What the connection task reports about itself.
#[derive(Debug, Default)]
pub(crate) struct Status {
    pub(crate) reconnects: AtomicU64,
}

/// A live subscription to a room's events ([`Client::realtime_room`](crate::Client::realtime_room))
/// or to every room of the caller ([`Client::realtime_all`](crate::Client::realtime_all)).
///
/// It is a [`Stream`] of [`Event`]s that survives dropped connections: a background task
/// reconnects with [`Backoff`](super::Backoff), resuming the stream after the position of
/// the last stored event it yielded, so every stored event is yielded exactly once, in
/// position order (see [the module](super)). The stream ends, with a [`RealtimeError`] as
/// its last item, only when the caller may not listen any more (removed from the room, the
/// room deleted, a refused handshake). Dropping the subscription closes the socket.
///
/// Events wait in a buffer ([`Options::buffer`](super::Options::buffer)) until read; while it
/// is full the socket is not read, and if the server's queue fills too it closes the socket
/// as a slow consumer — the subscription then reconnects and resumes, so nothing is lost.
///
/// Actions (messages, typing) are sent with the methods here or through a [`Sender`] from
/// [`sender`](Subscription::sender), which can live in another task.
#[derive(Debug)]
pub struct Subscription {
    pub(crate) events: mpsc::Receiver<Item>,
    pub(crate) sender: Sender,
    pub(crate) status: Arc<Status>,
}

impl Stream for Subscription {
    type Item = Result<Event, RealtimeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_recv(cx)
    }
}

impl Subscription {
    /// A handle that sends actions on this subscription's connection; it may be cloned and
    /// moved to other tasks. It fails with [`RealtimeError::Ended`] once the subscription
    /// has ended.
    pub fn sender(&self) -> Sender {
        self.sender.clone()
    }

    /// How many times the connection was re-established so far.
    pub fn reconnects(&self) -> u64 {
        self.status.reconnects.load(Ordering::Relaxed)
    }

    /// See [`Sender::send`].
    pub async fn send(&self, action: Action) -> Result<(), RealtimeError> {
        self.sender.send(action).await
    }

    /// See [`Sender::send_message`].
    pub async fn send_message(
        &self,
        text: impl Into<String>,
        client_id: Option<Uuid>,
    ) -> Result<(), RealtimeError> {
        self.sender.send_message(text, client_id).await
    }

    /// See [`Sender::send_message_in`].
    pub async fn send_message_in(
        &self,
        room_id: i64,
        text: impl Into<String>,
        client_id: Option<Uuid>,
    ) -> Result<(), RealtimeError> {
        self.sender.send_message_in(room_id, text, client_id).await
    }

    /// See [`Sender::typing`].
    pub async fn typing(&self) -> Result<(), RealtimeError> {
        self.sender.typing().await
    }

    /// See [`Sender::typing_in`].
    pub async fn typing_in(&self, room_id: i64) -> Result<(), RealtimeError> {
        self.sender.typing_in(room_id).await
    }
}

/// Sends actions on a [`Subscription`]'s connection.
///
/// Each method returns once the action has been written to the socket; while the
/// subscription is reconnecting it waits for the new connection (wrap it in a timeout to
/// give up sooner: an action not yet written is then withdrawn). Written is not stored: the
/// server answers a `new_message` with its `message.created` (the acknowledgement) or an
/// [`Event::Error`].
#[derive(Debug, Clone)]
pub struct Sender {
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) target: Target,
}

impl Sender {
    /// Sends any action. On the every-room subscription it must name its room
    /// ([`RealtimeError::RoomRequired`] otherwise).
    pub async fn send(&self, action: Action) -> Result<(), RealtimeError> {
        if self.target == Target::AllRooms && action.chat_room().is_none() {
            return Err(RealtimeError::RoomRequired);
        }
        let (done, outcome) = oneshot::channel();
        self.commands
            .send(Command { action, done })
            .await
            .map_err(|_| RealtimeError::Ended)?;
        outcome.await.unwrap_or(Err(RealtimeError::Ended))
    }

    /// Sends a message to the subscription's room (`new_message`). `client_id` is the
    /// idempotency key: the same one sent again (after [`RealtimeError::Interrupted`], say)
    /// does not store a second message; it also identifies the acknowledgement.
    pub async fn send_message(
        &self,
        text: impl Into<String>,
        client_id: Option<Uuid>,
    ) -> Result<(), RealtimeError> {
        self.send(Action::NewMessage {
            message: text.into(),
            client_id,
            chat_room: None,
            reply_to: None,
        })
        .await
    }

    /// Sends a message to `room_id` (required on the every-room subscription).
    pub async fn send_message_in(
        &self,
        room_id: i64,
        text: impl Into<String>,
        client_id: Option<Uuid>,
    ) -> Result<(), RealtimeError> {
        self.send(Action::NewMessage {
            message: text.into(),
            client_id,
            chat_room: Some(room_id),
            reply_to: None,
        })
        .await
    }

    /// Sends a message to `room_id` in answer to `reply_to`, a message of that room (on a
    /// room's subscription, `room_id` must be its room).
    pub async fn reply_in(
        &self,
        room_id: i64,
        reply_to: i64,
        text: impl Into<String>,
        client_id: Option<Uuid>,
    ) -> Result<(), RealtimeError> {
        self.send(Action::NewMessage {
            message: text.into(),
            client_id,
            chat_room: Some(room_id),
            reply_to: Some(reply_to),
        })
        .await
    }

    /// Tells the subscription's room that the caller is typing.
    pub async fn typing(&self) -> Result<(), RealtimeError> {
        self.send(Action::Typing { chat_room: None }).await
    }

    /// Tells `room_id` that the caller is typing (required on the every-room subscription).
    pub async fn typing_in(&self, room_id: i64) -> Result<(), RealtimeError> {
        self.send(Action::Typing {
            chat_room: Some(room_id),
        })
        .await
    }
}
