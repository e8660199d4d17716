//! The command line, and the settings it resolves to (full-size or `--smoke` defaults).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::database::DatabaseKind;
use crate::fanout::{self, Mode};
use crate::{page_cost, resume, server};

/// The API's limit on a room's participants (the creator included).
pub const MAX_ROOM_PARTICIPANTS: usize = 500;

#[derive(Debug, Parser)]
#[command(
    name = "chat-bench",
    about = "Load harness for chat-server: starts the release server on a fresh database, seeds \
             it, drives each scenario over loopback and reports throughput, latency and targets."
)]
pub struct Cli {
    #[command(subcommand)]
    pub scenario: Which,
    #[command(flatten)]
    pub options: Options,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Which {
    /// Every scenario below, one server, then ratios and targets (9 only with `--database
    /// postgres`).
    All,
    /// 1: GET /healthz.
    Healthz,
    /// 2: GET /api/chat/rooms/?page_size=50 of a user in 50 rooms (1-message previews).
    Rooms,
    /// 3: the newest page (50) of a 1,000,000-message room.
    FirstPage,
    /// 4: a page (50) behind a cursor 900,000 messages down the same room.
    DeepPage,
    /// 5: POST messages (durable 201) from 1 sender, then from 64 senders.
    Create,
    /// 6: one message at a time to 1,000 WebSocket subscribers of a room.
    Fanout,
    /// 7: 10,000 idle WebSockets: the server's memory per connection.
    Idle,
    /// 8: resume 10,000 stored events over a socket (`?since=`) and over REST, and
    /// GET /api/events/ with nothing new under load (with healthz, its baseline).
    Resume,
    /// 9 (PostgreSQL only): what the same first page costs the database in a 200-message room
    /// and in the 1,000,000-message room (and a page deep in it), from pg_stat_statements.
    PageCost,
}

impl Which {
    /// Whether running `self` runs scenario `scenario`.
    pub fn includes(self, scenario: Which) -> bool {
        self == Which::All || self == scenario
    }
}

/// Every option; the numeric ones default to full size, or to tiny with `--smoke`.
#[derive(Debug, Clone, Args)]
pub struct Options {
    /// Seconds and tiny data (2,000 messages, 20 subscribers, 100 idle sockets, 200 stored
    /// events, 1 s per scenario): proves every scenario works, measures nothing worth keeping.
    #[arg(long, global = true)]
    pub smoke: bool,
    /// The server's database: a SQLite file in a temporary directory, or a PostgreSQL
    /// database created for the run (`chat_bench_<random>`, through --postgres-url) and
    /// dropped after it.
    #[arg(long, global = true, value_enum, default_value_t = DatabaseKind::Sqlite)]
    pub database: DatabaseKind,
    /// With `--database postgres`: a PostgreSQL URL whose role may create databases, e.g.
    /// postgres://chat:chat@127.0.0.1:5432/chat. The run's database is created beside the
    /// one it names.
    #[arg(
        long,
        global = true,
        env = "BENCH_POSTGRES_URL",
        hide_env_values = true
    )]
    pub postgres_url: Option<String>,
    /// The server binary [default: <workspace>/target/release/chat-server].
    #[arg(long, global = true)]
    pub server_bin: Option<PathBuf>,
    /// Extra server environment, KEY=VALUE (repeatable), e.g. a throttle setting.
    #[arg(long = "server-env", global = true, value_parser = parse_env)]
    pub server_env: Vec<(String, String)>,
    /// Where to write the JSON results [default: bench/results/latest.json for a full `all`,
    /// latest-postgres.json with `--database postgres`; nothing for smoke or single-scenario
    /// runs, so they never overwrite the checked-in files].
    #[arg(long, global = true)]
    pub out: Option<PathBuf>,
    /// Requests in flight at once in the REST scenarios [64; smoke 16].
    #[arg(long, global = true)]
    pub concurrency: Option<usize>,
    /// Measured seconds per REST scenario [10; smoke 1].
    #[arg(long, global = true)]
    pub duration_secs: Option<f64>,
    /// Unmeasured warm-up seconds before each REST scenario [2; smoke 0.2].
    #[arg(long, global = true)]
    pub warmup_secs: Option<f64>,
    /// Slices each REST scenario's time is cut into, the scenarios taking turns slice by
    /// slice, so load from other processes that comes and goes hits all of them alike
    /// [5; smoke 1].
    #[arg(long, global = true)]
    pub rounds: Option<u32>,
    /// Most requests per REST scenario (the other bound besides time) [1,000,000].
    #[arg(long, global = true)]
    pub max_requests: Option<u64>,
    /// Messages in the big room of scenarios 3 and 4 [1,000,000; smoke 2,000].
    #[arg(long, global = true)]
    pub messages: Option<u64>,
    /// How far down the big room the deep cursor is, as a fraction of --messages [0.9].
    #[arg(long, global = true)]
    pub deep_fraction: Option<f64>,
    /// Page size of scenarios 2-4 [50].
    #[arg(long, global = true)]
    pub page_size: Option<u32>,
    /// Rooms of the room-list user [50; smoke 10].
    #[arg(long, global = true)]
    pub rooms: Option<usize>,
    /// Messages in each of those rooms [20; smoke 3].
    #[arg(long, global = true)]
    pub room_messages: Option<u64>,
    /// Distinct senders of scenario 5's second run [64; smoke 8].
    #[arg(long, global = true)]
    pub senders: Option<usize>,
    /// Users for the WebSocket scenarios, at most 500 (a room's limit) [500; smoke 10].
    #[arg(long, global = true)]
    pub users: Option<usize>,
    /// Fan-out subscriber counts, comma-separated [1000; smoke 20].
    #[arg(long, global = true, value_delimiter = ',')]
    pub subscribers: Option<Vec<usize>>,
    /// Fan-out modes, comma-separated [paced].
    #[arg(long, global = true, value_delimiter = ',')]
    pub modes: Option<Vec<Mode>>,
    /// Fan-out messages per run [50; smoke 10].
    #[arg(long, global = true)]
    pub fanout_messages: Option<usize>,
    /// Paced fan-out: one POST every this many milliseconds [100; smoke 50].
    #[arg(long, global = true)]
    pub interval_ms: Option<u64>,
    /// Burst fan-out: POSTs in flight at once [32].
    #[arg(long, global = true)]
    pub burst_concurrency: Option<usize>,
    /// Fan-out room members who post, in turn [10; smoke 4].
    #[arg(long, global = true)]
    pub posters: Option<usize>,
    /// Idle sockets of scenario 7 [10,000; smoke 100].
    #[arg(long, global = true)]
    pub idle: Option<usize>,
    /// Registrations (Argon2: slow on purpose) in flight at once [16].
    #[arg(long, global = true)]
    pub register_concurrency: Option<usize>,
    /// WebSocket handshakes in flight at once [64].
    #[arg(long, global = true)]
    pub connect_concurrency: Option<usize>,
    /// Stored events scenario 8 resumes over, posted through the API [10,000; smoke 200].
    #[arg(long, global = true)]
    pub resume_events: Option<usize>,
    /// Room members who post them, in turn (`--concurrency` in flight) [4; smoke 2].
    #[arg(long, global = true)]
    pub resume_senders: Option<usize>,
    /// Timed reads of them each way, socket and REST [5; smoke 2].
    #[arg(long, global = true)]
    pub resume_repeats: Option<usize>,
    /// `limit` of scenario 8's REST pages, 1 to 500 [500; smoke 50].
    #[arg(long, global = true)]
    pub resume_page: Option<u32>,
    /// Scenario 9: messages in the small room, beside the big room of --messages [200].
    #[arg(long, global = true)]
    pub small_room_messages: Option<u64>,
    /// Scenario 9: measured requests per page (each room's first page, the deep page)
    /// [2,000; smoke 100].
    #[arg(long, global = true)]
    pub page_cost_requests: Option<u64>,
    /// Scenario 9: requests in flight at once, fewer than the server's 5 database connections
    /// [4].
    #[arg(long, global = true)]
    pub page_cost_in_flight: Option<usize>,
    /// Server CHAT_WS_QUEUE_LEN [the server's default, 256].
    #[arg(long, global = true)]
    pub ws_queue_len: Option<usize>,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))
}

