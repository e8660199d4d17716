//! Presence: when users were last seen (both databases), and on PostgreSQL which instance
//! holds whose WebSockets, so that every instance agrees on who is online.
//!
//! On PostgreSQL the timestamps that decide staleness (heartbeats) come from the database's
//! clock, so instances whose clocks drift apart still agree on which instance stopped.

use sqlx::PgPool;

use super::{Store, on_reads, on_writes};

/// Microseconds since the epoch by the database's clock (PostgreSQL).
macro_rules! db_now {
    () => {
        "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
    };
}

/// Whether user `$1` has a session on a live instance (`$2`: heartbeats older than this many
/// microseconds are stale) other than the instance named `$3` (`''`: any).
macro_rules! live_elsewhere {
    () => {
        concat!(
            "EXISTS (SELECT 1 FROM presence_sessions s JOIN presence_instances i \
             USING (instance_id) WHERE s.user_id = $1 AND s.instance_id <> $3 \
             AND i.heartbeat_at >= ",
            db_now!(),
            " - $2)"
        )
    };
}

impl Store {
    /// Whether users `a` and `b` are both in some room.
    pub async fn share_a_room(&self, a: i64, b: i64) -> Result<bool, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM room_participants mine \
                 JOIN room_participants theirs ON theirs.room_id = mine.room_id \
                 WHERE mine.user_id = $1 AND theirs.user_id = $2)",
            )
            .bind(a)
            .bind(b)
            .fetch_one(pool)
            .await
        })
    }

    /// When user `id`'s last socket closed (`Some(None)`: never recorded); `None` if there is
    /// no such user.
    pub async fn last_seen_at(&self, id: i64) -> Result<Option<Option<i64>>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar("SELECT last_seen_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })
    }

    /// Records that user `id`'s last socket closed at `at`.
    pub async fn record_last_seen(&self, id: i64, at: i64) -> Result<(), sqlx::Error> {
        on_writes!(self, |pool, _dialect| {
            sqlx::query("UPDATE users SET last_seen_at = $2 WHERE id = $1")
                .bind(id)
                .bind(at)
                .execute(pool)
                .await
                .map(drop)
        })
    }
}

/// A user's presence as the shared tables say: whether a live instance holds a socket of
/// theirs, and when they were last seen (their recorded `last_seen_at`, or the last heartbeat
/// of a stopped instance that held them and was not cleaned up yet, whichever is later).
/// `None`: no such user.
pub async fn status(
    pool: &PgPool,
    user_id: i64,
    stale_after: i64,
) -> Result<Option<(bool, Option<i64>)>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        live_elsewhere!(),
        ", GREATEST(u.last_seen_at, (SELECT MAX(i.heartbeat_at) FROM presence_sessions s \
         JOIN presence_instances i USING (instance_id) WHERE s.user_id = $1 \
         AND i.heartbeat_at < ",
        db_now!(),
        " - $2)) FROM users u WHERE u.id = $1"
    ))
    .bind(user_id)
    .bind(stale_after)
    .bind("")
    .fetch_optional(pool)
    .await
}

/// Announces `instance` alive now; `false` if its row was gone (other instances took it for
/// stopped, and dropped its sessions): it is back, with no sessions.
pub async fn heartbeat(pool: &PgPool, instance: &str) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(concat!(
        "UPDATE presence_instances SET heartbeat_at = ",
        db_now!(),
        " WHERE instance_id = $1"
    ))
    .bind(instance)
    .execute(pool)
    .await?;
    if updated.rows_affected() > 0 {
        return Ok(true);
    }
    sqlx::query(concat!(
        "INSERT INTO presence_instances (instance_id, heartbeat_at) VALUES ($1, ",
        db_now!(),
        ") ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at"
    ))
    .bind(instance)
    .execute(pool)
    .await?;
    Ok(false)
}

/// Forgets `instance` and its sessions (a graceful stop).
pub async fn forget_instance(pool: &PgPool, instance: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM presence_instances WHERE instance_id = $1")
        .bind(instance)
        .execute(pool)
        .await
        .map(drop)
}

/// Records that `instance` holds sockets of `user_id`. `Some(true)`: no other live instance
/// does, so the user just came online; `None`: no such user.
///
/// Transitions of one user are serialised by a lock on their row (`FOR NO KEY UPDATE`, which
/// does not block inserts that reference the user), so two instances cannot both see the
/// other's session missing, or both miss it.
pub async fn join(
    pool: &PgPool,
    instance: &str,
    user_id: i64,
    stale_after: i64,
) -> Result<Option<bool>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !lock_user(&mut tx, user_id).await? {
        return Ok(None);
    }
    sqlx::query(concat!(
        "INSERT INTO presence_instances (instance_id, heartbeat_at) VALUES ($1, ",
        db_now!(),
        ") ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at"
    ))
    .bind(instance)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO presence_sessions (instance_id, user_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(instance)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let elsewhere = elsewhere(&mut tx, instance, user_id, stale_after).await?;
    tx.commit().await?;
    Ok(Some(!elsewhere))
}

