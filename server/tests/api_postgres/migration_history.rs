//! A PostgreSQL database migrated before both databases numbered their migrations alike
//! (PostgreSQL's versions 2 and later have since moved up by one) starts this server: its data
//! kept, its recorded history renumbered to the files' numbers (logged once), and a second
//! start changes nothing.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use chat_server::store::POSTGRES_MIGRATOR;
use serde_json::Value;
use sqlx::migrate::Migrator;
use sqlx::{AssertSqlSafe, PgPool};

use crate::binary::{refused, server, start};
use crate::helpers::TestData;

/// The last version of the old numbering.
const OLD_LAST: i64 = 7;

/// The migrations as the old numbering had them, up to version `last`: the same files (since
/// renamed, never edited: sqlx's checksums forbid that, so the history they record is the
/// one the old files recorded), without version 2, each later one a number lower.
fn old_numbering(last: i64) -> Migrator {
    Migrator::with_migrations(
        POSTGRES_MIGRATOR
            .iter()
            .filter(|file| file.version != 2)
            .map(|file| {
                let mut file = file.clone();
                if file.version > 2 {
                    file.version -= 1;
                }
                file
            })
            .filter(|file| file.version <= last)
            .collect(),
    )
}

/// The tables given rows by [`old_database`], and what identifies a row in each.
const DATA: &[(&str, &str)] = &[
    ("users", "id"),
    ("chat_rooms", "id"),
    ("room_participants", "room_id, user_id"),
    ("messages", "id"),
];

/// A database migrated by the old numbering up to `last`, with two users, a room and an edited
/// message in it.
/// Data on an empty database, not even migrated ([`TestData::new`] copies a migrated one).
async fn unmigrated() -> Option<Arc<TestData>> {
    Some(Arc::new(TestData {
        dir: tempfile::tempdir().expect("temporary directory"),
        postgres: Some(chat_test_support::postgres_db().await?),
    }))
}

async fn old_database(last: i64) -> Option<(Arc<TestData>, PgPool)> {
    let data = unmigrated().await?;
    let pool = PgPool::connect(&data.database_url())
        .await
        .expect("the test database opens");
    old_numbering(last)
        .run(&pool)
        .await
        .expect("the old migrations run");
    // Ids as the database hands them out: the server's own inserts follow on.
    sqlx::raw_sql(
        "INSERT INTO users (username, username_folded, password_hash, created_at) \
         VALUES ('alice', 'alice', '-', 1), ('bob', 'bob', '-', 2); \
         INSERT INTO chat_rooms (name, room_type, created_by, created_at, updated_at, \
         last_activity_at) SELECT 'general', 'GROUP', id, 3, 3, 5 FROM users \
         WHERE username = 'alice'; \
         INSERT INTO room_participants (room_id, user_id) \
         SELECT r.id, u.id FROM chat_rooms r, users u; \
         INSERT INTO messages (room_id, sender_id, content, created_at) \
         SELECT r.id, u.id, 'from ' || u.username, 4 FROM chat_rooms r, users u; \
         UPDATE messages SET content = content || ', edited', updated_at = 6 \
         WHERE content = 'from alice';",
    )
    .execute(&pool)
    .await
    .expect("rows");
    Some((data, pool))
}

/// Each of [`DATA`]'s tables' rows, as JSON objects, in key order.
async fn rows(pool: &PgPool) -> BTreeMap<&'static str, Vec<Value>> {
    let mut rows = BTreeMap::new();
    for (table, key) in DATA {
        let json: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT to_jsonb(t)::text FROM {table} t ORDER BY {key}"
        )))
        .fetch_all(pool)
        .await
        .expect("rows");
        let json = json
            .iter()
            .map(|row| serde_json::from_str(row).expect("JSON"));
        rows.insert(*table, json.collect());
    }
    rows
}

/// `after`'s rows cut down to the columns `before`'s had: what later migrations added goes.
fn kept(before: &BTreeMap<&str, Vec<Value>>, after: &BTreeMap<&str, Vec<Value>>) {
    for (table, old_rows) in before {
        let columns: Vec<&String> = old_rows
            .first()
            .and_then(Value::as_object)
            .map(|row| row.keys().collect())
            .unwrap_or_default();
        let now: Vec<Value> = after[table]
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|column| ((*column).clone(), row[column.as_str()].clone()))
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            })
            .collect();
        assert_eq!(&now, old_rows, "{table}");
    }
}

