use super::{Store, on_writes};
use crate::domain::time::now_micros;

impl Store {
    /// Records that a refresh token was exchanged. `false` if it already was: rotation makes
    /// every refresh token single-use (on every instance: the record is in the database).
    pub async fn use_refresh_token(
        &self,
        jti: &str,
        expires_at_micros: i64,
    ) -> Result<bool, sqlx::Error> {
        let result = on_writes!(self, |pool, _dialect| {
            sqlx::query(
                "INSERT INTO used_refresh_tokens (jti, expires_at) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(jti)
            .bind(expires_at_micros)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(result == 1)
    }

    /// Forgets used tokens that have expired anyway (they fail verification on their own).
    pub async fn prune_used_refresh_tokens(&self) -> Result<u64, sqlx::Error> {
        Ok(on_writes!(self, |pool, _dialect| {
            sqlx::query("DELETE FROM used_refresh_tokens WHERE expires_at < $1")
                .bind(now_micros())
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
