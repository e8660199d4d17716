//! The database file itself, read with SQLite while no server has it open.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::ledger::Stored;

/// What is on disk.
pub struct Audit {
    /// `PRAGMA integrity_check`: `["ok"]` when sound.
    pub integrity: Vec<String>,
    /// `(sender_id, client_id, copies)` stored more than once.
    pub duplicate_client_ids: Vec<(i64, String, i64)>,
    /// The room's messages, oldest first.
    pub rows: Vec<Stored>,
}

/// Opens `db` read-only (a hot WAL left by a killed server is read, not checkpointed) and
/// audits `room`.
pub async fn audit(db: &Path, room: i64) -> Audit {
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .connect()
        .await
        .unwrap_or_else(|err| panic!("opening {} read-only: {err}", db.display()));
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .expect("integrity_check runs");
    // NOT INDEXED: count the table's rows, not the unique index that should prevent copies.
    let duplicate_client_ids = sqlx::query_as(
        "SELECT sender_id, client_id, COUNT(*) FROM messages NOT INDEXED \
         WHERE client_id IS NOT NULL GROUP BY sender_id, client_id HAVING COUNT(*) > 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("the duplicate count runs");
    let rows: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, sender_id, content, client_id FROM messages WHERE room_id = ? ORDER BY id",
    )
    .bind(room)
    .fetch_all(&mut conn)
    .await
    .expect("the messages are read");
    conn.close().await.expect("the audit connection closes");
    Audit {
        integrity,
        duplicate_client_ids,
        rows: rows
            .into_iter()
            .map(|(id, sender_id, content, client_id)| Stored {
                id,
                sender_id,
                content,
                client_id,
            })
            .collect(),
    }
}
