//! Scenario 9, PostgreSQL only: does a page cost the database the same whatever the size of
//! its room? The target: the same first page costs the same database time in a 200-message
//! room and a 1,000,000-message room, ± 10 %, as `pg_stat_statements` reports it.
//!
//! Setup seeds the small room beside the big room of scenarios 3 and 4, with the same owner,
//! the same only member and sender, so the rooms differ in size alone, and finds the deep
//! cursor. `run` then creates the extension in the run's database, restarts the server (the
//! planning counter applies to new sessions only) and measures each page in turn: the small
//! room's first page, the big room's, and the big room's page behind the deep cursor. Each
//! page is warmed up, then measured `rounds` times, the pages taking turns round by round so
//! load from other processes hits them alike: `pg_stat_statements_reset()` for the run's
//! database, `requests / rounds` GETs over HTTP with `in_flight` at once, then a read of the
//! view. Between a reset and its read the database runs this page's statements alone.
//!
//! The page statement is the one that took the most time over all pages. Reported per page:
//! its calls, execution (and planning) time per call and buffers per call, the database time
//! of every statement per HTTP request, and the backends' CPU per request from `/proc`.

mod statements;
mod table;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

pub use statements::StatementCost;
pub use table::print_section;

use crate::cli::{Settings, Which};
use crate::database::{Database, DatabaseKind};
use crate::load::{LoadResult, LoadSpec, MakeRequest, Tally};
use crate::setup::World;

/// The ± band of the target around 1, for big / small.
pub const TOLERANCE: f64 = 0.10;

/// A measured slice's upper bound: far above what its requests take, so the request count is
/// what ends it.
const SLICE_BOUND: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Serialize)]
pub struct Params {
    /// Messages in the small room (the big room has `--messages`).
    pub small_messages: u64,
    /// Measured requests per page, over every round.
    pub requests: u64,
    /// Requests in flight at once: fewer than the server's pool, so none waits for a
    /// connection, and few, so the backends seldom wait for a core.
    pub in_flight: usize,
    /// Unmeasured requests per page before its first round.
    pub warmup_requests: u64,
}

/// Whether this run measures scenario 9: `page-cost`, or `all` on PostgreSQL.
pub fn selected(settings: &Settings, which: Which) -> bool {
    which.includes(Which::PageCost) && settings.database == DatabaseKind::Postgres
}

/// Before setup's minutes: the run's database can report statements at all.
pub async fn check_database(database: &Database) -> anyhow::Result<()> {
    let Database::Postgres { url, .. } = database else {
        bail!("page-cost needs --database postgres");
    };
    let mut db = statements::connect(url).await?;
    statements::check_preloaded(&mut db).await
}

/// Scenario 9's figures.
#[derive(Debug, Clone, Serialize)]
pub struct PageCostResult {
    pub page_size: u32,
    pub requests_per_page: u64,
    pub in_flight: usize,
    pub rounds: u32,
    pub warmup_requests: u64,
    /// The statement that took the most time over all pages, and its normalised text.
    pub page_queryid: Option<i64>,
    pub page_query: Option<String>,
    /// Small room's first page, big room's first page, big room's deep page.
    pub pages: Vec<PageCost>,
    /// Big / small (and deep / small) of the figures that should not depend on the room.
    pub ratios: Vec<PageRatio>,
    /// Anything that makes a figure mean less than it says (e.g. a page statement that ran
    /// a different number of times than there were requests).
    pub notes: Vec<String>,
}

