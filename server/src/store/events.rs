//! The event log (API.md "The event stream"): events appended in the transaction of their
//! change, with a position that grows with commit order; who may see them (`member_spans`);
//! and what readers take from it (the feed of every instance, replays, the REST listing).
//!
//! Order across writers: SQLite has one writer, so its AUTOINCREMENT positions are in commit
//! order. On PostgreSQL an append takes the row lock of `event_log` (the counter) as the last
//! statement of its transaction and holds it through the commit, so appends commit one after
//! the other and the visible positions are always a prefix: a reader that saw position P never
//! sees a smaller one appear later. The lock is held from the append to the commit only.

use super::{Dialect, Store, on_reads};

/// Who sees an event: the participants of a room at its position, or named users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The room's participants.
    Room(i64),
    /// A new room: `members` are its first participants (they see it and what follows).
    RoomCreated { room: i64, members: Vec<i64> },
    /// `user` joins: they see this event and what follows.
    MemberAdded { room: i64, user: i64 },
    /// `user` leaves: they see this event and nothing more of the room.
    MemberRemoved { room: i64, user: i64 },
    /// Everyone in the room sees it, and nothing more of the room.
    RoomDeleted(i64),
    /// Only these users (invitations: the invitee and the inviter).
    Users(Vec<i64>),
}

impl Audience {
    pub fn room(&self) -> Option<i64> {
        match self {
            Self::Room(room) | Self::RoomDeleted(room) => Some(*room),
            Self::RoomCreated { room, .. }
            | Self::MemberAdded { room, .. }
            | Self::MemberRemoved { room, .. } => Some(*room),
            Self::Users(_) => None,
        }
    }
}

/// An event to append: its frame (JSON with its `type`, without its position) and audience.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub audience: Audience,
    pub frame: String,
    /// The message whose text the frame holds: the event is deleted with it.
    pub message_id: Option<i64>,
}

impl NewEvent {
    pub fn about_message(self, id: i64) -> Self {
        Self {
            message_id: Some(id),
            ..self
        }
    }
}

/// A stored event as the feed reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    pub position: i64,
    pub audience: Audience,
    /// The frame as sent: with its `position`.
    pub frame: String,
}

/// The frame of a stored event as it goes out: its position first, then the stored fields.
pub fn with_position(position: i64, frame: &str) -> String {
    let fields = frame.strip_prefix('{').unwrap_or(frame);
    let mut text = String::with_capacity(frame.len() + 24);
    text.push_str("{\"position\":");
    text.push_str(&position.to_string());
    if fields != "}" {
        text.push(',');
    }
    text.push_str(fields);
    text
}

/// The columns an event is stored in: `[kind, room_id, subject_id, users, frame, message_id]`.
fn row(event: &NewEvent) -> serde_json::Value {
    let (subject, users) = match &event.audience {
        Audience::MemberAdded { user, .. } | Audience::MemberRemoved { user, .. } => {
            (Some(*user), None)
        }
        Audience::RoomCreated { members, .. } => (None, Some(super::json_ids(members))),
        Audience::Users(users) => (None, Some(super::json_ids(users))),
        Audience::Room(_) | Audience::RoomDeleted(_) => (None, None),
    };
    serde_json::json!([
        event.kind,
        event.audience.room(),
        subject,
        users,
        event.frame,
        event.message_id
    ])
}

/// The events' rows as one JSON array parameter: any number of events is one statement.
pub(super) fn rows(events: &[NewEvent]) -> String {
    let rows: Vec<serde_json::Value> = events.iter().map(row).collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// SQLite: positions follow the array's order, one statement.
pub(super) const APPEND_SQLITE: &str = "INSERT INTO events \
     (kind, room_id, subject_id, users, frame, message_id, created_at) \
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, $2 \
     FROM json_each($1) WHERE $3 > 0 ORDER BY key RETURNING position";

/// PostgreSQL: takes the counter's row lock (held until commit) and the positions with it.
pub(super) const APPEND_POSTGRES: &str = "WITH counter AS (\
     UPDATE event_log SET last_position = last_position + $3 WHERE id = 1 \
     RETURNING last_position) \
     INSERT INTO events (position, kind, room_id, subject_id, users, frame, message_id, \
     created_at) \
     SELECT counter.last_position - $3 + e.ord, e.value ->> 0, (e.value ->> 1)::bigint, \
     (e.value ->> 2)::bigint, e.value ->> 3, e.value ->> 4, (e.value ->> 5)::bigint, $2 \
     FROM counter, json_array_elements($1::json) WITH ORDINALITY AS e(value, ord) \
     RETURNING position";

/// Opens the spans of users who join (`$3`: JSON array of ids) at position `$2`.
pub(super) fn open_spans(dialect: Dialect) -> &'static str {
    dialect.pick(
        "INSERT INTO member_spans (room_id, user_id, joined_at) \
         SELECT $1, value, $2 FROM json_each($3) WHERE true ON CONFLICT DO NOTHING",
        "INSERT INTO member_spans (room_id, user_id, joined_at) \
         SELECT $1, value::bigint, $2 FROM json_array_elements_text($3::json) \
         ON CONFLICT DO NOTHING",
    )
}

