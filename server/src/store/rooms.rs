use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use sqlx::FromRow;

use super::events::{NewEvent, append_events};
use super::messages::MessageRow;
use super::sql::Listings;
use super::{Dialect, Store, from_json_array, json_ids, on_reads, on_writes};
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
    /// The viewer's read state: messages after their marker, and those naming them.
    pub unread_count: i64,
    pub mention_count: i64,
}

/// A room of `rooms_page.sql` and `room_details.sql`.
#[derive(Deserialize)]
struct RoomJson {
    id: i64,
    name: String,
    room_type: String,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    last_activity_at: i64,
    participants: Vec<i64>,
    messages: Vec<MessageRow>,
    unread_count: Option<i64>,
    mention_count: Option<i64>,
}

impl From<RoomJson> for RoomDetail {
    fn from(json: RoomJson) -> Self {
        let mut participants = json.participants;
        participants.sort_unstable();
        let mut messages = json.messages;
        messages.sort_unstable_by_key(|message| std::cmp::Reverse(message.id));
        Self {
            room: RoomRow {
                id: json.id,
                name: json.name,
                room_type: json.room_type,
                created_by: json.created_by,
                created_at: json.created_at,
                updated_at: json.updated_at,
            },
            participants,
            messages,
            unread_count: json.unread_count.unwrap_or(0),
            mention_count: json.mention_count.unwrap_or(0),
        }
    }
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
    pub updated_at: i64,
    pub name: Option<&'a str>,
    pub room_type: Option<&'a str>,
    pub members: Option<&'a BTreeSet<i64>>,
}

