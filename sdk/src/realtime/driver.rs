//! The task behind a [`Subscription`](super::Subscription): it holds the socket, reads
//! events, writes actions, and when the connection drops reconnects, catches up and drops
//! the duplicates.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::{SinkExt, StreamExt, TryStreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, sleep, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::error::{is_final_close, is_transient};
use super::ledger::Ledger;
use super::subscription::{Command, Item, Status};
use super::{Event, Options, RealtimeError, Target};
use crate::{Client, Error, types};

type Socket = WebSocketStream<reqwest::Upgraded>;

/// Pages as large as the server allows: a catch-up takes as few requests as possible.
const PAGE_SIZE: i64 = 100;

/// Why a connection, or the whole subscription, stopped.
enum Stop {
    /// The connection dropped (network, restart, shutdown, slow consumer): reconnect.
    Dropped,
    /// The caller may not listen any more: end the stream with this error.
    Final(Box<RealtimeError>),
    /// The subscription was dropped.
    Gone,
}

impl Stop {
    fn end(error: RealtimeError) -> Stop {
        Stop::Final(Box::new(error))
    }
}

pub(crate) struct Driver {
    pub(crate) client: Client,
    pub(crate) target: Target,
    pub(crate) options: Options,
    pub(crate) ledger: Ledger,
    pub(crate) events: mpsc::Sender<Item>,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) status: Arc<Status>,
}

impl Driver {
    /// The first connection: the handshake, then what counts as history in each room (so
    /// that a later catch-up knows where news begins). Any failure is returned.
    pub(crate) async fn connect(&mut self) -> Result<Socket, RealtimeError> {
        let socket = match timeout(self.options.handshake_timeout, self.handshake()).await {
            Ok(socket) => socket.map_err(RealtimeError::Handshake)?,
            Err(_) => {
                return Err(RealtimeError::Handshake(Error::Custom(format!(
                    "chat-sdk: no WebSocket handshake within {:?}",
                    self.options.handshake_timeout
                ))));
            }
        };
        self.start_ledger().await.map_err(RealtimeError::CatchUp)?;
        Ok(socket)
    }

    /// Serves the subscription until it ends; `socket` is the first connection.
    pub(crate) async fn run(mut self, socket: Socket) {
        // A second handle on the channel notices the subscription being dropped while this
        // task waits for something else.
        let events = self.events.clone();
        let stop = self.follow(&events, socket).await;
        if let Stop::Final(error) = stop {
            let _ = self.events.send(Err(*error)).await;
        }
    }

    async fn follow(&mut self, events: &mpsc::Sender<Item>, first: Socket) -> Stop {
        let mut socket = Some(first);
        let mut failures = 0;
        loop {
            let connection = match socket.take() {
                Some(socket) => socket,
                None => {
                    let Some(reconnected) =
                        unless_gone(events, self.reconnect(&mut failures)).await
                    else {
                        return Stop::Gone;
                    };
                    let connection = match reconnected {
                        Ok(connection) => connection,
                        Err(stop) => return stop,
                    };
                    // The new socket hears everything published from its handshake on; what
                    // came before is fetched now, and the overlap is dropped by the ledger.
                    match unless_gone(events, self.catch_up()).await {
                        None | Some(Err(Stop::Gone)) => return Stop::Gone,
                        Some(Err(Stop::Dropped)) => continue,
                        Some(Err(stop)) => return stop,
                        Some(Ok(())) => {}
                    }
                    self.status.reconnects.fetch_add(1, Ordering::Relaxed);
                    connection
                }
            };
            let connected = Instant::now();
            match self.serve(connection).await {
                Stop::Dropped => {}
                stop => return stop,
            }
            if connected.elapsed() >= self.options.backoff.reset_after {
                failures = 0;
            }
        }
    }

    async fn handshake(&self) -> Result<Socket, Error<types::ApiError>> {
        // The generated operations send the upgrade headers and go through the session hooks,
        // so the token is fresh and a refused one is renewed once.
        let upgraded = match self.target {
            Target::Room(room) => self.client.ws_room().room_id(room).send().await?,
            Target::AllRooms => self.client.ws_all_rooms().send().await?,
        };
        Ok(WebSocketStream::from_raw_socket(upgraded.into_inner(), Role::Client, None).await)
    }