/// One page's figures over every round.
#[derive(Debug, Clone, Serialize)]
pub struct PageCost {
    /// `small_first_page`, `big_first_page`, `big_deep_page`.
    pub id: &'static str,
    pub title: String,
    pub room: i64,
    pub room_messages: u64,
    pub request: String,
    /// HTTP requests measured, whatever their answer: each ran the page's statements.
    pub requests: u64,
    pub http: LoadResult,
    /// The page statement's figures on this page.
    pub page_statement: Option<StatementCost>,
    /// Its mean execution ms per call in each round, in order: how much the figure wanders.
    pub page_exec_ms_by_round: Vec<f64>,
    /// Every statement the database ran for these requests, the most time first.
    pub statements: Vec<StatementCost>,
    /// Calls of every statement per request.
    pub statements_per_request: f64,
    /// Execution and planning time of every statement, per request, and the two together.
    pub db_exec_ms_per_request: f64,
    pub db_plan_ms_per_request: f64,
    pub db_ms_per_request: f64,
    /// CPU time of the backends serving the run's database per request (`/proc`, 10 ms
    /// ticks): everything they did, protocol included.
    pub backend_cpu_ms_per_request: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageRatio {
    pub name: &'static str,
    pub value: f64,
    /// Judged against 1 ± `TOLERANCE` (`report.rs` lists it with the targets).
    pub target: bool,
}

impl PageRatio {
    /// Within 1 ± `TOLERANCE`, for a ratio that is a target.
    pub fn pass(&self) -> Option<bool> {
        self.target.then(|| (self.value - 1.0).abs() <= TOLERANCE)
    }
}

/// A page to measure.
struct Subject {
    id: &'static str,
    title: String,
    room: i64,
    room_messages: u64,
    cursor: Option<String>,
}

/// The part of a page the check reads.
#[derive(Deserialize)]
struct Page {
    results: Vec<serde_json::Value>,
}

pub async fn run(settings: &Settings, world: &mut World) -> anyhow::Result<PageCostResult> {
    let p = &settings.page_cost;
    let Database::Postgres { url, name, .. } = world.database() else {
        bail!("page-cost needs --database postgres");
    };
    let name = name.clone();
    let mut db = statements::connect(url).await?;
    statements::check_preloaded(&mut db).await?;
    statements::enable(&mut db, &name).await?;
    eprintln!("page cost: restarting the server so its sessions count planning ...");
    world.server.restart()?;
    world.http = world.http.rebased(&world.server.base);

    let small = world.small_room.context("page cost: no small room")?;
    let big = world.big_room.context("page cost: no big room")?;
    let mut subjects = vec![
        Subject {
            id: "small_first_page",
            title: format!("first page, {}-message room", p.small_messages),
            room: small,
            room_messages: p.small_messages,
            cursor: None,
        },
        Subject {
            id: "big_first_page",
            title: format!("first page, {}-message room", settings.messages),
            room: big,
            room_messages: settings.messages,
            cursor: None,
        },
    ];
    if let Some(cursor) = &world.deep_cursor {
        subjects.push(Subject {
            id: "big_deep_page",
            title: format!(
                "page {} down, {}-message room",
                world.info.deep_cursor_depth, settings.messages
            ),
            room: big,
            room_messages: settings.messages,
            cursor: Some(cursor.clone()),
        });
    }

    let size = settings.page_size;
    let token = world.owner.token.clone();
    let mut requests = Vec::new();
    for subject in &subjects {
        let url = world
            .page_url(subject.room, size, subject.cursor.as_deref())?
            .to_string();
        // The same page in every room: a short one would cost less for that reason alone.
        let page: Page = world.http.get_json(&url, &token).await?;
        ensure!(
            page.results.len() == size as usize,
            "page cost: {} has {} messages, not a full page of {size}",
            subject.title,
            page.results.len()
        );
        let request = format!("GET {}", url.trim_start_matches(&*world.http.base));
        let (client, token) = (world.http.client.clone(), token.clone());
        let make: MakeRequest = Arc::new(move |_, _| client.get(&url).bearer_auth(&token));
        requests.push((request, make));
    }

    let pid = world.server.pid();
    eprintln!(
        "page cost: {} warm-up requests per page, {} in flight ...",
        p.warmup_requests, p.in_flight
    );
    for (_, make) in &requests {
        let spec = LoadSpec {
            concurrency: p.in_flight,
            max_requests: p.warmup_requests,
        };
        let mut warmup = Tally::default();
        warmup
            .measure(
                spec,
                (Duration::ZERO, SLICE_BOUND),
                StatusCode::OK,
                make,
                pid,
            )
            .await?;
    }

    let mut http: Vec<Tally> = subjects.iter().map(|_| Tally::default()).collect();
    let mut database: Vec<statements::Tally> = subjects
        .iter()
        .map(|_| statements::Tally::default())
        .collect();
    let mut spans: Vec<Vec<BTreeMap<i64, f64>>> = subjects.iter().map(|_| Vec::new()).collect();
    for round in 0..settings.rounds {
        // `requests` split as evenly as whole requests allow.
        let share = p.requests / u64::from(settings.rounds)
            + u64::from(u64::from(round) < p.requests % u64::from(settings.rounds));
        for (i, subject) in subjects.iter().enumerate() {
            eprintln!(
                "round {}/{}: page cost, {} ({share} requests) ...",
                round + 1,
                settings.rounds,
                subject.title
            );
            let spec = LoadSpec {
                concurrency: p.in_flight,
                max_requests: share,
            };
            statements::reset(&mut db).await?;
            http[i]
                .measure(
                    spec,
                    (Duration::ZERO, SLICE_BOUND),
                    StatusCode::OK,
                    &requests[i].1,
                    pid,
                )
                .await?;
            spans[i].push(database[i].read(&mut db).await?);
        }
    }

    // The page statement: the most time over every page together.
    let mut totals: BTreeMap<i64, f64> = BTreeMap::new();
    for tally in &database {
        for (id, cost) in &tally.statements {
            *totals.entry(*id).or_default() += cost.total_ms();
        }
    }
    let page_queryid = totals
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(id, _)| *id);
    let page_query = page_queryid.and_then(|id| {
        database
            .iter()
            .find_map(|tally| tally.texts.get(&id).cloned())
    });

