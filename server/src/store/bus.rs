//! The realtime bus's statements (PostgreSQL): NOTIFY on the instances' channel, and
//! `realtime_spill`, where broadcasts too big for a NOTIFY payload wait for the listeners.
//! (The LISTEN side is sqlx's `PgListener`, which the bus holds itself.)

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

/// Keeps a broadcast's JSON too big to NOTIFY, stored at `created_at` (microseconds); its id
/// goes out instead.
pub async fn spill(pool: &PgPool, payload: &str, created_at: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO realtime_spill (payload, created_at) VALUES ($1, $2) RETURNING id",
    )
    .bind(payload)
    .bind(created_at)
    .fetch_one(pool)
    .await
}

/// The broadcast spilled as `id`; `None` once it has been pruned.
pub async fn spilled(pool: &PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT payload FROM realtime_spill WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Forgets the broadcasts spilled before `created_before` (microseconds): a listener that far
/// behind has resynced its sockets anyway.
pub async fn prune_spilled(pool: &PgPool, created_before: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM realtime_spill WHERE created_at < $1")
            .bind(created_before)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
