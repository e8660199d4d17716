//! The secret that signs tokens and cursors: `JWT_SECRET`, or one generated on first start
//! and kept beside the SQLite database file (mode 0600) so tokens survive restarts, or in the
//! PostgreSQL database so that every instance on it honours every other's tokens and cursors.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::files;
use crate::store::DatabaseLocation;

const MIN_LEN: usize = 32;

/// `JWT_SECRET`, else the one kept beside the SQLite file (generated on first start), else,
/// for an in-memory database, one for this run only.
pub fn load_or_create(explicit: Option<&str>, location: &DatabaseLocation) -> io::Result<Vec<u8>> {
    if let Some(secret) = explicit {
        if secret.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "JWT_SECRET is empty",
            ));
        }
        if secret.len() < MIN_LEN {
            tracing::warn!("JWT_SECRET is shorter than {MIN_LEN} bytes; HS256 wants at least that");
        }
        return Ok(secret.as_bytes().to_vec());
    }
    match location.sqlite_file() {
        Some(database) => load_or_create_file(&secret_path(database)),
        None => {
            tracing::warn!(
                "in-memory database: using a random signing secret for this run only \
                 (tokens and cursors stop working when it ends)"
            );
            random_secret()
        }
    }
}

/// The secret kept in the PostgreSQL database: the first instance to start stores its
/// candidate, and every instance reads back the one stored.
pub async fn shared(pool: &sqlx::PgPool) -> anyhow::Result<Vec<u8>> {
    let candidate = String::from_utf8(random_secret()?)?;
    let secret = crate::store::shared::secret(pool, &candidate).await?;
    if secret == candidate {
        tracing::info!("generated a new signing secret, kept in the database");
    }
    Ok(secret.into_bytes())
}

/// `<database file>.jwt-secret`.
fn secret_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".jwt-secret");
    PathBuf::from(name)
}

/// Like ssh with a private key, a secret file that others may read is refused rather than
/// used (or silently tightened): whoever could read it could have forged tokens already, so
/// the operator must know, and rotate it if that matters.
fn load_or_create_file(path: &Path) -> io::Result<Vec<u8>> {
    match fs::metadata(path) {
        Ok(metadata) => {
            if let Some(mode) = files::shared_mode(&metadata) {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "{path} is readable by other users (mode {mode:o}); \
                         run `chmod 600 {path}` (and replace its contents if others may have \
                         read it)",
                        path = path.display()
                    ),
                ));
            }
            let existing = fs::read_to_string(path).map_err(|err| in_file(path, &err))?;
            if !existing.trim().is_empty() {
                return Ok(existing.trim().as_bytes().to_vec());
            }
            // An empty file (created by hand, or a crash before the write): filled below.
            fs::remove_file(path).map_err(|err| in_file(path, &err))?;
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(in_file(path, &err)),
    }
    let secret = random_secret()?;
    files::create_private(path)
        .and_then(|mut file| file.write_all(&secret))
        .map_err(|err| in_file(path, &err))?;
    tracing::info!(path = %path.display(), "generated a new signing secret");
    Ok(secret)
}

fn in_file(path: &Path, err: &io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

/// 32 random bytes, hex-encoded (so the file is readable text).
fn random_secret() -> io::Result<Vec<u8>> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| io::Error::other(err.to_string()))?;
    Ok(bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(url: &str) -> DatabaseLocation {
        DatabaseLocation::parse(url).expect("a database URL")
    }

    #[test]
    fn generated_once_then_reused() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let first = load_or_create(None, &location(&url))?;
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create(None, &location(&url))?, first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("t.db.jwt-secret"))?
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        Ok(())
    }
}