    let mut pages = Vec::new();
    let mut notes = Vec::new();
    for (((subject, (request, _)), (http, database)), spans) in subjects
        .into_iter()
        .zip(requests)
        .zip(http.into_iter().zip(database))
        .zip(spans)
    {
        let page_exec_ms_by_round = spans
            .iter()
            .filter_map(|span| span.get(&page_queryid?).copied())
            .collect();
        let load = http.result(p.in_flight);
        let sent = load.ok + load.throttled + load.error_count();
        let per_request = |total: f64| total / sent.max(1) as f64;
        let statements = database.by_time();
        let page_statement = page_queryid.and_then(|id| database.statements.get(&id).cloned());
        let calls = page_statement.as_ref().map_or(0, |s| s.calls);
        if calls != sent {
            notes.push(format!(
                "{}: the page statement ran {calls} times for {sent} requests",
                subject.title
            ));
        }
        let exec: f64 = statements.iter().map(|s| s.total_exec_ms).sum();
        let plan: f64 = statements.iter().map(|s| s.total_plan_ms).sum();
        let calls: u64 = statements.iter().map(|s| s.calls).sum();
        // Per cent of one core over the measured seconds, back to milliseconds.
        let backend_cpu = load
            .cpu
            .database_pct
            .map(|pct| per_request(pct / 100.0 * load.elapsed_secs * 1e3));
        pages.push(PageCost {
            id: subject.id,
            title: subject.title,
            room: subject.room,
            room_messages: subject.room_messages,
            request,
            requests: sent,
            page_statement,
            page_exec_ms_by_round,
            statements,
            statements_per_request: per_request(calls as f64),
            db_exec_ms_per_request: per_request(exec),
            db_plan_ms_per_request: per_request(plan),
            db_ms_per_request: per_request(exec + plan),
            backend_cpu_ms_per_request: backend_cpu,
            http: load,
        });
    }
    Ok(PageCostResult {
        page_size: size,
        requests_per_page: p.requests,
        in_flight: p.in_flight,
        rounds: settings.rounds,
        warmup_requests: p.warmup_requests,
        page_queryid,
        page_query,
        ratios: ratios(&pages),
        pages,
        notes,
    })
}

/// Big / small and deep / small of what should not depend on the room; the execution time
/// per call and the database time per request are the targets.
fn ratios(pages: &[PageCost]) -> Vec<PageRatio> {
    let find = |id: &str| pages.iter().find(|p| p.id == id);
    let Some(small) = find("small_first_page") else {
        return Vec::new();
    };
    let page = |p: &PageCost, f: fn(&StatementCost) -> f64| p.page_statement.as_ref().map(f);
    let mut ratios = Vec::new();
    let mut push = |name, a: Option<f64>, b: Option<f64>, target| {
        if let (Some(a), Some(b)) = (a, b)
            && b > 0.0
        {
            ratios.push(PageRatio {
                name,
                value: a / b,
                target,
            });
        }
    };
    let exec = |s: &StatementCost| s.mean_exec_ms;
    let buffers = |s: &StatementCost| s.buffers_per_call;
    let backend = |p: &PageCost| p.backend_cpu_ms_per_request;
    if let Some(big) = find("big_first_page") {
        let (b, s) = (big, small);
        push(
            "(9) page stmt/call, big / small",
            page(b, exec),
            page(s, exec),
            true,
        );
        push(
            "(9) DB/request, big / small",
            Some(b.db_ms_per_request),
            Some(s.db_ms_per_request),
            true,
        );
        push(
            "(9) page buffers/call, big / small",
            page(b, buffers),
            page(s, buffers),
            false,
        );
        push(
            "(9) backend CPU/req, big / small",
            backend(b),
            backend(s),
            false,
        );
    }
    if let Some(deep) = find("big_deep_page") {
        let (d, s) = (deep, small);
        push(
            "(9) page stmt/call, deep / small",
            page(d, exec),
            page(s, exec),
            true,
        );
        push(
            "(9) DB/request, deep / small",
            Some(d.db_ms_per_request),
            Some(s.db_ms_per_request),
            true,
        );
        push(
            "(9) page buffers/call, deep / small",
            page(d, buffers),
            page(s, buffers),
            false,
        );
        push(
            "(9) backend CPU/req, deep / small",
            backend(d),
            backend(s),
            false,
        );
    }
    ratios
}
