//! PostgreSQL's `pg_stat_statements`, as scenario 9 reads it: what each statement of the
//! run's database cost, summed over the requests of one page.
//!
//! Everything is confined to the run's database: the reset and the reading name it, so other
//! databases of the cluster (the tests', another bench run's) neither disturb the figures nor
//! lose theirs. The bench's own statements in a span (the reset, the read) begin with
//! `OWN`'s comment and are left out by that beginning alone: the server's statements may well
//! mention `pg_stat_statements` in their comments (its SQL files' headers quote this scenario's
//! figures), and a filter on that word dropped the very page statement it measures.

use std::collections::BTreeMap;

use anyhow::{Context, ensure};
use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection};

/// The comment the bench's own statements begin with, and the view keeps at the start of
/// their text: `read` leaves out what begins with it, and nothing else.
const OWN: &str = "/* chat-bench page-cost */";

/// What to do when the library is not loaded: it can only be loaded at the server's start.
const PRELOAD_FIX: &str = "set shared_preload_libraries = 'pg_stat_statements' in \
     postgresql.conf and restart PostgreSQL (for the local test cluster: run .ci/postgres, \
     which does both)";

/// A connection to the run's database (`url`) for reading its statistics.
pub async fn connect(url: &str) -> anyhow::Result<PgConnection> {
    let options: PgConnectOptions = url.parse()?;
    let options = options
        .application_name("chat-bench page-cost")
        .disable_statement_logging();
    PgConnection::connect_with(&options)
        .await
        .context("connecting to the run's database")
}

/// Fails, naming the fix, unless the server was started with the library preloaded: without
/// it `CREATE EXTENSION` succeeds but every read of the view fails.
pub async fn check_preloaded(db: &mut PgConnection) -> anyhow::Result<()> {
    let libraries: String =
        sqlx::query_scalar("SELECT current_setting('shared_preload_libraries')")
            .fetch_one(&mut *db)
            .await?;
    ensure!(
        preloads(&libraries),
        "page-cost reads pg_stat_statements, which this PostgreSQL has not loaded \
         (shared_preload_libraries = '{libraries}'): {PRELOAD_FIX}"
    );
    Ok(())
}

/// Whether a `shared_preload_libraries` value names the library (a list, names maybe quoted).
fn preloads(libraries: &str) -> bool {
    libraries
        .split(',')
        .any(|library| library.trim().trim_matches('"') == "pg_stat_statements")
}

/// Creates the extension in the run's database `name` (the role is a superuser, as the
/// bench's `CREATE DATABASE` already needs) and has its sessions count planning too: a page
/// planned afresh each time costs the database that as well. The setting takes effect in new
/// sessions only, so the server must be restarted after this.
pub async fn enable(db: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&mut *db)
        .await
        .context("CREATE EXTENSION pg_stat_statements (the role needs to be a superuser)")?;
    // `name` is generated (`chat_bench_<hex>`): safe to quote into SQL.
    sqlx::query(AssertSqlSafe(format!(
        r#"ALTER DATABASE "{name}" SET pg_stat_statements.track_planning = on"#
    )))
    .execute(&mut *db)
    .await
    .context("turning on pg_stat_statements.track_planning")?;
    Ok(())
}

/// Forgets every statement of the run's database so far.
pub async fn reset(db: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "{OWN} SELECT pg_stat_statements_reset(0::oid, oid, 0::bigint) \
         FROM pg_database WHERE datname = current_database()"
    )))
    .execute(&mut *db)
    .await
    .context("pg_stat_statements_reset() for the run's database")?;
    Ok(())
}

/// One statement's figures over one or more spans between a reset and a read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatementCost {
    pub queryid: i64,
    /// The normalised text's beginning, on one line (the page statement's whole text is in
    /// the scenario's `page_query`).
    pub text: String,
    pub calls: u64,
    pub total_exec_ms: f64,
    pub mean_exec_ms: f64,
    /// Plans made (0 while a cached generic plan is reused).
    pub plans: u64,
    pub total_plan_ms: f64,
    /// Planning time per call (not per plan): what planning adds to each execution.
    pub plan_ms_per_call: f64,
    pub rows: u64,
    pub shared_blks_hit: u64,
    pub shared_blks_read: u64,
    /// Shared buffers touched (hit or read) per call: the work, free of CPU contention.
    pub buffers_per_call: f64,
}

