//! Bulk messages written straight into the server's database while the server is stopped.
//!
//! A million messages through `POST .../messages/` would take many minutes (every 201 waits
//! for its own durable commit), so the harness lets the server create and migrate the
//! database, stops it, inserts rows with the columns the server's own INSERT uses
//! (`server/src/store/message_writer.rs`), and starts it again. Rows are generated inside the
//! database (SQLite: a recursive CTE; PostgreSQL: `generate_series`), `CHUNK` rows per
//! statement and transaction: no per-row round trip through sqlx. Both produce the same rows:
//! the same contents, senders in the same turns, timestamps 1 ms apart.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, PgConnection, SqliteConnection};

use crate::database::Database;

/// Rows per transaction: large enough that commits are a rounding error.
const CHUNK: u64 = 100_000;

/// Filler the contents are cut from, so messages have realistic, varying lengths.
pub const FILLER: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \
                          tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam.";

/// Sets a room's `last_activity_at` to its newest message (the room list is ordered by it)
/// and its `message_count` (read state counts from it), as the server's writer keeps them.
/// Both drivers read `$1`.
const TOUCH_ROOM: &str = "UPDATE chat_rooms SET last_activity_at = \
     COALESCE((SELECT MAX(created_at) FROM messages WHERE room_id = $1), last_activity_at), \
     message_count = (SELECT COUNT(*) FROM messages WHERE room_id = $1) \
     WHERE id = $1";

/// Messages to add to one room, their senders taking turns.
pub struct Batch {
    pub room: i64,
    pub senders: Vec<i64>,
    pub count: u64,
}

/// One chunk of a batch: rows `from..to` of the run, the first one created at `first_time`.
struct Chunk<'a> {
    batch: &'a Batch,
    from: u64,
    to: u64,
    first_time: i64,
}

/// Inserts every batch, in order, then sets each room's `last_activity_at` to its newest
/// message. Returns the rows written and the time taken.
pub async fn seed(database: &Database, batches: &[Batch]) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    let mut db = Seeder::open(database).await?;

    let total: u64 = batches.iter().map(|b| b.count).sum();
    // Timestamps one millisecond apart, the newest a moment ago, in insertion (= id) order.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    let mut next_time = now - total as i64 * 1000;
    let mut written = 0u64;
    for batch in batches {
        let mut from = 0u64;
        while from < batch.count {
            let to = (from + CHUNK).min(batch.count);
            let chunk = Chunk {
                batch,
                from,
                to,
                first_time: next_time,
            };
            db.insert(&chunk)
                .await
                .with_context(|| format!("inserting messages into room {}", batch.room))?;
            next_time += (to - from) as i64 * 1000;
            written += to - from;
            from = to;
            if total >= 10 * CHUNK {
                eprintln!("  {written} / {total} messages");
            }
        }
        db.touch_room(batch.room).await?;
    }
    db.finish().await?;
    Ok((written, started.elapsed()))
}

/// A connection to the run's database, for seeding only.
enum Seeder {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Seeder {
    async fn open(database: &Database) -> anyhow::Result<Seeder> {
        match database {
            Database::Sqlite { file } => {
                let options = SqliteConnectOptions::new()
                    .filename(file)
                    .journal_mode(SqliteJournalMode::Wal)
                    // A throwaway database: a crash mid-seed fails the run anyway.
                    .synchronous(SqliteSynchronous::Off)
                    .foreign_keys(true)
                    .disable_statement_logging();
                let db = SqliteConnection::connect_with(&options)
                    .await
                    .with_context(|| format!("opening {}", file.display()))?;
                Ok(Seeder::Sqlite(db))
            }
            Database::Postgres { url, name, .. } => {
                let options: PgConnectOptions = url.parse()?;
                let options = options
                    // The same reasoning as SQLite's synchronous=OFF above.
                    .options([("synchronous_commit", "off")])
                    .disable_statement_logging();
                let db = PgConnection::connect_with(&options)
                    .await
                    .with_context(|| format!("connecting to the database {name}"))?;
                Ok(Seeder::Postgres(db))
            }
        }
    }

    /// One chunk, in one transaction.
    async fn insert(&mut self, chunk: &Chunk<'_>) -> anyhow::Result<()> {
        let Chunk {
            batch,
            from,
            to,
            first_time,
        } = *chunk;
        match self {
            Seeder::Sqlite(db) => {
                let senders = serde_json::to_string(&batch.senders)?;
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
                .bind(first_time)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            // One statement: its own transaction. Ids come from the identity sequence, as
            // the server's own INSERT takes them, so nothing needs resetting afterwards.
            Seeder::Postgres(db) => {
                sqlx::query(
                    "INSERT INTO messages (room_id, sender_id, content, is_read, client_id, created_at, updated_at) \
                     SELECT $3, $4[1 + i % cardinality($4)], \
                            'seed message ' || i || ': ' || substr($5, 1, (20 + i % 100)::int), \
                            false, NULL, $6 + (i - $1) * 1000, NULL \
                     FROM generate_series($1::bigint, $2::bigint - 1) AS i",
                )
                .bind(from as i64)
                .bind(to as i64)
                .bind(batch.room)
                .bind(&batch.senders)
                .bind(FILLER)
                .bind(first_time)
                .execute(&mut *db)
                .await?;
            }
        }
        Ok(())
    }

    async fn touch_room(&mut self, room: i64) -> anyhow::Result<()> {
        match self {
            Seeder::Sqlite(db) => {
                sqlx::query(TOUCH_ROOM).bind(room).execute(&mut *db).await?;
            }
            Seeder::Postgres(db) => {
                sqlx::query(TOUCH_ROOM).bind(room).execute(&mut *db).await?;
            }
        }
        Ok(())
    }

    /// Leaves the database as a server that has lived with these rows would find it.
    async fn finish(self) -> anyhow::Result<()> {
        match self {
            Seeder::Sqlite(mut db) => {
                // Fold the WAL into the database so the restarted server starts from a small
                // WAL.
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&mut db)
                    .await?;
                db.close().await?;
            }
            Seeder::Postgres(mut db) => {
                // Statistics for the planner and a visibility map for index-only scans, which
                // autovacuum would get to in a minute or so: the figures should not depend on
                // whether it has yet. It also sets the hint bits the first readers would.
                sqlx::query("VACUUM (ANALYZE)").execute(&mut db).await?;
                db.close().await?;
            }
        }
        Ok(())
    }
}
