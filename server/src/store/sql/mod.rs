//! The listing statements, one file per statement and engine (`sqlite/`, `postgres/`), each
//! the text the database runs: a listing is where the two engines' SQL differs most (JSON
//! functions, row comparisons that steer PostgreSQL's planner), and where a statement's plan
//! matters most, so it reads best whole. Each file's header says what it returns.
//!
//! The one composed statement is a message page: a `window_of_*.sql` (which messages, as the
//! CTE `page`) before `window_page.sql` (what is returned of them). The four windows differ
//! in the index range they scan; what is returned of a page is written once.

use super::Dialect;

/// The listing statements of one engine.
pub(super) struct Listings {
    pub rooms_page: &'static str,
    pub room_details: &'static str,
    pub messages_by_offset: &'static str,
    pub message_extras: &'static str,
    pub search: &'static str,
    room_ascending: &'static str,
    room_descending: &'static str,
    thread_ascending: &'static str,
    thread_descending: &'static str,
}

macro_rules! listings {
    ($engine:literal) => {
        Listings {
            rooms_page: include_str!(concat!($engine, "/rooms_page.sql")),
            room_details: include_str!(concat!($engine, "/room_details.sql")),
            messages_by_offset: include_str!(concat!($engine, "/messages_by_offset.sql")),
            message_extras: include_str!(concat!($engine, "/message_extras.sql")),
            search: include_str!(concat!($engine, "/search.sql")),
            room_ascending: listings!($engine, "window_of_room_ascending.sql"),
            room_descending: listings!($engine, "window_of_room_descending.sql"),
            thread_ascending: listings!($engine, "window_of_thread_ascending.sql"),
            thread_descending: listings!($engine, "window_of_thread_descending.sql"),
        }
    };
    ($engine:literal, $window:literal) => {
        concat!(
            include_str!(concat!($engine, "/", $window)),
            include_str!(concat!($engine, "/window_page.sql"))
        )
    };
}

static SQLITE: Listings = listings!("sqlite");
static POSTGRES: Listings = listings!("postgres");

impl Listings {
    pub(super) fn of(dialect: Dialect) -> &'static Listings {
        match dialect {
            Dialect::Sqlite => &SQLITE,
            Dialect::Postgres => &POSTGRES,
        }
    }

    /// A page of messages with their extras (`member_window`): of a thread or a whole room,
    /// oldest or newest first.
    pub(super) fn window(&self, thread: bool, ascending: bool) -> &'static str {
        match (thread, ascending) {
            (false, true) => self.room_ascending,
            (false, false) => self.room_descending,
            (true, true) => self.thread_ascending,
            (true, false) => self.thread_descending,
        }
    }
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

    use super::*;

    async fn migrated() -> SqlitePool {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        crate::store::SQLITE_MIGRATOR
            .run(&pool)
            .await
            .expect("migrations");
        pool
    }

    /// SQLite's plan of `sql`, one step a line.
    async fn plan(pool: &SqlitePool, sql: &str) -> String {
        let steps: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                .fetch_all(pool)
                .await
                .expect("a plan");
        steps
            .into_iter()
            .map(|(.., detail)| detail + "\n")
            .collect()
    }

    /// What the message page's speed rests on (see the files' comments): each window is a
    /// range of its index, read in place; the page's extras need no temporary B-tree.
    #[tokio::test]
    async fn a_message_page_scans_one_index_range_and_sorts_nothing() {
        let pool = migrated().await;
        let sqlite = Listings::of(Dialect::Sqlite);
        for (thread, range) in [
            (
                false,
                "SEARCH messages USING INDEX messages_by_room (room_id=? AND id>? AND id<?)",
            ),
            (
                true,
                "SEARCH messages USING INDEX messages_replies (reply_to=? AND id>? AND id<?)",
            ),
        ] {
            for ascending in [true, false] {
                let plan = plan(&pool, sqlite.window(thread, ascending)).await;
                assert!(plan.contains(range), "{plan}");
                assert!(!plan.contains("TEMP B-TREE"), "{plan}");
                assert!(!plan.contains("MATERIALIZE"), "{plan}");
            }
        }
        let plan = plan(&pool, sqlite.message_extras).await;
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
