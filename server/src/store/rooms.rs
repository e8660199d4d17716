use std::collections::{BTreeSet, HashMap};

use sqlx::FromRow;

use super::messages::{MessageRow, message_select};
use super::{Store, json_ids};
use crate::domain::time::now_micros;

#[derive(Debug, Clone, FromRow)]
pub struct RoomRow {
    pub id: i64,
    pub name: String,
    pub room_type: String,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A room with what its API object shows: participants and the newest messages.
#[derive(Debug, Clone)]
pub struct RoomDetail {
    pub room: RoomRow,
    pub participants: Vec<i64>,
    /// Newest first.
    pub messages: Vec<MessageRow>,
}

pub struct NewRoom<'a> {
    pub name: &'a str,
    pub room_type: &'a str,
    pub created_by: i64,
    pub members: &'a BTreeSet<i64>,
    /// Set for ONE_TO_ONE rooms: the pair's unique key.
    pub direct_key: Option<String>,
}

pub struct RoomUpdate<'a> {
    pub name: Option<&'a str>,
    pub room_type: Option<&'a str>,
    pub members: Option<&'a BTreeSet<i64>>,
}

macro_rules! room_columns {
    () => {
        "r.id, r.name, r.room_type, r.created_by, r.created_at, r.updated_at"
    };
}

impl Store {
    /// Creates the room, or — for a ONE_TO_ONE pair that already has one — returns the
    /// existing room's id with `true`.
    pub async fn create_room(&self, room: NewRoom<'_>) -> Result<(i64, bool), sqlx::Error> {
        let now = now_micros();
        let mut tx = self.write.begin().await?;
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO chat_rooms (name, room_type, created_by, direct_key, created_at, updated_at, last_activity_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (direct_key) DO NOTHING RETURNING id",
        )
        .bind(room.name)
        .bind(room.room_type)
        .bind(room.created_by)
        .bind(&room.direct_key)
        .bind(now)
        .bind(now)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = inserted else {
            let existing = sqlx::query_scalar("SELECT id FROM chat_rooms WHERE direct_key = ?")
                .bind(&room.direct_key)
                .fetch_one(&mut *tx)
                .await?;
            return Ok((existing, true));
        };
        sqlx::query(
            "INSERT INTO room_participants (room_id, user_id) SELECT ?, value FROM json_each(?)",
        )
        .bind(id)
        .bind(json_ids(room.members))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((id, false))
    }

    /// The room, if it exists and `user_id` is in it.
    pub async fn room_for_member(
        &self,
        room_id: i64,
        user_id: i64,
    ) -> Result<Option<RoomRow>, sqlx::Error> {
        sqlx::query_as(concat!(
            "SELECT ",
            room_columns!(),
            " FROM chat_rooms r JOIN room_participants p ON p.room_id = r.id AND p.user_id = ? WHERE r.id = ?"
        ))
        .bind(user_id)
        .bind(room_id)
        .fetch_optional(&self.read)
        .await
    }