impl Store {
    /// Creates the room and returns its id with the position of its event (`event` makes it
    /// from the id and creation time, stored in the same transaction), or — for a ONE_TO_ONE
    /// pair that already has one — the existing room's id and no position.
    pub async fn create_room(
        &self,
        room: NewRoom<'_>,
        event: impl FnOnce(i64, i64) -> NewEvent,
    ) -> Result<(i64, Option<i64>), sqlx::Error> {
        let now = now_micros();
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO chat_rooms (name, room_type, created_by, direct_key, created_at, \
                 updated_at, last_activity_at) VALUES ($1, $2, $3, $4, $5, $5, $5) \
                 ON CONFLICT (direct_key) DO NOTHING RETURNING id",
            )
            .bind(room.name)
            .bind(room.room_type)
            .bind(room.created_by)
            .bind(&room.direct_key)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = inserted else {
                let existing =
                    sqlx::query_scalar("SELECT id FROM chat_rooms WHERE direct_key = $1")
                        .bind(&room.direct_key)
                        .fetch_one(&mut *tx)
                        .await?;
                return Ok((existing, None));
            };
            sqlx::query(dialect.pick(
                "INSERT INTO room_participants (room_id, user_id) \
                 SELECT $1, value FROM (SELECT value FROM json_each($2)) ids",
                "INSERT INTO room_participants (room_id, user_id) \
                 SELECT $1, value FROM \
                 (SELECT value::bigint AS value FROM json_array_elements_text($2::json)) ids",
            ))
            .bind(id)
            .bind(json_ids(room.members))
            .execute(&mut *tx)
            .await?;
            let positions = append_events!(tx, dialect, &[event(id, now)]).await?;
            tx.commit().await?;
            self.committed(&positions);
            Ok((id, positions.first().copied()))
        })
    }

    /// The room, if it exists and `user_id` is in it.
    pub async fn room_for_member(
        &self,
        room_id: i64,
        user_id: i64,
    ) -> Result<Option<RoomRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(
                "SELECT r.id, r.name, r.room_type, r.created_by, r.created_at, r.updated_at \
                 FROM chat_rooms r JOIN room_participants p ON p.room_id = r.id \
                 AND p.user_id = $1 WHERE r.id = $2",
            )
            .bind(user_id)
            .bind(room_id)
            .fetch_optional(pool)
            .await
        })
    }

    /// Whether `user_id` is in the room, as of at most [`super::membership::MEMBER_TTL`] ago.
    pub async fn is_member(&self, room_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
        if self.members.contains(room_id, user_id) {
            return Ok(true);
        }
        let generation = self.members.generation();
        let member: bool = on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM room_participants WHERE room_id = $1 AND user_id = $2)",
            )
            .bind(room_id)
            .bind(user_id)
            .fetch_one(pool)
            .await?
        });
        if member {
            self.members.remember(room_id, user_id, generation);
        }
        Ok(member)
    }

    pub async fn room_members(&self, room_id: i64) -> Result<BTreeSet<i64>, sqlx::Error> {
        let ids: Vec<i64> = on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar("SELECT user_id FROM room_participants WHERE room_id = $1")
                .bind(room_id)
                .fetch_all(pool)
                .await?
        });
        Ok(ids.into_iter().collect())
    }

    /// Every room `user_id` is in (what an every-room socket listens to).
    pub async fn member_room_ids(&self, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar("SELECT room_id FROM room_participants WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(pool)
                .await
        })
    }

    /// Every room `user_id` is in, most recent activity first; with `with_user`, only those
    /// that user is in too (seed 000's `?participant=`).
    pub async fn shared_room_ids(
        &self,
        user_id: i64,
        with_user: Option<i64>,
    ) -> Result<Vec<i64>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar(
                "SELECT r.id FROM room_participants p JOIN chat_rooms r ON r.id = p.room_id \
                 WHERE p.user_id = $1 AND ($2 IS NULL OR EXISTS (SELECT 1 FROM room_participants o \
                 WHERE o.room_id = r.id AND o.user_id = $2)) \
                 ORDER BY r.last_activity_at DESC, r.id DESC",
            )
            .bind(user_id)
            .bind(with_user)
            .fetch_all(pool)
            .await
        })
    }

    /// Whether a room with this id exists (legacy routes tell 404 from 403).
    pub async fn room_exists(&self, room_id: i64) -> Result<bool, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM chat_rooms WHERE id = $1)")
                .bind(room_id)
                .fetch_one(pool)
                .await
        })
    }

    pub async fn count_rooms(&self, user_id: i64) -> Result<i64, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar("SELECT COUNT(*) FROM room_participants WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(pool)
                .await
        })
    }

    /// How many rooms `user_id` is in, and the `limit` from `offset` of them, most recent
    /// activity first, each with its newest `messages_limit` messages: one statement.
    pub async fn rooms_page(
        &self,
        user_id: i64,
        limit: i64,
        offset: i64,
        messages_limit: i64,
    ) -> Result<(i64, Vec<RoomDetail>), sqlx::Error> {
        let (count, json): (i64, String) = on_reads!(self, |pool, dialect| {
            sqlx::query_as(Listings::of(dialect).rooms_page)
                .bind(user_id)
                .bind(limit)
                .bind(offset)
                .bind(messages_limit)
                .fetch_one(pool)
                .await?
        });
        let mut rooms: Vec<RoomJson> = from_json_array(&json)?;
        rooms.sort_unstable_by_key(|room| std::cmp::Reverse((room.last_activity_at, room.id)));
        Ok((count, rooms.into_iter().map(RoomDetail::from).collect()))
    }

    /// The rooms `ids` that exist, in that order, each with its participants, its newest
    /// `messages_limit` messages and `viewer`'s read state: one statement whatever the
    /// number of rooms.
    pub async fn room_details(
        &self,
        ids: &[i64],
        messages_limit: i64,
        viewer: i64,
    ) -> Result<Vec<RoomDetail>, sqlx::Error> {
        let json: String = on_reads!(self, |pool, dialect| {
            sqlx::query_scalar(Listings::of(dialect).room_details)
                .bind(json_ids(ids))
                .bind(messages_limit)
                .bind(viewer)
                .fetch_one(pool)
                .await?
        });
        let mut rooms: HashMap<i64, RoomJson> = from_json_array::<RoomJson>(&json)?
            .into_iter()
            .map(|room| (room.id, room))
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| rooms.remove(id))
            .map(RoomDetail::from)
            .collect())
    }

    /// Applies `update` at its time, and stores `events` with it; their positions.
    pub async fn update_room(
        &self,
        room_id: i64,
        update: RoomUpdate<'_>,
        events: &[NewEvent],
    ) -> Result<Vec<i64>, sqlx::Error> {
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE chat_rooms SET name = COALESCE($1, name), \
                 room_type = COALESCE($2, room_type), updated_at = $3 WHERE id = $4",
            )
            .bind(update.name)
            .bind(update.room_type)
            .bind(update.updated_at)
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
            if let Some(members) = update.members {
                let members = json_ids(members);
                let statements = match dialect {
                    Dialect::Sqlite => [
                        "DELETE FROM room_participants WHERE room_id = $1 \
                         AND user_id NOT IN (SELECT value FROM json_each($2))",
                        "INSERT INTO room_participants (room_id, user_id) \
                         SELECT $1, value FROM (SELECT value FROM json_each($2)) ids \
                         WHERE true ON CONFLICT DO NOTHING",
                    ],
                    Dialect::Postgres => [
                        "DELETE FROM room_participants WHERE room_id = $1 AND user_id NOT IN \
                         (SELECT value::bigint AS value FROM json_array_elements_text($2::json))",
                        "INSERT INTO room_participants (room_id, user_id) \
                         SELECT $1, value FROM \
                         (SELECT value::bigint AS value FROM json_array_elements_text($2::json)) ids \
                         WHERE true ON CONFLICT DO NOTHING",
                    ],
                };
                for statement in statements {
                    sqlx::query(statement)
                        .bind(room_id)
                        .bind(&members)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let positions = append_events!(tx, dialect, events).await?;
            tx.commit().await?;
            if update.members.is_some() {
                self.members.forget_room(room_id);
            }
            self.committed(&positions);
            Ok(positions)
        })
    }

    /// Deletes the room; its participants and messages go with it (foreign-key cascade).
    /// `event` is stored with it; its position, if the room was there to delete.
    pub async fn delete_room(
        &self,
        room_id: i64,
        event: NewEvent,
    ) -> Result<Option<i64>, sqlx::Error> {
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let deleted = sqlx::query("DELETE FROM chat_rooms WHERE id = $1")
                .bind(room_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let events = if deleted > 0 { vec![event] } else { Vec::new() };
            let positions = append_events!(tx, dialect, &events).await?;
            tx.commit().await?;
            self.members.forget_room(room_id);
            self.committed(&positions);
            Ok(positions.first().copied())
        })
    }
}