/// `_sqlx_migrations`, by version: (version, description, installed_on, success, checksum,
/// execution_time).
type History = Vec<(i64, String, String, bool, Vec<u8>, i64)>;

async fn history(pool: &PgPool) -> History {
    sqlx::query_as(
        "SELECT version, description, installed_on::text, success, checksum, execution_time \
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(pool)
    .await
    .expect("history")
}

/// Every file applied at its own version, and the rows the old numbering recorded moved, not
/// recreated (their time of installation and duration are kept).
fn renumbered(before: &History, after: &History) {
    let applied: Vec<(i64, &str, &[u8], bool)> = after
        .iter()
        .map(|row| (row.0, row.1.as_str(), row.4.as_slice(), row.3))
        .collect();
    let files: Vec<(i64, &str, &[u8], bool)> = POSTGRES_MIGRATOR
        .iter()
        .map(|file| (file.version, &*file.description, &*file.checksum, true))
        .collect();
    assert_eq!(applied, files);
    for old in before {
        let moved_to = if old.0 >= 2 { old.0 + 1 } else { old.0 };
        let moved = after.iter().find(|row| row.0 == moved_to);
        assert_eq!(
            moved.map(|row| (&row.1, &row.2, &row.4, row.5)),
            Some((&old.1, &old.2, &old.4, old.5)),
            "old version {}",
            old.0
        );
    }
}

fn serve(data: &TestData) -> Command {
    let mut command = server(data.dir.path());
    command.env("DATABASE_URL", data.database_url());
    command
}

#[tokio::test]
async fn a_database_of_the_old_numbering_keeps_its_data_and_is_renumbered_once() {
    let Some((data, pool)) = old_database(OLD_LAST).await else {
        return;
    };
    let old_history = history(&pool).await;
    let old_rows = rows(&pool).await;

    let first = start(serve(&data), data.clone(), "first");
    let log = first.log();
    assert_eq!(log.matches("renumbered").count(), 1, "{log}");
    // The new version 2 changes nothing on PostgreSQL, and says nothing either.
    assert!(
        !log.contains(r#""readiness_probe" already exists"#),
        "{log}"
    );
    let history_now = history(&pool).await;
    renumbered(&old_history, &history_now);
    kept(&old_rows, &rows(&pool).await);
    // It writes on the renumbered database as on any other.
    let carol = first.app.user("carol").await;
    let room = first.app.room(&carol, "GROUP", &[]).await;
    first.app.message(&carol, room, "after the upgrade").await;
    first.terminate();

    let rows_now = rows(&pool).await;
    let second = start(serve(&data), data.clone(), "second");
    let log = second.log();
    assert!(!log.contains("renumbered"), "{log}");
    second.terminate();
    assert_eq!(history(&pool).await, history_now);
    assert_eq!(rows(&pool).await, rows_now);
}

#[tokio::test]
async fn a_database_part_way_through_the_old_numbering_gets_the_rest() {
    // Versions 1 to 4 of the old numbering: the room list's counters, search and invitations
    // were there; presence, the read marker index and the probe's padding were not.
    let Some((data, pool)) = old_database(4).await else {
        return;
    };
    let old_history = history(&pool).await;
    let old_rows = rows(&pool).await;

    let first = start(serve(&data), data.clone(), "first");
    first.terminate();

    renumbered(&old_history, &history(&pool).await);
    kept(&old_rows, &rows(&pool).await);
}

#[tokio::test]
async fn a_history_of_the_old_numbering_whose_files_differ_is_refused_and_left_as_it_was() {
    let Some((data, pool)) = old_database(OLD_LAST).await else {
        return;
    };
    sqlx::query("UPDATE _sqlx_migrations SET checksum = '\\x00' WHERE version = 3")
        .execute(&pool)
        .await
        .expect("a checksum no file has");
    let old_history = history(&pool).await;

    let (status, stderr) = refused(serve(&data));
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("version 3 (`search history`)"),
        "the version that is not the file it became: {stderr}"
    );
    assert_eq!(history(&pool).await, old_history);
}