/// Records that `instance` holds no more sockets of `user_id`. `true`: no other live instance
/// does either, so the user just went offline and `last_seen_at` is now `at`.
pub async fn leave(
    pool: &PgPool,
    instance: &str,
    user_id: i64,
    stale_after: i64,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !lock_user(&mut tx, user_id).await? {
        return Ok(false);
    }
    sqlx::query("DELETE FROM presence_sessions WHERE instance_id = $1 AND user_id = $2")
        .bind(instance)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let elsewhere = elsewhere(&mut tx, instance, user_id, stale_after).await?;
    if !elsewhere {
        sqlx::query("UPDATE users SET last_seen_at = $2 WHERE id = $1")
            .bind(user_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(!elsewhere)
}

/// Deletes the instances whose heartbeat is stale (they stopped without saying so) with their
/// sessions, and returns the users this leaves offline, with their new `last_seen_at` (the
/// stopped instance's last heartbeat). Instances racing here each get different rows.
pub async fn reap(pool: &PgPool, stale_after: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    // Every part of the statement reads the same snapshot: `stranded` still sees the
    // sessions the deleted instances' cascade removes.
    sqlx::query_as(concat!(
        "WITH gone AS (DELETE FROM presence_instances WHERE heartbeat_at < ",
        db_now!(),
        " - $1 RETURNING instance_id, heartbeat_at), \
         stranded AS (SELECT s.user_id, MAX(g.heartbeat_at) AS seen FROM presence_sessions s \
         JOIN gone g USING (instance_id) GROUP BY s.user_id) \
         UPDATE users u SET last_seen_at = GREATEST(u.last_seen_at, st.seen) FROM stranded st \
         WHERE u.id = st.user_id AND NOT EXISTS (SELECT 1 FROM presence_sessions s \
         JOIN presence_instances i USING (instance_id) WHERE s.user_id = st.user_id \
         AND i.heartbeat_at >= ",
        db_now!(),
        " - $1) RETURNING u.id, u.last_seen_at"
    ))
    .bind(stale_after)
    .fetch_all(pool)
    .await
}

async fn lock_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(found.is_some())
}

async fn elsewhere(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    instance: &str,
    user_id: i64,
    stale_after: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(concat!("SELECT ", live_elsewhere!()))
        .bind(user_id)
        .bind(stale_after)
        .bind(instance)
        .fetch_one(&mut **tx)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreSettings;

    const STALE: i64 = 30_000_000;

    /// The shared statements against a PostgreSQL database of their own (`TEST_POSTGRES_URL`;
    /// skipped outside CI without it): two instances, one of which stops without cleaning up.
    #[tokio::test]
    async fn instances_agree_on_who_is_online_and_stopped_ones_are_reaped() {
        let Some(db) = chat_test_support::postgres_db().await else {
            return;
        };
        let settings = StoreSettings {
            read_connections: 2,
            survive_power_loss: true,
        };
        let location = crate::store::DatabaseLocation::parse(&db.url).expect("a PostgreSQL URL");
        let store = Store::open(&location, settings).await.expect("opens");
        let pool = store.postgres_pool().expect("PostgreSQL").clone();
        let bob = store
            .create_user("bob", "", "x")
            .await
            .expect("db")
            .expect("new");
        let carol = store
            .create_user("carol", "", "x")
            .await
            .expect("db")
            .expect("new");

        assert!(!heartbeat(&pool, "a").await.expect("db"), "a new instance");
        assert!(heartbeat(&pool, "a").await.expect("db"));
        assert_eq!(
            status(&pool, bob.id, STALE).await.expect("db"),
            Some((false, None))
        );

        // Bob on both instances: online once, offline once.
        assert_eq!(
            join(&pool, "a", bob.id, STALE).await.expect("db"),
            Some(true)
        );
        assert_eq!(
            join(&pool, "b", bob.id, STALE).await.expect("db"),
            Some(false)
        );
        assert_eq!(
            status(&pool, bob.id, STALE).await.expect("db"),
            Some((true, None))
        );
        assert!(!leave(&pool, "a", bob.id, STALE, 5).await.expect("db"));
        assert_eq!(
            status(&pool, bob.id, STALE).await.expect("db"),
            Some((true, None))
        );
        assert!(leave(&pool, "b", bob.id, STALE, 7).await.expect("db"));
        assert_eq!(
            status(&pool, bob.id, STALE).await.expect("db"),
            Some((false, Some(7)))
        );

        // Instance b stops without a word while holding carol (and bob, who is also on a).
        assert_eq!(
            join(&pool, "b", carol.id, STALE).await.expect("db"),
            Some(true)
        );
        assert_eq!(
            join(&pool, "b", bob.id, STALE).await.expect("db"),
            Some(true)
        );
        assert_eq!(
            join(&pool, "a", bob.id, STALE).await.expect("db"),
            Some(false)
        );
        sqlx::query("UPDATE presence_instances SET heartbeat_at = 1000 WHERE instance_id = 'b'")
            .execute(&pool)
            .await
            .expect("db");
        assert_eq!(
            status(&pool, carol.id, STALE).await.expect("db"),
            Some((false, Some(1000)))
        );
        // (The caller ignores the time while online.)
        assert_eq!(
            status(&pool, bob.id, STALE).await.expect("db"),
            Some((true, Some(1000)))
        );
        assert_eq!(
            reap(&pool, STALE).await.expect("db"),
            vec![(carol.id, 1000)]
        );
        assert_eq!(reap(&pool, STALE).await.expect("db"), vec![]);
        assert_eq!(
            status(&pool, carol.id, STALE).await.expect("db"),
            Some((false, Some(1000)))
        );
        // Back after all: its sessions are gone, and its heartbeat says so.
        assert!(!heartbeat(&pool, "b").await.expect("db"));

        assert_eq!(join(&pool, "a", 999_999, STALE).await.expect("db"), None);
        assert_eq!(status(&pool, 999_999, STALE).await.expect("db"), None);
        forget_instance(&pool, "a").await.expect("db");
        assert_eq!(
            status(&pool, bob.id, STALE).await.expect("db"),
            Some((false, Some(7)))
        );
        store.close().await;
    }
}
