//! The WebSocket client: handshakes (and their refusals), and sockets that log every frame
//! they send and receive.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contract_tests::Server;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Frame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::log::{Heard, Log};
use super::{PATIENCE, QUIET};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What [`Client::next_frame`] read.
enum Received {
    Text(String),
    Binary,
    /// The close frame's code and reason, if it had them (or the stream simply ended).
    Closed(Option<(u16, String)>),
}

#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Header(&'a str),
    Query(&'a str),
}

pub async fn try_connect(
    server: &Server,
    path: &str,
    auth: Option<Auth<'_>>,
) -> Result<Socket, WsError> {
    let mut url = format!("{}{path}", server.base.replacen("http://", "ws://", 1));
    if let Some(Auth::Query(token)) = auth {
        let join = if path.contains('?') { '&' } else { '?' };
        url.push_str(&format!("{join}token={token}"));
    }
    let mut request = url.into_client_request()?;
    if let Some(Auth::Header(token)) = auth {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("header value");
        request.headers_mut().insert("authorization", value);
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// The HTTP status and JSON body of a refused handshake.
pub fn refusal(result: Result<Socket, WsError>) -> (u16, Value) {
    match result {
        Err(WsError::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .and_then(|bytes| serde_json::from_slice(bytes).ok())
                .unwrap_or(Value::Null);
            (response.status().as_u16(), body)
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected an HTTP refusal, got a socket"),
    }
}

/// One open socket; everything it sends and receives goes into the shared [`Log`].
pub struct Client {
    /// The path, numbered: two sockets on one path are two sockets.
    label: String,
    channel: &'static str,
    /// The server's base URL: positions are per server.
    server: String,
    socket: Socket,
    log: Arc<Mutex<Log>>,
    /// The stored event frames this socket received (those with a `position`, `resync`
    /// aside), in order: (position, text).
    stored: Vec<(i64, String)>,
}

impl Client {
    pub async fn open(
        server: &Server,
        log: &Arc<Mutex<Log>>,
        channel: &'static str,
        path: &str,
        auth: Auth<'_>,
    ) -> Client {
        static OPENED: AtomicUsize = AtomicUsize::new(0);
        let socket = try_connect(server, path, Some(auth))
            .await
            .unwrap_or_else(|err| panic!("WebSocket to {path} refused: {err}"));
        let serial = OPENED.fetch_add(1, Ordering::Relaxed) + 1;
        Client {
            label: format!("{path} #{serial}"),
            channel,
            server: server.base.clone(),
            socket,
            log: Arc::clone(log),
            stored: Vec::new(),
        }
    }

    /// The stored events this socket received so far whose position is in `after..=through`.
    pub fn stored_between(&self, after: i64, through: i64) -> Vec<&(i64, String)> {
        self.stored
            .iter()
            .filter(|(position, _)| (after + 1..=through).contains(position))
            .collect()
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn send_text(&mut self, text: String, well_formed: bool) {
        self.log()
            .sent
            .push((self.channel, self.label.clone(), text.clone(), well_formed));
        self.socket
            .send(Frame::text(text))
            .await
            .expect("frame sent");
    }

    /// An action the document must accept (the server may still refuse it, e.g. a conflict).
    pub async fn act(&mut self, action: Value) {
        self.send_text(action.to_string(), true).await;
    }

    /// A JSON frame no declared action of the channel may accept.
    pub async fn malformed(&mut self, frame: Value) {
        self.send_text(frame.to_string(), false).await;
    }

    pub async fn malformed_text(&mut self, text: &str) {
        self.send_text(text.to_owned(), false).await;
    }

    pub async fn binary(&mut self) {
        self.socket
            .send(Frame::binary(b"{\"action\": \"typing\"}".to_vec()))
            .await
            .expect("frame sent");
    }

    /// A text frame over the server's frame limit (not an action: it is never read).
    pub async fn oversized(&mut self, bytes: usize) {
        self.socket
            .send(Frame::text("x".repeat(bytes)))
            .await
            .expect("frame sent");
    }

    /// The next frame (pings and pongs skipped), logged; `Err` after `within`.
    async fn next_frame(&mut self, within: Duration) -> Result<Received, ()> {
        let frame = tokio::time::timeout(within, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Frame::Ping(_) | Frame::Pong(_))) => continue,
                    other => return other,
                }
            }
        })
        .await
        .map_err(|_| ())?;
        Ok(match frame {
            Some(Ok(Frame::Text(text))) => {
                let text = text.as_str().to_owned();
                self.log().received.push(Heard {
                    channel: self.channel,
                    socket: self.label.clone(),
                    server: self.server.clone(),
                    text: text.clone(),
                });
                let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                if let Some(position) = frame.get("position").and_then(Value::as_i64)
                    && frame["type"] != "resync"
                {
                    self.stored.push((position, text.clone()));
                }
                Received::Text(text)
            }
            Some(Ok(Frame::Binary(_))) => {
                self.log().binary.push((self.channel, self.label.clone()));
                Received::Binary
            }
            Some(Ok(Frame::Close(frame))) => {
                let close = frame.map(|CloseFrame { code, reason }| {
                    (u16::from(code), reason.as_str().to_owned())
                });
                if let Some((code, reason)) = &close {
                    self.log()
                        .closes
                        .push((self.channel, *code, reason.clone()));
                }
                Received::Closed(close)
            }
            _ => Received::Closed(None),
        })
    }

    /// Reads (and logs) frames until one of `ty` satisfies `matches`.
    pub async fn expect(&mut self, ty: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await {
                Ok(Received::Text(text)) => {
                    let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                    if frame["type"] == ty && matches(&frame) {
                        return frame;
                    }
                    skipped.push(text);
                }
                Ok(Received::Binary) => {}
                Ok(Received::Closed(close)) => {
                    panic!(
                        "{}: closed ({close:?}) while waiting for `{ty}`; heard meanwhile:\n{}",
                        self.label,
                        skipped.join("\n")
                    )
                }
                Err(()) => panic!(
                    "{}: no matching `{ty}` within {PATIENCE:?}; heard meanwhile:\n{}",
                    self.label,
                    skipped.join("\n")
                ),
            }
        }
    }

    pub async fn expect_error(&mut self, code: &str) -> Value {
        self.expect("error", |f| f["code"] == code).await
    }

    /// The next text frame, which must come within [`PATIENCE`].
    pub async fn next_text(&mut self) -> Value {
        match self.next_frame(PATIENCE).await {
            Ok(Received::Text(text)) => serde_json::from_str(&text).unwrap_or_default(),
            Ok(Received::Binary) => panic!("{}: a binary frame", self.label),
            Ok(Received::Closed(close)) => panic!("{}: closed ({close:?})", self.label),
            Err(()) => panic!("{}: no frame within {PATIENCE:?}", self.label),
        }
    }

    /// Reads (and logs) frames until the socket has been quiet for [`QUIET`]; none of them
    /// may be a `ty` that satisfies `matches`.
    pub async fn refute(&mut self, ty: &str, matches: impl Fn(&Value) -> bool) {
        while let Ok(received) = self.next_frame(QUIET).await {
            match received {
                Received::Text(text) => {
                    let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                    assert!(
                        !(frame["type"] == ty && matches(&frame)),
                        "{}: unexpected {frame}",
                        self.label
                    );
                }
                Received::Binary => {}
                Received::Closed(close) => {
                    panic!("{}: closed ({close:?}) while listening", self.label)
                }
            }
        }
    }

    /// Reads (and logs) frames until the server closes; the close code and reason.
    pub async fn expect_close(&mut self) -> Option<(u16, String)> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await {
                Ok(Received::Closed(close)) => return close,
                Ok(_) => continue,
                Err(()) => panic!("{}: not closed within {PATIENCE:?}", self.label),
            }
        }
    }

    /// Reads (and logs) frames until the socket has been quiet for [`QUIET`].
    pub async fn drain(&mut self) {
        while let Ok(Received::Text(_) | Received::Binary) = self.next_frame(QUIET).await {}
    }
}
