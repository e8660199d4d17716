//! Subscriber sockets: the handshake, and a reader that timestamps every event of this bench.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use anyhow::anyhow;
use futures::StreamExt;
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What every subscriber task shares.
pub struct Shared {
    /// Prefix of this process's message contents.
    pub nonce: String,
    /// The run whose deliveries `received` counts.
    pub current_run: AtomicU32,
    pub received: AtomicUsize,
}

#[derive(Clone, Copy)]
pub struct Delivery {
    pub run: u32,
    pub seq: u32,
    pub at: Instant,
}

/// One subscriber's record, read by the coordinator after each run.
#[derive(Default)]
pub struct SubLog {
    pub deliveries: Mutex<Vec<Delivery>>,
    /// Why the socket ended before the bench closed it.
    pub ended: Mutex<Option<String>>,
}

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub async fn connect(ws_base: &str, room: i64, token: &str) -> anyhow::Result<Socket> {
    open(&format!("{ws_base}/ws/chat/rooms/{room}/"), token).await
}

/// A socket on `url` (`ws://...`, any route and query), authenticated as `token`'s user.
pub async fn open(url: &str, token: &str) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    // tungstenite zero-fills its whole read buffer (128 KiB by default) before every read;
    // events are far smaller, and the bench's own CPU is taken from the server's cores.
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    match tokio_tungstenite::connect_async_with_config(request, Some(config), true).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            Err(anyhow!(
                "WebSocket handshake refused: {} {body}",
                response.status()
            ))
        }
        Err(err) => Err(anyhow!("WebSocket connect: {err}")),
    }
}

/// The parts of a `message.created` event the bench reads.
#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    message: Option<FrameMessage>,
}

#[derive(Deserialize)]
struct FrameMessage {
    content: String,
}

/// `(run, seq)` of one of this bench's `message.created` events.
pub fn parse_event(text: &str, nonce: &str) -> Option<(u32, u32)> {
    let frame: Frame = serde_json::from_str(text).ok()?;
    if frame.kind != "message.created" {
        return None;
    }
    let content = frame.message?.content;
    let (run, seq) = content
        .strip_prefix(nonce)?
        .strip_prefix(':')?
        .split_once(':')?;
    Some((run.parse().ok()?, seq.parse().ok()?))
}

/// Reads one socket until told to stop, timestamping every event of this bench.
pub async fn subscribe(
    mut socket: Socket,
    shared: Arc<Shared>,
    log: Arc<SubLog>,
    mut stop: watch::Receiver<bool>,
) {
    let why = loop {
        tokio::select! {
            biased;
            frame = socket.next() => {
                let at = Instant::now();
                match frame {
                    Some(Ok(WsMessage::Text(text))) => {
                        if let Some((run, seq)) = parse_event(&text, &shared.nonce) {
                            lock(&log.deliveries).push(Delivery { run, seq, at });
                            if run == shared.current_run.load(Ordering::Acquire) {
                                shared.received.fetch_add(1, Ordering::AcqRel);
                            }
                        }
                    }
                    Some(Ok(WsMessage::Close(frame))) => {
                        break match frame {
                            Some(f) => format!("closed by the server: {} {}", u16::from(f.code), f.reason),
                            None => "closed by the server".to_owned(),
                        };
                    }
                    Some(Ok(_)) => {}
                    Some(Err(err)) => break format!("socket error: {err}"),
                    None => break "socket ended".to_owned(),
                }
            }
            _ = stop.changed() => {
                let _ = socket.close(None).await;
                return;
            }
        }
    };
    *lock(&log.ended) = Some(why);
}

#[cfg(test)]
mod tests {
    use super::parse_event;

    #[test]
    fn parses_own_events_only() {
        let event = r#"{"type":"message.created","message":{"id":3,"content":"n1:4:17"}}"#;
        assert_eq!(parse_event(event, "n1"), Some((4, 17)));
        assert_eq!(parse_event(event, "n2"), None);
        let typing = r#"{"type":"typing","chat_room":1,"user_id":2,"username":"a"}"#;
        assert_eq!(parse_event(typing, "n1"), None);
    }
}
