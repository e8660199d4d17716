//! # `fanout`: WebSocket fan-out benchmark for `chat-server`
//!
//! One GROUP room, S WebSocket subscribers on `GET /ws/chat/rooms/{id}/`, M messages posted
//! with `POST /api/chat/rooms/{id}/messages/`; every subscriber timestamps every
//! `message.created` it receives. Run for several S (default 10, 100 and 1,000) in one go so
//! the table shows how latency scales with the number of subscribers.
//!
//! ```sh
//! cargo build --release -p chat-server -p chat-bench
//! target/release/fanout                     # starts target/release/chat-server itself
//! target/release/fanout --url http://127.0.0.1:8000   # or a server that is already running
//! target/release/fanout --subscribers 10,100,1000 --messages 200 --interval-ms 10 --modes paced,burst
//! ```
//!
//! What happens:
//! - Without `--url` the release server binary (`--server-bin`, default
//!   `<workspace>/target/release/chat-server`) is started on `127.0.0.1:0` with a temporary
//!   SQLite database, 1-hour access tokens, and is killed at the end.
//! - `--users` users (default 500) are registered, `--register-concurrency` at a time (Argon2
//!   makes registration and login slow on purpose), each logs in once.
//! - For each S: a room of the first `min(S, users)` users; S sockets spread round-robin over
//!   them (1,000 subscribers = 500 users × 2 sockets: a room holds at most 500 participants).
//!   All sockets are open (handshake done, so registered with the server's hub) before the
//!   first message.
//! - Per mode: `paced` posts one message every `--interval-ms` (open loop: each POST is its own
//!   task, so a slow response does not delay the next); `burst` posts all M at once, at most
//!   `--burst-concurrency` in flight. Posters rotate over the first `--senders` room members.
//!   Each message has a unique content (`<nonce>:<run>:<seq>`).
//! - Latencies, over every (message, subscriber) delivery:
//!   `send→recv` = receive time − the instant just before the POST was sent;
//!   `201→recv` = receive time − the instant the POST's 201 arrived (pure fan-out after the
//!   durable write; negative when the event beats the HTTP response).
//!   Also: lost deliveries (must be 0: the exit status is 1 otherwise), deliveries per second
//!   (from the first POST to the last delivery) and the POST round trip.
//!
//! Caveats printed with the results: client and server share the machine's cores, so on a
//! small machine the client's own work (1,000 sockets parsing JSON) is part of every figure.
//! Each socket is one file descriptor in the bench and one in the server: the bench checks
//! the soft `ulimit -n` (from `/proc/self/limits`) and stops with advice when it is too low;
//! it never raises it itself. In burst mode a socket's server-side queue
//! (`CHAT_WS_QUEUE_LEN`, default 256) must hold the burst, or the server closes slow sockets
//! with 1008 and the bench reports the lost deliveries.

mod server;
mod stats;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail, ensure};
use clap::{Parser, ValueEnum};
use futures::{StreamExt, TryStreamExt, stream};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use server::Server;
use stats::{Summary, ms, signed_ms};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PASSWORD: &str = "fanout-bench-password";
/// The API's limit on a room's participants (the creator included).
const MAX_ROOM_PARTICIPANTS: usize = 500;

#[derive(Debug, Parser)]
#[command(
    name = "fanout",
    about = "WebSocket fan-out benchmark for chat-server: one room, many subscribers."
)]
struct Args {
    /// Base URL of a running server (e.g. http://127.0.0.1:8000). Without it the bench starts
    /// its own server from --server-bin on a temporary database.
    #[arg(long)]
    url: Option<String>,

    /// The server binary to start [default: <workspace>/target/release/chat-server].
    #[arg(long)]
    server_bin: Option<PathBuf>,

    /// Subscriber counts to compare, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
    subscribers: Vec<usize>,

    /// Users to register; the largest room holds min(S, users) of them and their sockets
    /// take turns (at most 500: the room limit).
    #[arg(long, default_value_t = 500)]
    users: usize,

    /// Messages per run.
    #[arg(long, default_value_t = 200)]
    messages: usize,

    /// Paced mode: one POST every this many milliseconds.
    #[arg(long, default_value_t = 10)]
    interval_ms: u64,

    /// Modes to run for every subscriber count, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "paced,burst")]
    modes: Vec<Mode>,

    /// Burst mode: POSTs in flight at once.
    #[arg(long, default_value_t = 32)]
    burst_concurrency: usize,

