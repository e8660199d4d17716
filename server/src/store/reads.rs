//! Read markers: how far each participant has read a room, and what that leaves unread.

use sqlx::FromRow;

use super::events::{NewEvent, append_events};
use super::{Store, on_reads, on_writes};

/// A participant's read state in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct ReadState {
    /// The newest message they have read (0: none).
    pub last_read_id: i64,
    /// Messages after the marker (the room's count less those at or below it).
    pub unread_count: i64,
    /// Messages after the marker that mention them (a range of the mentions index).
    pub mention_count: i64,
}

/// The outcome of moving a marker.
pub enum MarkRead {
    /// `position`: the event's, if the marker moved (none when it already was at or past
    /// the message).
    Marked {
        position: Option<i64>,
        state: ReadState,
    },
    /// Not a message of that room (or the reader is no longer a participant).
    NoSuchMessage,
}

const STATE: &str = "SELECT p.last_read_id, \
     CASE WHEN r.message_count > p.read_count THEN r.message_count - p.read_count ELSE 0 END \
     AS unread_count, \
     (SELECT COUNT(*) FROM message_mentions mm WHERE mm.user_id = p.user_id \
      AND mm.room_id = p.room_id AND mm.message_id > p.last_read_id) AS mention_count \
     FROM room_participants p JOIN chat_rooms r ON r.id = p.room_id \
     WHERE p.room_id = $1 AND p.user_id = $2";

impl Store {
    /// `user_id`'s read state in `room_id`, if they are in it.
    pub async fn read_state(
        &self,
        room_id: i64,
        user_id: i64,
    ) -> Result<Option<ReadState>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(STATE)
                .bind(room_id)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })
    }

    /// Moves `user_id`'s marker in `room_id` forward to `message_id`, never backward. The
    /// messages at or below it are counted from the other end (the room's count less those
    /// after it), so marking the newest message read costs nothing however long the history.
    pub async fn mark_read(
        &self,
        room_id: i64,
        user_id: i64,
        message_id: i64,
        event: impl FnOnce(i64) -> NewEvent,
    ) -> Result<MarkRead, sqlx::Error> {
        let marked = on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            // On PostgreSQL the room's row lock orders this against new messages and
            // deletions, which change the counts it reads.
            let exists: bool = sqlx::query_scalar(dialect.pick(
                "SELECT EXISTS (SELECT 1 FROM messages WHERE id = $2 AND room_id = $1)",
                "SELECT EXISTS (SELECT 1 FROM messages WHERE id = $2 AND room_id = $1) \
                 FROM chat_rooms WHERE id = $1 FOR NO KEY UPDATE",
            ))
            .bind(room_id)
            .bind(message_id)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or(false);
            if !exists {
                return Ok(MarkRead::NoSuchMessage);
            }
            let moved = sqlx::query(
                "UPDATE room_participants SET last_read_id = $3, \
                 read_count = (SELECT message_count FROM chat_rooms WHERE id = $1) \
                 - (SELECT COUNT(*) FROM messages WHERE room_id = $1 AND id > $3) \
                 WHERE room_id = $1 AND user_id = $2 AND last_read_id < $3",
            )
            .bind(room_id)
            .bind(user_id)
            .bind(message_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            let state: Option<ReadState> = sqlx::query_as(STATE)
                .bind(room_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(state) = state else {
                return Ok(MarkRead::NoSuchMessage);
            };
            let events = if moved {
                vec![event(state.last_read_id)]
            } else {
                Vec::new()
            };
            let positions = append_events!(tx, dialect, &events).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(MarkRead::Marked {
                position: positions.first().copied(),
                state,
            })
        })?;
        if let MarkRead::Marked {
            position: Some(position),
            ..
        } = marked
        {
            self.committed(&[position]);
        }
        Ok(marked)
    }
}