    /// Waits out the backoff and connects again, until it works or is refused for good.
    async fn reconnect(&mut self, failures: &mut u32) -> Result<Socket, Stop> {
        let mut wait = self.options.backoff.delay(*failures);
        loop {
            sleep(wait).await;
            *failures = failures.saturating_add(1);
            wait = self.options.backoff.delay(*failures);
            match timeout(self.options.handshake_timeout, self.handshake()).await {
                Ok(Ok(socket)) => return Ok(socket),
                Ok(Err(error)) if !is_transient(&error) => {
                    return Err(Stop::end(RealtimeError::Handshake(error)));
                }
                Ok(Err(error)) => wait = wait.max(retry_after(&error)),
                Err(_) => {}
            }
        }
    }

    /// Records, per room, the newest message now: older ones are history.
    async fn start_ledger(&mut self) -> Result<(), Error<types::ApiError>> {
        match self.target {
            Target::Room(room) => {
                let page = self
                    .client
                    .messages_list()
                    .room_id(room)
                    .page_size(1)
                    .send()
                    .await?
                    .into_inner();
                self.ledger
                    .follow(room, page.results.first().map_or(0, |m| m.id));
            }
            Target::AllRooms => {
                let mut rooms = pin!(
                    self.client
                        .rooms_list()
                        .page_size(PAGE_SIZE)
                        .messages_limit(1)
                        .into_stream()
                );
                while let Some(room) = rooms.try_next().await? {
                    self.ledger
                        .follow(room.id, room.messages.first().map_or(0, |m| m.id));
                }
            }
        }
        Ok(())
    }

    /// Yields, oldest first, the messages sent while disconnected: in the room, or in every
    /// room the caller is in now (rooms left are forgotten, rooms joined start at the
    /// ledger's watermark).
    async fn catch_up(&mut self) -> Result<(), Stop> {
        let rooms = match self.target {
            Target::Room(room) => {
                return match self.catch_up_room(room).await {
                    Err(Some(error)) if !is_transient(&error) => {
                        Err(Stop::end(RealtimeError::CatchUp(error)))
                    }
                    Err(Some(_)) => Err(Stop::Dropped),
                    Err(None) => Err(Stop::Gone),
                    Ok(()) => Ok(()),
                };
            }
            Target::AllRooms => {
                let listed: Result<BTreeSet<i64>, _> = self
                    .client
                    .rooms_list()
                    .page_size(PAGE_SIZE)
                    .messages_limit(0)
                    .into_stream()
                    .map_ok(|room| room.id)
                    .try_collect()
                    .await;
                match listed {
                    Ok(rooms) => rooms,
                    Err(error) if is_transient(&error) => return Err(Stop::Dropped),
                    Err(error) => return Err(Stop::end(RealtimeError::CatchUp(error))),
                }
            }
        };
        self.ledger.retain(&rooms);
        for room in rooms {
            match self.catch_up_room(room).await {
                Ok(()) => {}
                Err(None) => return Err(Stop::Gone),
                // Left (or deleted) since the list was read: nothing more to hear from it.
                Err(Some(error))
                    if matches!(error.status().map(|s| s.as_u16()), Some(403 | 404)) => {}
                Err(Some(error)) if is_transient(&error) => return Err(Stop::Dropped),
                Err(Some(error)) => return Err(Stop::end(RealtimeError::CatchUp(error))),
            }
        }
        Ok(())
    }

    /// Yields the room's messages after its anchor that were not yielded yet. `Err(None)`:
    /// the subscription was dropped.
    async fn catch_up_room(&mut self, room: i64) -> Result<(), Option<Error<types::ApiError>>> {
        let after = self.ledger.anchor(room);
        self.ledger.follow(room, after);
        let mut missed = pin!(
            self.client
                .messages_list()
                .room_id(room)
                .after(after)
                .page_size(PAGE_SIZE)
                .into_stream()
        );
        while let Some(message) = missed.try_next().await.map_err(Some)? {
            if self.ledger.first_time(room, message.id) {
                self.events
                    .send(Ok(Event::MessageCreated(message)))
                    .await
                    .map_err(|_| None)?;
            }
        }
        Ok(())
    }