    /// Room members who post, in turn (keeps each under a per-user message throttle).
    #[arg(long, default_value_t = 10)]
    senders: usize,

    /// Registrations (and logins) in flight at once.
    #[arg(long, default_value_t = 16)]
    register_concurrency: usize,

    /// WebSocket handshakes in flight at once.
    #[arg(long, default_value_t = 64)]
    connect_concurrency: usize,

    /// How long to wait for missing deliveries after the last POST answered, in seconds.
    #[arg(long, default_value_t = 10)]
    drain_timeout_secs: u64,

    /// Started server only: CHAT_WS_QUEUE_LEN (server default 256).
    #[arg(long)]
    ws_queue_len: Option<usize>,

    /// Started server only: CHAT_WS_MAX_CONNECTIONS_PER_USER [default: the server's 32, or
    /// what the largest run needs].
    #[arg(long)]
    ws_max_connections_per_user: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// One message every --interval-ms.
    Paced,
    /// All messages at once (--burst-concurrency in flight).
    Burst,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Paced => "paced",
            Mode::Burst => "burst",
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(
        !args.subscribers.is_empty() && args.subscribers.iter().all(|&s| s > 0),
        "--subscribers needs positive counts"
    );
    ensure!(
        (1..=MAX_ROOM_PARTICIPANTS).contains(&args.users),
        "--users must be 1..={MAX_ROOM_PARTICIPANTS} (the room limit)"
    );
    ensure!(args.messages > 0, "--messages must be positive");
    ensure!(args.senders > 0, "--senders must be positive");
    ensure!(!args.modes.is_empty(), "--modes needs at least one mode");
    ensure!(
        !args.modes.contains(&Mode::Paced) || args.interval_ms > 0,
        "--interval-ms must be positive for paced mode"
    );
    ensure!(
        args.burst_concurrency > 0 && args.register_concurrency > 0 && args.connect_concurrency > 0,
        "concurrency limits must be positive"
    );

    let max_subs = args.subscribers.iter().copied().max().unwrap_or(0);
    let fd_limit = open_files_limit();
    // Sockets, pooled HTTP connections and the process's own files, with room to spare.
    let fds_needed = max_subs + args.burst_concurrency + 64;
    if let Some(limit) = fd_limit
        && limit < fds_needed as u64
    {
        bail!(
            "the open-files limit (ulimit -n) is {limit}; {max_subs} sockets need about \
             {fds_needed} here and as many in the server. Raise it in the shell first \
             (e.g. `ulimit -n 20000`)."
        );
    }

    let (server, base) = match &args.url {
        Some(url) => (None, url.trim_end_matches('/').to_owned()),
        None => {
            let binary = args
                .server_bin
                .clone()
                .unwrap_or_else(server::default_binary);
            let per_user = max_subs.div_ceil(args.users.min(max_subs));
            let mut env = vec![("JWT_ACCESS_TTL_SECS".to_owned(), "3600".to_owned())];
            match args.ws_max_connections_per_user {
                Some(n) => env.push(("CHAT_WS_MAX_CONNECTIONS_PER_USER".into(), n.to_string())),
                None if per_user > 32 => env.push((
                    "CHAT_WS_MAX_CONNECTIONS_PER_USER".into(),
                    per_user.to_string(),
                )),
                None => {}
            }
            if let Some(n) = args.ws_queue_len {
                env.push(("CHAT_WS_QUEUE_LEN".into(), n.to_string()));
            }
            eprintln!("starting {} ...", binary.display());
            let server = Server::start(&binary, &env)?;
            let base = server.base.clone();
            (Some((server, binary, env)), base)
        }
    };
    let target = match &server {
        Some((_, binary, env)) => {
            let env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "{} started by the bench at {base} (temporary SQLite database; {})",
                binary.display(),
                env.join(" ")
            )
        }
        None => format!("running server at {base}"),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("the tokio runtime")?;
    let outcome = runtime.block_on(run(
        &args,
        &base,
        &target,
        fd_limit,
        server.as_ref().map(|(server, _, _)| server.pid()),
    ));
    if let (Err(_), Some((server, _, _))) = (&outcome, &server) {
        let log = server.log();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        eprintln!("server log (last lines):");
        for line in tail.iter().rev() {
            eprintln!("  {line}");
        }
    }
    let lost = outcome?;
    drop(server);
    if lost > 0 {
        eprintln!("FAIL: {lost} deliveries lost");
        std::process::exit(1);
    }
    Ok(())
}

