//! Every SQL statement of the server, grouped by table, behind one [`Store`] handle, on
//! SQLite (the embedded default) or PostgreSQL (several instances on one database).
//!
//! A statement both databases accept is written once and run on either through
//! [`on_reads!`]/[`on_writes!`] (parameters are `$1`, `$2`, ... which sqlx's SQLite driver
//! also reads positionally); where the SQL really differs, the two texts sit side by side and
//! [`Dialect::pick`] chooses. The listings, the longest statements and the ones whose plans
//! matter most, are files of their own per engine: `sql/sqlite/`, `sql/postgres/` ([`sql`]).

pub mod bus;
pub mod events;
mod history;
mod invitations;
pub mod location;
mod membership;
mod message_extras;
mod message_writer;
mod messages;
mod migrate;
mod open;
pub mod presence;
mod reactions;
mod reads;
mod rooms;
mod search;
pub mod shared;
mod sql;
mod tokens;
mod users;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

pub use history::VersionRow;
pub use invitations::{Accepted, InvitationRow, Joined, NotInvited};
pub use location::DatabaseLocation;
pub use message_extras::{Extras, ParentPreview, ReactionCount};
pub use message_writer::{Announce, NewMessage};
pub use messages::{CreateOutcome, MessageRow, MessageWindow};
pub use open::OpenError;
pub use reactions::Reacted;
pub use reads::{MarkRead, ReadState};
pub use rooms::{NewRoom, RoomDetail, RoomRow, RoomUpdate};
pub use search::{SearchAfter, SearchHit, SearchRequest};
pub use users::{UserRow, UsernameTaken};

pub static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The database.
#[derive(Clone)]
pub struct Store {
    db: Db,
    messages: message_writer::MessageWriter,
    usernames: UsernameCache,
    members: membership::MemberCache,
    appended: events::Appended,
}

#[derive(Clone)]
enum Db {
    /// SQLite admits one writer at a time, so writes go through a one-connection pool (queued
    /// in-process instead of failing with SQLITE_BUSY) and reads through a pool of their own,
    /// which WAL lets run beside the writer.
    Sqlite { read: SqlitePool, write: SqlitePool },
    /// PostgreSQL takes concurrent writers: one pool for everything.
    Postgres(PgPool),
}

/// Which SQL a statement is written in, where the two databases differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub(crate) fn pick(self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Self::Sqlite => sqlite,
            Self::Postgres => postgres,
        }
    }
}

/// `$body` once per database (`$db`, a `&Db`), with `$pool` the pool of `$side` (`read` or
/// `write`; PostgreSQL has one pool for both) and `$dialect` the [`Dialect`]: one text,
/// type-checked against each driver.
macro_rules! on_db {
    ($db:expr, $side:ident, |$pool:ident, $dialect:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite { $side, .. } => {
                let $pool = $side;
                let $dialect = $crate::store::Dialect::Sqlite;
                let _ = $dialect;
                $body
            }
            $crate::store::Db::Postgres(pool) => {
                let $pool = pool;
                let $dialect = $crate::store::Dialect::Postgres;
                let _ = $dialect;
                $body
            }
        }
    };
}
pub(crate) use on_db;

/// [`on_db!`] on the store's reading pool.
macro_rules! on_reads {
    ($store:expr, |$pool:ident, $dialect:ident| $body:expr) => {
        $crate::store::on_db!(&$store.db, read, |$pool, $dialect| $body)
    };
}
pub(crate) use on_reads;

/// [`on_db!`] on the store's writing pool.
macro_rules! on_writes {
    ($store:expr, |$pool:ident, $dialect:ident| $body:expr) => {
        $crate::store::on_db!(&$store.db, write, |$pool, $dialect| $body)
    };
}
pub(crate) use on_writes;

/// Usernames by user id, filled as users authenticate, each trusted for [`USERNAME_TTL`].
#[derive(Clone, Default)]
struct UsernameCache(Arc<RwLock<HashMap<i64, Remembered>>>);

