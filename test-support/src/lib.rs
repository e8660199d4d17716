//! What the server's black-box tests and the contract tests share: which database a test
//! server runs on, and on PostgreSQL a database of its own for each server, created from
//! `TEST_POSTGRES_URL` and dropped with it.
//!
//! Without `TEST_POSTGRES_URL` (or with its server unreachable) the PostgreSQL tests skip,
//! saying what to install, except under `CI=true`, where they fail: `.ci/run` sets one up.

mod template;
pub mod tmpfs;

use std::cell::RefCell;
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// The database a test server keeps its data in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// A file in the test's temporary directory.
    Sqlite,
    /// A database of its own on the server `TEST_POSTGRES_URL` names ([`postgres_db`]).
    Postgres,
}

/// The variable naming the PostgreSQL server (and a database on it to connect to first) that
/// the tests create their databases on; its role needs `CREATEDB`.
pub const TEST_POSTGRES_URL: &str = "TEST_POSTGRES_URL";

/// How long creating a database (or connecting to drop one) may take before the server counts
/// as unreachable: a host that drops packets would otherwise hang every test. Generous, as
/// `CREATE DATABASE` waits for sessions on its template to leave.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a [`PostgresDb`]'s `DROP DATABASE` is waited for (best effort: then it is left to
/// finish on its own).
const DROP_WAIT: Duration = Duration::from_secs(30);

/// A fresh, empty database on the `TEST_POSTGRES_URL` server, dropped (best effort) with this
/// value.
#[derive(Debug)]
pub struct PostgresDb {
    /// The database's own URL: `TEST_POSTGRES_URL` with the database name replaced.
    pub url: String,
    /// `chat_test_<uuid>`: generated, so safe to quote into SQL.
    name: String,
    /// `TEST_POSTGRES_URL`, where `CREATE`/`DROP DATABASE` run.
    admin_url: String,
}

/// An empty database of its own for one test; `None` (after saying why, once per process)
/// when PostgreSQL is not set up and this is not CI, so the test skips.
///
/// # Panics
///
/// Under `CI=true`, when `TEST_POSTGRES_URL` is missing or its server cannot create a
/// database: CI must not pass by skipping.
pub async fn postgres_db() -> Option<PostgresDb> {
    database(None).await
}

/// A database of its own for one test server, with `migrations/postgres` already applied: a
/// copy of a template database that ran them once (per set of migration files, across test
/// processes), so that the server's own migrator finds nothing to do. Creating and migrating
/// an empty database was most of the PostgreSQL suites' database time. Otherwise as
/// [`postgres_db`].
pub async fn migrated_postgres_db() -> Option<PostgresDb> {
    static TEMPLATE: tokio::sync::OnceCell<Result<String, String>> =
        tokio::sync::OnceCell::const_new();
    let url = admin_url()?;
    let template = TEMPLATE.get_or_init(|| template::ensure(url)).await;
    match template {
        Ok(template) => database(Some(template)).await,
        Err(error) => unavailable(format!("no migrated template database: {error}")),
    }
}

async fn database(template: Option<&str>) -> Option<PostgresDb> {
    let url = admin_url()?;
    match PostgresDb::create(&url, template).await {
        Ok(db) => Some(db),
        Err(error) => unavailable(format!(
            "no database could be created through {TEST_POSTGRES_URL}: {error}"
        )),
    }
}

/// `TEST_POSTGRES_URL`, or `None` after [`unavailable`] (which panics under CI).
fn admin_url() -> Option<String> {
    if UNAVAILABLE.get().is_some() {
        return None;
    }
    match std::env::var(TEST_POSTGRES_URL) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => unavailable(format!("{TEST_POSTGRES_URL} is not set")),
    }
}

/// After one failure outside CI the rest of the process skips without trying again.
static UNAVAILABLE: OnceLock<String> = OnceLock::new();

fn unavailable<T>(why: String) -> Option<T> {
    if in_ci() {
        panic!("CI=true and PostgreSQL is unavailable: {why}. {SET_UP}");
    }
    if UNAVAILABLE.set(why.clone()).is_ok() {
        eprintln!("skipping the PostgreSQL tests: {why}. {SET_UP}");
    }
    None
}

const SET_UP: &str = "To run them, install PostgreSQL (`apt-get install postgresql`), start it, \
    create a role that may create databases and export \
    TEST_POSTGRES_URL=postgres://<role>:<password>@127.0.0.1:5432/<database> (see README.md)";

/// `CI=true`: a check that cannot run must fail instead of skipping.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

