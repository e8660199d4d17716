//! Scenario 8, resuming the durable event stream (API.md "The event stream: durable and
//! resumable"): a client that was away comes back with the last position it saw and catches
//! up on everything stored since.
//!
//! Setup (`prepare`) gives a user of its own (in no other room, so nothing else is theirs to
//! replay) a room with `events` stored events after a known position. The events must go
//! through the server: only its writes append to the log, and the messages `seed.rs` inserts
//! straight into the database have none. So `senders` members POST that many messages,
//! `in_flight` at a time (the harness turns the throttles off), and each 201's
//! `X-Event-Position` names the event it stored: the exact positions a replay must bring back.
//!
//! `run` then reads them `repeats` times each way, alternating, so load from other processes
//! hits both alike: (8a) `GET /ws/chat/?since=<start>`, timed from the handshake's completion
//! to the last of the events; (8b) `GET /api/events/?since=..&limit=<page>`, following
//! `position` page by page. Every run must bring back exactly those positions, in increasing
//! order, none missing, none twice. (8c), the same REST route with nothing new to return, is a
//! REST scenario in the rotation (`harness.rs`), as it is measured under the same load as the
//! others.

mod read;
mod table;

use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use futures::{StreamExt, TryStreamExt, stream};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use table::print_section;

use crate::http::{Http, User, create_room, register};
use crate::stats::Summary;
use crate::system::{CpuMeter, CpuSample, CpuUse};
use read::{Check, Read};

#[derive(Debug, Clone, Serialize)]
pub struct Params {
    /// Stored events to resume over.
    pub events: usize,
    /// Room members who post them, in turn.
    pub senders: usize,
    /// POSTs in flight while they are stored.
    pub in_flight: usize,
    /// Timed reads each way.
    pub repeats: usize,
    /// `limit` of the REST pages (the API allows 1 to 500).
    pub page: u32,
    /// How long one read may take before it counts as failed.
    pub read_timeout_secs: u64,
}

/// The stored events the scenario resumes over, as setup left them.
pub struct Stream {
    /// Member of `room` only.
    pub reader: User,
    pub room: i64,
    /// The log's newest position before the first event: what the client resumes from.
    pub since: i64,
    /// Every event's position, as the POSTs' `X-Event-Position` answered them, ascending.
    pub positions: Vec<i64>,
    /// The log's newest position after the last event: (8c) asks for what follows it.
    pub latest: i64,
    pub seed_secs: f64,
}

/// The answer of `GET /api/events/` without `since`: the newest position.
#[derive(Deserialize)]
struct Latest {
    position: i64,
}

/// Registers the reader, gives them a room with `senders`, and stores `events` messages in it
/// through the API.
pub async fn prepare(
    params: &Params,
    http: &Http,
    senders: &[User],
    nonce: &str,
) -> anyhow::Result<Stream> {
    let reader = register(http, format!("{nonce}_resume")).await?;
    let others: Vec<&User> = senders.iter().collect();
    let room = create_room(http, &reader, &others, &format!("{nonce} resume")).await?;
    let since = latest(http, &reader).await?;
    eprintln!(
        "resume: posting {} messages ({} senders, {} in flight) ...",
        params.events,
        senders.len(),
        params.in_flight
    );
    let url = http.url(&format!("/api/chat/rooms/{room}/messages/"));
    let started = Instant::now();
    let mut positions: Vec<i64> = stream::iter(0..params.events)
        .map(|i| {
            let token = senders[i % senders.len()].token.as_str();
            // Realistic, varying lengths, as `seed.rs` writes its messages.
            let filler = &crate::seed::FILLER[..20 + i % 100];
            post(http, &url, token, format!("{nonce} resume {i}: {filler}"))
        })
        .buffer_unordered(params.in_flight)
        .try_collect()
        .await?;
    let seed_secs = started.elapsed().as_secs_f64();
    positions.sort_unstable();
    let distinct = positions.windows(2).all(|w| w[0] < w[1]);
    ensure!(
        distinct,
        "resume: two POSTs answered the same X-Event-Position"
    );
    let latest = latest(http, &reader).await?;
    ensure!(
        positions.first().is_some_and(|&p| p > since) && positions.last() <= Some(&latest),
        "resume: the POSTs' positions are not between {since} and {latest}"
    );
    eprintln!(
        "  {} events in {seed_secs:.1} s, positions {}..={}",
        positions.len(),
        positions[0],
        positions[positions.len() - 1]
    );
    Ok(Stream {
        reader,
        room,
        since,
        positions,
        latest,
        seed_secs,
    })
}

async fn latest(http: &Http, user: &User) -> anyhow::Result<i64> {
    let page: Latest = http
        .get_json(&http.url("/api/events/"), &user.token)
        .await?;
    Ok(page.position)
}

/// One message; the position of the event it stored. Waits out 429 a few times, for a run
/// with `--server-env CHAT_MESSAGE_RATE=...`.
async fn post(http: &Http, url: &str, token: &str, content: String) -> anyhow::Result<i64> {
    let body = json!({ "content": content });
    for _ in 0..10 {
        let response = http
            .client
            .post(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .context("resume: POST a message")?;
        let status = response.status();
        let position = response
            .headers()
            .get("x-event-position")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok());
        let text = response.text().await.unwrap_or_default();
        match status {
            StatusCode::CREATED => {
                return position.with_context(|| {
                    format!("resume: a 201 without a numeric X-Event-Position ({text})")
                });
            }
            StatusCode::TOO_MANY_REQUESTS => tokio::time::sleep(Duration::from_secs(1)).await,
            _ => bail!("resume: POST a message: {status} {text}"),
        }
    }
    bail!("resume: POST a message: still throttled (429) after 10 tries")
}

