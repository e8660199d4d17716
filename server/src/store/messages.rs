use serde::Deserialize;
use sqlx::FromRow;

use super::events::{NewEvent, append_events, forget_message};
use super::message_extras::Extras;
use super::message_writer::{Announce, NewMessage};
use super::sql::Listings;
use super::{Store, from_json_array, json_ids, on_reads, on_writes};
use crate::domain::time::now_micros;

#[derive(Debug, Clone, FromRow, Deserialize)]
pub struct MessageRow {
    pub id: i64,
    pub room_id: i64,
    pub sender_id: i64,
    /// The sender's username.
    pub sender: String,
    pub content: String,
    #[serde(deserialize_with = "super::bool_from_json")]
    pub is_read: bool,
    pub client_id: Option<String>,
    pub created_at: i64,
    pub updated_at: Option<i64>,
    /// The message this one answers, in the same room (null once that one is deleted).
    pub reply_to: Option<i64>,
}

/// The columns of [`MessageRow`], as a literal for `concat!` (statements stay `&'static str`).
macro_rules! message_select {
    () => {
        "SELECT m.id, m.room_id, m.sender_id, u.username AS sender, m.content, m.is_read, m.client_id, \
         m.created_at, m.updated_at, m.reply_to FROM messages m JOIN users u ON u.id = m.sender_id"
    };
}
pub(crate) use message_select;

pub enum CreateOutcome {
    /// Stored, with its `message.created` event at `position`.
    Created { row: MessageRow, position: i64 },
    /// The room was deleted before the message could be stored.
    RoomGone,
    /// The sender was removed from the room before the message could be stored.
    NotMember,
    /// The sender already sent this `client_id`; this is that message.
    Replayed(MessageRow),
    /// The sender already used this `client_id` for a different message.
    ClientIdConflict,
}

impl CreateOutcome {
    /// The position of the event of a stored message.
    pub fn position(&self) -> Option<i64> {
        match self {
            Self::Created { position, .. } => Some(*position),
            _ => None,
        }
    }
}

/// Messages of one room with `after < id < before`, `limit` of them, ascending or descending
/// by id: the one query behind every cursor page.
#[derive(Debug, Clone)]
pub struct MessageWindow {
    pub room_id: i64,
    /// Only the replies to this message (a thread), instead of the whole room.
    pub thread: Option<i64>,
    pub after: i64,
    pub before: i64,
    pub ascending: bool,
    pub limit: i64,
}

impl Store {
    /// Stores the message and marks the room active, committed (durably, with
    /// `synchronous=FULL`) before this returns; `announce` hears of it first, in commit order.
    /// Concurrent senders share transactions: see [`super::message_writer`].
    pub async fn create_message(
        &self,
        message: NewMessage,
        announce: Announce,
    ) -> Result<CreateOutcome, sqlx::Error> {
        self.messages.create(message, announce).await
    }

