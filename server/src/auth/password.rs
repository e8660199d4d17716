//! Argon2id password hashes (PHC strings), computed off the async runtime.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP's recommended minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane.
pub const DEFAULT_MEMORY_KIB: u32 = 19 * 1024;
pub const DEFAULT_PASSES: u32 = 2;
/// Argon2's own floor (8 KiB a lane).
pub const MIN_MEMORY_KIB: u32 = 8;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes new passwords at the configured cost and verifies stored ones (each at the cost it
/// was stored with, from its PHC string).
#[derive(Clone)]
pub struct Passwords(Arc<Hasher>);

struct Hasher {
    argon2: Argon2<'static>,
    /// Checked for unknown usernames, so response time does not tell which usernames exist:
    /// at the same cost as a new hash. Made at the first such login, not at start: its memory
    /// (19 MiB at the default cost) would stay with the allocator of an idle server.
    dummy: OnceLock<String>,
}

impl Passwords {
    pub fn new(memory_kib: u32, passes: u32) -> Result<Passwords, HashError> {
        let params = Params::new(memory_kib, passes, 1, None).map_err(error)?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        Ok(Passwords(Arc::new(Hasher {
            argon2,
            dummy: OnceLock::new(),
        })))
    }

    /// Whether the cost is below OWASP's recommended minimum (fine for a test server only).
    pub fn below_recommended(memory_kib: u32, passes: u32) -> bool {
        memory_kib < DEFAULT_MEMORY_KIB || passes < DEFAULT_PASSES
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let hasher = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || hash_with(&hasher.argon2, &password))
            .await
            .map_err(error)?
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown user) the dummy hash
    /// is still checked.
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let hasher = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let matches = |phc: &str| {
                PasswordHash::new(phc).is_ok_and(|hash| {
                    hasher
                        .argon2
                        .verify_password(password.as_bytes(), &hash)
                        .is_ok()
                })
            };
            match stored {
                Some(phc) => matches(&phc),
                None => {
                    let dummy = hasher.dummy.get_or_init(|| {
                        hash_with(&hasher.argon2, "timing-equaliser-not-a-password")
                            .unwrap_or_default()
                    });
                    let _ = matches(dummy);
                    false
                }
            }
        })
        .await
        .unwrap_or(false)
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    argon2
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(error)
}

fn error(err: impl std::fmt::Display) -> HashError {
    HashError(err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify() -> Result<(), HashError> {
        let passwords = Passwords::new(DEFAULT_MEMORY_KIB, DEFAULT_PASSES)?;
        let phc = passwords.hash("correct horse".into()).await?;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            passwords
                .verify("correct horse".into(), Some(phc.clone()))
                .await
        );
        assert!(!passwords.verify("wrong horse".into(), Some(phc)).await);
        assert!(!passwords.verify("anything".into(), None).await);
        Ok(())
    }

    /// A hash keeps its own cost: a server started with another one still verifies it.
    #[tokio::test]
    async fn a_hash_verifies_at_the_cost_it_was_stored_with() -> Result<(), HashError> {
        let cheap = Passwords::new(MIN_MEMORY_KIB, 1)?;
        let phc = cheap.hash("correct horse".into()).await?;
        assert!(phc.contains("$m=8,t=1,p=1$"), "{phc}");
        let default = Passwords::new(DEFAULT_MEMORY_KIB, DEFAULT_PASSES)?;
        assert!(default.verify("correct horse".into(), Some(phc)).await);
        assert!(Passwords::below_recommended(MIN_MEMORY_KIB, 1));
        assert!(!Passwords::below_recommended(
            DEFAULT_MEMORY_KIB,
            DEFAULT_PASSES
        ));
        Ok(())
    }
}
