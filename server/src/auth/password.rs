//! Argon2id password hashes (PHC strings), computed off the async runtime.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|err| HashError(err.to_string()))?
}

fn hash_blocking(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| HashError(err.to_string()))
}

/// Whether `password` matches `stored`. With no stored hash (unknown user) a dummy hash is
/// still checked, so response time does not tell which usernames exist.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let matches = |phc: &str| {
            PasswordHash::new(phc).is_ok_and(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
        };
        match stored {
            Some(phc) => matches(&phc),
            None => {
                let _ = matches(&DUMMY_HASH);
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("timing-equaliser-not-a-password").unwrap_or_default());

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify() -> Result<(), super::HashError> {
        let phc = super::hash("correct horse".into()).await?;
        assert!(phc.starts_with("$argon2id$"));
        assert!(super::verify("correct horse".into(), Some(phc.clone())).await);
        assert!(!super::verify("wrong horse".into(), Some(phc)).await);
        assert!(!super::verify("anything".into(), None).await);
        Ok(())
    }
}