/// Runs every scenario and prints the report; returns the number of lost deliveries.
async fn run(
    args: &Args,
    base: &str,
    target: &str,
    fd_limit: Option<u64>,
    server_pid: Option<u32>,
) -> anyhow::Result<u64> {
    let http = Http::new(base)?;
    let nonce = format!("fanout{}", unix_millis());
    let max_subs = args.subscribers.iter().copied().max().unwrap_or(0);
    let user_count = args.users.min(max_subs);

    eprintln!(
        "registering {user_count} users ({} at a time) ...",
        args.register_concurrency
    );
    let started = Instant::now();
    let users = register_users(&http, &nonce, user_count, args.register_concurrency).await?;
    let register_time = started.elapsed();
    eprintln!(
        "  {user_count} users registered and logged in in {:.1} s",
        register_time.as_secs_f64()
    );

    let shared = Arc::new(Shared {
        nonce: nonce.clone(),
        current_run: AtomicU32::new(u32::MAX),
        received: AtomicUsize::new(0),
    });
    let mut results = Vec::new();
    let mut setups = Vec::new();
    let mut next_run = 0u32;
    for &subs in &args.subscribers {
        let (setup, runs) = scenario(
            args,
            &http,
            &shared,
            &users,
            subs,
            &mut next_run,
            server_pid,
        )
        .await?;
        setups.push(setup);
        results.extend(runs);
    }

    report(
        args,
        target,
        fd_limit,
        user_count,
        register_time,
        &setups,
        &results,
    );
    Ok(results.iter().map(|r| r.lost).sum())
}

/// The base URL and one HTTP client (connection pool) for everything.
#[derive(Clone)]
struct Http {
    base: Arc<str>,
    client: reqwest::Client,
}

