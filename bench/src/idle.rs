//! Scenario 7, idle WebSocket connections: what holding N open sockets costs the server in
//! resident memory. Measured on a freshly restarted server, so memory freed by earlier
//! scenarios cannot be reused by the new connections and hide part of their cost.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};
use serde::Serialize;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::fanout::connect;
use crate::http::{Http, User};
use crate::system::vm_rss;

#[derive(Debug, Clone, Serialize)]
pub struct IdleResult {
    /// Sockets asked for.
    pub sockets: usize,
    pub users: usize,
    /// Sockets whose handshake succeeded.
    pub opened: usize,
    pub connect_secs: f64,
    /// Handshake failures, with how often each happened.
    pub failures: Vec<(String, u64)>,
    /// Sockets that ended before the bench closed them.
    pub ended_early: usize,
    /// Server `VmRSS` before the first socket, with all of them open, and after closing them.
    pub rss_before_bytes: Option<u64>,
    pub rss_open_bytes: Option<u64>,
    pub rss_closed_bytes: Option<u64>,
    /// (open − before) / opened.
    pub bytes_per_connection: Option<f64>,
}

/// Opens `count` sockets on `room`, spread round-robin over `users`, holds them for `hold`,
/// reading the server's RSS before and while they are open, then closes them.
pub async fn run(
    http: &Http,
    users: &[User],
    room: i64,
    count: usize,
    connect_concurrency: usize,
    hold: Duration,
    server_pid: u32,
) -> anyhow::Result<IdleResult> {
    // A request first, so the RSS baseline has the server's pools and threads warm.
    http.client.get(http.url("/healthz")).send().await?;
    tokio::time::sleep(hold.min(Duration::from_secs(1))).await;
    let rss_before = vm_rss(server_pid);

    eprintln!(
        "idle: opening {count} sockets ({} users × ≤{}) ...",
        users.len(),
        count.div_ceil(users.len())
    );
    let ws_base = http.ws_base();
    let started = Instant::now();
    let outcomes: Vec<_> = stream::iter(0..count)
        .map(|i| connect(&ws_base, room, &users[i % users.len()].token))
        .buffer_unordered(connect_concurrency)
        .collect()
        .await;
    let connect_secs = started.elapsed().as_secs_f64();

    let (stop, stopped) = watch::channel(false);
    let ended = Arc::new(AtomicUsize::new(0));
    let mut failures: Vec<(String, u64)> = Vec::new();
    let mut tasks = Vec::with_capacity(count);
    for outcome in outcomes {
        match outcome {
            Ok(socket) => tasks.push(tokio::spawn(hold_open(
                socket,
                stopped.clone(),
                ended.clone(),
            ))),
            Err(err) => {
                let err = err.to_string();
                match failures.iter_mut().find(|(e, _)| *e == err) {
                    Some((_, n)) => *n += 1,
                    None => failures.push((err, 1)),
                }
            }
        }
    }
    let opened = tasks.len();
    eprintln!("  {opened} open in {connect_secs:.2} s; holding them {hold:?} ...");
    tokio::time::sleep(hold).await;
    let rss_open = vm_rss(server_pid);
    let ended_early = ended.load(Ordering::Acquire);

    let _ = stop.send(true);
    if tokio::time::timeout(Duration::from_secs(30), futures::future::join_all(tasks))
        .await
        .is_err()
    {
        eprintln!("  (some sockets did not close within 30 s)");
    }
    // The server notices closed sockets asynchronously.
    tokio::time::sleep(hold.min(Duration::from_secs(2))).await;
    let rss_closed = vm_rss(server_pid);

    let bytes_per_connection = match (rss_before, rss_open) {
        (Some(before), Some(open)) if opened > 0 => {
            Some((open as f64 - before as f64) / opened as f64)
        }
        _ => None,
    };
    Ok(IdleResult {
        sockets: count,
        users: users.len(),
        opened,
        connect_secs,
        failures,
        ended_early,
        rss_before_bytes: rss_before,
        rss_open_bytes: rss_open,
        rss_closed_bytes: rss_closed,
        bytes_per_connection,
    })
}

/// Keeps reading (which also answers the server's pings) until told to close.
async fn hold_open(
    mut socket: crate::fanout::Socket,
    mut stop: watch::Receiver<bool>,
    ended: Arc<AtomicUsize>,
) {
    loop {
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(WsMessage::Close(_)) | Err(_)) | None => {
                    ended.fetch_add(1, Ordering::AcqRel);
                    return;
                }
                Some(Ok(_)) => {}
            },
            _ = stop.changed() => {
                let _ = socket.close(None).await;
                return;
            }
        }
    }
}
