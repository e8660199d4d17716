//! Opening the database a [`DatabaseLocation`] names, with errors an operator can act on: each
//! names the file or the server, the cause, and what to do (and never a password).

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::location::{DatabaseLocation, LocationError};
use super::migrate;
use super::{Db, POSTGRES_MIGRATOR, SQLITE_MIGRATOR, StoreSettings};
use crate::files;

/// How long PostgreSQL gets to answer a connection attempt (a host that drops packets would
/// otherwise hang the start for minutes), and later a pool's wait for a connection.
const POSTGRES_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the database could not be opened. Every message stands alone (no `source` chain that
/// would print the same cause twice).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Location(#[from] LocationError),
    #[error(
        "cannot open the SQLite database {path}: the directory {dir} does not exist; create it \
         (mkdir -p {dir}) or point DATABASE_URL at a file in an existing directory"
    )]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error(
        "cannot open the SQLite database {path}: permission denied, the directory {dir} is not \
         writable by this user, and SQLite creates the database and its write-ahead log \
         (-wal, -shm) in it; make the directory writable by the server's user"
    )]
    DirectoryNotWritable { path: PathBuf, dir: PathBuf },
    #[error(
        "cannot open the SQLite database {path}: permission denied, the file is not readable \
         and writable by this user; give the server's user read and write access to it"
    )]
    FileNotWritable { path: PathBuf },
    #[error("cannot open the SQLite database {path}: {cause}")]
    Sqlite { path: String, cause: String },
    #[error(
        "cannot reach PostgreSQL at {server}: {cause}; check that it is running and accepts \
         connections there, or fix the host and port in DATABASE_URL"
    )]
    PostgresUnreachable { server: String, cause: String },
    #[error("PostgreSQL at {server} refused the connection: {cause}")]
    PostgresRefused { server: String, cause: String },
    #[error("cannot migrate the database {location}: {cause}")]
    Migrate { location: String, cause: String },
}

pub(super) async fn open(
    location: &DatabaseLocation,
    settings: StoreSettings,
) -> Result<Db, OpenError> {
    match location {
        DatabaseLocation::SqliteFile { path, options } => {
            prepare_file(path)?;
            open_sqlite(options.clone(), false, settings)
                .await
                .map_err(|err| diagnose(path, &err))
        }
        DatabaseLocation::SqliteMemory { options } => open_sqlite(options.clone(), true, settings)
            .await
            .map_err(|err| sqlite_error(":memory:", &err)),
        DatabaseLocation::Postgres { options } => {
            let server = DatabaseLocation::postgres_server(options);
            let pool = open_postgres(options, settings, &server).await?;
            let migrate_error = |cause: String| OpenError::Migrate {
                location: location.to_string(),
                cause,
            };
            migrate::renumber_postgres_history(&pool)
                .await
                .map_err(|err| migrate_error(err.to_string()))?;
            // Instances starting together migrate one at a time: sqlx holds an advisory lock.
            POSTGRES_MIGRATOR
                .run(&pool)
                .await
                .map_err(|err| migrate_error(err.to_string()))?;
            Ok(Db::Postgres(pool))
        }
    }
}

/// Checks the file's directory and creates the file 0600 before SQLite opens it: SQLite gives
/// the `-wal` and `-shm` files the database file's mode, so they are private too. A database
/// an older version left readable by others is made private (with a warning): refusing it
/// would stop every upgraded server until someone ran `chmod`.
///
/// An existing database in a directory the server cannot write is left for SQLite to try:
/// with its `-wal` and `-shm` beside it (after a crash, on a file system gone read-only) it
/// opens and serves reads; without them it fails, and [`diagnose`] says why.
fn prepare_file(path: &Path) -> Result<(), OpenError> {
    let dir = directory_of(path);
    if !dir.is_dir() {
        return Err(OpenError::NoDirectory {
            path: path.to_path_buf(),
            dir,
        });
    }
    match files::create_private(path) {
        Ok(_) => return Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            return Err(OpenError::DirectoryNotWritable {
                path: path.to_path_buf(),
                dir,
            });
        }
        Err(err) => {
            return Err(OpenError::Sqlite {
                path: path.display().to_string(),
                cause: err.to_string(),
            });
        }
    }
    for file in [
        path.to_path_buf(),
        sibling(path, "-wal"),
        sibling(path, "-shm"),
    ] {
        match files::make_private(&file) {
            Ok(Some(mode)) => tracing::warn!(
                file = %file.display(),
                was = format_args!("{mode:o}"),
                "the database file was readable by other users; it is now mode 600"
            ),
            Ok(None) => {}
            // Not this user's file, or a read-only file system: it stays as it is, and the
            // operator learns that it is readable.
            Err(err) => tracing::warn!(
                file = %file.display(),
                error = %err,
                "the database file is readable by other users and could not be made private"
            ),
        }
    }
    Ok(())
}

