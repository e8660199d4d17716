//! WebSocket delivery against the real server: real clients, real frames.

mod actions;
mod auth;
mod backpressure;
mod delivery;
mod lifecycle;
mod membership;
mod seed002;
mod smoke;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::*;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a test waits for a frame that should come.
pub const PATIENCE: Duration = Duration::from_secs(5);
/// How long a test waits to be sure a frame does not come.
pub const QUIET: Duration = Duration::from_millis(300);

fn ws_url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.base.replacen("http://", "ws://", 1))
}

/// Opens `path` with `Authorization: Bearer <token>`.
pub async fn connect(app: &TestApp, path: &str, token: &str) -> Socket {
    try_connect(app, path, Some(token))
        .await
        .unwrap_or_else(|err| panic!("WebSocket to {path} refused: {err}"))
}

/// The handshake's outcome: a socket, or the HTTP refusal (status and JSON body inside).
pub async fn try_connect(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> Result<Socket, WsError> {
    let mut request = ws_url(app, path).into_client_request()?;
    if let Some(token) = token {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("header value");
        request.headers_mut().insert("authorization", value);
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// The HTTP status and JSON body of a refused handshake.
pub fn refusal(result: Result<Socket, WsError>) -> (u16, Value) {
    let (status, body, _) = refusal_with_headers(result);
    (status, body)
}

/// [`refusal`] with the response's headers (`WWW-Authenticate` on a 401).
pub fn refusal_with_headers(
    result: Result<Socket, WsError>,
) -> (u16, Value, tokio_tungstenite::tungstenite::http::HeaderMap) {
    match result {
        Err(WsError::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .and_then(|bytes| serde_json::from_slice(bytes).ok())
                .unwrap_or(Value::Null);
            (response.status().as_u16(), body, response.headers().clone())
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected an HTTP refusal, got a socket"),
    }
}

/// Whether a text frame is a `presence` event. Every socket a room-mate opens or closes may
/// cause one, so the helpers below skip them unless a test asks for them (tests/api/presence).
fn is_presence(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|event| event["type"] == "presence")
}

/// The next JSON event (pings, pongs and `presence` skipped); panics after [`PATIENCE`].
pub async fn next_event(socket: &mut Socket) -> Value {
    next_event_of(socket, false).await
}

/// The next JSON event, `presence` included.
pub async fn next_event_including_presence(socket: &mut Socket) -> Value {
    next_event_of(socket, true).await
}

async fn next_event_of(socket: &mut Socket, with_presence: bool) -> Value {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) if !with_presence && is_presence(text.as_str()) => {}
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str()).expect("events are JSON");
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected an event, got {other:?}"),
            }
        }
    })
    .await
    .expect("an event within the patience")
}

/// Asserts nothing but keep-alives (and `presence` events) arrives for [`QUIET`].
pub async fn assert_silent(socket: &mut Socket) {
    assert_silent_of(socket, false).await;
}

/// Asserts nothing but keep-alives arrives for [`QUIET`], `presence` events included.
pub async fn assert_silent_including_presence(socket: &mut Socket) {
    assert_silent_of(socket, true).await;
}

async fn assert_silent_of(socket: &mut Socket, with_presence: bool) {
    let heard = tokio::time::timeout(QUIET, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Text(text))) if !with_presence && is_presence(text.as_str()) => {}
                other => return other,
            }
        }
    })
    .await;
    if let Ok(frame) = heard {
        panic!("expected silence, got {frame:?}");
    }
}

