use sqlx::FromRow;

use super::Store;
use super::message_writer::{Announce, NewMessage};
use crate::domain::time::now_micros;

#[derive(Debug, Clone, FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub room_id: i64,
    pub sender_id: i64,
    /// The sender's username.
    pub sender: String,
    pub content: String,
    pub is_read: bool,
    pub client_id: Option<String>,
    pub created_at: i64,
    pub updated_at: Option<i64>,
}

/// The columns of [`MessageRow`], as a literal for `concat!` (statements stay `&'static str`).
macro_rules! message_select {
    () => {
        "SELECT m.id, m.room_id, m.sender_id, u.username AS sender, m.content, m.is_read, m.client_id, \
         m.created_at, m.updated_at FROM messages m JOIN users u ON u.id = m.sender_id"
    };
}
pub(crate) use message_select;

pub enum CreateOutcome {
    Created(MessageRow),
    /// The sender already sent this `client_id`; this is that message.
    Replayed(MessageRow),
    /// The sender already used this `client_id` for a different message.
    ClientIdConflict,
}

/// Messages of one room with `after < id < before`, `limit` of them, ascending or descending
/// by id: the one query behind every cursor page.
#[derive(Debug, Clone)]
pub struct MessageWindow {
    pub room_id: i64,
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
        sqlx::query_as(concat!(
            message_select!(),
            " WHERE m.id = ? AND m.room_id = ?"
        ))
        .bind(id)
        .bind(room_id)
        .fetch_optional(&self.read)
        .await
    }

    /// A message by id alone (seed 000's `/messages/{id}/`).
    pub async fn message_by_id(&self, id: i64) -> Result<Option<MessageRow>, sqlx::Error> {
        sqlx::query_as(concat!(message_select!(), " WHERE m.id = ?"))
            .bind(id)
            .fetch_optional(&self.read)
            .await
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
        sqlx::query_as(concat!(
            message_select!(),
            " JOIN room_participants p ON p.room_id = m.room_id AND p.user_id = ?",
            " WHERE (? IS NULL OR m.room_id = ?) ORDER BY m.id LIMIT ? OFFSET ?"
        ))
        .bind(user_id)
        .bind(room_id)
        .bind(room_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await
    }

    pub async fn update_message(
        &self,
        id: i64,
        content: Option<&str>,
        is_read: Option<bool>,
    ) -> Result<MessageRow, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE messages SET content = COALESCE(?, content), is_read = COALESCE(?, is_read), updated_at = ? \
             WHERE id = ?",
        )
        .bind(content)
        .bind(is_read)
        .bind(now_micros())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query_as(concat!(message_select!(), " WHERE m.id = ?"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn delete_message(&self, id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM messages WHERE id = ?")
            .bind(id)
            .execute(&self.write)
            .await
            .map(drop)
    }

    pub async fn message_window(
        &self,
        window: MessageWindow,
    ) -> Result<Vec<MessageRow>, sqlx::Error> {
        macro_rules! window {
            ($order:literal) => {
                concat!(
                    message_select!(),
                    " WHERE m.room_id = ? AND m.id > ? AND m.id < ? ORDER BY m.id ",
                    $order,
                    " LIMIT ?"
                )
            };
        }
        let sql = if window.ascending {
            window!("ASC")
        } else {
            window!("DESC")
        };
        sqlx::query_as(sql)
            .bind(window.room_id)
            .bind(window.after)
            .bind(window.before)
            .bind(window.limit)
            .fetch_all(&self.read)
            .await
    }
}
