//! The two databases' schemas after every migration: the same tables, the same columns (by
//! name and nullability; the types are each database's own) and the same indexes and triggers
//! by name, but for the differences listed here, each with its reason. A change made to one
//! database's migrations and not the other's fails here.

use std::collections::BTreeSet;

use chat_server::store::{POSTGRES_MIGRATOR, SQLITE_MIGRATOR};
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{PgPool, SqlitePool};

use crate::helpers::TestData;

/// Tables of SQLite only; their columns, indexes and triggers go with them.
const SQLITE_ONLY_TABLES: &[&str] = &[
    // Full-text search of messages: the FTS5 table and the shadow tables FTS5 keeps its index
    // in (external content: the text stays in `messages`). PostgreSQL's index is a column.
    "messages_fts",
    "messages_fts_config",
    "messages_fts_data",
    "messages_fts_docsize",
    "messages_fts_idx",
];

/// Tables of PostgreSQL only; their columns, indexes and triggers go with them.
const POSTGRES_ONLY_TABLES: &[&str] = &[
    // What several instances share through the database. The one SQLite process keeps its
    // signing secret in a file beside the database and its throttles and presence in memory.
    "presence_instances",
    "presence_sessions",
    "server_secret",
    "throttle_state",
];

/// Columns, indexes and triggers of SQLite only, in tables both databases have.
const SQLITE_ONLY: &[&str] = &[
    // FTS5 with external content is kept in step with `messages` by triggers; PostgreSQL's
    // search column is generated.
    "trigger messages_fts_delete on messages",
    "trigger messages_fts_insert on messages",
    "trigger messages_fts_update on messages",
];

/// Columns, indexes and triggers of PostgreSQL only, in tables both databases have.
const POSTGRES_ONLY: &[&str] = &[
    // Full-text search: the words of the content as a generated tsvector, and its GIN index.
    "column messages.search null",
    "index messages_search on messages",
    // Foreign keys a user's deletion cascades through, indexed on PostgreSQL only (its 0001
    // and 0003). No route deletes users, and no query of either database reads by these
    // columns alone; giving SQLite the same indexes would be a migration of its own, with a
    // cost on every insert.
    "index chat_rooms_created_by on chat_rooms",
    "index message_reactions_by_user on message_reactions",
    "index messages_by_sender on messages",
    // The event log's counter: appends on PostgreSQL take its row lock through their commit
    // (positions visible in commit order across writers). SQLite's single writer numbers
    // events with AUTOINCREMENT (`sqlite_sequence`).
    "column event_log.last_position not null",
];

/// One thing a schema has, described the same way for both databases, with its table.
type Item = (String, String);

fn table(name: &str) -> Item {
    (name.to_owned(), format!("table {name}"))
}

fn column(table: &str, name: &str, not_null: bool) -> Item {
    let nullability = if not_null { "not null" } else { "null" };
    (
        table.to_owned(),
        format!("column {table}.{name} {nullability}"),
    )
}

fn index(name: &str, table: &str) -> Item {
    (table.to_owned(), format!("index {name} on {table}"))
}

fn trigger(name: &str, table: &str) -> Item {
    (table.to_owned(), format!("trigger {name} on {table}"))
}

#[tokio::test]
async fn both_databases_have_one_schema_but_for_the_listed_differences() {
    let Some(data) = TestData::new().await else {
        return;
    };
    let postgres = PgPool::connect(&data.database_url())
        .await
        .expect("the test database opens");
    POSTGRES_MIGRATOR.run(&postgres).await.expect("migrates");
    // One connection: each in-memory connection is a database of its own.
    let sqlite = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .expect("SQLite opens");
    SQLITE_MIGRATOR.run(&sqlite).await.expect("migrates");

    let sqlite = sqlite_schema(&sqlite).await;
    let postgres = postgres_schema(&postgres).await;

    assert_eq!(
        only_in(&sqlite, &postgres, SQLITE_ONLY_TABLES),
        expected(SQLITE_ONLY_TABLES, SQLITE_ONLY),
        "on SQLite only (left: found, right: listed here)"
    );
    assert_eq!(
        only_in(&postgres, &sqlite, POSTGRES_ONLY_TABLES),
        expected(POSTGRES_ONLY_TABLES, POSTGRES_ONLY),
        "on PostgreSQL only (left: found, right: listed here)"
    );
}

