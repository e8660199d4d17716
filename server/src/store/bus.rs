//! The realtime bus's statement (PostgreSQL): NOTIFY on the instances' channel. (The LISTEN
//! side is sqlx's `PgListener`, which the bus holds itself.)

use sqlx::PgPool;

/// Sends `payload` to every session listening on `channel`, delivered when the statement's
/// transaction (here its own) commits.
pub async fn notify(pool: &PgPool, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(pool)
        .await
        .map(drop)
}
