//! State that several instances on one PostgreSQL database must agree on: the signing secret
//! and the throttles. (On SQLite one process owns the database and keeps these itself.)

use sqlx::PgPool;

/// The signing secret every instance uses: `candidate` if no instance stored one yet, else
/// the stored one.
pub async fn secret(pool: &PgPool, candidate: &str) -> Result<String, sqlx::Error> {
    sqlx::query("INSERT INTO server_secret (id, secret) VALUES (1, $1) ON CONFLICT DO NOTHING")
        .bind(candidate)
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT secret FROM server_secret WHERE id = 1")
        .fetch_one(pool)
        .await
}

/// One request against the GCRA throttle `key` at `now` (`interval` between requests on
/// average, `tolerance` = how far ahead of that schedule a burst may run; all microseconds):
/// `Ok`, or the microseconds until the key is admitted again. One atomic statement, so
/// instances racing on a key each count the other's admission.
pub async fn throttle(
    pool: &PgPool,
    key: &str,
    now: i64,
    interval: i64,
    tolerance: i64,
) -> Result<Result<(), i64>, sqlx::Error> {
    // The right-hand sides of an ON CONFLICT update all read the row as it was, so
    // `admitted` and `tat` decide on the same state.
    let (admitted, tat): (bool, i64) = sqlx::query_as(
        "INSERT INTO throttle_state AS t (key, tat, admitted) VALUES ($1, $2 + $3, true) \
         ON CONFLICT (key) DO UPDATE SET \
           admitted = GREATEST(t.tat, $2) - $2 <= $4, \
           tat = CASE WHEN GREATEST(t.tat, $2) - $2 <= $4 THEN GREATEST(t.tat, $2) + $3 \
                 ELSE t.tat END \
         RETURNING admitted, tat",
    )
    .bind(key)
    .bind(now)
    .bind(interval)
    .bind(tolerance)
    .fetch_one(pool)
    .await?;
    Ok(if admitted {
        Ok(())
    } else {
        Err(tat - tolerance - now)
    })
}

/// Gives back one request of `interval` microseconds that `throttle` admitted on `key` (a
/// request that turned out not to count).
pub async fn give_back(pool: &PgPool, key: &str, interval: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE throttle_state SET tat = tat - $2 WHERE key = $1")
        .bind(key)
        .bind(interval)
        .execute(pool)
        .await
        .map(drop)
}

/// Forgets keys whose schedule has caught up with `now`: they would be admitted with a full
/// burst anyway, so the row says nothing.
pub async fn forget_idle_throttles(pool: &PgPool, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM throttle_state WHERE tat < $1")
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected())
}