impl StatementCost {
    pub fn total_ms(&self) -> f64 {
        self.total_exec_ms + self.total_plan_ms
    }

    fn add(&mut self, row: &Row) {
        self.calls += row.calls.max(0) as u64;
        self.total_exec_ms += row.total_exec_time;
        self.plans += row.plans.max(0) as u64;
        self.total_plan_ms += row.total_plan_time;
        self.rows += row.rows.max(0) as u64;
        self.shared_blks_hit += row.shared_blks_hit.max(0) as u64;
        self.shared_blks_read += row.shared_blks_read.max(0) as u64;
        let calls = self.calls.max(1) as f64;
        self.mean_exec_ms = self.total_exec_ms / calls;
        self.plan_ms_per_call = self.total_plan_ms / calls;
        self.buffers_per_call = (self.shared_blks_hit + self.shared_blks_read) as f64 / calls;
    }
}

/// A row of the view, as read.
#[derive(sqlx::FromRow)]
struct Row {
    queryid: i64,
    calls: i64,
    total_exec_time: f64,
    plans: i64,
    total_plan_time: f64,
    rows: i64,
    shared_blks_hit: i64,
    shared_blks_read: i64,
    query: String,
}

/// Every statement of the run's database over the spans read so far, by `queryid`, and each
/// one's whole normalised text.
#[derive(Default)]
pub struct Tally {
    pub statements: BTreeMap<i64, StatementCost>,
    pub texts: BTreeMap<i64, String>,
}

impl Tally {
    /// Adds what the view holds for the run's database since the last reset, and returns
    /// that span's mean execution ms per call of each statement.
    pub async fn read(&mut self, db: &mut PgConnection) -> anyhow::Result<BTreeMap<i64, f64>> {
        // The bench's own by their beginning (`starts_with`: nothing in it is a pattern).
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
            "{OWN} SELECT s.queryid, s.calls, s.total_exec_time, s.plans, s.total_plan_time, \
                    s.rows, s.shared_blks_hit, s.shared_blks_read, s.query \
             FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid \
             WHERE d.datname = current_database() AND s.queryid IS NOT NULL \
               AND s.query IS NOT NULL AND NOT starts_with(s.query, $1)"
        )))
        .bind(OWN)
        .fetch_all(&mut *db)
        .await
        .context("reading pg_stat_statements")?;
        let mut span = BTreeMap::new();
        for row in rows {
            span.insert(row.queryid, row.total_exec_time / row.calls.max(1) as f64);
            let cost = self
                .statements
                .entry(row.queryid)
                .or_insert_with(|| StatementCost {
                    queryid: row.queryid,
                    text: one_line(&row.query, 100),
                    ..StatementCost::default()
                });
            cost.add(&row);
            self.texts.entry(row.queryid).or_insert(row.query);
        }
        Ok(span)
    }

    /// Every statement, the most total time (execution and planning) first.
    pub fn by_time(&self) -> Vec<StatementCost> {
        let mut statements: Vec<StatementCost> = self.statements.values().cloned().collect();
        statements.sort_by(|a, b| b.total_ms().total_cmp(&a.total_ms()));
        statements
    }
}

/// `text` without its comment lines (the SQL files' headers) and with its whitespace runs
/// collapsed, cut after `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::{one_line, preloads};

    #[test]
    fn the_preloaded_library_is_found_in_the_list() {
        assert!(preloads("pg_stat_statements"));
        assert!(preloads("auto_explain, \"pg_stat_statements\""));
        assert!(!preloads(""));
        assert!(!preloads("auto_explain,pg_stat_statements_x"));
    }

    #[test]
    fn statements_are_shown_on_one_line() {
        assert_eq!(one_line("SELECT\n  1,\n\t2", 100), "SELECT 1, 2");
        assert_eq!(one_line("-- why\n  -- more\nSELECT 1", 100), "SELECT 1");
        assert_eq!(one_line("SELECT 1234", 6), "SELECT…");
        assert_eq!(one_line("", 6), "");
    }
}
