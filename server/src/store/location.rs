//! Where the database is, parsed once from `DATABASE_URL`: the store opens it, the signing
//! secret is kept beside it, and the startup banner shows it (never with its password).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

/// The forms `DATABASE_URL` may take, for the error that refuses another.
pub const SUPPORTED_FORMS: &str = "`sqlite://<file>`, `sqlite:<file>`, `file:<file>`, a bare \
    file path, `sqlite::memory:`, or `postgres://user:password@host:port/database`";

#[derive(Clone)]
pub enum DatabaseLocation {
    /// A SQLite database in a file (created if missing).
    SqliteFile {
        path: PathBuf,
        options: SqliteConnectOptions,
    },
    /// A SQLite database that lives as long as the process.
    SqliteMemory {
        options: SqliteConnectOptions,
    },
    Postgres {
        options: PgConnectOptions,
    },
}

/// Why `DATABASE_URL` names no database this server can open. Never repeats the URL: it may
/// hold a password.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error(
        "DATABASE_URL has the scheme `{0}:`, which this server does not support; use {SUPPORTED_FORMS}"
    )]
    UnsupportedScheme(String),
    #[error("DATABASE_URL names no file; use {SUPPORTED_FORMS}")]
    NoFile,
    #[error("DATABASE_URL is not a valid {kind} URL ({reason}); use {SUPPORTED_FORMS}")]
    Invalid { kind: &'static str, reason: String },
}

impl DatabaseLocation {
    pub fn parse(url: &str) -> Result<Self, LocationError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return PgConnectOptions::from_str(url)
                .map(|options| Self::Postgres { options })
                .map_err(|err| LocationError::Invalid {
                    kind: "PostgreSQL",
                    reason: redacted_reason(&err),
                });
        }
        let sqlite_url = match scheme(url) {
            // `sqlite:` and `file:` URLs are read the way SQLite reads them: percent-escapes
            // and `?mode=...` parameters.
            Some("sqlite") => format!("sqlite://{}", strip_either(url, "sqlite://", "sqlite:")),
            Some("file") => format!("sqlite://{}", strip_either(url, "file://", "file:")),
            Some(other) => return Err(LocationError::UnsupportedScheme(other.to_owned())),
            // A bare path is taken as it is written, `?` and `%` included.
            None if url == ":memory:" => "sqlite://:memory:".to_owned(),
            None if url.is_empty() => return Err(LocationError::NoFile),
            None => {
                let options = SqliteConnectOptions::new().filename(url);
                return Ok(Self::SqliteFile {
                    path: absolute(Path::new(url)),
                    options,
                });
            }
        };
        let options =
            SqliteConnectOptions::from_str(&sqlite_url).map_err(|err| LocationError::Invalid {
                kind: "SQLite",
                reason: redacted_reason(&err),
            })?;
        let rest = sqlite_url.trim_start_matches("sqlite://");
        let (file, query) = rest.split_once('?').unwrap_or((rest, ""));
        let in_memory = file == ":memory:"
            || form_urlencoded::parse(query.as_bytes())
                .any(|(key, value)| key == "mode" && value == "memory");
        if in_memory {
            return Ok(Self::SqliteMemory { options });
        }
        if file.is_empty() {
            return Err(LocationError::NoFile);
        }
        Ok(Self::SqliteFile {
            path: absolute(options.get_filename()),
            options,
        })
    }

    /// The file of a SQLite database, as an absolute path (none in memory or on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<&Path> {
        match self {
            Self::SqliteFile { path, .. } => Some(path),
            Self::SqliteMemory { .. } | Self::Postgres { .. } => None,
        }
    }

    /// `host:port` of a PostgreSQL server (or its socket path).
    pub fn postgres_server(options: &PgConnectOptions) -> String {
        match options.get_socket() {
            Some(socket) => socket.display().to_string(),
            None => format!("{}:{}", options.get_host(), options.get_port()),
        }
    }
}

/// The URL without its password: what logs and errors may show.
impl fmt::Display for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SqliteFile { path, .. } => write!(f, "sqlite://{}", path.display()),
            Self::SqliteMemory { .. } => f.write_str("sqlite::memory:"),
            Self::Postgres { options } => {
                write!(
                    f,
                    "postgres://{}@{}",
                    options.get_username(),
                    Self::postgres_server(options)
                )?;
                match options.get_database() {
                    Some(database) => write!(f, "/{database}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Not derived: PostgreSQL's options would print the password.
impl fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseLocation({self})")
    }
}

/// A URL's scheme (`sqlite` in `sqlite:x.db`), if it starts with one: a letter, then letters,
/// digits, `+`, `-` or `.`, then `:` (RFC 3986). `sqlite::memory:` has `sqlite`; a path such as
/// `./a:b.db` has none.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_allowed = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && rest_allowed).then_some(scheme)
}

/// `path` from the current directory, where SQLite will look for it too: messages and the
/// banner then say which file, wherever the reader is.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn strip_either<'a>(url: &'a str, long: &str, short: &str) -> &'a str {
    url.strip_prefix(long)
        .or_else(|| url.strip_prefix(short))
        .unwrap_or(url)
}

/// sqlx's configuration errors describe the parameter, not the URL; still, a URL that could
/// not be parsed is never echoed.
fn redacted_reason(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Configuration(reason) => reason.to_string(),
        _ => "unreadable".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(url: &str) -> Option<PathBuf> {
        DatabaseLocation::parse(url)
            .ok()?
            .sqlite_file()
            .map(Path::to_path_buf)
    }

    #[test]
    fn every_form_naming_a_file_finds_the_file() {
        for (url, file) in [
            ("chat.db", "chat.db"),
            ("./x/chat.db", "./x/chat.db"),
            ("sqlite:chat.db", "chat.db"),
            ("sqlite://chat.db", "chat.db"),
            ("sqlite:///tmp/chat.db?mode=rwc", "/tmp/chat.db"),
            ("file:chat.db", "chat.db"),
            ("file:///tmp/chat.db", "/tmp/chat.db"),
            ("./odd:name.db", "./odd:name.db"),
        ] {
            assert_eq!(file_of(url), Some(absolute(Path::new(file))), "{url}");
        }
    }

    #[test]
    fn memory_and_postgres_have_no_file() {
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            ":memory:",
            "sqlite://x.db?mode=memory",
        ] {
            assert!(
                matches!(
                    DatabaseLocation::parse(url),
                    Ok(DatabaseLocation::SqliteMemory { .. })
                ),
                "{url}"
            );
        }
        assert_eq!(file_of("postgres://u:p@localhost/chat"), None);
    }

    #[test]
    fn other_schemes_are_refused_without_echoing_the_url() {
        let err = DatabaseLocation::parse("mysql://root:hunter2@db/chat")
            .map(|_| ())
            .expect_err("refused");
        let message = err.to_string();
        assert!(message.contains("`mysql:`") && message.contains("postgres://"));
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn the_password_is_never_shown() {
        let location =
            DatabaseLocation::parse("postgres://chat:hunter2@db.example:6543/chat").expect("ok");
        assert_eq!(location.to_string(), "postgres://chat@db.example:6543/chat");
        assert!(!format!("{location:?}").contains("hunter2"));
    }
}