impl PostgresDb {
    async fn create(admin_url: &str, template: Option<&str>) -> Result<PostgresDb, String> {
        let name = format!("chat_test_{}", uuid::Uuid::new_v4().simple());
        let url = with_database(admin_url, &name)?;
        let create = async {
            let mut admin = PgConnection::connect(admin_url).await?;
            let statement = match template {
                Some(template) => format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#),
                None => format!(r#"CREATE DATABASE "{name}""#),
            };
            admin
                .execute(sqlx::raw_sql(AssertSqlSafe(statement)))
                .await?;
            admin.close().await
        };
        match tokio::time::timeout(ADMIN_TIMEOUT, create).await {
            Ok(Ok(())) => Ok(PostgresDb {
                url,
                name,
                admin_url: admin_url.to_owned(),
            }),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {ADMIN_TIMEOUT:?}")),
        }
    }
}

impl Drop for PostgresDb {
    /// `DROP DATABASE ... WITH (FORCE)`, closing whatever the test server left open, on a
    /// thread with a runtime of its own, and waited for: it must reach the server before the
    /// test process ends.
    ///
    /// Inside a runtime, not here: waiting would stop that runtime, and a connection its test
    /// server was still opening would stay half-authenticated, which PostgreSQL's
    /// `DROP DATABASE` (any on the cluster) waits for. The wait moves to the end of the thread
    /// instead: a test's thread ends after its runtime (and libtest waits for it).
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let statement = format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name);
        let (done, dropped) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let Ok(Ok(mut admin)) =
                    tokio::time::timeout(ADMIN_TIMEOUT, PgConnection::connect(&admin_url)).await
                else {
                    return;
                };
                let _ = admin.execute(sqlx::raw_sql(AssertSqlSafe(statement))).await;
                let _ = admin.close().await;
            });
            let _ = done.send(());
        });
        let mut dropped = Some(dropped);
        if tokio::runtime::Handle::try_current().is_ok() {
            // Fails only while the thread's locals are being destroyed: then wait here.
            let _ = PENDING_DROPS.try_with(|pending| pending.0.borrow_mut().extend(dropped.take()));
        }
        if let Some(dropped) = dropped {
            let _ = dropped.recv_timeout(DROP_WAIT);
        }
    }
}

thread_local! {
    /// The drops of this thread's databases made inside a runtime, waited for when it ends.
    static PENDING_DROPS: PendingDrops = const { PendingDrops(RefCell::new(Vec::new())) };
}

struct PendingDrops(RefCell<Vec<mpsc::Receiver<()>>>);

impl Drop for PendingDrops {
    fn drop(&mut self) {
        for dropped in self.0.get_mut().drain(..) {
            let _ = dropped.recv_timeout(DROP_WAIT);
        }
    }
}

/// `url` naming the database `name` instead of its own (query parameters kept).
fn with_database(url: &str, name: &str) -> Result<String, String> {
    let scheme_end = url
        .find("://")
        .map(|at| at + 3)
        .ok_or_else(|| format!("{TEST_POSTGRES_URL} is not a URL (postgres://...)"))?;
    let rest = &url[scheme_end..];
    // The authority ends at the path, or at the query when there is no path.
    let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
    let after_authority = &rest[authority_len..];
    let query = after_authority
        .find('?')
        .map_or("", |at| &after_authority[at..]);
    Ok(format!(
        "{}{}/{name}{query}",
        &url[..scheme_end],
        &rest[..authority_len]
    ))
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, PgConnection};

    use super::{TEST_POSTGRES_URL, migrated_postgres_db, postgres_db, with_database};

    #[tokio::test]
    async fn a_database_of_its_own_is_created_and_dropped_with_its_value() {
        let Some(db) = postgres_db().await else {
            return;
        };
        let mut own = PgConnection::connect(&db.url).await.expect("connects");
        let name: String = sqlx::query_scalar("SELECT current_database()")
            .fetch_one(&mut own)
            .await
            .expect("current_database()");
        assert!(name.starts_with("chat_test_"), "{name}");
        // Left open on purpose: the drop must close it (WITH (FORCE)).
        drop(db);

        let admin_url = std::env::var(TEST_POSTGRES_URL).expect("set, since a database was made");
        let mut admin = PgConnection::connect(&admin_url).await.expect("connects");
        // Dropped inside a runtime, it is waited for at the end of the thread (see its doc).
        for _ in 0..100 {
            let left: i64 =
                sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .expect("pg_database");
            if left == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{name} was not dropped");
    }

    /// A copy of the template has every migration file applied, as the server's migrator
    /// records them, so the server finds nothing left to do.
    #[tokio::test]
    async fn a_migrated_database_has_every_migration_applied() {
        let Some(db) = migrated_postgres_db().await else {
            return;
        };
        let mut own = PgConnection::connect(&db.url).await.expect("connects");
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&mut own)
        .await
        .expect("_sqlx_migrations");
        let files = std::fs::read_dir(super::template::MIGRATIONS)
            .expect("migrations/postgres")
            .filter(|entry| {
                entry
                    .as_ref()
                    .is_ok_and(|entry| entry.path().extension().is_some_and(|ext| ext == "sql"))
            })
            .count();
        assert_eq!(applied.len(), files, "{applied:?}");
        assert_eq!(applied.first(), Some(&1));
        let _ = own.close().await;
    }

    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        for (url, expected) in [
            (
                "postgres://chat:chat@127.0.0.1:5432/chat",
                "postgres://chat:chat@127.0.0.1:5432/db",
            ),
            ("postgres://localhost", "postgres://localhost/db"),
            ("postgresql://h/", "postgresql://h/db"),
            (
                "postgres://u:p%2Fq@h/chat?sslmode=disable",
                "postgres://u:p%2Fq@h/db?sslmode=disable",
            ),
            (
                "postgres://h?sslmode=disable",
                "postgres://h/db?sslmode=disable",
            ),
            (
                "postgres:///chat?host=/var/run/postgresql",
                "postgres:///db?host=/var/run/postgresql",
            ),
        ] {
            assert_eq!(with_database(url, "db").as_deref(), Ok(expected), "{url}");
        }
        assert!(with_database("chat", "db").is_err());
    }
}
