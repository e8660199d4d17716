//! The task behind a [`Subscription`](super::Subscription): it holds the socket, reads
//! events, writes actions, and when the connection drops reconnects from the position of
//! the last stored event it yielded, so that the server replays what was missed.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, sleep, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::error::{is_final_close, is_transient};
use super::subscription::{Command, Item, Status};
use super::{Event, Options, RealtimeError, Target};
use crate::{Client, Error, types};

type Socket = WebSocketStream<reqwest::Upgraded>;

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

/// An item read from the socket, waiting for room in the subscriber's buffer.
struct Pending {
    item: Item,
    /// Where the stream stands once the item is yielded: a stored event's position, or the
    /// one a `resync` goes on from.
    position: Option<i64>,
}

pub(crate) struct Driver {
    pub(crate) client: Client,
    pub(crate) target: Target,
    pub(crate) options: Options,
    /// The position of the last stored event yielded (or of the `resync` that moved the
    /// stream on); every connection resumes after it. Set by [`Driver::connect`].
    pub(crate) position: i64,
    pub(crate) events: mpsc::Sender<Item>,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) status: Arc<Status>,
}

impl Driver {
    /// The first connection: from [`Options::since`], or else from the stream's newest
    /// position now (so that a reconnection before the first event still misses nothing).
    /// Any failure is returned.
    pub(crate) async fn connect(&mut self) -> Result<Socket, RealtimeError> {
        let limit = self.options.handshake_timeout;
        let late = |what| Error::Custom(format!("chat-sdk: no {what} within {limit:?}"));
        self.position = match self.options.since {
            Some(position) => position,
            None => match timeout(limit, self.client.events_list().send()).await {
                Ok(page) => page.map_err(RealtimeError::Start)?.position,
                Err(_) => return Err(RealtimeError::Start(late("event stream position"))),
            },
        };
        match timeout(limit, self.handshake()).await {
            Ok(socket) => socket.map_err(RealtimeError::Handshake),
            Err(_) => Err(RealtimeError::Handshake(late("WebSocket handshake"))),
        }
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
                    // The server replays what came after our position before going live.
                    match unless_gone(events, self.reconnect(&mut failures)).await {
                        None => return Stop::Gone,
                        Some(Err(stop)) => return stop,
                        Some(Ok(connection)) => {
                            self.status.reconnects.fetch_add(1, Ordering::Relaxed);
                            connection
                        }
                    }
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

    /// Opens the socket, resuming after [`Driver::position`].
    async fn handshake(&self) -> Result<Socket, Error<types::ApiError>> {
        // The generated operations send the upgrade headers and go through the session hooks,
        // so the token is fresh and a refused one is renewed once.
        let since = self.position;
        let upgraded = match self.target {
            Target::Room(room) => {
                self.client
                    .ws_room()
                    .room_id(room)
                    .since(since)
                    .send()
                    .await?
            }
            Target::AllRooms => self.client.ws_all_rooms().since(since).send().await?,
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

    /// Relays one connection until it drops or the subscription ends.
    async fn serve(&mut self, mut socket: Socket) -> Stop {
        let keepalive = self.options.keepalive;
        let mut ping = tokio::time::interval_at(Instant::now() + keepalive, keepalive);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        // An event read but not yet taken by the subscriber: the socket is not read until it
        // is, so a subscriber that falls behind holds the server back, not this task's memory.
        // The position moves on only once it is yielded: if the connection drops first, the
        // next one replays it.
        let mut pending: Option<Pending> = None;
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
                    if let Some(Pending { item, position }) = pending.take() {
                        permit.send(item);
                        if let Some(position) = position {
                            self.position = position;
                        }
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
                        Some(Ok(Frame::Text(text))) => pending = accept(self.position, &text),
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
        }
    }
}

/// What to yield for a text frame, the stream being at `position`: `None` for a stored event
/// at or before it (already yielded; the server's replay and live events do not overlap,
/// so this is a safety net). A `resync` moves the stream to the position it names, and a
/// frame that cannot be decoded still counts by its `position`, so that it is reported once.
fn accept(position: i64, text: &str) -> Option<Pending> {
    let (item, at) = match serde_json::from_str::<Event>(text) {
        Ok(Event::Resync {
            reason,
            position: to,
        }) => {
            return Some(Pending {
                item: Ok(Event::Resync {
                    reason,
                    position: to,
                }),
                position: Some(to),
            });
        }
        Ok(event) => {
            let at = event.position();
            (Ok(event), at)
        }
        Err(source) => {
            let at = serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|frame| frame.get("position").and_then(Value::as_i64));
            let frame = text.to_owned();
            (Err(RealtimeError::Decode { frame, source }), at)
        }
    };
    match at {
        Some(at) if at <= position => None,
        _ => Some(Pending { item, position: at }),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deleted(position: i64) -> String {
        json!({"position": position, "type": "message.deleted", "chat_room": 7, "message_id": 3})
            .to_string()
    }

    fn at(pending: Option<Pending>) -> Option<Option<i64>> {
        pending.map(|p| p.position)
    }

    #[test]
    fn stored_events_at_or_before_the_position_are_dropped() {
        assert_eq!(at(accept(10, &deleted(9))), None);
        assert_eq!(at(accept(10, &deleted(10))), None);
        assert_eq!(at(accept(10, &deleted(11))), Some(Some(11)));
        // Also the frames of types this SDK does not know.
        let newer = json!({"position": 10, "type": "user.updated", "user": {}}).to_string();
        assert_eq!(at(accept(10, &newer)), None);
        assert_eq!(at(accept(9, &newer)), Some(Some(10)));
    }

    #[test]
    fn events_without_a_position_always_pass() {
        let typing = json!({"type": "typing", "chat_room": 7, "user_id": 2, "username": "b"});
        assert_eq!(at(accept(10, &typing.to_string())), Some(None));
        let message = json!({
            "id": 3, "chat_room": 7, "sender": "alice", "sender_id": 1, "content": "hi",
            "created_at": "2024-01-01T00:00:00.000000Z", "is_read": false, "reactions": [],
            "mentions": [],
        });
        let retried = json!({"type": "message.created", "message": message});
        assert_eq!(at(accept(10, &retried.to_string())), Some(None));
    }

    #[test]
    fn a_resync_moves_the_stream_wherever_it_says() {
        let resync = |position: i64| {
            json!({"type": "resync", "reason": "position_expired", "position": position})
                .to_string()
        };
        let moved = accept(10, &resync(500)).expect("yielded");
        assert!(matches!(
            moved.item,
            Ok(Event::Resync { position: 500, .. })
        ));
        assert_eq!(moved.position, Some(500));
        // The server's word, even behind: what follows is after it.
        assert_eq!(at(accept(10, &resync(4))), Some(Some(4)));
    }

    #[test]
    fn an_undecodable_stored_frame_is_reported_once() {
        let broken = json!({"position": 11, "type": "message.created", "message": {}}).to_string();
        let reported = accept(10, &broken).expect("reported");
        assert!(matches!(reported.item, Err(RealtimeError::Decode { .. })));
        assert_eq!(reported.position, Some(11));
        assert!(accept(11, &broken).is_none());
        assert!(matches!(
            accept(10, "not json"),
            Some(Pending {
                item: Err(RealtimeError::Decode { .. }),
                position: None
            })
        ));
    }
}
