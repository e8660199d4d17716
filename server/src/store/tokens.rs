use super::Store;
use crate::domain::time::now_micros;

impl Store {
    /// Records that a refresh token was exchanged. `false` if it already was: rotation makes
    /// every refresh token single-use.
    pub async fn use_refresh_token(
        &self,
        jti: &str,
        expires_at_micros: i64,
    ) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("INSERT INTO used_refresh_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(jti)
            .bind(expires_at_micros)
            .execute(&self.write)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Forgets used tokens that have expired anyway (they fail verification on their own).
    pub async fn prune_used_refresh_tokens(&self) -> Result<u64, sqlx::Error> {
        let result = sqlx::query("DELETE FROM used_refresh_tokens WHERE expires_at < ?")
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(result.rows_affected())
    }
}