/// The close frame the server sends (code, reason), skipping events still queued.
pub async fn close_frame(socket: &mut Socket) -> Option<(u16, String)> {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => {
                    return frame.map(|CloseFrame { code, reason }| {
                        (u16::from(code), reason.as_str().to_owned())
                    });
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await
    .expect("a close within the patience")
}

/// Sends a JSON action.
pub async fn act(socket: &mut Socket, action: Value) {
    socket
        .send(Message::text(action.to_string()))
        .await
        .expect("frame sent");
}

/// `/ws/chat/rooms/{room}/`: one room's socket.
pub fn room_ws(room: i64) -> String {
    format!("/ws/chat/rooms/{room}/")
}

/// `/ws/chat/`: the socket for every room of the user.
pub const ALL_ROOMS_WS: &str = "/ws/chat/";

/// `/ws/chat/{user}/{other}/`: seed 002's socket for a pair of users.
pub fn pair_ws(user: i64, other: i64) -> String {
    format!("/ws/chat/{user}/{other}/")
}

/// `/api/chat/rooms/{room}/messages/`.
pub fn messages_url(room: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/")
}

/// `/api/chat/rooms/{room}/messages/{id}/`.
pub fn message_url(room: i64, id: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/{id}/")
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("expected an object, got {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// The message as REST returns it (`GET .../messages/{id}/`).
pub async fn rest_message(app: &TestApp, reader: &User, room: i64, id: i64) -> Value {
    let reply = app.get(&message_url(room, id), Some(&reader.access)).await;
    assert_eq!(reply.status, 200, "get message {id}: {reply:?}");
    reply.body
}

/// The position of a stored event: a positive integer, the first key of its frame. Ephemeral
/// frames (`typing`, `presence`, `error`, `resync`) have none, nor has the answer to a
/// `new_message` retried with its `client_id` (not a stored event).
pub fn position(event: &Value) -> i64 {
    let first = event
        .as_object()
        .and_then(|frame| frame.keys().next())
        .map(String::as_str);
    assert_eq!(
        first,
        Some("position"),
        "a stored event starts with its position: {event}"
    );
    event["position"]
        .as_i64()
        .filter(|position| *position > 0)
        .unwrap_or_else(|| panic!("the position is a positive integer: {event}"))
}

/// A stored event without its position (checked by [`position`]): the frame to compare with
/// what REST answered.
pub fn unpositioned(event: &Value) -> Value {
    position(event);
    let mut frame = event.clone();
    if let Some(fields) = frame.as_object_mut() {
        fields.remove("position");
    }
    frame
}

/// The next event must be the stored event `expected`: that frame, with its position in
/// front. Returns the position.
pub async fn expect_stored(socket: &mut Socket, expected: &Value) -> i64 {
    let event = next_event(socket).await;
    assert_eq!(unpositioned(&event), *expected, "{event}");
    position(&event)
}

/// Asserts that the positions of the stored events one socket heard grow, in that order.
pub fn assert_growing(positions: &[i64]) {
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "positions grow: {positions:?}"
    );
}

/// The room as the events shared by its participants carry it (`room.created`,
/// `room.updated`, `member.added`): REST's room as `reader` gets it, without what is the
/// reader's own (`messages: []`, both counts 0).
pub async fn shared_room(app: &TestApp, reader: &User, room: i64) -> Value {
    let reply = app
        .get(&format!("/api/chat/rooms/{room}/"), Some(&reader.access))
        .await;
    assert_eq!(reply.status, 200, "get room {room}: {reply:?}");
    let mut room = reply.body;
    room["messages"] = json!([]);
    room["unread_count"] = json!(0);
    room["mention_count"] = json!(0);
    room
}

/// The next event must be `room.created` for `room`, as [`shared_room`] reads it as `reader`;
/// returns its position.
pub async fn expect_room_created(
    app: &TestApp,
    socket: &mut Socket,
    reader: &User,
    room: i64,
) -> i64 {
    let room = shared_room(app, reader, room).await;
    expect_stored(socket, &json!({"type": "room.created", "room": room})).await
}

/// The next event must be `message.created` for message `id`, a stored event; returns that
/// event. Used as a barrier too: stored events reach each connection in the order of their
/// positions, so if a message stored later arrives next, nothing stored before it was meant
/// for this socket.
pub async fn expect_created(socket: &mut Socket, id: i64) -> Value {
    let event = next_event(socket).await;
    assert_eq!(
        (&event["type"], &event["message"]["id"]),
        (&json!("message.created"), &json!(id)),
        "expected message.created of {id}, got {event}"
    );
    position(&event);
    event
}

/// The next event must be an `error` with this code; returns it.
pub async fn expect_error(socket: &mut Socket, code: &str) -> Value {
    let event = next_event(socket).await;
    assert_eq!(
        (&event["type"], &event["code"]),
        (&json!("error"), &json!(code)),
        "expected an error {code}, got {event}"
    );
    event
}

/// Every event (`presence` skipped) up to the server's close frame, and that frame (`None`: the connection ended
/// without one).
pub async fn events_until_close(socket: &mut Socket) -> (Vec<Value>, Option<(u16, String)>) {
    let mut events = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) if is_presence(text.as_str()) => {}
                Some(Ok(Message::Text(text))) => {
                    events.push(serde_json::from_str(text.as_str()).expect("events are JSON"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return frame.map(|CloseFrame { code, reason }| {
                        (u16::from(code), reason.as_str().to_owned())
                    });
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await
    .expect("the connection ends within the patience");
    (events, closed)
}
