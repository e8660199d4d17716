//! Every SQL statement of the server, grouped by table, behind one [`Store`] handle.

mod message_writer;
mod messages;
mod rooms;
mod tokens;
mod users;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use message_writer::{Announce, NewMessage};
pub use messages::{CreateOutcome, MessageRow, MessageWindow};
pub use rooms::{NewRoom, RoomDetail, RoomRow, RoomUpdate};
pub use users::{UserRow, UsernameTaken};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The database: SQLite admits one writer at a time, so writes go through a one-connection
/// pool (queued in-process instead of failing with SQLITE_BUSY) and reads through a pool of
/// their own, which WAL lets run beside the writer.
#[derive(Clone)]
pub struct Store {
    read: SqlitePool,
    write: SqlitePool,
    messages: message_writer::MessageWriter,
    usernames: UsernameCache,
}

/// Usernames by user id, filled as users authenticate.
#[derive(Clone, Default)]
struct UsernameCache(Arc<RwLock<HashMap<i64, Arc<str>>>>);

/// Beyond this many entries the cache starts over, so memory stays bounded.
const USERNAME_CACHE_LIMIT: usize = 100_000;

impl UsernameCache {
    fn get(&self, id: i64) -> Option<Arc<str>> {
        let names = self.0.read().unwrap_or_else(PoisonError::into_inner);
        names.get(&id).cloned()
    }

    fn insert(&self, id: i64, name: &str) -> Arc<str> {
        let name: Arc<str> = Arc::from(name);
        let mut names = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if names.len() >= USERNAME_CACHE_LIMIT {
            names.clear();
        }
        names.insert(id, Arc::clone(&name));
        name
    }
}

impl Store {
    pub async fn open(database_url: &str, read_connections: u32) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a 201 means the row survives power loss, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let in_memory = database_url.contains(":memory:") || database_url.contains("mode=memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&write).await?;
        // Each in-memory connection is a database of its own: share the writer's.
        let read = if in_memory {
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(read_connections)
                .connect_with(options)
                .await?
        };
        let messages = message_writer::MessageWriter::start(write.clone());
        Ok(Self {
            read,
            write,
            messages,
            usernames: UsernameCache::default(),
        })
    }

    /// Whether the database answers a query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.read).await.map(drop)
    }
}

/// Decodes a listing that SQLite built as one JSON array. sqlx hands every row over from its
/// worker thread with a wake-up of the awaiting task, which cost more than the query itself
/// (perf: ~1 ms of CPU for a 50-room page of ~300 rows); one row per listing costs one.
/// Callers sort what they decode: `json_group_array(... ORDER BY ...)` doubled the cost of a
/// 50-room page, and without it SQLite does not promise an order.
fn from_json_array<T: serde::de::DeserializeOwned>(json: &str) -> Result<Vec<T>, sqlx::Error> {
    serde_json::from_str(json).map_err(|err| sqlx::Error::Decode(Box::new(err)))
}

/// SQLite's booleans are integers, in JSON too.
fn bool_from_int<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    <i64 as serde::Deserialize>::deserialize(deserializer).map(|n| n != 0)
}

/// A JSON array of ids, bound as one parameter and expanded with `json_each` in SQL, so a
/// list of any length is one prepared statement.
fn json_ids<'a>(ids: impl IntoIterator<Item = &'a i64>) -> String {
    let ids: Vec<i64> = ids.into_iter().copied().collect();
    serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into())
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}