/// What stopped SQLite opening an existing file: the directory or the file not writable by
/// this user, else SQLite's own words.
fn diagnose(path: &Path, err: &OpenFailure) -> OpenError {
    let dir = directory_of(path);
    if !files::is_writable_dir(&dir) {
        return OpenError::DirectoryNotWritable {
            path: path.to_path_buf(),
            dir,
        };
    }
    if !files::is_writable_file(path) {
        return OpenError::FileNotWritable {
            path: path.to_path_buf(),
        };
    }
    sqlite_error(&path.display().to_string(), err)
}

fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn sqlite_error(path: &str, err: &OpenFailure) -> OpenError {
    match err {
        OpenFailure::Connect(err) => OpenError::Sqlite {
            path: path.to_owned(),
            cause: describe(err),
        },
        OpenFailure::Migrate(err) => OpenError::Migrate {
            location: format!("sqlite://{path}"),
            cause: err.to_string(),
        },
    }
}

/// A sqlx error's own words, without sqlx's "error returned from database:" wrapping.
fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

enum OpenFailure {
    Connect(sqlx::Error),
    Migrate(sqlx::migrate::MigrateError),
}

async fn open_sqlite(
    options: SqliteConnectOptions,
    in_memory: bool,
    settings: StoreSettings,
) -> Result<Db, OpenFailure> {
    let synchronous = if settings.survive_power_loss {
        SqliteSynchronous::Full
    } else {
        SqliteSynchronous::Normal
    };
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .foreign_keys(true)
        // Deleted rows' bytes are overwritten with zeros, not left in free pages: a deleted
        // message's text (and its edit history) is gone from the file, not just unlinked.
        .pragma("secure_delete", "ON")
        .busy_timeout(Duration::from_secs(5));
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        // A COMMIT that fails (disk full) leaves SQLite rolled back but sqlx believing
        // a transaction is open: its next `begin` becomes a SAVEPOINT inside a transaction
        // that never commits, and every later 201 would be a lie. Such a connection is
        // closed instead of reused (the pool opens a fresh one).
        .after_release(|conn, _| {
            Box::pin(async move {
                conn.ping().await?;
                Ok(!conn.is_in_transaction())
            })
        })
        .connect_with(options.clone())
        .await
        .map_err(OpenFailure::Connect)?;
    SQLITE_MIGRATOR
        .run(&write)
        .await
        .map_err(OpenFailure::Migrate)?;
    // Each in-memory connection is a database of its own: share the writer's.
    let read = if in_memory {
        write.clone()
    } else {
        SqlitePoolOptions::new()
            .max_connections(settings.read_connections)
            .connect_with(options)
            .await
            .map_err(OpenFailure::Connect)?
    };
    Ok(Db::Sqlite { read, write })
}

/// One connection first, so that an unreachable server fails the start at once with its cause
/// (a pool would retry until its timeout and then report only that it timed out).
async fn open_postgres(
    options: &sqlx::postgres::PgConnectOptions,
    settings: StoreSettings,
    server: &str,
) -> Result<PgPool, OpenError> {
    let mut options = options.clone().application_name("chat-server");
    if !settings.survive_power_loss {
        // The relaxed setting's PostgreSQL form: commits are acknowledged before their WAL
        // reaches the disk, so a server crash can lose the last moments (never corrupt).
        options = options.options([("synchronous_commit", "off")]);
    }
    let probe = tokio::time::timeout(
        POSTGRES_CONNECT_TIMEOUT,
        PgConnection::connect_with(&options),
    )
    .await
    .map_err(|_| OpenError::PostgresUnreachable {
        server: server.to_owned(),
        cause: format!("no answer within {} s", POSTGRES_CONNECT_TIMEOUT.as_secs()),
    })?
    .map_err(|err| postgres_error(server, &err))?;
    let _ = probe.close().await;
    PgPoolOptions::new()
        // Readers, plus the message writer's connection.
        .max_connections(settings.read_connections + 1)
        .acquire_timeout(POSTGRES_CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|err| postgres_error(server, &err))
}

fn postgres_error(server: &str, err: &sqlx::Error) -> OpenError {
    let server = server.to_owned();
    match err {
        sqlx::Error::Io(io) => OpenError::PostgresUnreachable {
            server,
            cause: match io.kind() {
                io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                _ => io.to_string(),
            },
        },
        sqlx::Error::PoolTimedOut => OpenError::PostgresUnreachable {
            server,
            cause: format!(
                "no connection within {} s",
                POSTGRES_CONNECT_TIMEOUT.as_secs()
            ),
        },
        // Wrong password, unknown database or role: PostgreSQL's own words.
        other => OpenError::PostgresRefused {
            server,
            cause: describe(other),
        },
    }
}
