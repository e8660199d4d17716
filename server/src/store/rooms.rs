use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use sqlx::FromRow;

use super::messages::{MessageRow, message_json, messages_json};
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

/// [`RoomDetail`] as [`room_json`] spells it: a JSON array in field order.
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

/// The room `r` as a [`RoomJson`] array with its newest `$limit` messages (a range scan of
/// the room's index each, never a window over its history; on SQLite the correlated subquery
/// runs as a co-routine, with no temporary table).
macro_rules! room_json {
    (sqlite, $limit:literal, $viewer:literal) => {
        concat!(
            "json_array(",
            room_json!(columns),
            "(SELECT json_group_array(user_id) FROM room_participants WHERE room_id = r.id), ",
            room_json!(messages, sqlite, $limit),
            ", ",
            room_json!(read_state, $viewer),
            ")"
        )
    };
    (postgres, $limit:literal, $viewer:literal) => {
        concat!(
            "json_build_array(",
            room_json!(columns),
            "(SELECT COALESCE(json_agg(user_id), '[]') FROM room_participants WHERE room_id = r.id), ",
            room_json!(messages, postgres, $limit),
            ", ",
            room_json!(read_state, $viewer),
            ")"
        )
    };
    (columns) => {
        "r.id, r.name, r.room_type, r.created_by, r.created_at, r.updated_at, r.last_activity_at, "
    };
    (messages, $dialect:tt, $limit:literal) => {
        messages_json!(
            $dialect,
            concat!(
                "(SELECT * FROM messages WHERE room_id = r.id ORDER BY id DESC LIMIT ",
                $limit,
                ")"
            )
        )
    };
    // The viewer's unread count (two counters) and unread mentions (a range of their
    // mentions index after the marker): no scan of the room's history.
    (read_state, $viewer:literal) => {
        concat!(
            "(SELECT CASE WHEN r.message_count > p.read_count \
             THEN r.message_count - p.read_count ELSE 0 END \
             FROM room_participants p WHERE p.room_id = r.id AND p.user_id = ",
            $viewer,
            "), (SELECT COUNT(*) FROM message_mentions mm JOIN room_participants p \
             ON p.room_id = mm.room_id AND p.user_id = mm.user_id \
             WHERE mm.user_id = ",
            $viewer,
            " AND mm.room_id = r.id AND mm.message_id > p.last_read_id)"
        )
    };
}

/// Rooms `r` as one JSON array of [`room_json`]s.
macro_rules! rooms_json {
    (sqlite, $limit:literal, $viewer:literal, $rooms:literal) => {
        concat!(
            "(SELECT json_group_array(",
            room_json!(sqlite, $limit, $viewer),
            ") FROM ",
            $rooms,
            ")"
        )
    };
    (postgres, $limit:literal, $viewer:literal, $rooms:literal) => {
        concat!(
            "(SELECT COALESCE(json_agg(",
            room_json!(postgres, $limit, $viewer),
            "), '[]')::text FROM ",
            $rooms,
            ")"
        )
    };
}

/// The ids in the JSON array parameter `$n`, as a one-column table `value`.
macro_rules! ids_table {
    (sqlite, $n:literal) => {
        concat!("(SELECT value FROM json_each($", $n, "))")
    };
    (postgres, $n:literal) => {
        concat!(
            "(SELECT value::bigint AS value FROM json_array_elements_text($",
            $n,
            "::json))"
        )
    };
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
                return Ok((existing, true));
            };
            sqlx::query(dialect.pick(
                concat!(
                    "INSERT INTO room_participants (room_id, user_id) SELECT $1, value FROM ",
                    ids_table!(sqlite, 2),
                    " ids"
                ),
                concat!(
                    "INSERT INTO room_participants (room_id, user_id) SELECT $1, value FROM ",
                    ids_table!(postgres, 2),
                    " ids"
                ),
            ))
            .bind(id)
            .bind(json_ids(room.members))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((id, false))
        })
    }

    /// The room, if it exists and `user_id` is in it.
    pub async fn room_for_member(
        &self,
        room_id: i64,
        user_id: i64,
    ) -> Result<Option<RoomRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(
                "SELECT ",
                room_columns!(),
                " FROM chat_rooms r JOIN room_participants p ON p.room_id = r.id \
                 AND p.user_id = $1 WHERE r.id = $2"
            ))
            .bind(user_id)
            .bind(room_id)
            .fetch_optional(pool)
            .await
        })
    }

    pub async fn is_member(&self, room_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM room_participants WHERE room_id = $1 AND user_id = $2)",
            )
            .bind(room_id)
            .bind(user_id)
            .fetch_one(pool)
            .await
        })
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
        macro_rules! page {
            ($dialect:tt) => {
                concat!(
                    "SELECT (SELECT COUNT(*) FROM room_participants WHERE user_id = $1), ",
                    rooms_json!(
                        $dialect,
                        "$4",
                        "$1",
                        "(SELECT r.* FROM room_participants p JOIN chat_rooms r ON r.id = p.room_id \
                         WHERE p.user_id = $1 ORDER BY r.last_activity_at DESC, r.id DESC \
                         LIMIT $2 OFFSET $3) r"
                    )
                )
            };
        }
        let (count, json): (i64, String) = on_reads!(self, |pool, dialect| {
            sqlx::query_as(dialect.pick(page!(sqlite), page!(postgres)))
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
        macro_rules! details {
            ($dialect:tt) => {
                concat!(
                    "SELECT ",
                    rooms_json!(
                        $dialect,
                        "$2",
                        "$3",
                        "chat_rooms r WHERE r.id IN (SELECT value FROM ids)"
                    )
                )
            };
        }
        let json: String = on_reads!(self, |pool, dialect| {
            sqlx::query_scalar(dialect.pick(
                concat!("WITH ids AS ", ids_table!(sqlite, 1), " ", details!(sqlite)),
                concat!(
                    "WITH ids AS ",
                    ids_table!(postgres, 1),
                    " ",
                    details!(postgres)
                ),
            ))
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

    pub async fn update_room(
        &self,
        room_id: i64,
        update: RoomUpdate<'_>,
    ) -> Result<(), sqlx::Error> {
        macro_rules! replace_members {
            ($dialect:tt) => {
                [
                    concat!(
                        "DELETE FROM room_participants WHERE room_id = $1 AND user_id NOT IN ",
                        ids_table!($dialect, 2)
                    ),
                    concat!(
                        "INSERT INTO room_participants (room_id, user_id) SELECT $1, value FROM ",
                        ids_table!($dialect, 2),
                        " ids WHERE true ON CONFLICT DO NOTHING"
                    ),
                ]
            };
        }
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE chat_rooms SET name = COALESCE($1, name), \
                 room_type = COALESCE($2, room_type), updated_at = $3 WHERE id = $4",
            )
            .bind(update.name)
            .bind(update.room_type)
            .bind(now_micros())
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
            if let Some(members) = update.members {
                let members = json_ids(members);
                let statements = match dialect {
                    Dialect::Sqlite => replace_members!(sqlite),
                    Dialect::Postgres => replace_members!(postgres),
                };
                for statement in statements {
                    sqlx::query(statement)
                        .bind(room_id)
                        .bind(&members)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await
        })
    }

    /// Deletes the room; its participants and messages go with it (foreign-key cascade).
    pub async fn delete_room(&self, room_id: i64) -> Result<(), sqlx::Error> {
        on_writes!(self, |pool, _dialect| {
            sqlx::query("DELETE FROM chat_rooms WHERE id = $1")
                .bind(room_id)
                .execute(pool)
                .await
                .map(drop)
        })
    }
}