/// A username and when it was read.
type Remembered = (Arc<str>, Instant);

/// How long a looked-up username stands in for the database's answer: saves a read on
/// nearly every request, and bounds how long a deleted user's tokens still work.
pub const USERNAME_TTL: Duration = Duration::from_secs(1);

/// Beyond this many entries the cache starts over, so memory stays bounded.
const USERNAME_CACHE_LIMIT: usize = 100_000;

impl UsernameCache {
    fn get(&self, id: i64) -> Option<Arc<str>> {
        let names = self.0.read().unwrap_or_else(PoisonError::into_inner);
        names
            .get(&id)
            .filter(|(_, at)| at.elapsed() < USERNAME_TTL)
            .map(|(name, _)| Arc::clone(name))
    }

    fn insert(&self, id: i64, name: &str) -> Arc<str> {
        let name: Arc<str> = Arc::from(name);
        let mut names = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if names.len() >= USERNAME_CACHE_LIMIT {
            names.clear();
        }
        names.insert(id, (Arc::clone(&name), Instant::now()));
        name
    }
}

/// How the database is opened.
#[derive(Debug, Clone, Copy)]
pub struct StoreSettings {
    pub read_connections: u32,
    /// `true`: every commit is synced to disk before it is acknowledged (synchronous=FULL), so
    /// it survives power loss; `false` (NORMAL): WAL is synced at checkpoints only, so the
    /// last commits can be lost by an OS crash or power loss (never by a process crash).
    pub survive_power_loss: bool,
}

impl Store {
    /// Opens (a SQLite file is created, mode 0600, if missing) and migrates the database.
    pub async fn open(
        location: &DatabaseLocation,
        settings: StoreSettings,
    ) -> Result<Self, OpenError> {
        let db = open::open(location, settings).await?;
        let appended = events::Appended::default();
        let messages = message_writer::MessageWriter::start(db.clone(), appended.clone());
        Ok(Self {
            db,
            messages,
            usernames: UsernameCache::default(),
            members: membership::MemberCache::default(),
            appended,
        })
    }

    /// Moves when this instance commits events: the newest position it appended.
    pub fn appended(&self) -> tokio::sync::watch::Receiver<i64> {
        self.appended.subscribe()
    }

    /// Tells the feed that this instance committed events up to `positions`' newest.
    fn committed(&self, positions: &[i64]) {
        if let Some(last) = positions.iter().max() {
            self.appended.note(*last);
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match &self.db {
            Db::Sqlite { .. } => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The PostgreSQL pool, when that is the database (the realtime bus and the shared
    /// throttles run on it).
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.db {
            Db::Postgres(pool) => Some(pool),
            Db::Sqlite { .. } => None,
        }
    }

    /// Closes every connection once in-flight statements finish. On SQLite the last one
    /// checkpoints the WAL into the database file and removes `-wal` and `-shm`, so the file
    /// stands alone.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }

    /// Whether the database answers a query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_reads!(self, |pool, _dialect| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(drop))
    }

    /// Whether a message could be stored right now (disk space, permissions, the writer
    /// keeping up): a write as big as a message's, through the message writer.
    pub async fn probe_write(&self) -> Result<(), sqlx::Error> {
        self.messages.probe().await
    }

    /// Connections of each pool: (name, open, idle).
    pub fn pool_use(&self) -> Vec<(&'static str, u32, usize)> {
        match &self.db {
            Db::Sqlite { read, write } => vec![
                ("read", read.size(), read.num_idle()),
                ("write", write.size(), write.num_idle()),
            ],
            Db::Postgres(pool) => vec![("postgres", pool.size(), pool.num_idle())],
        }
    }
}

/// Decodes a listing that SQLite built as one JSON array. sqlx hands every row over from its
/// worker thread with a wake-up of the awaiting task, which cost more than the query itself
/// (perf: ~1 ms of CPU for a 50-room page of ~300 rows); one row per listing costs one.
/// Callers sort what they decode: `json_group_array(... ORDER BY ...)` doubled the cost of a
/// 50-room page, and without it SQLite does not promise an order.
pub(crate) fn from_json_array<T: serde::de::DeserializeOwned>(
    json: &str,
) -> Result<Vec<T>, sqlx::Error> {
    serde_json::from_str(json).map_err(|err| sqlx::Error::Decode(Box::new(err)))
}

/// A boolean in a JSON listing: SQLite's are integers, PostgreSQL's `true`/`false`. A
/// visitor takes either as it comes (an untagged enum buffered every value and built an error
/// for the first guess: 3 % of a page's CPU).
fn bool_from_json<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = bool;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a boolean or an integer")
        }