    /// Relays one connection until it drops or the subscription ends.
    async fn serve(&mut self, mut socket: Socket) -> Stop {
        let keepalive = self.options.keepalive;
        let mut ping = tokio::time::interval_at(Instant::now() + keepalive, keepalive);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        // An event read but not yet taken by the subscriber: the socket is not read until it
        // is, so a subscriber that falls behind holds the server back, not this task's memory.
        let mut pending: Option<Item> = None;
        let mut senders = true;
        loop {
            tokio::select! {
                biased;
                () = self.events.closed() => {
                    let _ = timeout(keepalive, socket.close(None)).await;
                    return Stop::Gone;
                }
                permit = self.events.reserve(), if pending.is_some() => {
                    let Ok(permit) = permit else { return Stop::Gone };
                    if let Some(item) = pending.take() {
                        permit.send(item);
                    }
                }
                command = self.commands.recv(), if senders => {
                    let Some(Command { action, done }) = command else {
                        senders = false;
                        continue;
                    };
                    if done.is_closed() {
                        // The caller stopped waiting before it could be written.
                        continue;
                    }
                    let frame = Frame::text(action.to_text());
                    if !matches!(timeout(keepalive, socket.send(frame)).await, Ok(Ok(()))) {
                        let _ = done.send(Err(RealtimeError::Interrupted));
                        return Stop::Dropped;
                    }
                    let _ = done.send(Ok(()));
                }
                frame = socket.next(), if pending.is_none() => {
                    last_heard = Instant::now();
                    match frame {
                        Some(Ok(Frame::Text(text))) => pending = accept(&mut self.ledger, text.as_str()),
                        Some(Ok(Frame::Close(Some(close))))
                            if is_final_close(close.code.into(), &close.reason) =>
                        {
                            return Stop::end(RealtimeError::Closed {
                                code: close.code.into(),
                                reason: close.reason.to_string(),
                            });
                        }
                        Some(Ok(Frame::Close(_))) | Some(Err(_)) | None => return Stop::Dropped,
                        // Pings are answered by tungstenite; nothing else is sent.
                        Some(Ok(_)) => {}
                    }
                }
                _ = ping.tick() => {
                    // The server pings too, but its interval is its own: this side's pings
                    // make sure something is heard, and a connection gone silent is replaced.
                    if last_heard.elapsed() > keepalive * 2 {
                        return Stop::Dropped;
                    }
                    let ping = socket.send(Frame::Ping(Default::default()));
                    if !matches!(timeout(keepalive, ping).await, Ok(Ok(()))) {
                        return Stop::Dropped;
                    }
                }
            }
            // Told that events may have been missed: fetch the messages before passing the
            // news on (the ledger drops any that also arrive on the socket).
            if matches!(pending, Some(Ok(Event::Resync)))
                && let Err(stop) = self.catch_up().await
            {
                return stop;
            }
        }
    }
}

/// The item for a text frame: `None` for a message already yielded.
fn accept(ledger: &mut Ledger, text: &str) -> Option<Item> {
    match serde_json::from_str::<Event>(text) {
        Ok(Event::MessageCreated(message)) => ledger
            .first_time(message.chat_room, message.id)
            .then_some(Ok(Event::MessageCreated(message))),
        Ok(event) => Some(Ok(event)),
        Err(source) => Some(Err(RealtimeError::Decode {
            frame: text.to_owned(),
            source,
        })),
    }
}

/// Runs `work` unless the subscription is dropped first (`None`).
async fn unless_gone<T>(events: &mpsc::Sender<Item>, work: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        () = events.closed() => None,
        out = work => Some(out),
    }
}

/// The wait a 429 or 503 asks for (`Retry-After`, in seconds), if any.
fn retry_after(error: &Error<types::ApiError>) -> Duration {
    let headers = match error {
        Error::ErrorResponse(response) => response.headers(),
        Error::UnexpectedResponse(response) => response.headers(),
        _ => return Duration::ZERO,
    };
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .map_or(Duration::ZERO, Duration::from_secs)
}
