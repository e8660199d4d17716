//! One timed read of the stored events, over a socket or over REST, and the check that it
//! brought back exactly the stored positions.

use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::Stream;
use crate::fanout::open;
use crate::http::Http;
use crate::stats::ms;

/// What one read brought back, and how long it took.
pub struct Read {
    pub elapsed_ms: f64,
    /// Positions of the stored frames, in the order they arrived.
    pub positions: Vec<i64>,
    pub first_event_ms: Option<f64>,
    pub handshake_ms: Option<f64>,
    pub pages: Option<u64>,
    pub other_frames: u64,
    /// Why the read stopped before the last event, if it did.
    pub ended: Option<String>,
}

/// The position of a stored frame: its first key (API.md), read without parsing the rest,
/// since the bench's own CPU is taken from the server's cores.
pub fn position_of(frame: &str) -> Option<i64> {
    let rest = frame.strip_prefix("{\"position\":")?;
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// `GET /ws/chat/?since=<since>` until the last stored event arrives.
pub async fn socket(http: &Http, stream: &Stream, timeout: Duration) -> anyhow::Result<Read> {
    let url = format!("{}/ws/chat/?since={}", http.ws_base(), stream.since);
    let expected = stream.positions.len();
    let last = stream.positions[expected - 1];
    let before = Instant::now();
    let mut socket = open(&url, &stream.reader.token).await?;
    let open_at = Instant::now();
    let deadline = tokio::time::Instant::from_std(open_at + timeout);
    let mut positions = Vec::with_capacity(expected);
    let (mut first, mut other_frames, mut ended) = (None, 0, None);
    let mut done = open_at;
    while ended.is_none() {
        let frame = tokio::time::timeout_at(deadline, socket.next()).await;
        let at = Instant::now();
        match frame {
            Ok(Some(Ok(WsMessage::Text(text)))) => match position_of(&text) {
                Some(position) => {
                    first.get_or_insert(at);
                    positions.push(position);
                    done = at;
                    // The last one, or as many as stored: whatever is missing stays missing.
                    if position >= last || positions.len() >= expected {
                        break;
                    }
                }
                None => other_frames += 1,
            },
            Ok(Some(Ok(WsMessage::Close(frame)))) => {
                ended = Some(match frame {
                    Some(f) => format!("closed by the server: {} {}", u16::from(f.code), f.reason),
                    None => "closed by the server".to_owned(),
                });
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(err))) => ended = Some(format!("socket error: {err}")),
            Ok(None) => ended = Some("socket ended".to_owned()),
            Err(_) => ended = Some(format!("no last event within {timeout:?}")),
        }
    }
    let _ = socket.close(None).await;
    Ok(Read {
        elapsed_ms: ms(done - open_at),
        positions,
        first_event_ms: first.map(|f| ms(f - open_at)),
        handshake_ms: Some(ms(open_at - before)),
        pages: None,
        other_frames,
        ended,
    })
}

/// A page of `GET /api/events/`, as far as the bench reads it.
#[derive(Deserialize)]
struct Page {
    events: Vec<Positioned>,
    position: i64,
}

#[derive(Deserialize)]
struct Positioned {
    position: i64,
}

/// `GET /api/events/?since=..&limit=<page>` from the stream's start, following `position`,
/// until the last stored event.
pub async fn rest(http: &Http, stream: &Stream, page: u32) -> anyhow::Result<Read> {
    let expected = stream.positions.len();
    let last = stream.positions[expected - 1];
    let mut since = stream.since;
    let mut positions = Vec::with_capacity(expected);
    let (mut pages, mut ended) = (0, None);
    let started = Instant::now();
    while positions.len() < expected && positions.last() < Some(&last) {
        let url = http.url(&format!("/api/events/?since={since}&limit={page}"));
        let body: Page = http
            .get_json(&url, &stream.reader.token)
            .await
            .context("resume over REST")?;
        pages += 1;
        positions.extend(body.events.iter().map(|e| e.position));
        if body.events.is_empty() || body.position <= since {
            ended = Some(format!(
                "page {pages} (since={since}) brought nothing new, position {}",
                body.position
            ));
            break;
        }
        since = body.position;
    }
    Ok(Read {
        elapsed_ms: ms(started.elapsed()),
        positions,
        first_event_ms: None,
        handshake_ms: None,
        pages: Some(pages),
        other_frames: 0,
        ended,
    })
}

/// How a read's positions differ from the stored ones.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Check {
    pub missing: usize,
    /// Positions that came more than once (each extra copy counted).
    pub duplicates: usize,
    /// Positions that were not stored by the scenario's POSTs.
    pub unexpected: usize,
    /// Frames whose position was not above the one before.
    pub out_of_order: usize,
}

impl Check {
    /// `expected` ascending and distinct.
    pub fn of(expected: &[i64], got: &[i64]) -> Check {
        let mut check = Check {
            out_of_order: got.windows(2).filter(|w| w[1] <= w[0]).count(),
            ..Check::default()
        };
        let mut sorted = got.to_vec();
        sorted.sort_unstable();
        let before = sorted.len();
        sorted.dedup();
        check.duplicates = before - sorted.len();
        let found = sorted
            .iter()
            .filter(|p| expected.binary_search(p).is_ok())
            .count();
        check.unexpected = sorted.len() - found;
        check.missing = expected.len() - found;
        check
    }

    /// What was wrong, if anything.
    pub fn problem(&self, ended: Option<&str>) -> Option<String> {
        if *self == Check::default() && ended.is_none() {
            return None;
        }
        let mut why = format!(
            "{} missing, {} twice, {} unexpected, {} out of order",
            self.missing, self.duplicates, self.unexpected, self.out_of_order
        );
        if let Some(ended) = ended {
            why.push_str(&format!(" ({ended})"));
        }
        Some(why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_leading_position() {
        assert_eq!(
            position_of(r#"{"position":1234,"type":"message.created"}"#),
            Some(1234)
        );
        assert_eq!(position_of(r#"{"position":7}"#), Some(7));
        // Ephemeral frames have none; a position elsewhere breaks the contract.
        assert_eq!(position_of(r#"{"type":"presence","user_id":3}"#), None);
        assert_eq!(position_of(r#"{"type":"x","position":7}"#), None);
    }

    #[test]
    fn exact_reads_pass_and_others_say_why() {
        let expected = [3, 5, 8, 9];
        assert_eq!(Check::of(&expected, &[3, 5, 8, 9]), Check::default());
        assert_eq!(Check::of(&expected, &[3, 5, 8, 9]).problem(None), None);
        let check = Check::of(&expected, &[3, 8, 5, 8, 9, 11]);
        assert_eq!(
            check,
            Check {
                missing: 0,
                duplicates: 1,
                unexpected: 1,
                out_of_order: 1,
            }
        );
        let short = Check::of(&expected, &[3, 5]);
        assert_eq!(short.missing, 2);
        assert!(
            short
                .problem(Some("socket ended"))
                .is_some_and(|why| why.contains("2 missing") && why.contains("socket ended"))
        );
        // Ending early is a problem even when what came was right so far.
        assert!(Check::default().problem(Some("closed")).is_some());
    }
}
