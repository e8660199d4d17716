//! Emoji reactions: one per user per emoji on a message.

use super::events::{NewEvent, append_events};
use super::{Store, on_writes};

/// Users reacting to the message with `emoji`, in the transaction that just changed them.
macro_rules! reaction_count {
    ($tx:expr, $message_id:expr, $emoji:expr) => {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM message_reactions WHERE message_id = $1 AND emoji = $2",
        )
        .bind($message_id)
        .bind($emoji)
        .fetch_one(&mut *$tx)
        .await?
    };
}
use crate::domain::time::now_micros;

pub enum Reacted {
    /// `added`: false when the user already reacted so. `count`: users reacting so now.
    /// `position`: the event's, when one was stored.
    Done {
        added: bool,
        count: i64,
        position: Option<i64>,
    },
    /// The message was deleted meanwhile.
    MessageGone,
}

impl Store {
    /// `event` makes the event of a reaction added (from how many react so now), stored in
    /// the same transaction.
    pub async fn add_reaction(
        &self,
        message_id: i64,
        user_id: i64,
        emoji: &str,
        event: impl FnOnce(i64) -> NewEvent,
    ) -> Result<Reacted, sqlx::Error> {
        let stored = on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO message_reactions (message_id, emoji, user_id, created_at) \
                 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM messages WHERE id = $1) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(message_id)
            .bind(emoji)
            .bind(user_id)
            .bind(now_micros())
            .execute(&mut *tx)
            .await;
            let added = match inserted {
                Ok(done) => done.rows_affected() > 0,
                // Deleted between the check and the insert (PostgreSQL sees it at the key check).
                Err(err) if is_foreign_key_violation(&err) => return Ok(Reacted::MessageGone),
                Err(err) => return Err(err),
            };
            let count = reaction_count!(tx, message_id, emoji);
            // Nothing inserted and nobody reacting so: the message is gone (its reactions go
            // with it), else this user's reaction was there already.
            if !added && count == 0 {
                return Ok(Reacted::MessageGone);
            }
            let events = if added {
                vec![event(count)]
            } else {
                Vec::new()
            };
            let positions = append_events!(tx, dialect, &events).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Reacted::Done {
                added,
                count,
                position: positions.first().copied(),
            })
        })?;
        if let Reacted::Done {
            position: Some(position),
            ..
        } = stored
        {
            self.committed(&[position]);
        }
        Ok(stored)
    }

    /// Removes `user_id`'s `emoji` from the message: the users still reacting so and the
    /// position of the event (`event` makes it from that count), or `None` if they had not.
    pub async fn remove_reaction(
        &self,
        message_id: i64,
        user_id: i64,
        emoji: &str,
        event: impl FnOnce(i64) -> NewEvent,
    ) -> Result<Option<(i64, i64)>, sqlx::Error> {
        let removed = on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let removed = sqlx::query(
                "DELETE FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3",
            )
            .bind(message_id)
            .bind(emoji)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed == 0 {
                return Ok(None);
            }
            let count = reaction_count!(tx, message_id, emoji);
            let positions = append_events!(tx, dialect, &[event(count)]).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some((
                count,
                positions.first().copied().unwrap_or_default(),
            )))
        })?;
        if let Some((_, position)) = removed {
            self.committed(&[position]);
        }
        Ok(removed)
    }
}

fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.is_foreign_key_violation())
}