        fn visit_bool<E>(self, value: bool) -> Result<bool, E> {
            Ok(value)
        }

        fn visit_i64<E>(self, value: i64) -> Result<bool, E> {
            Ok(value != 0)
        }

        fn visit_u64<E>(self, value: u64) -> Result<bool, E> {
            Ok(value != 0)
        }
    }
    deserializer.deserialize_any(Flag)
}

/// A JSON array of ids, bound as one parameter and expanded in SQL (SQLite's `json_each`,
/// PostgreSQL's `json_array_elements_text`), so a list of any length is one prepared statement.
pub(crate) fn json_ids<'a>(ids: impl IntoIterator<Item = &'a i64>) -> String {
    let ids: Vec<i64> = ids.into_iter().copied().collect();
    serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into())
}

/// Whether `err` means the storage cannot be used right now (disk full, read-only, I/O
/// failing, locked too long, connections gone, a failover): the client may retry later (503),
/// unlike a bug.
pub fn storage_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => match db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        {
            Some(pg) => postgres_unavailable(pg.code()),
            None => db
                .code()
                .and_then(|code| code.parse::<i64>().ok())
                .is_some_and(sqlite_unavailable),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        _ => false,
    }
}

/// SQLite primary result codes (the low byte of the extended code sqlx reports).
fn sqlite_unavailable(code: i64) -> bool {
    const BUSY: i64 = 5;
    const LOCKED: i64 = 6;
    const NOMEM: i64 = 7;
    const READONLY: i64 = 8;
    const IOERR: i64 = 10;
    const FULL: i64 = 13;
    const CANTOPEN: i64 = 14;
    const PROTOCOL: i64 = 15;
    matches!(
        code & 0xff,
        BUSY | LOCKED | NOMEM | READONLY | IOERR | FULL | CANTOPEN | PROTOCOL
    )
}

/// PostgreSQL SQLSTATEs of a passing condition: connection exceptions (08), serialization
/// failures and deadlocks (40001, 40P01), insufficient resources such as a full disk (53),
/// an operator intervening or a server shutting down (57P), a read-only standby (25006), a
/// lock not available (55P03).
fn postgres_unavailable(sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || sqlstate.starts_with("53")
        || sqlstate.starts_with("57P")
        || matches!(sqlstate, "40001" | "40P01" | "25006" | "55P03")
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}

fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.is_foreign_key_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn synchronous_of(survive_power_loss: bool) -> i64 {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("chat.db").display());
        let settings = StoreSettings {
            read_connections: 1,
            survive_power_loss,
        };
        let location = DatabaseLocation::parse(&url).expect("a SQLite URL");
        let store = Store::open(&location, settings).await.expect("opens");
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(match &store.db {
                Db::Sqlite { write, .. } => write,
                Db::Postgres(_) => unreachable!("a SQLite URL"),
            })
            .await
            .expect("pragma")
    }

    #[tokio::test]
    async fn full_durability_syncs_every_commit_and_relaxed_only_checkpoints() {
        // SQLite's codes: 2 = FULL, 1 = NORMAL.
        assert_eq!(synchronous_of(true).await, 2);
        assert_eq!(synchronous_of(false).await, 1);
    }
}