/// What `one` has and `other` does not, leaving out what is inside `own_tables` (each of them
/// stands for all it holds).
fn only_in(one: &BTreeSet<Item>, other: &BTreeSet<Item>, own_tables: &[&str]) -> BTreeSet<String> {
    one.difference(other)
        .filter(|item| !own_tables.contains(&item.0.as_str()) || **item == table(&item.0))
        .map(|(_, what)| what.clone())
        .collect()
}

fn expected(own_tables: &[&str], own: &[&str]) -> BTreeSet<String> {
    own_tables
        .iter()
        .map(|name| table(name).1)
        .chain(own.iter().map(|what| (*what).to_owned()))
        .collect()
}

async fn sqlite_schema(db: &SqlitePool) -> BTreeSet<Item> {
    let mut schema = BTreeSet::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(db)
    .await
    .expect("tables");
    for name in &tables {
        schema.insert(table(name));
        let without_rowid: bool =
            sqlx::query_scalar("SELECT wr FROM pragma_table_list($1) WHERE schema = 'main'")
                .bind(name)
                .fetch_one(db)
                .await
                .expect("table_list");
        let columns: Vec<(String, String, bool, i64)> =
            sqlx::query_as(r#"SELECT name, type, "notnull", pk FROM pragma_table_info($1)"#)
                .bind(name)
                .fetch_all(db)
                .await
                .expect("table_info");
        let key_columns = columns.iter().filter(|column| column.3 > 0).count();
        for (column_name, ty, not_null, key) in &columns {
            // A key column takes no NULL in a table without rowid, nor as the rowid itself (a
            // lone INTEGER PRIMARY KEY); elsewhere SQLite lets a key be NULL unless declared
            // NOT NULL. PostgreSQL's keys are always NOT NULL.
            let key_not_null = *key > 0
                && (without_rowid || (key_columns == 1 && ty.eq_ignore_ascii_case("INTEGER")));
            schema.insert(column(name, column_name, *not_null || key_not_null));
        }
    }
    // sqlite_autoindex_* back PRIMARY KEY and UNIQUE constraints, as PostgreSQL's constraint
    // indexes (left out there too): their names are each database's own.
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, tbl_name FROM sqlite_master \
         WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'",
    )
    .fetch_all(db)
    .await
    .expect("indexes");
    schema.extend(indexes.iter().map(|(name, table)| index(name, table)));
    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(db)
            .await
            .expect("triggers");
    schema.extend(triggers.iter().map(|(name, table)| trigger(name, table)));
    schema
}

async fn postgres_schema(db: &PgPool) -> BTreeSet<Item> {
    let mut schema = BTreeSet::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(db)
    .await
    .expect("tables");
    schema.extend(tables.iter().map(|name| table(name)));
    let columns: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable = 'NO' \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(db)
    .await
    .expect("columns");
    schema.extend(
        columns
            .iter()
            .map(|(table, name, not_null)| column(table, name, *not_null)),
    );
    // Indexes created as such, not those backing a primary key, unique or exclusion
    // constraint (SQLite's sqlite_autoindex_*).
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         WHERE t.relnamespace = current_schema()::regnamespace \
         AND t.relname <> '_sqlx_migrations' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
                         WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x'))",
    )
    .fetch_all(db)
    .await
    .expect("indexes");
    schema.extend(indexes.iter().map(|(name, table)| index(name, table)));
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT trigger_name::text, event_object_table::text \
         FROM information_schema.triggers WHERE trigger_schema = current_schema()",
    )
    .fetch_all(db)
    .await
    .expect("triggers");
    schema.extend(triggers.iter().map(|(name, table)| trigger(name, table)));
    schema
}