/// The resolved settings, as stored in the results.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub smoke: bool,
    pub database: DatabaseKind,
    /// Never written out: it may hold a password.
    #[serde(skip)]
    pub postgres_url: Option<String>,
    #[serde(skip)]
    pub server_bin: PathBuf,
    #[serde(skip)]
    pub out: Option<PathBuf>,
    pub server_env: Vec<(String, String)>,
    pub ws_queue_len: Option<usize>,
    pub concurrency: usize,
    pub duration_secs: f64,
    pub warmup_secs: f64,
    pub rounds: u32,
    pub max_requests: u64,
    pub messages: u64,
    /// Messages newer than the deep cursor.
    pub deep_depth: u64,
    pub page_size: u32,
    pub rooms: usize,
    pub room_messages: u64,
    pub senders: usize,
    pub users: usize,
    pub idle: usize,
    pub register_concurrency: usize,
    pub fanout: fanout::Params,
    pub resume: resume::Params,
    pub page_cost: page_cost::Params,
}

impl Options {
    pub fn resolve(&self, which: Which) -> anyhow::Result<Settings> {
        let smoke = self.smoke;
        // A function, not a closure: one per type.
        fn pick<T>(smoke: bool, full: T, tiny: T) -> T {
            if smoke { tiny } else { full }
        }
        let messages = self.messages.unwrap_or(pick(smoke, 1_000_000, 2_000));
        let deep_fraction = self.deep_fraction.unwrap_or(0.9);
        ensure!(
            deep_fraction > 0.0 && deep_fraction < 1.0,
            "--deep-fraction must be between 0 and 1"
        );
        let out = match (&self.out, which, smoke) {
            (Some(out), _, _) => Some(out.clone()),
            (None, Which::All, false) => Some(default_out(self.database)),
            _ => None,
        };
        ensure!(
            self.database != DatabaseKind::Postgres || self.postgres_url.is_some(),
            "--database postgres needs --postgres-url or BENCH_POSTGRES_URL: a PostgreSQL URL \
             whose role may create databases"
        );
        ensure!(
            which != Which::PageCost || self.database == DatabaseKind::Postgres,
            "page-cost reads PostgreSQL's pg_stat_statements: run it with --database postgres \
             (and --postgres-url or BENCH_POSTGRES_URL)"
        );
        let settings = Settings {
            smoke,
            database: self.database,
            postgres_url: self.postgres_url.clone(),
            server_bin: self
                .server_bin
                .clone()
                .unwrap_or_else(server::default_binary),
            out,
            server_env: self.server_env.clone(),
            ws_queue_len: self.ws_queue_len,
            concurrency: self.concurrency.unwrap_or(pick(smoke, 64, 16)),
            duration_secs: self.duration_secs.unwrap_or(pick(smoke, 10.0, 1.0)),
            warmup_secs: self.warmup_secs.unwrap_or(pick(smoke, 2.0, 0.2)),
            rounds: self.rounds.unwrap_or(pick(smoke, 5, 1)),
            max_requests: self.max_requests.unwrap_or(1_000_000),
            messages,
            deep_depth: (messages as f64 * deep_fraction) as u64,
            page_size: self.page_size.unwrap_or(50),
            rooms: self.rooms.unwrap_or(pick(smoke, 50, 10)),
            room_messages: self.room_messages.unwrap_or(pick(smoke, 20, 3)),
            senders: self.senders.unwrap_or(pick(smoke, 64, 8)),
            users: self.users.unwrap_or(pick(smoke, MAX_ROOM_PARTICIPANTS, 10)),
            idle: self.idle.unwrap_or(pick(smoke, 10_000, 100)),
            register_concurrency: self.register_concurrency.unwrap_or(16),
            fanout: fanout::Params {
                subscribers: self
                    .subscribers
                    .clone()
                    .unwrap_or(vec![pick(smoke, 1000, 20)]),
                modes: self.modes.clone().unwrap_or(vec![Mode::Paced]),
                messages: self.fanout_messages.unwrap_or(pick(smoke, 50, 10)),
                interval_ms: self.interval_ms.unwrap_or(pick(smoke, 100, 50)),
                burst_concurrency: self.burst_concurrency.unwrap_or(32),
                posters: self.posters.unwrap_or(pick(smoke, 10, 4)),
                connect_concurrency: self.connect_concurrency.unwrap_or(64),
                drain_timeout_secs: pick(smoke, 10, 5),
            },
            resume: resume::Params {
                events: self.resume_events.unwrap_or(pick(smoke, 10_000, 200)),
                senders: self.resume_senders.unwrap_or(pick(smoke, 4, 2)),
                in_flight: self.concurrency.unwrap_or(pick(smoke, 64, 16)),
                repeats: self.resume_repeats.unwrap_or(pick(smoke, 5, 2)),
                page: self.resume_page.unwrap_or(pick(smoke, 500, 50)),
                read_timeout_secs: pick(smoke, 60, 10),
            },
            page_cost: page_cost::Params {
                small_messages: self.small_room_messages.unwrap_or(200),
                requests: self.page_cost_requests.unwrap_or(pick(smoke, 2_000, 100)),
                in_flight: self.page_cost_in_flight.unwrap_or(4),
                warmup_requests: pick(smoke, 200, 20),
            },
        };
        settings.check()?;
        Ok(settings)
    }
}