    pub async fn find_message(
        &self,
        room_id: i64,
        id: i64,
    ) -> Result<Option<MessageRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(
                message_select!(),
                " WHERE m.id = $1 AND m.room_id = $2"
            ))
            .bind(id)
            .bind(room_id)
            .fetch_optional(pool)
            .await
        })
    }

    /// A message by id alone (seed 000's `/messages/{id}/`).
    pub async fn message_by_id(&self, id: i64) -> Result<Option<MessageRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(message_select!(), " WHERE m.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await
        })
    }

    /// Oldest first, `limit` from `offset`: of one room, or (`room_id` None) of every room
    /// `user_id` is in. Seed 000's listing pages by offset; the main API uses cursors.
    pub async fn messages_by_offset(
        &self,
        user_id: i64,
        room_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<MessageRow>, sqlx::Error> {
        let json: String = on_reads!(self, |pool, dialect| {
            sqlx::query_scalar(Listings::of(dialect).messages_by_offset)
                .bind(user_id)
                .bind(room_id)
                .bind(limit)
                .bind(offset)
                .fetch_one(pool)
                .await?
        });
        let mut rows: Vec<MessageRow> = from_json_array(&json)?;
        rows.sort_unstable_by_key(|row| row.id);
        Ok(rows)
    }

    /// Edits a message; with new content, `mentions` replaces the users it names.
    /// `event` makes the edit's event from the edited row, stored in the same transaction;
    /// returns the row and the event's position.
    pub async fn update_message(
        &self,
        id: i64,
        content: Option<&str>,
        is_read: Option<bool>,
        mentions: Option<&[i64]>,
        event: impl FnOnce(&MessageRow) -> NewEvent,
    ) -> Result<(MessageRow, i64), sqlx::Error> {
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE messages SET content = COALESCE($1, content), \
                 is_read = COALESCE($2, is_read), updated_at = $3 WHERE id = $4",
            )
            .bind(content)
            .bind(is_read)
            .bind(now_micros())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if let Some(mentions) = mentions {
                sqlx::query("DELETE FROM message_mentions WHERE message_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(dialect.pick(
                    "INSERT INTO message_mentions (message_id, user_id, room_id) \
                     SELECT m.id, value, m.room_id FROM messages m, json_each($2) WHERE m.id = $1",
                    "INSERT INTO message_mentions (message_id, user_id, room_id) \
                     SELECT m.id, value::bigint, m.room_id FROM messages m, \
                     json_array_elements_text($2::json) WHERE m.id = $1",
                ))
                .bind(id)
                .bind(json_ids(mentions))
                .execute(&mut *tx)
                .await?;
            }
            let row: MessageRow = sqlx::query_as(concat!(message_select!(), " WHERE m.id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let positions = append_events!(tx, dialect, &[event(&row)]).await?;
            tx.commit().await?;
            self.committed(&positions);
            Ok((row, positions.first().copied().unwrap_or_default()))
        })
    }

    /// Deletes a message of `room_id` with its reactions, mentions and history, and keeps
    /// the room's counters in step: one message fewer, and one fewer read by everyone whose
    /// marker is at or past it.
    /// `event` is stored with the deletion; its position, if the message was there to delete.
    pub async fn delete_message(
        &self,
        room_id: i64,
        id: i64,
        event: NewEvent,
    ) -> Result<Option<i64>, sqlx::Error> {
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            // First, so the room's row lock orders this against new messages and read
            // markers on PostgreSQL (SQLite has one writer).
            let deleted = sqlx::query(
                "UPDATE chat_rooms SET message_count = message_count - 1 \
                 WHERE id = $1 AND EXISTS (SELECT 1 FROM messages WHERE id = $2 AND room_id = $1)",
            )
            .bind(room_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if deleted > 0 {
                sqlx::query(
                    "UPDATE room_participants SET read_count = read_count - 1 \
                     WHERE room_id = $1 AND last_read_id >= $2 AND read_count > 0",
                )
                .bind(room_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                for statement in forget_message(dialect) {
                    sqlx::query(statement).bind(id).execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM messages WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let events = if deleted > 0 { vec![event] } else { Vec::new() };
            let positions = append_events!(tx, dialect, &events).await?;
            tx.commit().await?;
            self.committed(&positions);
            Ok(positions.first().copied())
        })
    }

    /// The messages of `window` and their extras as `user_id` sees them, if `user_id` is in
    /// its room, `None` otherwise: the membership check, the page and its extras in one
    /// statement (each statement costs a round of thread wake-ups in sqlx's SQLite driver).
    pub async fn member_window(
        &self,
        user_id: i64,
        window: &MessageWindow,
    ) -> Result<Option<(Vec<MessageRow>, Extras)>, sqlx::Error> {
        let (json, extras): (Option<String>, Option<String>) = on_reads!(self, |pool, dialect| {
            let sql = Listings::of(dialect).window(window.thread.is_some(), window.ascending);
            let query = sqlx::query_as(sql)
                .bind(window.room_id)
                .bind(window.after)
                .bind(window.before)
                .bind(window.limit)
                .bind(user_id);
            match window.thread {
                Some(parent) => query.bind(parent),
                None => query,
            }
            .fetch_one(pool)
            .await?
        });
        let (Some(json), Some(extras)) = (json, extras) else {
            return Ok(None);
        };
        let mut rows: Vec<MessageRow> = from_json_array(&json)?;
        if window.ascending {
            rows.sort_unstable_by_key(|row| row.id);
        } else {
            rows.sort_unstable_by_key(|row| std::cmp::Reverse(row.id));
        }
        Ok(Some((rows, Extras::from_json(&extras)?)))
    }
}