/// Before message `$1` is deleted: its own events go (they hold its text), and the events of
/// the replies that quote it lose the quote, as the replies themselves do.
pub(super) fn forget_message(dialect: Dialect) -> [&'static str; 2] {
    [
        dialect.pick(
            "UPDATE events SET frame = json_set(frame, '$.message.reply_to', NULL, \
             '$.message.reply_preview', NULL) \
             WHERE message_id IN (SELECT id FROM messages WHERE reply_to = $1)",
            "UPDATE events SET frame = jsonb_set(jsonb_set(frame::jsonb, \
             '{message,reply_to}', 'null'), '{message,reply_preview}', 'null')::text \
             WHERE message_id IN (SELECT id FROM messages WHERE reply_to = $1)",
        ),
        "DELETE FROM events WHERE message_id = $1",
    ]
}

/// Closes the open spans of the room at position `$2`: of user `$3`, or everyone's if NULL.
pub(super) const CLOSE_SPANS: &str = "UPDATE member_spans SET left_at = $2 \
     WHERE room_id = $1 AND left_at IS NULL AND (CAST($3 AS BIGINT) IS NULL OR user_id = $3)";

/// Appends `$events` (a `&[NewEvent]`) on `$conn`, the last statements of its transaction,
/// and keeps the membership spans in step; evaluates to the events' positions.
macro_rules! append_events {
    ($conn:expr, $dialect:expr, $events:expr) => {
        async {
            let events: &[$crate::store::events::NewEvent] = $events;
            if events.is_empty() {
                return Ok::<Vec<i64>, sqlx::Error>(Vec::new());
            }
            let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
            let mut positions: Vec<i64> = sqlx::query_scalar($dialect.pick(
                $crate::store::events::APPEND_SQLITE,
                $crate::store::events::APPEND_POSTGRES,
            ))
            .bind($crate::store::events::rows(events))
            .bind($crate::domain::time::now_micros())
            .bind(count)
            .fetch_all(&mut *$conn)
            .await?;
            positions.sort_unstable();
            for (event, position) in events.iter().zip(&positions) {
                use $crate::store::events::Audience;
                let (room, opened, closed): (i64, Option<String>, Option<Option<i64>>) =
                    match &event.audience {
                        Audience::RoomCreated { room, members } => {
                            (*room, Some($crate::store::json_ids(members)), None)
                        }
                        Audience::MemberAdded { room, user } => {
                            (*room, Some($crate::store::json_ids([user])), None)
                        }
                        Audience::MemberRemoved { room, user } => (*room, None, Some(Some(*user))),
                        Audience::RoomDeleted(room) => (*room, None, Some(None)),
                        Audience::Room(_) | Audience::Users(_) => continue,
                    };
                if let Some(users) = opened {
                    sqlx::query($crate::store::events::open_spans($dialect))
                        .bind(room)
                        .bind(*position)
                        .bind(users)
                        .execute(&mut *$conn)
                        .await?;
                }
                if let Some(user) = closed {
                    sqlx::query($crate::store::events::CLOSE_SPANS)
                        .bind(room)
                        .bind(*position)
                        .bind(user)
                        .execute(&mut *$conn)
                        .await?;
                }
            }
            Ok(positions)
        }
    };
}
pub(crate) use append_events;

