//! Bulk messages written straight into the server's SQLite file while the server is stopped.
//!
//! A million messages through `POST .../messages/` would take many minutes (every 201 waits
//! for its own durable commit), so the harness lets the server create and migrate the
//! database, stops it, inserts rows with the columns the server's own INSERT uses
//! (`server/src/store/messages.rs`), and starts it again. Rows are generated inside SQLite by a
//! recursive CTE, in transactions of `CHUNK` rows: no per-row round trip through sqlx.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

/// Rows per transaction: large enough that commits are a rounding error.
const CHUNK: u64 = 100_000;

/// Filler the contents are cut from, so messages have realistic, varying lengths.
const FILLER: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \
                      tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam.";

/// Messages to add to one room, their senders taking turns.
pub struct Batch {
    pub room: i64,
    pub senders: Vec<i64>,
    pub count: u64,
}

/// Inserts every batch, in order, then sets each room's `last_activity_at` to its newest
/// message (the room list is ordered by it). Returns the rows written and the time taken.
pub async fn seed(database: &Path, batches: &[Batch]) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    let options = SqliteConnectOptions::new()
        .filename(database)
        .journal_mode(SqliteJournalMode::Wal)
        // A throwaway database: a crash mid-seed fails the run anyway.
        .synchronous(SqliteSynchronous::Off)
        .foreign_keys(true)
        .disable_statement_logging();
    let mut db = SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("opening {}", database.display()))?;

    let total: u64 = batches.iter().map(|b| b.count).sum();
    // Timestamps one millisecond apart, the newest a moment ago, in insertion (= id) order.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    let mut next_time = now - total as i64 * 1000;
    let mut written = 0u64;
    for batch in batches {
        let senders = serde_json::to_string(&batch.senders)?;
        let mut from = 0u64;
        while from < batch.count {
            let to = (from + CHUNK).min(batch.count);
            let mut tx = db.begin().await?;
            sqlx::query(
                "WITH RECURSIVE seq(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?2) \
                 INSERT INTO messages (room_id, sender_id, content, is_read, client_id, created_at, updated_at) \
                 SELECT ?3, json_extract(?4, '$[' || (i % json_array_length(?4)) || ']'), \
                        'seed message ' || i || ': ' || substr(?5, 1, 20 + i % 100), \
                        0, NULL, ?6 + (i - ?1) * 1000, NULL \
                 FROM seq",
            )
            .bind(from as i64)
            .bind(to as i64)
            .bind(batch.room)
            .bind(&senders)
            .bind(FILLER)
            .bind(next_time)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("inserting messages into room {}", batch.room))?;
            tx.commit().await?;
            next_time += (to - from) as i64 * 1000;
            written += to - from;
            from = to;
            if total >= 10 * CHUNK {
                eprintln!("  {written} / {total} messages");
            }
        }
        sqlx::query(
            "UPDATE chat_rooms SET last_activity_at = \
             COALESCE((SELECT MAX(created_at) FROM messages WHERE room_id = ?1), last_activity_at) \
             WHERE id = ?1",
        )
        .bind(batch.room)
        .execute(&mut db)
        .await?;
    }
    // Fold the WAL into the database so the restarted server starts from a small WAL.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut db)
        .await?;
    db.close().await?;
    Ok((written, started.elapsed()))
}
