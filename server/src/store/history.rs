//! The edit history of messages: `message_versions`, written by a trigger on every change of
//! a message's content (migrations `0004_search_history` / `0003_search_history`), read here.

use sqlx::FromRow;

use super::{Store, on_reads};

/// One content a message had, and when it was written.
#[derive(Debug, Clone, FromRow)]
pub struct VersionRow {
    pub content: String,
    pub created_at: i64,
}

impl Store {
    /// How many contents message `id` has had: its earlier ones and the current one.
    pub async fn count_versions(&self, id: i64) -> Result<i64, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar("SELECT COUNT(*) + 1 FROM message_versions WHERE message_id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
        })
    }

    /// Message `id`'s contents, oldest first, the current one last: `limit` from `offset`.
    /// The current content was written when the last edit replaced the one before it (or
    /// when the message was created).
    pub async fn versions(
        &self,
        id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<VersionRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(
                "SELECT content, created_at FROM ( \
                   SELECT 0 AS current, id AS seq, content, created_at \
                   FROM message_versions WHERE message_id = $1 \
                   UNION ALL \
                   SELECT 1, 0, m.content, COALESCE( \
                     (SELECT v.replaced_at FROM message_versions v WHERE v.message_id = $1 \
                      ORDER BY v.id DESC LIMIT 1), \
                     m.created_at) \
                   FROM messages m WHERE m.id = $1 \
                 ) history ORDER BY current, seq LIMIT $2 OFFSET $3",
            )
            .bind(id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
        })
    }
}