    pub async fn is_member(&self, room_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM room_participants WHERE room_id = ? AND user_id = ?)",
        )
        .bind(room_id)
        .bind(user_id)
        .fetch_one(&self.read)
        .await
    }

    pub async fn room_members(&self, room_id: i64) -> Result<BTreeSet<i64>, sqlx::Error> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT user_id FROM room_participants WHERE room_id = ?")
                .bind(room_id)
                .fetch_all(&self.read)
                .await?;
        Ok(ids.into_iter().collect())
    }

    /// Every room `user_id` is in (what an every-room socket listens to).
    pub async fn member_room_ids(&self, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT room_id FROM room_participants WHERE user_id = ?")
            .bind(user_id)
            .fetch_all(&self.read)
            .await
    }

    /// Every room `user_id` is in, most recent activity first; with `with_user`, only those
    /// that user is in too (seed 000's `?participant=`).
    pub async fn shared_room_ids(
        &self,
        user_id: i64,
        with_user: Option<i64>,
    ) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT r.id FROM room_participants p JOIN chat_rooms r ON r.id = p.room_id \
             WHERE p.user_id = ? AND (? IS NULL OR EXISTS (SELECT 1 FROM room_participants o \
             WHERE o.room_id = r.id AND o.user_id = ?)) \
             ORDER BY r.last_activity_at DESC, r.id DESC",
        )
        .bind(user_id)
        .bind(with_user)
        .bind(with_user)
        .fetch_all(&self.read)
        .await
    }

    /// Whether a room with this id exists (legacy routes tell 404 from 403).
    pub async fn room_exists(&self, room_id: i64) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM chat_rooms WHERE id = ?)")
            .bind(room_id)
            .fetch_one(&self.read)
            .await
    }

    pub async fn count_rooms(&self, user_id: i64) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM room_participants WHERE user_id = ?")
            .bind(user_id)
            .fetch_one(&self.read)
            .await
    }

    /// The ids of one page of the rooms `user_id` is in, most recent activity first.
    pub async fn list_room_ids(
        &self,
        user_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT r.id FROM room_participants p JOIN chat_rooms r ON r.id = p.room_id \
             WHERE p.user_id = ? ORDER BY r.last_activity_at DESC, r.id DESC LIMIT ? OFFSET ?",
        )
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await
    }

    /// The rooms `ids` in that order, each with its participants and its newest
    /// `messages_limit` messages: three queries whatever the number of rooms.
    pub async fn room_details(
        &self,
        ids: &[i64],
        messages_limit: i64,
    ) -> Result<Vec<RoomDetail>, sqlx::Error> {
        let ids_json = json_ids(ids);
        let rooms: Vec<RoomRow> = sqlx::query_as(concat!(
            "SELECT ",
            room_columns!(),
            " FROM json_each(?) j JOIN chat_rooms r ON r.id = j.value"
        ))
        .bind(&ids_json)
        .fetch_all(&self.read)
        .await?;
        let memberships: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT room_id, user_id FROM room_participants \
             WHERE room_id IN (SELECT value FROM json_each(?)) ORDER BY room_id, user_id",
        )
        .bind(&ids_json)
        .fetch_all(&self.read)
        .await?;
        let previews: Vec<MessageRow> = if messages_limit > 0 {
            // Per room, an index range scan of its newest messages (no window over history).
            sqlx::query_as(concat!(
                message_select!(),
                " WHERE m.id IN (SELECT p.id FROM json_each(?1) j JOIN messages p ON p.id IN \
                   (SELECT id FROM messages WHERE room_id = j.value ORDER BY id DESC LIMIT ?2)) \
                 ORDER BY m.room_id, m.id DESC"
            ))
            .bind(&ids_json)
            .bind(messages_limit)
            .fetch_all(&self.read)
            .await?
        } else {
            Vec::new()
        };

        let mut participants: HashMap<i64, Vec<i64>> = HashMap::new();
        for (room_id, user_id) in memberships {
            participants.entry(room_id).or_default().push(user_id);
        }
        let mut messages: HashMap<i64, Vec<MessageRow>> = HashMap::new();
        for message in previews {
            messages.entry(message.room_id).or_default().push(message);
        }
        let mut by_id: HashMap<i64, RoomRow> =
            rooms.into_iter().map(|room| (room.id, room)).collect();
        Ok(ids
            .iter()
            .filter_map(|id| by_id.remove(id))
            .map(|room| RoomDetail {
                participants: participants.remove(&room.id).unwrap_or_default(),
                messages: messages.remove(&room.id).unwrap_or_default(),
                room,
            })
            .collect())
    }

    pub async fn update_room(
        &self,
        room_id: i64,
        update: RoomUpdate<'_>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE chat_rooms SET name = COALESCE(?, name), room_type = COALESCE(?, room_type), updated_at = ? \
             WHERE id = ?",
        )
        .bind(update.name)
        .bind(update.room_type)
        .bind(now_micros())
        .bind(room_id)
        .execute(&mut *tx)
        .await?;
        if let Some(members) = update.members {
            let members = json_ids(members);
            sqlx::query(
                "DELETE FROM room_participants WHERE room_id = ? AND user_id NOT IN (SELECT value FROM json_each(?))",
            )
            .bind(room_id)
            .bind(&members)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO room_participants (room_id, user_id) SELECT ?, value FROM json_each(?) WHERE true \
                 ON CONFLICT DO NOTHING",
            )
            .bind(room_id)
            .bind(&members)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Deletes the room; its participants and messages go with it (foreign-key cascade).
    pub async fn delete_room(&self, room_id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM chat_rooms WHERE id = ?")
            .bind(room_id)
            .execute(&self.write)
            .await
            .map(drop)
    }
}
