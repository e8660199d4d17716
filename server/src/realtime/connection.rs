//! One WebSocket connection: events out through its bounded queue, actions in, keep-alive
//! pings, and the close frame that says why the server ended it.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use poem::web::websocket::{Message, WebSocketStream};
use serde_json::{Map, Value};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior, timeout};

use super::hub::{Behind, Closing, NOT_A_PARTICIPANT, ROOM_DELETED, Registration};
use super::{Action, Event, Scope};
use crate::auth::CurrentUser;
use crate::domain::events::Stored;
use crate::domain::fields::Fields;
use crate::domain::messages::may_send_as;
use crate::error::Error;
use crate::service::messages::{self, Sent};
use crate::startup::AppState;

const GONE_SILENT: Closing = Closing {
    code: 1001,
    reason: "no pong",
};
const TOO_BIG: Closing = Closing {
    code: 1009,
    reason: "frame too large",
};
const PROTOCOL_ERROR: Closing = Closing {
    code: 1002,
    reason: "protocol error",
};
/// The log could not be read to start the connection: the client reconnects later.
const TRY_AGAIN: Closing = Closing {
    code: 1011,
    reason: "try again later",
};
/// Events replayed per read of the log.
const REPLAY_BATCH: i64 = 500;
/// How long a close frame may take to leave before the socket is simply dropped. A slow
/// consumer's close waits behind everything already in its buffers: give a reader that is
/// slow, not dead, the time to reach it and learn why.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// An accepted connection, registered with the hub before the upgrade completed.
pub struct Connection {
    pub state: Arc<AppState>,
    pub user: CurrentUser,
    pub scope: Scope,
    /// Seed 002's pair route: the other user of the pair, whom actions may name.
    pub other_user: Option<i64>,
    /// Replay what the client may see after this position, then go live; `None`: live
    /// already ([`go_live_now`]).
    pub since: Option<i64>,
    pub registration: Registration,
}