impl Http {
    fn new(base: &str) -> anyhow::Result<Http> {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(60))
            .build()
            .context("the HTTP client")?;
        Ok(Http {
            base: base.into(),
            client,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A setup POST; waits out 429 (`Retry-After`) a few times.
    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<(StatusCode, Value)> {
        for _ in 0..10 {
            let mut request = self.client.post(self.url(path)).json(body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request
                .send()
                .await
                .with_context(|| format!("POST {path}"))?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1);
                tokio::time::sleep(Duration::from_secs(wait.max(1))).await;
                continue;
            }
            let text = response
                .text()
                .await
                .with_context(|| format!("POST {path}: body"))?;
            let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
            return Ok((status, json));
        }
        bail!("POST {path}: still throttled (429) after 10 tries")
    }
}

struct User {
    id: i64,
    token: String,
}

async fn register_users(
    http: &Http,
    nonce: &str,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<User>> {
    stream::iter(0..count)
        .map(|i| async move {
            let username = format!("{nonce}_{i}");
            let (status, body) = http
                .post(
                    "/api/users/register/",
                    None,
                    &json!({"username": username, "password": PASSWORD}),
                )
                .await?;
            ensure!(
                status == StatusCode::CREATED,
                "register {username}: {status} {body}"
            );
            let id = body["id"]
                .as_i64()
                .with_context(|| format!("register {username}: no id in {body}"))?;
            let (status, body) = http
                .post(
                    "/api/token/",
                    None,
                    &json!({"username": username, "password": PASSWORD}),
                )
                .await?;
            ensure!(
                status == StatusCode::OK,
                "token {username}: {status} {body}"
            );
            let token = body["access"]
                .as_str()
                .with_context(|| format!("token {username}: no access token in {body}"))?
                .to_owned();
            Ok(User { id, token })
        })
        .buffered(concurrency)
        .try_collect()
        .await
}

async fn create_room(http: &Http, members: &[User], name: &str) -> anyhow::Result<i64> {
    let owner = &members[0];
    let participants: Vec<i64> = members[1..].iter().map(|u| u.id).collect();
    let (status, body) = http
        .post(
            "/api/chat/rooms/",
            Some(&owner.token),
            &json!({"name": name, "room_type": "GROUP", "participants": participants}),
        )
        .await?;
    ensure!(
        status == StatusCode::CREATED,
        "create room: {status} {body}"
    );
    body["id"]
        .as_i64()
        .with_context(|| format!("create room: no id in {body}"))
}

/// What every subscriber task shares.
struct Shared {
    /// Prefix of this process's message contents.
    nonce: String,
    /// The run whose deliveries `received` counts.
    current_run: AtomicU32,
    received: AtomicUsize,
}

#[derive(Clone, Copy)]
struct Delivery {
    run: u32,
    seq: u32,
    at: Instant,
}

/// One subscriber's record, read by the coordinator after each run.
#[derive(Default)]
struct SubLog {
    deliveries: Mutex<Vec<Delivery>>,
    /// Why the socket ended before the bench closed it.
    ended: Mutex<Option<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn connect(ws_base: &str, room: i64, token: &str) -> anyhow::Result<Socket> {
    let mut request = format!("{ws_base}/ws/chat/rooms/{room}/").into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    match tokio_tungstenite::connect_async(request).await {
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
fn parse_event(text: &str, nonce: &str) -> Option<(u32, u32)> {
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
async fn subscribe(
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

/// How one scenario (one subscriber count) was set up.
struct Setup {
    subs: usize,
    room_users: usize,
    connect_time: Duration,
}

/// The figures of one (subscriber count, mode) run.
struct RunResult {
    subs: usize,
    mode: Mode,
    posted: usize,
    post_failures: Vec<String>,
    deliveries: usize,
    lost: u64,
    duplicates: u64,
    sockets_ended: Vec<String>,
    send: Summary,
    ack: Summary,
    post_rtt: Summary,
    deliveries_per_sec: f64,
    posts_per_sec: f64,
    /// CPU of the server and of the bench during the run, in per cent of one core.
    cpu: Option<(f64, f64)>,
    /// CPU of the whole machine (every process) during the run, in per cent of one core.
    machine: Option<f64>,
}

async fn scenario(
    args: &Args,
    http: &Http,
    shared: &Arc<Shared>,
    users: &[User],
    subs: usize,
    next_run: &mut u32,
    server_pid: Option<u32>,
) -> anyhow::Result<(Setup, Vec<RunResult>)> {
    let room_users = &users[..subs.min(users.len())];
    let room = create_room(
        http,
        room_users,
        &format!("{} fan-out {subs}", shared.nonce),
    )
    .await?;

    eprintln!(
        "S={subs}: opening {subs} sockets ({} users × ≤{}) ...",
        room_users.len(),
        subs.div_ceil(room_users.len())
    );
    let ws_base = http.base.replacen("http", "ws", 1);
    let started = Instant::now();
    let sockets: Vec<Socket> = stream::iter(0..subs)
        .map(|i| connect(&ws_base, room, &room_users[i % room_users.len()].token))
        .buffer_unordered(args.connect_concurrency)
        .try_collect()
        .await?;
    let connect_time = started.elapsed();
    eprintln!("  all {subs} open in {:.2} s", connect_time.as_secs_f64());

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

    let mut results = Vec::new();
    for &mode in &args.modes {
        // Let the previous run's tail and the handshakes settle.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let run = *next_run;
        *next_run += 1;
        eprintln!("  S={subs} {}: {} messages ...", mode.name(), args.messages);
        let result = run_once(
            args, http, shared, &logs, room, room_users, subs, mode, run, server_pid,
        )
        .await?;
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
    Ok((
        Setup {
            subs,
            room_users: room_users.len(),
            connect_time,
        },
        results,
    ))
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
async fn run_once(
    args: &Args,
    http: &Http,
    shared: &Shared,
    logs: &[Arc<SubLog>],
    room: i64,
    room_users: &[User],
    subs: usize,
    mode: Mode,
    run: u32,
    server_pid: Option<u32>,
) -> anyhow::Result<RunResult> {
    let m = args.messages;
    let cpu_before = (cpu_time(server_pid), cpu_time(Some(std::process::id())));
    let busy_before = machine_busy();
    let wall_before = Instant::now();
    shared.current_run.store(run, Ordering::Release);
    shared.received.store(0, Ordering::Release);

    let senders: Vec<Arc<str>> = room_users[..args.senders.min(room_users.len())]
        .iter()
        .map(|u| Arc::from(u.token.as_str()))
        .collect();
    let content = |seq: usize| format!("{}:{run}:{seq}", shared.nonce);

    let mut handles = Vec::with_capacity(m);
    match mode {
        Mode::Paced => {
            let mut ticker = tokio::time::interval(Duration::from_millis(args.interval_ms));
            ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
            for seq in 0..m {
                ticker.tick().await;
                let token = senders[seq % senders.len()].clone();
                handles.push(tokio::spawn(post_message(
                    http.clone(),
                    room,
                    token,
                    content(seq),
                )));
            }
        }
        Mode::Burst => {
            let permits = Arc::new(Semaphore::new(args.burst_concurrency));
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
    let expected = posted * subs;
    let last_answer = posts
        .iter()
        .map(|p| p.answered)
        .max()
        .unwrap_or_else(Instant::now);
    let deadline = last_answer + Duration::from_secs(args.drain_timeout_secs);
    while shared.received.load(Ordering::Acquire) < expected && Instant::now() < deadline {
        if logs.iter().all(|log| lock(&log.ended).is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Nothing of this run is counted any more.
    shared.current_run.store(u32::MAX, Ordering::Release);
    let wall = wall_before.elapsed().as_secs_f64();
    let cpu_after = (cpu_time(server_pid), cpu_time(Some(std::process::id())));
    let busy_after = machine_busy();
    let machine = match (busy_before, busy_after) {
        (Some(b0), Some(b1)) if wall > 0.0 => Some((b1 - b0).as_secs_f64() / wall * 100.0),
        _ => None,
    };
    let cpu = match (cpu_before, cpu_after) {
        ((Some(s0), Some(b0)), (Some(s1), Some(b1))) if wall > 0.0 => Some((
            (s1 - s0).as_secs_f64() / wall * 100.0,
            (b1 - b0).as_secs_f64() / wall * 100.0,
        )),
        _ => None,
    };

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
        subs,
        mode,
        posted,
        post_failures,
        deliveries,
        lost,
        duplicates,
        sockets_ended,
        send: Summary::of(&mut send),
        ack: Summary::of(&mut ack),
        post_rtt: Summary::of(&mut rtt),
        deliveries_per_sec,
        posts_per_sec,
        cpu,
        machine,
    })
}

fn report(
    args: &Args,
    target: &str,
    fd_limit: Option<u64>,
    users: usize,
    register_time: Duration,
    setups: &[Setup],
    results: &[RunResult],
) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!("fan-out benchmark");
    println!("command:  {}", command_line());
    println!("server:   {target}");
    println!(
        "machine:  {cores} CPU(s), shared by the bench client and the server (every figure \
         includes the client's own work on the same cores); open-files limit (ulimit -n): {}",
        fd_limit.map_or("unknown".to_owned(), |n| n.to_string())
    );
    println!(
        "setup:    {users} users registered + logged in in {:.1} s ({} at a time)",
        register_time.as_secs_f64(),
        args.register_concurrency
    );
    for s in setups {
        println!(
            "          S={}: room of {} users, {} sockets ({} per user at most) open in {:.2} s",
            s.subs,
            s.room_users,
            s.subs,
            s.subs.div_ceil(s.room_users),
            s.connect_time.as_secs_f64()
        );
    }
    println!(
        "load:     {} messages per run; paced = one POST every {} ms (open loop); burst = all \
         at once, {} in flight; posters rotate over {} room members",
        args.messages, args.interval_ms, args.burst_concurrency, args.senders
    );
    println!(
        "latency:  ms over every (message, subscriber) delivery; send→recv = receive − just \
         before the POST; 201→recv = receive − 201 arrived (negative: event beat the response)"
    );
    println!(
        "          ×base = send→recv p50 / p99 relative to the smallest S of the same mode; \
         deliv/s from the first POST to the last delivery; msg/s = 201s per second"
    );
    println!(
        "          CPU% = CPU time of the server / of this bench during the run, per cent of one \
         core ({cores} cores = {}%){}",
        cores * 100,
        if results.iter().any(|r| r.cpu.is_some()) {
            ""
        } else {
            "; unknown for a server the bench did not start"
        }
    );
    println!(
        "          other = CPU% of every other process on the machine during the run (from \
         /proc/stat; * = everything, this bench included); load average at the end: {}",
        load_average().unwrap_or_else(|| "unknown".to_owned())
    );
    println!();
    println!(
        "{:>5} {:>5} {:>5} {:>10} {:>4} | {:>7} {:>7} {:>7} {:>7} | {:>7} {:>7} {:>7} {:>7} | {:>12} | {:>7} {:>7} | {:>9} {:>6} | {:>7} {:>5}",
        "subs",
        "mode",
        "msgs",
        "deliveries",
        "lost",
        "send50",
        "send90",
        "send99",
        "sendmax",
        "201→50",
        "201→90",
        "201→99",
        "201→max",
        "×base p50/99",
        "POST50",
        "POST99",
        "deliv/s",
        "msg/s",
        "CPU%s/c",
        "other"
    );
    let mut rows: Vec<&RunResult> = results.iter().collect();
    // Grouped by mode (in --modes order), then by S: ratios read down a group.
    rows.sort_by_key(|r| {
        let mode = args.modes.iter().position(|&m| m == r.mode);
        (mode, r.subs)
    });
    for r in rows {
        let baseline = results
            .iter()
            .filter(|b| b.mode == r.mode)
            .min_by_key(|b| b.subs)
            .map_or(r.send, |b| b.send);
        let ratio = |x: f64, base: f64| if base > 0.0 { x / base } else { 0.0 };
        println!(
            "{:>5} {:>5} {:>5} {:>10} {:>4} | {:>7.2} {:>7.2} {:>7.2} {:>7.2} | {:>7.2} {:>7.2} {:>7.2} {:>7.2} | {:>6.1} {:>5.1} | {:>7.2} {:>7.2} | {:>9.0} {:>6.0} | {:>7} {:>5}",
            r.subs,
            r.mode.name(),
            r.posted,
            r.deliveries,
            r.lost,
            r.send.p50,
            r.send.p90,
            r.send.p99,
            r.send.max,
            r.ack.p50,
            r.ack.p90,
            r.ack.p99,
            r.ack.max,
            ratio(r.send.p50, baseline.p50),
            ratio(r.send.p99, baseline.p99),
            r.post_rtt.p50,
            r.post_rtt.p99,
            r.deliveries_per_sec,
            r.posts_per_sec,
            r.cpu.map_or("-".to_owned(), |(server, bench)| format!(
                "{server:.0}/{bench:.0}"
            )),
            match (r.cpu, r.machine) {
                (Some((server, bench)), Some(all)) => {
                    format!("{:.0}", (all - server - bench).max(0.0))
                }
                (None, Some(all)) => format!("{all:.0}*"),
                _ => "-".to_owned(),
            }
        );
    }
    let mut notes = Vec::new();
    for r in results {
        let tag = format!("S={} {}", r.subs, r.mode.name());
        if !r.post_failures.is_empty() {
            let mut failures = r.post_failures.clone();
            failures.dedup();
            notes.push(format!(
                "{tag}: {} POSTs failed ({})",
                r.post_failures.len(),
                failures.join(", ")
            ));
        }
        if r.duplicates > 0 {
            notes.push(format!("{tag}: {} duplicate deliveries", r.duplicates));
        }
        if !r.sockets_ended.is_empty() {
            notes.push(format!(
                "{tag}: {} sockets ended early (first: {})",
                r.sockets_ended.len(),
                r.sockets_ended[0]
            ));
        }
    }
    println!();
    if notes.is_empty() {
        println!("every POST answered 201; no socket closed early; no duplicate deliveries");
    }
    for note in notes {
        println!("note: {note}");
    }
    let lost: u64 = results.iter().map(|r| r.lost).sum();
    println!(
        "lost deliveries: {lost}{}",
        if lost == 0 { " (OK)" } else { " (FAIL)" }
    );
}

/// The command line as typed, quoted where a shell would need it.
fn command_line() -> String {
    std::env::args()
        .map(|arg| {
            if !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+".contains(c))
            {
                arg
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The soft `RLIMIT_NOFILE`, read from `/proc/self/limits` (Linux); None elsewhere.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// CPU time (user + system, all threads) of a process so far, from `/proc/<pid>/stat`
/// (Linux; `USER_HZ` = 100, as on every common Linux platform).
fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // Field 2 (the command) is in parentheses and may hold spaces: count from after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3; utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Busy CPU time of the whole machine so far (every CPU; not idle, not waiting for I/O,
/// not stolen by a hypervisor), from the first line of `/proc/stat` (`USER_HZ` = 100).
fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    // user nice system idle iowait irq softirq (guest time is already in user).
    let ticks: Vec<u64> = line
        .split_whitespace()
        .take(7)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    let busy: u64 = ticks
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    Some(Duration::from_millis(busy * 10))
}

/// `/proc/loadavg`'s 1, 5 and 15-minute load averages.
fn load_average() -> Option<String> {
    let loadavg = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        loadavg
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn unix_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
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