/// A stored row as the feed reads it.
#[derive(sqlx::FromRow)]
struct EventRow {
    position: i64,
    kind: String,
    room_id: Option<i64>,
    subject_id: Option<i64>,
    users: Option<String>,
    frame: String,
}

impl EventRow {
    fn decode(self) -> Result<LoggedEvent, sqlx::Error> {
        let users = || -> Result<Vec<i64>, sqlx::Error> {
            match &self.users {
                Some(json) => super::from_json_array(json),
                None => Ok(Vec::new()),
            }
        };
        let malformed = || sqlx::Error::Protocol(format!("event {} is malformed", self.position));
        let audience = match (self.kind.as_str(), self.room_id, self.subject_id) {
            ("room.created", Some(room), _) => Audience::RoomCreated {
                room,
                members: users()?,
            },
            ("member.added", Some(room), Some(user)) => Audience::MemberAdded { room, user },
            ("member.removed", Some(room), Some(user)) => Audience::MemberRemoved { room, user },
            ("room.deleted", Some(room), _) => Audience::RoomDeleted(room),
            (_, Some(room), _) => Audience::Room(room),
            (_, None, _) if self.users.is_some() => Audience::Users(users()?),
            _ => return Err(malformed()),
        };
        Ok(LoggedEvent {
            position: self.position,
            audience,
            frame: with_position(self.position, &self.frame),
        })
    }
}

/// A stored event as a replay sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub position: i64,
    /// Its frame's `type`.
    pub kind: String,
    /// The frame as sent: with its `position`.
    pub frame: String,
}

/// What a user may see of the log where it stands now: its newest position, the rooms the
/// user is in at that position, and the newest position pruned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub position: i64,
    pub rooms: Vec<i64>,
    pub pruned_through: i64,
}

/// Where the log stands: its newest position, and the newest one pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogBounds {
    pub latest: i64,
    pub pruned_through: i64,
}

/// A row of the log's replay: an event's (position, type, frame), or the log's bounds
/// (latest, pruned through) in a row of their own.
type LogRow = (
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// The bounds (if read) and the events of a replay's rows, oldest first.
fn replayed(rows: Vec<LogRow>) -> Result<(Option<LogBounds>, Vec<Replayed>), sqlx::Error> {
    let mut bounds = None;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        match row {
            (Some(position), Some(kind), Some(frame), ..) => events.push(Replayed {
                position,
                frame: with_position(position, &frame),
                kind,
            }),
            (.., Some(latest), Some(pruned_through)) => {
                bounds = Some(LogBounds {
                    latest,
                    pruned_through,
                });
            }
            _ => return Err(sqlx::Error::RowNotFound),
        }
    }
    // A UNION ALL's branches need not come back in order.
    events.sort_by_key(|event| event.position);
    Ok((bounds, events))
}

/// The newest position this instance committed: the feed wakes when it moves (other
/// instances' commits reach it by polling and notifications).
#[derive(Clone)]
pub struct Appended(std::sync::Arc<tokio::sync::watch::Sender<i64>>);

impl Default for Appended {
    fn default() -> Self {
        Self(std::sync::Arc::new(tokio::sync::watch::Sender::new(0)))
    }
}

impl Appended {
    pub fn note(&self, position: i64) {
        self.0.send_if_modified(|newest| {
            let newer = position > *newest;
            if newer {
                *newest = position;
            }
            newer
        });
    }

    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<i64> {
        self.0.subscribe()
    }
}

/// SQLite's replay of the log up to `$through` (a parameter or an expression), as the rows
/// of `$select` (the selected columns, and FROM).
macro_rules! sqlite_replay {
    ($through:literal, $select:literal) => {
        concat!(
            $select,
            " (SELECT e.position, e.kind, e.frame FROM member_spans s JOIN events e \
             ON e.room_id = s.room_id AND e.position > $2 AND e.position <= ",
            $through,
            " AND e.position >= s.joined_at AND (s.left_at IS NULL OR e.position <= s.left_at) \
             WHERE s.user_id = $1 AND ($4 IS NULL OR s.room_id = $4) \
             AND (s.left_at IS NULL OR s.left_at > $2) AND s.joined_at <= ",
            $through,
            " UNION ALL \
             SELECT e.position, e.kind, e.frame FROM events e \
             WHERE e.room_id IS NULL AND e.position > $2 AND e.position <= ",
            $through,
            " AND $4 IS NULL \
             AND EXISTS (SELECT 1 FROM json_each(e.users) WHERE value = $1)) \
             ORDER BY position LIMIT $5"
        )
    };
}

