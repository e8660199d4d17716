//! The migrated template database that [`crate::migrated_postgres_db`] copies.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

use sqlx::migrate::Migrator;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

use crate::{ADMIN_TIMEOUT, with_database};

/// The server's PostgreSQL migrations, read at run time: the template is named for their
/// contents, so a changed or added file makes a new one.
pub(crate) const MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/postgres");

/// Every test process that wants the template takes this advisory lock first: one creates
/// it, the others wait and find it.
const LOCK: i64 = 0x6368_6174_7465_6d70; // "chattemp"

/// The name of a template with every migration applied, created through `admin_url` unless
/// a test process already did. Templates of other migration sets are dropped when unused.
pub(crate) async fn ensure(admin_url: String) -> Result<String, String> {
    let name = format!("chat_template_{:016x}", fingerprint()?);
    let work = async {
        let mut admin = PgConnection::connect(&admin_url).await.map_err(text)?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LOCK)
            .execute(&mut admin)
            .await
            .map_err(text)?;
        let made = make_unless_there(&mut admin, &admin_url, &name).await;
        // Released with the session too, should this fail.
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK)
            .execute(&mut admin)
            .await;
        let _ = admin.close().await;
        made
    };
    match tokio::time::timeout(ADMIN_TIMEOUT * 4, work).await {
        Ok(made) => made.map(|()| name),
        Err(_) => Err(format!("not made within {:?}", ADMIN_TIMEOUT * 4)),
    }
}

async fn make_unless_there(
    admin: &mut PgConnection,
    admin_url: &str,
    name: &str,
) -> Result<(), String> {
    let templates: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'chat_template_%'")
            .fetch_all(&mut *admin)
            .await
            .map_err(text)?;
    for stale in templates.iter().filter(|stale| *stale != name) {
        // Best effort: one in use (by an older checkout's tests) stays.
        let _ = admin
            .execute(sqlx::raw_sql(AssertSqlSafe(format!(
                r#"DROP DATABASE IF EXISTS "{stale}""#
            ))))
            .await;
    }
    if templates.iter().any(|there| there == name) {
        return Ok(());
    }
    // Built under another name and renamed when complete: a process killed part-way leaves
    // no half-migrated template behind under the name others look for.
    let building = format!("chat_building_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            r#"CREATE DATABASE "{building}""#
        ))))
        .await
        .map_err(text)?;
    let migrated = async {
        let migrator = Migrator::new(Path::new(MIGRATIONS)).await.map_err(text)?;
        let mut own = PgConnection::connect(&with_database(admin_url, &building)?)
            .await
            .map_err(text)?;
        let run = migrator.run(&mut own).await.map_err(text);
        let _ = own.close().await;
        run
    }
    .await;
    let finish = match migrated {
        Ok(()) => format!(r#"ALTER DATABASE "{building}" RENAME TO "{name}""#),
        Err(_) => format!(r#"DROP DATABASE IF EXISTS "{building}" WITH (FORCE)"#),
    };
    admin
        .execute(sqlx::raw_sql(AssertSqlSafe(finish)))
        .await
        .map_err(text)?;
    migrated
}

/// A hash of the migration files' names and contents.
fn fingerprint() -> Result<u64, String> {
    let mut files: Vec<_> = std::fs::read_dir(MIGRATIONS)
        .map_err(|error| format!("{MIGRATIONS}: {error}"))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file)
            .map_err(|error| format!("{}: {error}", file.display()))?
            .hash(&mut hasher);
    }
    Ok(hasher.finish())
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}
