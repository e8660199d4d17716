//! Emoji reactions: one per user per emoji on a message.

use super::{Store, on_writes};
use crate::domain::time::now_micros;

pub enum Reacted {
    /// `added`: false when the user already reacted so. `count`: users reacting so now.
    Done { added: bool, count: i64 },
    /// The message was deleted meanwhile.
    MessageGone,
}

impl Store {
    pub async fn add_reaction(
        &self,
        message_id: i64,
        user_id: i64,
        emoji: &str,
    ) -> Result<Reacted, sqlx::Error> {
        let inserted = on_writes!(self, |pool, _dialect| {
            sqlx::query(
                "INSERT INTO message_reactions (message_id, emoji, user_id, created_at) \
                 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM messages WHERE id = $1) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(message_id)
            .bind(emoji)
            .bind(user_id)
            .bind(now_micros())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        });
        let added = match inserted {
            Ok(rows) => rows > 0,
            // Deleted between the check and the insert (PostgreSQL sees it at the key check).
            Err(err) if is_foreign_key_violation(&err) => return Ok(Reacted::MessageGone),
            Err(err) => return Err(err),
        };
        let count = self.reaction_count(message_id, emoji).await?;
        // Nothing inserted and nobody reacting so: the message is gone (its reactions go
        // with it), else this user's reaction was there already.
        if !added && count == 0 {
            return Ok(Reacted::MessageGone);
        }
        Ok(Reacted::Done { added, count })
    }

    /// Removes `user_id`'s `emoji` from the message: the users still reacting so, or `None`
    /// if they had not.
    pub async fn remove_reaction(
        &self,
        message_id: i64,
        user_id: i64,
        emoji: &str,
    ) -> Result<Option<i64>, sqlx::Error> {
        let removed = on_writes!(self, |pool, _dialect| {
            sqlx::query(
                "DELETE FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3",
            )
            .bind(message_id)
            .bind(emoji)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if removed == 0 {
            return Ok(None);
        }
        Ok(Some(self.reaction_count(message_id, emoji).await?))
    }

    /// Users reacting to the message with `emoji`, read on the writing side so it includes
    /// the change just made.
    async fn reaction_count(&self, message_id: i64, emoji: &str) -> Result<i64, sqlx::Error> {
        on_writes!(self, |pool, _dialect| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM message_reactions WHERE message_id = $1 AND emoji = $2",
            )
            .bind(message_id)
            .bind(emoji)
            .fetch_one(pool)
            .await
        })
    }
}

fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.is_foreign_key_violation())
}
