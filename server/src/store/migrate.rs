//! One migration numbering for both databases. PostgreSQL's files were first numbered without
//! a step of their own for SQLite's `0002_readiness_probe` (PostgreSQL's `0001` took that table
//! in), so from version 2 on one number meant different changes on the two. PostgreSQL has
//! since gained a version 2 that changes nothing, and its later files moved up by one.
//!
//! sqlx matches the history it recorded in `_sqlx_migrations` with the files by version, and
//! refuses to start when a recorded checksum differs from its file's. A PostgreSQL database
//! migrated under the old numbering is therefore renumbered before the migrator runs:
//! [`renumber_postgres_history`].

use sqlx::postgres::PgPool;

use super::POSTGRES_MIGRATOR;

/// The first version the renumbering moved (up by one).
const FIRST_MOVED: i64 = 2;

/// What the old numbering recorded as version 2: how its history is recognised. Under the new
/// numbering version 2 is `readiness probe`.
const OLD_VERSION_2: &str = "read state reactions replies mentions";

#[derive(Debug, thiserror::Error)]
pub enum RenumberError {
    #[error("{0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "its migration history follows the numbering of before PostgreSQL's migrations moved up \
         by one, but version {version} (`{description}`) there is not the file this server has \
         as version {moved_to}; the database was migrated by a build this one does not follow"
    )]
    Unrecognised {
        version: i64,
        description: String,
        moved_to: i64,
    },
}

/// Rewrites a history recorded under the old numbering (versions 2 and later up by one, in
/// one transaction) so that the migrator then finds every applied file at its new number, and
/// applies the new version 2 (a no-op on PostgreSQL) as it would any pending one. A history
/// already in the new numbering, or none, is left as it is.
pub(super) async fn renumber_postgres_history(pool: &PgPool) -> Result<(), RenumberError> {
    let mut tx = pool.begin().await?;
    let recorded: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *tx)
        .await?;
    if !recorded {
        return Ok(());
    }
    // Instances starting together queue here, and the later ones find the history already
    // renumbered: read without the lock, it could be moved up twice.
    sqlx::query("LOCK TABLE _sqlx_migrations IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let moved: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(
        "SELECT version, description, checksum FROM _sqlx_migrations \
         WHERE version >= $1 ORDER BY version",
    )
    .bind(FIRST_MOVED)
    .fetch_all(&mut *tx)
    .await?;
    let old_numbering = moved.first().is_some_and(|(version, description, _)| {
        *version == FIRST_MOVED && description == OLD_VERSION_2
    });
    if !old_numbering {
        return Ok(());
    }
    // Only a history the renumbering describes is rewritten: each moved version is the file
    // (description and checksum) it became.
    for (version, description, checksum) in &moved {
        let moved_to = version + 1;
        let known = POSTGRES_MIGRATOR.iter().any(|file| {
            file.version == moved_to
                && file.description == *description
                && *file.checksum == **checksum
        });
        if !known {
            return Err(RenumberError::Unrecognised {
                version: *version,
                description: description.clone(),
                moved_to,
            });
        }
    }
    // The version is the primary key, checked row by row: moving up in place would collide
    // with the next row, so every moved row goes through a negative number first.
    sqlx::query("UPDATE _sqlx_migrations SET version = -(version + 1) WHERE version >= $1")
        .bind(FIRST_MOVED)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE _sqlx_migrations SET version = -version WHERE version < 0")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(
        versions_moved = moved.len(),
        "renumbered the database's migration history: versions {FIRST_MOVED} and later moved \
         up by one, so each version is the same change as on SQLite"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::migrate::Migrator;
    use sqlx::postgres::PgPoolOptions;

    use super::*;
    use crate::store::SQLITE_MIGRATOR;

    #[test]
    fn both_databases_number_the_same_changes_alike() {
        let numbering = |migrator: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
            migrator
                .iter()
                .map(|file| (file.version, file.description.to_string()))
                .collect()
        };
        assert_eq!(numbering(&SQLITE_MIGRATOR), numbering(&POSTGRES_MIGRATOR));
    }

    #[test]
    fn the_old_version_2_is_now_version_3() {
        let version_3 = POSTGRES_MIGRATOR.iter().find(|file| file.version == 3);
        assert_eq!(
            version_3.map(|file| &*file.description),
            Some(OLD_VERSION_2)
        );
    }

    /// The old numbering: the same files without version 2, each later one a number lower.
    fn old_numbering() -> Migrator {
        Migrator::with_migrations(
            POSTGRES_MIGRATOR
                .iter()
                .filter(|file| file.version != FIRST_MOVED)
                .map(|file| {
                    let mut file = file.clone();
                    if file.version > FIRST_MOVED {
                        file.version -= 1;
                    }
                    file
                })
                .collect(),
        )
    }

    #[tokio::test]
    async fn instances_renumbering_together_move_the_history_once() {
        let Some(db) = chat_test_support::postgres_db().await else {
            return;
        };
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(&db.url)
            .await
            .expect("the test database opens");
        old_numbering()
            .run(&pool)
            .await
            .expect("the old migrations run");

        // Both renumberings start while the table is held, and go on together once it is
        // released: as instances started at the same moment would.
        let mut holder = pool.begin().await.expect("begin");
        sqlx::query("LOCK TABLE _sqlx_migrations IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *holder)
            .await
            .expect("lock");
        let [one, other] = [pool.clone(), pool.clone()]
            .map(|pool| tokio::spawn(async move { renumber_postgres_history(&pool).await }));
        while waiting_on_the_history(&pool).await < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        holder.commit().await.expect("release");
        for renumbering in [one, other] {
            renumbering.await.expect("joins").expect("renumbers");
        }

        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&pool)
                .await
                .expect("history");
        let moved: Vec<i64> = POSTGRES_MIGRATOR
            .iter()
            .map(|file| file.version)
            .filter(|version| *version != FIRST_MOVED)
            .collect();
        assert_eq!(versions, moved);
    }

    /// Sessions waiting for a lock on `_sqlx_migrations`.
    async fn waiting_on_the_history(pool: &PgPool) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_locks \
             WHERE NOT granted AND relation = '_sqlx_migrations'::regclass",
        )
        .fetch_one(pool)
        .await
        .expect("pg_locks")
    }
}
