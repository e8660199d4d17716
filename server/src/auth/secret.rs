//! The secret that signs tokens and cursors: `JWT_SECRET`, or one generated on first start
//! and kept beside the SQLite database file (mode 0600) so tokens survive restarts, or in the
//! PostgreSQL database so that every instance on it honours every other's tokens and cursors.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const MIN_LEN: usize = 32;

pub fn load_or_create(explicit: Option<&str>, database_url: &str) -> io::Result<Vec<u8>> {
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
    match secret_path(database_url) {
        Some(path) => load_or_create_file(&path),
        None => {
            tracing::warn!("in-memory database: using a random signing secret for this run only");
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

/// `<database file>.jwt-secret`, or `None` for an in-memory database.
fn secret_path(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let (file, query) = rest.split_once('?').unwrap_or((rest, ""));
    if file.is_empty() || file == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(format!("{file}.jwt-secret")))
}

fn load_or_create_file(path: &Path) -> io::Result<Vec<u8>> {
    match fs::read_to_string(path) {
        Ok(existing) if !existing.trim().is_empty() => {
            return Ok(existing.trim().as_bytes().to_vec());
        }
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    let secret = random_secret()?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(&secret)?;
    tracing::info!(path = %path.display(), "generated a new signing secret");
    Ok(secret)
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

    #[test]
    fn paths_follow_the_database() {
        assert_eq!(
            secret_path("sqlite://chat.db"),
            Some(PathBuf::from("chat.db.jwt-secret"))
        );
        assert_eq!(
            secret_path("sqlite:/tmp/x.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x.db.jwt-secret"))
        );
        assert_eq!(secret_path("sqlite::memory:"), None);
    }

    #[test]
    fn generated_once_then_reused() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let first = load_or_create(None, &url)?;
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create(None, &url)?, first);
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