/// Serves the connection until the client leaves, falls behind, goes silent, or the server
/// closes it (membership, room deletion, shutdown).
pub async fn run(socket: WebSocketStream, mut conn: Connection) {
    let (mut sink, mut stream) = socket.split();
    let interval = conn.state.realtime.settings.ping_interval;
    let mut ping = tokio::time::interval_at(Instant::now() + interval, interval);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    // Boxed: its replay's state (statements, frames) would otherwise stay in every idle
    // socket's task for the connection's whole life.
    let live = Box::pin(go_live(&conn, &mut sink)).await;

    let closing = 'serve: loop {
        if let Err(why) = live {
            break why;
        }
        tokio::select! {
            changed = conn.registration.closed.changed() => {
                if changed.is_err() {
                    break None;
                }
                break *conn.registration.closed.borrow();
            }
            event = conn.registration.events.recv() => {
                let Some(text) = event else { break None };
                if !send(&mut sink, &mut conn.registration.closed, Message::Text(text)).await {
                    break None;
                }
            }
            frame = stream.next() => {
                last_heard = Instant::now();
                let replies = match frame {
                    // Boxed: an action's future (a send goes through the whole message path)
                    // is larger than the rest of this loop, and inline it would sit in every
                    // idle socket's task: 3,096 bytes of task state, 1,400 boxed.
                    Some(Ok(Message::Text(text))) => Box::pin(conn.act(&text)).await,
                    Some(Ok(Message::Binary(_))) => vec![Event::error(
                        "parse_error",
                        "Frames are JSON text; binary frames are not accepted.",
                    )
                    .to_text()],
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Vec::new(),
                    Some(Ok(Message::Close(_))) | None => break None,
                    Some(Err(err)) => break Some(read_error(&err)),
                };
                for reply in replies {
                    if !send(&mut sink, &mut conn.registration.closed, Message::Text(reply)).await {
                        break 'serve None;
                    }
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > interval * 2 {
                    break Some(GONE_SILENT);
                }
                if !send(&mut sink, &mut conn.registration.closed, Message::Ping(Vec::new())).await {
                    break None;
                }
            }
        }
    };
    // A send abandoned because the hub closed the connection leaves the reason in `closed`.
    let closing = closing.or(*conn.registration.closed.borrow());
    // The hub queues a membership change's event (member.removed, room.deleted) before it
    // closes the connection for it: the client hears why before the close.
    if closing.is_some_and(|why| why == NOT_A_PARTICIPANT || why == ROOM_DELETED) {
        let flush = async {
            while let Ok(text) = conn.registration.events.try_recv() {
                if sink.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
        };
        let _ = timeout(CLOSE_TIMEOUT, flush).await;
    }
    // Out of the hub now: a slow consumer's close may take seconds, and its reconnection must
    // not find this socket still counted against the user's limit.
    drop(conn);
    if let Some(why) = closing {
        let frame = Message::close_with(why.code, why.reason);
        let _ = timeout(CLOSE_TIMEOUT, sink.send(frame)).await;
    }
    let _ = timeout(CLOSE_TIMEOUT, sink.close()).await;
}

/// Makes a connection that does not resume live before its handshake is answered, so that a
/// change made once the client has its 101 reaches it (typing and presence included). Returns
/// where it must still replay from: the client's `since`, or (rarely) the snapshot's position
/// if the feed moved on further than the registry keeps while it was read.
pub async fn go_live_now(
    state: &AppState,
    registration: &Registration,
    since: Option<i64>,
) -> Result<Option<i64>, Error> {
    if since.is_some() {
        return Ok(since);
    }
    let snapshot = state.store.snapshot(registration.user_id()).await?;
    match state.realtime.registry.activate(registration, &snapshot) {
        Ok(()) => Ok(None),
        Err(Behind) => Ok(Some(snapshot.position)),
    }
}

/// Replays the stored events after the connection's `since` that its user may see (on a room
/// socket, that room's), then makes it live at the position the replay reached: no gap and no
/// duplicate at the seam. `Err` with the reason to close (or none, if the client left).
async fn go_live<S>(conn: &Connection, sink: &mut S) -> Result<(), Option<Closing>>
where
    S: futures::Sink<Message> + Unpin,
{
    let store = &conn.state.store;
    let room = match conn.scope {
        Scope::Room(room) => Some(room),
        Scope::AllRooms => None,
    };
    let mut closed = conn.registration.closed.clone();
    let Some(mut since) = conn.since else {
        return Ok(());
    };
    loop {
        let snapshot = store.snapshot(conn.user.id).await.map_err(unreadable)?;
        if since < snapshot.pruned_through {
            let resync = Event::position_expired(snapshot.position).to_text();
            if !send(sink, &mut closed, Message::Text(resync)).await {
                return Err(None);
            }
        } else {
            let mut from = since;
            let mut room_deleted = false;
            while from < snapshot.position {
                let events = store
                    .replay(conn.user.id, room, from, snapshot.position, REPLAY_BATCH)
                    .await
                    .map_err(unreadable)?;
                let Some(last) = events.last() else {
                    break;
                };
                from = last.position;
                room_deleted |= room.is_some() && events.iter().any(|e| e.kind == "room.deleted");
                let frames = events.into_iter().map(|event| Message::Text(event.frame));
                if !send_batch(sink, &mut closed, frames).await {
                    return Err(None);
                }
            }
            // The room of this socket is gone: it closes as it would have live.
            if room_deleted {
                return Err(Some(ROOM_DELETED));
            }
        }
        match conn
            .state
            .realtime
            .registry
            .activate(&conn.registration, &snapshot)
        {
            Ok(()) => return Ok(()),
            // The feed moved on further than the registry keeps: replay up to a newer snapshot.
            Err(Behind) => since = snapshot.position,
        }
    }
}

fn unreadable(err: sqlx::Error) -> Option<Closing> {
    tracing::warn!(error = %err, "a socket could not read the event log to start");
    Some(TRY_AGAIN)
}

/// Sends frames with one flush for all of them (a replay writes batches, not a syscall per
/// frame), unless the hub closes the connection first.
async fn send_batch<S>(
    sink: &mut S,
    closed: &mut watch::Receiver<Option<Closing>>,
    frames: impl Iterator<Item = Message>,
) -> bool
where
    S: futures::Sink<Message> + Unpin,
{
    let sending = async {
        for frame in frames {
            sink.feed(frame).await?;
        }
        sink.flush().await
    };
    tokio::select! {
        biased;
        sent = sending => sent.is_ok(),
        _ = closed.changed() => false,
    }
}

/// Sends one frame unless the hub closes the connection first (a client that stopped
/// reading blocks the send; the hub's verdict must still get through).
async fn send<S>(
    sink: &mut S,
    closed: &mut watch::Receiver<Option<Closing>>,
    frame: Message,
) -> bool
where
    S: futures::Sink<Message> + Unpin,
{
    send_batch(sink, closed, std::iter::once(frame)).await
}

fn read_error(err: &std::io::Error) -> Closing {
    // poem hands tungstenite's errors over as text; a size limit reads "Space limit exceeded".
    if err.to_string().contains("Space limit exceeded") {
        TOO_BIG
    } else {
        PROTOCOL_ERROR
    }
}

impl Connection {
    /// Carries out one client frame; returns the events for this socket alone.
    async fn act(&self, text: &str) -> Vec<String> {
        let reply = match Action::parse(text) {
            Ok(Action::NewMessage(fields)) => self.new_message(&fields).await,
            Ok(Action::Typing(fields)) => self.typing(&fields).map(|event| event.to_text()),
            Err(event) => Some(event.to_text()),
        };
        reply.into_iter().collect()
    }

    /// Stored exactly like `POST .../messages/`; the sender hears its own `message.created`
    /// through the room like everyone else, which is the acknowledgement.
    async fn new_message(&self, action: &Map<String, Value>) -> Option<String> {
        let room_id = match self.room_of(action) {
            Ok(room) => room,
            Err(event) => return Some(event.to_text()),
        };
        if let Err(event) = self.check_pair_fields(action) {
            return Some(event.to_text());
        }
        let body = message_body(action);
        match messages::send(&self.state, &self.user, room_id, || Ok(body)).await {
            Ok(Sent::Created(_)) => None,
            // A retry of a stored message: only the sender needs to hear it again.
            // (Not a stored event: it carries no position.)
            Ok(Sent::Replayed(message)) => {
                Some(Stored::MessageCreated { message: &message }.to_text())
            }
            Err(err) => Some(refusal(err).to_text()),
        }
    }

    fn typing(&self, action: &Map<String, Value>) -> Option<Event<'static>> {
        let room_id = match self.room_of(action) {
            Ok(room) => room,
            Err(event) => return Some(event),
        };
        if let Err(event) = self.check_pair_fields(action) {
            return Some(event);
        }
        let listening = self
            .state
            .realtime
            .registry
            .hears(&self.registration, room_id);
        messages::typing(&self.state, &self.user, room_id, listening)
            .err()
            .map(|err| Event::from_api_error(&err))
    }

    /// The room an action is for: this socket's room (`chat_room`, if sent, must be it), or
    /// on the every-room socket the `chat_room` it names.
    fn room_of(&self, action: &Map<String, Value>) -> Result<i64, Event<'static>> {
        let named = action.get("chat_room").filter(|v| !v.is_null());
        match (self.scope, named) {
            (Scope::Room(room), None) => Ok(room),
            (Scope::Room(room), Some(value)) if value.as_i64() == Some(room) => Ok(room),
            (Scope::Room(_), Some(_)) => Err(invalid("chat_room", "Must be this socket's room.")),
            (Scope::AllRooms, Some(value)) => value
                .as_i64()
                .ok_or_else(|| invalid("chat_room", "A valid integer is required.")),
            (Scope::AllRooms, None) => Err(invalid("chat_room", "This field is required.")),
        }
    }

    /// Seed 002's fields: `sender`, if sent, must be the caller; `other_user` the pair's other.
    fn check_pair_fields(&self, action: &Map<String, Value>) -> Result<(), Event<'static>> {
        if let Some(sender) = action.get("sender").filter(|v| !v.is_null())
            && !sender
                .as_i64()
                .is_some_and(|id| may_send_as(self.user.id, Some(id)))
        {
            return Err(Event::from_api_error(&Error::Forbidden));
        }
        if let (Some(other), Some(named)) = (
            self.other_user,
            action.get("other_user").filter(|v| !v.is_null()),
        ) && named.as_i64() != Some(other)
        {
            return Err(invalid(
                "other_user",
                "Must be the other user of this chat.",
            ));
        }
        Ok(())
    }
}

fn invalid(field: &str, message: &str) -> Event<'static> {
    Event::from_api_error(&Error::field(field, message))
}

/// The REST body a `new_message` action stands for.
pub fn message_body(action: &Map<String, Value>) -> Fields {
    let mut body = Map::new();
    for (from, to) in [
        ("message", "content"),
        ("client_id", "client_id"),
        ("reply_to", "reply_to"),
    ] {
        if let Some(value) = action.get(from) {
            body.insert(to.to_owned(), value.clone());
        }
    }
    Fields::new(body)
}

/// The `error` event answering a refused `new_message`.
pub fn refusal(err: Error) -> Event<'static> {
    match err {
        Error::Validation(mut errors) => {
            // The action calls the text `message`; the REST body calls it `content`.
            if let Some(messages) = errors.remove("content") {
                errors.insert("message".into(), messages);
            }
            Event::from_api_error(&Error::Validation(errors))
        }
        err => Event::from_api_error(&err),
    }
}
