//! Scenario 6, WebSocket fan-out: one GROUP room, S subscribers on
//! `GET /ws/chat/rooms/{id}/`, M messages posted with `POST /api/chat/rooms/{id}/messages/`;
//! every subscriber timestamps every `message.created` it receives.
//!
//! For each S: a room of the first `min(S, users)` users; S sockets spread round-robin over
//! them (1,000 subscribers = 500 users × 2 sockets: a room holds at most 500 participants).
//! Every socket is open (handshake done, so registered with the server's hub) before the first
//! message. `paced` posts one message every `interval_ms`, each POST its own task (open loop);
//! `burst` posts all M at once, `burst_concurrency` in flight. Posters take turns among the
//! first `posters` room members; each content is unique (`<nonce>:<run>:<seq>`).

mod run;
mod socket;
mod table;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize};
use std::time::{Duration, Instant};

use clap::ValueEnum;
use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use tokio::sync::watch;

pub use run::RunResult;
pub use socket::{Socket, connect, open};
pub use table::print_table;

use crate::http::{Http, User, create_room};
use socket::{Shared, SubLog, subscribe};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One message every --interval-ms.
    Paced,
    /// All messages at once (--burst-concurrency in flight).
    Burst,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Paced => "paced",
            Mode::Burst => "burst",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Params {
    pub subscribers: Vec<usize>,
    pub modes: Vec<Mode>,
    /// Messages per run.
    pub messages: usize,
    pub interval_ms: u64,
    pub burst_concurrency: usize,
    /// Room members who post, in turn.
    pub posters: usize,
    pub connect_concurrency: usize,
    /// How long to wait for missing deliveries after the last POST answered.
    pub drain_timeout_secs: u64,
}

/// Every (S, mode) run, S in the order given, modes in the order given within each S.
pub async fn run(
    params: &Params,
    http: &Http,
    users: &[User],
    nonce: &str,
    server_pid: u32,
) -> anyhow::Result<Vec<RunResult>> {
    let shared = Arc::new(Shared {
        nonce: nonce.to_owned(),
        current_run: AtomicU32::new(u32::MAX),
        received: AtomicUsize::new(0),
    });
    let mut results = Vec::new();
    let mut next_run = 0u32;
    for &subs in &params.subscribers {
        let room_users = &users[..subs.min(users.len())];
        let others: Vec<&User> = room_users[1..].iter().collect();
        let room = create_room(
            http,
            &room_users[0],
            &others,
            &format!("{nonce} fan-out {subs}"),
        )
        .await?;
        eprintln!(
            "fan-out S={subs}: opening {subs} sockets ({} users × ≤{}) ...",
            room_users.len(),
            subs.div_ceil(room_users.len())
        );
        let ws_base = http.ws_base();
        let started = Instant::now();
        let sockets: Vec<Socket> = stream::iter(0..subs)
            .map(|i| connect(&ws_base, room, &room_users[i % room_users.len()].token))
            .buffer_unordered(params.connect_concurrency)
            .try_collect()
            .await?;
        let connect_secs = started.elapsed().as_secs_f64();

        let (stop, stopped) = watch::channel(false);
        let mut logs = Vec::with_capacity(subs);
        let mut tasks = Vec::with_capacity(subs);
        for socket in sockets {
            let log = Arc::new(SubLog::default());
            logs.push(log.clone());
            tasks.push(tokio::spawn(subscribe(
                socket,
                shared.clone(),
                log,
                stopped.clone(),
            )));
        }
        let senders: Vec<Arc<str>> = room_users[..params.posters.min(room_users.len())]
            .iter()
            .map(|u| Arc::from(u.token.as_str()))
            .collect();

        for &mode in &params.modes {
            // Let the previous run's tail and the handshakes settle.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let run = next_run;
            next_run += 1;
            eprintln!(
                "  S={subs} {}: {} messages ...",
                mode.name(),
                params.messages
            );
            let mut result = run::run_once(
                params, http, &shared, &logs, room, &senders, mode, run, server_pid,
            )
            .await?;
            result.room_users = room_users.len();
            result.connect_secs = connect_secs;
            results.push(result);
        }

        let _ = stop.send(true);
        let closing = futures::future::join_all(tasks);
        if tokio::time::timeout(Duration::from_secs(10), closing)
            .await
            .is_err()
        {
            eprintln!("  (some sockets did not close within 10 s)");
        }
    }
    Ok(results)
}