/// The figures of one way of reading the events, over every run.
#[derive(Debug, Clone, Serialize)]
pub struct ReadResult {
    /// `8a` or `8b`.
    pub number: &'static str,
    pub request: String,
    /// Each run's time in ms: socket from the handshake's completion to the last event; REST
    /// from before the first page's request to the last page read.
    pub runs_ms: Vec<f64>,
    pub median_ms: f64,
    pub best_ms: f64,
    /// Events per second at the median and at the best run.
    pub events_per_sec: f64,
    pub best_events_per_sec: f64,
    /// Socket: from the handshake's completion to the first event (median).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_event_ms: Option<f64>,
    /// Socket: the handshake itself (median).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_ms: Option<f64>,
    /// REST: requests per run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u64>,
    /// Frames without a position (ephemeral events such as `presence`), over every run.
    pub other_frames: u64,
    /// Runs that brought back exactly the stored positions, in order.
    pub exact_runs: usize,
    /// What was wrong with the other runs.
    pub failures: Vec<String>,
    pub cpu: CpuUse,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResumeResult {
    pub room: i64,
    pub events: usize,
    pub since: i64,
    pub first_position: i64,
    pub last_position: i64,
    pub seed_secs: f64,
    pub repeats: usize,
    pub socket: ReadResult,
    pub rest: ReadResult,
}

/// Reads the stream `repeats` times over a socket and over REST, alternating.
pub async fn run(
    params: &Params,
    http: &Http,
    stream: &Stream,
    server_pid: u32,
) -> anyhow::Result<ResumeResult> {
    let timeout = Duration::from_secs(params.read_timeout_secs);
    let (mut socket, mut rest) = (Vec::new(), Vec::new());
    let (mut socket_cpu, mut rest_cpu) = (None::<CpuSample>, None::<CpuSample>);
    let add = |sum: Option<CpuSample>, meter: CpuMeter| {
        let cpu = meter.finish();
        Some(sum.map_or(cpu, |sum| sum.plus(cpu)))
    };
    for repeat in 0..params.repeats {
        eprintln!(
            "resume {}/{}: {} events over a socket, then over REST ...",
            repeat + 1,
            params.repeats,
            stream.positions.len()
        );
        let meter = CpuMeter::start(server_pid);
        socket.push(read::socket(http, stream, timeout).await?);
        socket_cpu = add(socket_cpu, meter);
        // Let the closed socket's connection task finish before the next read.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let meter = CpuMeter::start(server_pid);
        rest.push(read::rest(http, stream, params.page).await?);
        rest_cpu = add(rest_cpu, meter);
    }
    let cpu = |sample: Option<CpuSample>| sample.map(|s| s.usage()).unwrap_or_default();
    let since = stream.since;
    Ok(ResumeResult {
        room: stream.room,
        events: stream.positions.len(),
        since,
        first_position: stream.positions[0],
        last_position: stream.positions[stream.positions.len() - 1],
        seed_secs: stream.seed_secs,
        repeats: params.repeats,
        socket: figures(
            "8a",
            format!("GET /ws/chat/?since={since}"),
            &socket,
            &stream.positions,
            cpu(socket_cpu),
        ),
        rest: figures(
            "8b",
            format!("GET /api/events/?since={since}&limit={}", params.page),
            &rest,
            &stream.positions,
            cpu(rest_cpu),
        ),
    })
}

fn figures(
    number: &'static str,
    request: String,
    reads: &[Read],
    expected: &[i64],
    cpu: CpuUse,
) -> ReadResult {
    let mut runs: Vec<f64> = reads.iter().map(|r| r.elapsed_ms).collect();
    let runs_ms = runs.clone();
    let median_ms = Summary::of(&mut runs).p50;
    let best_ms = runs.first().copied().unwrap_or(0.0);
    let per_sec = |ms: f64| match ms > 0.0 {
        true => expected.len() as f64 / (ms / 1e3),
        false => 0.0,
    };
    let median = |values: Vec<Option<f64>>| {
        let mut values: Vec<f64> = values.into_iter().collect::<Option<_>>()?;
        Some(Summary::of(&mut values).p50)
    };
    let mut failures = Vec::new();
    for (n, r) in reads.iter().enumerate() {
        let check = Check::of(expected, &r.positions);
        if let Some(why) = check.problem(r.ended.as_deref()) {
            failures.push(format!("run {}: {why}", n + 1));
        }
    }
    ReadResult {
        number,
        request,
        runs_ms,
        median_ms,
        best_ms,
        events_per_sec: per_sec(median_ms),
        best_events_per_sec: per_sec(best_ms),
        first_event_ms: median(reads.iter().map(|r| r.first_event_ms).collect()),
        handshake_ms: median(reads.iter().map(|r| r.handshake_ms).collect()),
        pages: reads.first().and_then(|r| r.pages),
        other_frames: reads.iter().map(|r| r.other_frames).sum(),
        exact_runs: reads.len() - failures.len(),
        failures,
        cpu,
    }
}