impl Store {
    /// The events after `after`, oldest first, at most `limit` (the feed of an instance).
    pub async fn events_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<LoggedEvent>, sqlx::Error> {
        let rows: Vec<EventRow> = on_reads!(self, |pool, _dialect| {
            sqlx::query_as(
                "SELECT position, kind, room_id, subject_id, users, frame FROM events \
                 WHERE position > $1 ORDER BY position LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        // Another instance may have changed a room's members: this one forgets them too.
        for row in &rows {
            if let ("member.removed" | "room.deleted", Some(room)) =
                (row.kind.as_str(), row.room_id)
            {
                self.members.forget_room(room);
            }
        }
        rows.into_iter().map(EventRow::decode).collect()
    }

    /// The log's newest position and the newest pruned, read together.
    pub async fn log_bounds(&self) -> Result<LogBounds, sqlx::Error> {
        let (latest, pruned_through): (i64, i64) = on_reads!(self, |pool, dialect| {
            sqlx::query_as(dialect.pick(
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), \
                 pruned_through FROM event_log",
                "SELECT last_position, pruned_through FROM event_log",
            ))
            .fetch_one(pool)
            .await?
        });
        Ok(LogBounds {
            latest,
            pruned_through,
        })
    }

    /// The newest position and `user_id`'s rooms at it, read in one snapshot.
    pub async fn snapshot(&self, user_id: i64) -> Result<Snapshot, sqlx::Error> {
        let (position, rooms, pruned_through): (i64, String, i64) =
            on_reads!(self, |pool, dialect| {
                sqlx::query_as(dialect.pick(
                    "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), \
                 (SELECT json_group_array(room_id) FROM room_participants WHERE user_id = $1), \
                 pruned_through FROM event_log",
                    "SELECT last_position, (SELECT COALESCE(json_agg(room_id), '[]')::text \
                 FROM room_participants WHERE user_id = $1), pruned_through FROM event_log",
                ))
                .bind(user_id)
                .fetch_one(pool)
                .await?
            });
        let rooms = super::from_json_array(&rooms)?;
        Ok(Snapshot {
            position,
            rooms,
            pruned_through,
        })
    }

    /// The frames `user_id` may see after `after` and up to `through`, oldest first, at most
    /// `limit`: the events of the rooms they were in at each event's position (of `room` alone,
    /// if given), and those addressed to them (not on a room's stream).
    pub async fn replay(
        &self,
        user_id: i64,
        room: Option<i64>,
        after: i64,
        through: i64,
        limit: i64,
    ) -> Result<Vec<Replayed>, sqlx::Error> {
        let rows = self
            .read_log(user_id, room, after, Some(through), limit)
            .await?;
        Ok(replayed(rows)?.1)
    }

    /// [`Self::replay`] up to the log's newest position, with the log's bounds read in the
    /// same statement: a poll of `GET /api/events/` is one round trip, and its frames and
    /// bounds agree.
    pub async fn poll(
        &self,
        user_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<(LogBounds, Vec<Replayed>), sqlx::Error> {
        let rows = self.read_log(user_id, None, after, None, limit).await?;
        match replayed(rows)? {
            (Some(bounds), events) => Ok((bounds, events)),
            (None, _) => Err(sqlx::Error::RowNotFound),
        }
    }

    async fn read_log(
        &self,
        user_id: i64,
        room: Option<i64>,
        after: i64,
        through: Option<i64>,
        limit: i64,
    ) -> Result<Vec<LogRow>, sqlx::Error> {
        Ok(on_reads!(self, |pool, dialect| {
            let sql = match (dialect, through) {
                // Bound as a parameter, `through` bounds SQLite's index ranges; an expression
                // there cost a socket's resume 0.3 µs an event.
                (Dialect::Sqlite, Some(_)) => {
                    sqlite_replay!("$3", "SELECT position, kind, frame, NULL, NULL FROM")
                }
                (Dialect::Sqlite, None) => concat!(
                    "WITH b AS (SELECT \
                     COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) AS latest, \
                     pruned_through FROM event_log) \
                     SELECT NULL, NULL, NULL, latest, pruned_through FROM b UNION ALL \
                     SELECT position, kind, frame, NULL, NULL FROM (",
                    sqlite_replay!(
                        "(SELECT latest FROM b)",
                        "SELECT position, kind, frame FROM"
                    ),
                    ")"
                ),
                // Each span reads at most $5 events, as a range of events_by_room: joined
                // on room_id, the planner walked the whole position range of the log once
                // per span and sorted everything before the limit (a resume of 10,000
                // events took 764 ms; a poll with nothing for the caller 450 ms in a busy
                // log). The row comparison binds the scan to events_by_room, as the
                // message page's does. The parameters are read through a materialized
                // CTE, so that no plan can depend on their values: PostgreSQL then keeps
                // one generic plan instead of planning each poll afresh (1 ms of planning
                // for 0.05 ms of execution, and a choice between them that flipped from
                // one run to the next).
                (Dialect::Postgres, _) => {
                    "WITH p AS MATERIALIZED (SELECT $1::bigint AS user_id, $2::bigint AS after, \
                     $3::bigint AS through, $4::bigint AS room, $5::bigint AS lim), \
                     t AS MATERIALIZED (SELECT p.user_id, p.after, p.room, p.lim, \
                     COALESCE(p.through, l.last_position) AS through, \
                     l.last_position AS latest, l.pruned_through FROM p, event_log l) \
                     SELECT NULL::bigint, NULL::text, NULL::text, latest, pruned_through FROM t \
                     UNION ALL \
                     (SELECT position, kind, frame, NULL, NULL FROM (\
                     SELECT e.position, e.kind, e.frame FROM t CROSS JOIN member_spans s \
                     CROSS JOIN LATERAL (\
                     SELECT e.position, e.kind, e.frame FROM events e WHERE e.room_id IS NOT NULL \
                     AND (e.room_id, e.position) > (s.room_id, GREATEST(t.after, s.joined_at - 1)) \
                     AND (e.room_id, e.position) <= \
                     (s.room_id, LEAST(t.through, COALESCE(s.left_at, t.through))) \
                     ORDER BY e.room_id, e.position LIMIT t.lim) e \
                     WHERE s.user_id = t.user_id AND (t.room IS NULL OR s.room_id = t.room) \
                     AND (s.left_at IS NULL OR s.left_at > t.after) AND s.joined_at <= t.through \
                     UNION ALL \
                     SELECT e.position, e.kind, e.frame FROM t CROSS JOIN events e \
                     WHERE e.room_id IS NULL AND e.position > t.after AND e.position <= t.through \
                     AND t.room IS NULL AND EXISTS (SELECT 1 FROM \
                     json_array_elements_text(e.users::json) u WHERE u.value::bigint = t.user_id)) r \
                     ORDER BY position LIMIT (SELECT lim FROM p))"
                }
            };
            sqlx::query_as(sql)
                .bind(user_id)
                .bind(after)
                .bind(through)
                .bind(room)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Deletes the events stored before `before` (microseconds), oldest first, at most
    /// `batch` of them, and the spans that ended before what is kept; how many were deleted.
    pub async fn prune_events(&self, before: i64, batch: i64) -> Result<u64, sqlx::Error> {
        super::on_writes!(self, |pool, _dialect| {
            let mut tx = pool.begin().await?;
            let through: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(position) FROM (SELECT position, created_at FROM events \
                 ORDER BY position LIMIT $2) oldest WHERE created_at < $1",
            )
            .bind(before)
            .bind(batch)
            .fetch_one(&mut *tx)
            .await?;
            let Some(through) = through else {
                return Ok(0);
            };
            let deleted = sqlx::query("DELETE FROM events WHERE position <= $1")
                .bind(through)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM member_spans WHERE left_at IS NOT NULL AND left_at <= $1")
                .bind(through)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE event_log SET pruned_through = $1 WHERE id = 1 AND pruned_through < $1",
            )
            .bind(through)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(deleted)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_position_leads_the_frame() {
        assert_eq!(
            with_position(7, r#"{"type":"read","chat_room":1}"#),
            r#"{"position":7,"type":"read","chat_room":1}"#
        );
        assert_eq!(with_position(1, "{}"), r#"{"position":1}"#);
    }
}
