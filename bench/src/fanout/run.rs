//! One fan-out run: M messages posted to a room whose S subscribers are already listening;
//! every (message, subscriber) delivery is timed against the POST that caused it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::time::MissedTickBehavior;

use super::socket::{Shared, SubLog, lock};
use super::{Mode, Params};
use crate::http::Http;
use crate::stats::{Summary, ms, signed_ms};
use crate::system::{CpuMeter, CpuUse};

/// The figures of one (subscriber count, mode) run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub subs: usize,
    /// Users the sockets belong to (a room holds at most 500).
    pub room_users: usize,
    pub mode: Mode,
    /// Seconds to open all `subs` sockets (handshakes included).
    pub connect_secs: f64,
    /// Messages answered 201.
    pub posted: usize,
    #[serde(skip)]
    pub post_failures: Vec<String>,
    pub deliveries: usize,
    pub lost: u64,
    pub duplicates: u64,
    #[serde(skip)]
    pub sockets_ended: Vec<String>,
    pub sockets_ended_early: usize,
    /// Receive time − just before the POST was sent, over every delivery.
    pub send_to_recv_ms: Summary,
    /// Receive time − the POST's 201 (negative: the event beat the response).
    pub created_to_recv_ms: Summary,
    pub post_rtt_ms: Summary,
    pub deliveries_per_sec: f64,
    pub posts_per_sec: f64,
    pub cpu: CpuUse,
}

/// One POST's timing: just before it was sent, when its response arrived, and its outcome.
struct Post {
    before: Instant,
    answered: Instant,
    outcome: Result<StatusCode, String>,
}

impl Post {
    fn ok(&self) -> bool {
        matches!(self.outcome, Ok(StatusCode::CREATED))
    }
}

async fn post_message(http: Http, room: i64, token: Arc<str>, content: String) -> Post {
    let request = http
        .client
        .post(http.url(&format!("/api/chat/rooms/{room}/messages/")))
        .bearer_auth(&token)
        .json(&json!({ "content": content }))
        .build();
    let request = match request {
        Ok(request) => request,
        Err(err) => {
            let now = Instant::now();
            return Post {
                before: now,
                answered: now,
                outcome: Err(err.to_string()),
            };
        }
    };
    let before = Instant::now();
    let response = http.client.execute(request).await;
    let answered = Instant::now();
    let outcome = match response {
        Ok(response) => {
            let status = response.status();
            // Read the body so the connection goes back to the pool.
            match response.bytes().await {
                Ok(_) => Ok(status),
                Err(err) => Err(format!("{status}, body: {err}")),
            }
        }
        Err(err) => Err(err.to_string()),
    };
    Post {
        before,
        answered,
        outcome,
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn run_once(
    params: &Params,
    http: &Http,
    shared: &Shared,
    logs: &[Arc<SubLog>],
    room: i64,
    senders: &[Arc<str>],
    mode: Mode,
    run: u32,
    server_pid: u32,
) -> anyhow::Result<RunResult> {
    let m = params.messages;
    let meter = CpuMeter::start(server_pid);
    shared.current_run.store(run, Ordering::Release);
    shared.received.store(0, Ordering::Release);
    let content = |seq: usize| format!("{}:{run}:{seq}", shared.nonce);

    let mut handles = Vec::with_capacity(m);
    match mode {
        Mode::Paced => {
            let mut ticker = tokio::time::interval(Duration::from_millis(params.interval_ms));
            ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
            for seq in 0..m {
                ticker.tick().await;
                let token = senders[seq % senders.len()].clone();
                // Open loop: each POST is its own task, so a slow answer delays no other.
                handles.push(tokio::spawn(post_message(
                    http.clone(),
                    room,
                    token,
                    content(seq),
                )));
            }
        }
        Mode::Burst => {
            let permits = Arc::new(Semaphore::new(params.burst_concurrency));
            for seq in 0..m {
                let token = senders[seq % senders.len()].clone();
                let (http, permits, content) = (http.clone(), permits.clone(), content(seq));
                handles.push(tokio::spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    post_message(http, room, token, content).await
                }));
            }
        }
    }
    let mut posts = Vec::with_capacity(m);
    for handle in handles {
        posts.push(handle.await.context("a POST task")?);
    }

    let posted = posts.iter().filter(|p| p.ok()).count();
    let expected = posted * logs.len();
    let last_answer = posts
        .iter()
        .map(|p| p.answered)
        .max()
        .unwrap_or_else(Instant::now);
    let deadline = last_answer + Duration::from_secs(params.drain_timeout_secs);
    while shared.received.load(Ordering::Acquire) < expected && Instant::now() < deadline {
        if logs.iter().all(|log| lock(&log.ended).is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Nothing of this run is counted any more.
    shared.current_run.store(u32::MAX, Ordering::Release);
    let cpu = meter.finish().usage();

    let mut send = Vec::with_capacity(expected);
    let mut ack = Vec::with_capacity(expected);
    let (mut lost, mut duplicates) = (0u64, 0u64);
    let mut last_delivery: Option<Instant> = None;
    let mut sockets_ended = Vec::new();
    for log in logs {
        let mut seen = vec![false; m];
        let mut deliveries = lock(&log.deliveries);
        for d in deliveries.iter().filter(|d| d.run == run) {
            let seq = d.seq as usize;
            let Some(post) = posts.get(seq).filter(|p| p.ok()) else {
                continue;
            };
            if std::mem::replace(&mut seen[seq], true) {
                duplicates += 1;
                continue;
            }
            send.push(ms(d.at.duration_since(post.before)));
            ack.push(signed_ms(d.at, post.answered));
            last_delivery = Some(last_delivery.map_or(d.at, |t| t.max(d.at)));
        }
        deliveries.clear();
        lost += posts
            .iter()
            .zip(&seen)
            .filter(|(p, seen)| p.ok() && !**seen)
            .count() as u64;
        if let Some(why) = lock(&log.ended).as_ref() {
            sockets_ended.push(why.clone());
        }
    }

    let first_send = posts.iter().map(|p| p.before).min().unwrap_or(last_answer);
    let deliveries = send.len();
    let deliveries_per_sec = match last_delivery {
        Some(last) if last > first_send => deliveries as f64 / (last - first_send).as_secs_f64(),
        _ => 0.0,
    };
    let posts_per_sec = if last_answer > first_send {
        posted as f64 / (last_answer - first_send).as_secs_f64()
    } else {
        0.0
    };
    let mut rtt: Vec<f64> = posts
        .iter()
        .filter(|p| p.ok())
        .map(|p| ms(p.answered - p.before))
        .collect();
    let post_failures = posts
        .iter()
        .filter_map(|p| match &p.outcome {
            Ok(StatusCode::CREATED) => None,
            Ok(status) => Some(status.to_string()),
            Err(err) => Some(err.clone()),
        })
        .collect();
    Ok(RunResult {
        subs: logs.len(),
        room_users: 0,
        mode,
        connect_secs: 0.0,
        posted,
        post_failures,
        deliveries,
        lost,
        duplicates,
        sockets_ended_early: sockets_ended.len(),
        sockets_ended,
        send_to_recv_ms: Summary::of(&mut send),
        created_to_recv_ms: Summary::of(&mut ack),
        post_rtt_ms: Summary::of(&mut rtt),
        deliveries_per_sec,
        posts_per_sec,
        cpu,
    })
}