impl Settings {
    fn check(&self) -> anyhow::Result<()> {
        let f = &self.fanout;
        ensure!(
            self.concurrency > 0 && self.register_concurrency > 0 && f.connect_concurrency > 0,
            "concurrency limits must be positive"
        );
        ensure!(
            self.duration_secs > 0.0 && self.warmup_secs >= 0.0 && self.rounds > 0,
            "durations and --rounds must be positive"
        );
        ensure!(
            self.messages >= u64::from(self.page_size) * 2,
            "--messages must hold at least two pages"
        );
        ensure!(
            self.messages - self.deep_depth >= u64::from(self.page_size),
            "the deep page needs a full page behind the cursor: lower --deep-fraction"
        );
        ensure!(
            (1..=100).contains(&self.page_size),
            "--page-size must be 1..=100 (the API's limit)"
        );
        ensure!(
            self.rooms > 0 && self.senders > 0 && self.idle > 0,
            "--rooms, --senders and --idle must be positive"
        );
        ensure!(
            (2..=MAX_ROOM_PARTICIPANTS).contains(&self.users),
            "--users must be 2..={MAX_ROOM_PARTICIPANTS} (the room limit)"
        );
        ensure!(
            self.senders <= MAX_ROOM_PARTICIPANTS,
            "--senders must be at most {MAX_ROOM_PARTICIPANTS} (they share one room)"
        );
        ensure!(
            !f.subscribers.is_empty() && f.subscribers.iter().all(|&s| s > 0),
            "--subscribers needs positive counts"
        );
        ensure!(
            !f.modes.is_empty() && f.messages > 0 && f.posters > 0 && f.burst_concurrency > 0,
            "--modes, --fanout-messages, --posters and --burst-concurrency must be given/positive"
        );
        ensure!(
            !f.modes.contains(&Mode::Paced) || f.interval_ms > 0,
            "--interval-ms must be positive for paced mode"
        );
        let r = &self.resume;
        ensure!(
            r.events > 0 && r.repeats > 0 && (1..=500).contains(&r.page),
            "--resume-events and --resume-repeats must be positive, --resume-page 1..=500 \
             (the API's limit)"
        );
        ensure!(
            (1..MAX_ROOM_PARTICIPANTS).contains(&r.senders),
            "--resume-senders must be 1..{MAX_ROOM_PARTICIPANTS} (they share a room with the \
             reader)"
        );
        let p = &self.page_cost;
        ensure!(
            p.small_messages >= u64::from(self.page_size),
            "--small-room-messages must hold a full page (--page-size): the same page in both \
             rooms"
        );
        ensure!(
            p.requests >= u64::from(self.rounds) && p.in_flight > 0,
            "--page-cost-requests must be at least --rounds, --page-cost-in-flight positive"
        );
        Ok(())
    }

    /// The load driver's bounds for one slice.
    pub fn load_spec(&self) -> crate::load::LoadSpec {
        crate::load::LoadSpec {
            concurrency: self.concurrency,
            max_requests: self.max_requests.div_ceil(u64::from(self.rounds)),
        }
    }

    /// Measured time of one slice.
    pub fn slice(&self) -> Duration {
        Duration::from_secs_f64(self.duration_secs / f64::from(self.rounds))
    }

    pub fn warmup(&self) -> Duration {
        Duration::from_secs_f64(self.warmup_secs)
    }
}

/// `bench/results/latest.json`, or `latest-postgres.json`.
pub fn default_out(database: DatabaseKind) -> PathBuf {
    let file = match database {
        DatabaseKind::Sqlite => "latest.json",
        DatabaseKind::Postgres => "latest-postgres.json",
    };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join(file)
}

/// The directory `out` goes in, created if missing.
pub fn prepare_out(out: &Path) -> anyhow::Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}
