//! The database a run's server keeps its data in: a SQLite file in the run's temporary
//! directory, or a PostgreSQL database of its own, `chat_bench_<random>`, created on the
//! server `--postgres-url` names and dropped when the run ends. Either way the server creates
//! and migrates the schema itself; only `seed.rs` needs to know which one it is.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::ValueEnum;
use reqwest::Url;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// `--database`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// How long creating or dropping the run's database may take before the server counts as
/// unreachable.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The run's database; a PostgreSQL one is dropped (best effort) with this value.
pub enum Database {
    Sqlite {
        file: PathBuf,
    },
    Postgres {
        /// The run's database: `admin_url` with the database name replaced.
        url: String,
        /// `chat_bench_<16 hex digits>`: generated, so safe to quote into SQL.
        name: String,
        /// Where `CREATE`/`DROP DATABASE` run.
        admin_url: String,
    },
}

/// What the results record about the database (never the URL: it may hold a password).
#[derive(Debug, Clone, Default, Serialize)]
pub struct DatabaseInfo {
    /// `sqlite` or `postgres`.
    pub kind: String,
    /// One line for the printed report.
    pub description: String,
    /// PostgreSQL's `server_version`.
    pub server_version: Option<String>,
    /// PostgreSQL settings that bear on the figures, `name=value`.
    pub settings: Vec<String>,
}

/// PostgreSQL settings worth recording beside the figures: durability and memory.
const RECORDED_SETTINGS: [&str; 5] = [
    "synchronous_commit",
    "fsync",
    "shared_buffers",
    "max_connections",
    "random_page_cost",
];

impl Database {
    /// A fresh database of `kind`: `<dir>/chat.db` (created by the server), or a new
    /// PostgreSQL database created through `postgres_url`.
    pub async fn create(
        kind: DatabaseKind,
        dir: &Path,
        postgres_url: Option<&str>,
    ) -> anyhow::Result<(Database, DatabaseInfo)> {
        match kind {
            DatabaseKind::Sqlite => Ok((
                Database::Sqlite {
                    file: dir.join("chat.db"),
                },
                DatabaseInfo {
                    kind: "sqlite".to_owned(),
                    description: "fresh SQLite database in a temporary directory".to_owned(),
                    ..DatabaseInfo::default()
                },
            )),
            DatabaseKind::Postgres => {
                let admin_url = postgres_url.context("--database postgres needs --postgres-url")?;
                create_postgres(admin_url).await
            }
        }
    }

    /// The server's `DATABASE_URL`.
    pub fn url(&self) -> String {
        match self {
            Database::Sqlite { file } => format!("sqlite://{}", file.display()),
            Database::Postgres { url, .. } => url.clone(),
        }
    }
}

async fn create_postgres(admin_url: &str) -> anyhow::Result<(Database, DatabaseInfo)> {
    let name = format!("chat_bench_{:016x}", random_u64());
    let url = with_database(admin_url, &name)?;
    let created = async {
        let mut admin = PgConnection::connect(admin_url).await?;
        admin
            .execute(sqlx::raw_sql(AssertSqlSafe(format!(
                r#"CREATE DATABASE "{name}""#
            ))))
            .await?;
        let version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&mut admin)
            .await?;
        let mut settings = Vec::new();
        for setting in RECORDED_SETTINGS {
            let value: String = sqlx::query_scalar("SELECT current_setting($1)")
                .bind(setting)
                .fetch_one(&mut admin)
                .await?;
            settings.push(format!("{setting}={value}"));
        }
        admin.close().await?;
        anyhow::Ok((version, settings))
    };
    let (version, settings) = tokio::time::timeout(ADMIN_TIMEOUT, created)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {ADMIN_TIMEOUT:?}"))
        .and_then(|created| created)
        .context(
            "creating the run's PostgreSQL database through --postgres-url \
             (its role needs CREATEDB)",
        )?;
    let parsed = Url::parse(&url)?;
    let info = DatabaseInfo {
        kind: "postgres".to_owned(),
        description: format!(
            "fresh PostgreSQL {version} database {name} on {}:{} (dropped after the run; {})",
            parsed.host_str().unwrap_or("local socket"),
            parsed.port().unwrap_or(5432),
            settings.join(" ")
        ),
        server_version: Some(version),
        settings,
    };
    // The database's work is done in its own processes, not the server's: measured apart.
    crate::system::measure_database_backends(&name);
    let database = Database::Postgres {
        url,
        name,
        admin_url: admin_url.to_owned(),
    };
    Ok((database, info))
}

impl Drop for Database {
    /// `DROP DATABASE ... WITH (FORCE)`, closing whatever the server left open. On a thread
    /// with a runtime of its own, joined: a drop inside the bench's runtime may not block on
    /// it, and the database must be gone before the process ends.
    fn drop(&mut self) {
        let Database::Postgres {
            name, admin_url, ..
        } = self
        else {
            return;
        };
        let statement = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
        let (name, admin_url) = (name.clone(), admin_url.clone());
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                tokio::time::timeout(ADMIN_TIMEOUT, async {
                    let mut admin = PgConnection::connect(&admin_url).await?;
                    admin
                        .execute(sqlx::raw_sql(AssertSqlSafe(statement)))
                        .await?;
                    admin.close().await
                })
                .await
                .map_err(std::io::Error::other)?
                .map_err(std::io::Error::other)
            })
        });
        match dropper.join() {
            Ok(Ok(())) => eprintln!("dropped the PostgreSQL database {name}"),
            Ok(Err(err)) => eprintln!("could not drop the PostgreSQL database {name}: {err}"),
            Err(_) => eprintln!("could not drop the PostgreSQL database {name}"),
        }
    }
}

/// `url` naming the database `name` instead of its own (user, host and query kept).
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let mut parsed = Url::parse(url).with_context(|| "--postgres-url is not a URL".to_owned())?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        bail!("--postgres-url must start with postgres:// or postgresql://");
    }
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.into())
}

/// 64 random bits from std (`RandomState` is seeded from the OS), with the pid and the time
/// mixed in: enough to keep concurrent runs' databases apart without another dependency.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(crate::unix_millis());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::with_database;

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
                "postgres:///chat?host=/var/run/postgresql",
                "postgres:///db?host=/var/run/postgresql",
            ),
        ] {
            assert_eq!(
                with_database(url, "db").ok().as_deref(),
                Some(expected),
                "{url}"
            );
        }
        assert!(with_database("chat", "db").is_err());
        assert!(with_database("mysql://h/chat", "db").is_err());
    }
}
