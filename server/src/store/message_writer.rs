//! Group commit for new messages: one writer task takes every message queued while the last
//! transaction was committing and stores them all in the next one, so many senders share one
//! `synchronous=FULL` fsync. Each message still gets its own outcome, and nobody hears of a
//! message before the transaction holding it has committed.
//!
//! Readiness probes take their turn in the same queue: see [`MessageWriter::probe`].

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::events::{Appended, Audience, NewEvent, append_events};
use super::messages::{CreateOutcome, MessageRow, message_select};
use super::{Db, Dialect, json_ids, on_db};
use crate::domain::time::now_micros;

/// The most messages one transaction takes: bounds how long the first of them waits.
const MAX_BATCH: usize = 256;
/// Messages waiting for the writer; senders wait for room beyond this (backpressure).
const QUEUE: usize = 4096;

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: i64,
    pub sender_id: i64,
    /// The sender's username, for the stored row (spares a join per message).
    pub sender: String,
    pub content: String,
    pub is_read: bool,
    pub client_id: Option<String>,
    /// A message of the same room this one answers. Linked only if it still exists when
    /// this one is stored.
    pub reply_to: Option<i64>,
    /// Participants named in the content (`@username`).
    pub mentions: Vec<i64>,
}

/// Makes the `message.created` frame of a message about to be stored, in its transaction: the
/// event is appended to the log with the message.
pub type Announce = Box<dyn FnOnce(&MessageRow) -> String + Send>;

enum Job {
    Message {
        message: NewMessage,
        announce: Announce,
        reply: oneshot::Sender<Result<CreateOutcome, sqlx::Error>>,
    },
    Probe(oneshot::Sender<Result<(), sqlx::Error>>),
}

/// What a readiness probe writes and takes back: at least as many pages as the largest
/// message (10,000 characters, at most 40,000 bytes of UTF-8) with its index entries. A
/// disk with room for a one-row update may have none for a message: a probe that small
/// said "ready" while sends got 503.
const PROBE_BYTES: usize = 64 * 1024;

/// How long a successful probe answers for the next ones, unless a write fails meanwhile.
const PROBE_REUSE: Duration = Duration::from_secs(1);

/// The handle requests send their messages through.
#[derive(Clone)]
pub struct MessageWriter {
    jobs: mpsc::Sender<Job>,
}

impl MessageWriter {
    /// Starts the writer task on the database's writing pool.
    pub(super) fn start(db: Db, appended: Appended) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, appended, queue));
        Self { jobs }
    }

    /// Stores `message`, durably, and returns once it is committed (after `announce` ran).
    pub async fn create(
        &self,
        message: NewMessage,
        announce: Announce,
    ) -> Result<CreateOutcome, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Message {
            message,
            announce,
            reply,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Whether a message sent now could be stored: the writer, after the messages queued
    /// before this, commits a write of [`PROBE_BYTES`] on its own connection, as durably as a
    /// message, and takes it back in the same transaction (nothing stays behind).
    pub async fn probe(&self) -> Result<(), sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Probe(reply))
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn run(db: Db, appended: Appended, mut queue: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut probes = Vec::new();
    // When a probe last succeeded, unless a write has failed since.
    let mut proven: Option<Instant> = None;
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        for job in jobs.drain(..) {
            match job {
                Job::Message {
                    message,
                    announce,
                    reply,
                } => batch.push((message, announce, reply)),
                Job::Probe(reply) => probes.push(reply),
            }
        }
        if !batch.is_empty() && !store_batch(&db, &appended, &mut batch).await {
            proven = None;
        }
        if probes.is_empty() {
            continue;
        }
        // A probe is a durable 64 KiB write on the one writer: callers hammering /readyz
        // share one a second instead of taking turns with the messages.
        if proven.is_some_and(|at| at.elapsed() < PROBE_REUSE) {
            for reply in probes.drain(..) {
                let _ = reply.send(Ok(()));
            }
            continue;
        }
        // Its own transaction, so that a probe never fails a message.
        let probed = probe(&db).await;
        proven = match &probed {
            Ok(()) => Some(Instant::now()),
            Err(err) => {
                tracing::warn!(error = %err, "the readiness probe's write failed");
                None
            }
        };
        for reply in probes.drain(..) {
            let _ = reply.send(probed.as_ref().map_err(shared_failure).copied());
        }
    }
}

type Queued = (
    NewMessage,
    Announce,
    oneshot::Sender<Result<CreateOutcome, sqlx::Error>>,
);

/// Stores the batch and answers each sender; whether it was stored.
async fn store_batch(db: &Db, appended: &Appended, batch: &mut Vec<Queued>) -> bool {
    let mut frames: Vec<Option<Announce>> = Vec::with_capacity(batch.len());
    let mut messages: Vec<&NewMessage> = Vec::with_capacity(batch.len());
    for (message, announce, _) in batch.iter_mut() {
        let announce = std::mem::replace(announce, Box::new(|_| String::new()));
        frames.push(Some(announce));
        messages.push(message);
    }
    match store_all(db, &messages, &mut frames).await {
        Ok(outcomes) => {
            if let Some(last) = outcomes.iter().filter_map(CreateOutcome::position).max() {
                appended.note(last);
            }
            for ((.., reply), outcome) in batch.drain(..).zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
            true
        }
        Err(err) => {
            tracing::error!(error = %err, messages = batch.len(), "a message batch failed");
            for (.., reply) in batch.drain(..) {
                let _ = reply.send(Err(shared_failure(&err)));
            }
            false
        }
    }
}

/// One failure for each of its waiters, of the same kind (sqlx errors do not clone): storage
/// that cannot be written stays a 503 for every one of them.
fn shared_failure(err: &sqlx::Error) -> sqlx::Error {
    if super::storage_unavailable(err) {
        sqlx::Error::Io(std::io::Error::other(format!("the batch failed: {err}")))
    } else {
        sqlx::Error::Protocol(format!("the batch failed: {err}"))
    }
}

/// The readiness probe's transaction: [`PROBE_BYTES`] of random bytes (PostgreSQL would
/// compress zeros to nothing) into the probe row, then out again, committed like a batch.
async fn probe(db: &Db) -> Result<(), sqlx::Error> {
    let mut padding = vec![0u8; PROBE_BYTES];
    getrandom::fill(&mut padding).map_err(|err| sqlx::Error::Protocol(err.to_string()))?;
    on_db!(db, write, |pool, _dialect| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO readiness_probe (id, checked_at, padding) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at, \
             padding = excluded.padding",
        )
        .bind(now_micros())
        .bind(&padding)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE readiness_probe SET padding = NULL WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    })
}

/// Locks the rooms of a batch, in id order (no deadlock between instances), for the rest of
/// its transaction. Ids come from one sequence shared by concurrent transactions, so without
/// this a message could commit after a later-numbered one of the same room, and a client that
/// read up to the later one would never see it with `after=`. Holding the room, ids within a
/// room commit in order. SQLite has one writer: its order is already the commit order.
macro_rules! lock_rooms {
    () => {
        concat!(
            "SELECT id FROM chat_rooms WHERE id IN (SELECT value::bigint ",
            "FROM json_array_elements_text($1::json)) ORDER BY id FOR NO KEY UPDATE"
        )
    };
}

/// One transaction for all, with one statement per kind of row whatever the batch's size:
/// the writer's time goes to SQL, not to a round trip per message. The INSERT cannot fail on
/// a reused `client_id`, a deleted room or a sender no longer in it (it skips that message
/// instead), so one message cannot undo the others. Membership is checked here, in the
/// transaction, whatever the request's earlier check read.
async fn store_all(
    db: &Db,
    messages: &[&NewMessage],
    frames: &mut [Option<Announce>],
) -> Result<Vec<CreateOutcome>, sqlx::Error> {
    on_db!(db, write, |pool, dialect| {
        let mut tx = pool.begin().await?;
        if dialect == Dialect::Postgres {
            let rooms: std::collections::BTreeSet<i64> =
                messages.iter().map(|message| message.room_id).collect();
            sqlx::query(lock_rooms!())
                .bind(json_ids(&rooms))
                .execute(&mut *tx)
                .await?;
        }
        let inserted: Vec<Inserted> = sqlx::query_as(dialect.pick(
            "INSERT INTO messages (room_id, sender_id, content, is_read, client_id, created_at, reply_to) \
             SELECT v.value ->> 'room_id', v.value ->> 'sender_id', v.value ->> 'content', \
             v.value ->> 'is_read', v.value ->> 'client_id', v.value ->> 'created_at', \
             (SELECT id FROM messages WHERE id = v.value ->> 'reply_to' AND room_id = v.value ->> 'room_id') \
             FROM json_each($1) v \
             WHERE EXISTS (SELECT 1 FROM room_participants \
             WHERE room_id = v.value ->> 'room_id' AND user_id = v.value ->> 'sender_id') ORDER BY v.key \
             ON CONFLICT (sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING \
             RETURNING id, room_id, sender_id, client_id, is_read, created_at, reply_to",
            "INSERT INTO messages (room_id, sender_id, content, is_read, client_id, created_at, reply_to) \
             SELECT v.room_id, v.sender_id, v.content, v.is_read, v.client_id, v.created_at, \
             (SELECT id FROM messages WHERE id = v.reply_to AND room_id = v.room_id) \
             FROM json_to_recordset($1::json) AS v(n bigint, room_id bigint, sender_id bigint, \
             content text, is_read boolean, client_id text, created_at bigint, reply_to bigint) \
             WHERE EXISTS (SELECT 1 FROM room_participants \
             WHERE room_id = v.room_id AND user_id = v.sender_id) ORDER BY v.n \
             ON CONFLICT (sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING \
             RETURNING id, room_id, sender_id, client_id, is_read, created_at, reply_to",
        ))
        .bind(json_rows(messages))
        .fetch_all(&mut *tx)
        .await?;
        let mut matched = Matched::new(inserted);
        let mut outcomes = Vec::with_capacity(messages.len());
        // The created messages' events, and which outcome each one belongs to.
        let mut events: Vec<NewEvent> = Vec::new();
        let mut announced: Vec<usize> = Vec::new();
        // [message, user, room] of every mention
        let mut mentions: Vec<[i64; 3]> = Vec::new();
        // room → the time of its newest message in this batch, and the ids stored in it
        let mut active_rooms: BTreeMap<i64, (i64, Vec<i64>)> = BTreeMap::new();
        // (room, sender) → the sender's newest message of the batch
        let mut senders: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        for (n, message) in messages.iter().enumerate() {
            let outcome = match matched.take(message) {
                Some(stored) => {
                    let room = active_rooms.entry(message.room_id).or_default();
                    room.0 = stored.created_at;
                    room.1.push(stored.id);
                    senders.insert((message.room_id, message.sender_id), stored.id);
                    mentions.extend(
                        message
                            .mentions
                            .iter()
                            .map(|user| [stored.id, *user, message.room_id]),
                    );
                    let row = created(message, &stored);
                    if let Some(frame) = frames.get_mut(n).and_then(Option::take) {
                        events.push(NewEvent {
                            kind: "message.created",
                            audience: Audience::Room(message.room_id),
                            frame: frame(&row),
                            message_id: Some(row.id),
                        });
                        announced.push(outcomes.len());
                    }
                    CreateOutcome::Created { row, position: 0 }
                }
                None => {
                    let earlier: Option<MessageRow> = match &message.client_id {
                        Some(client_id) => {
                            sqlx::query_as(concat!(
                                message_select!(),
                                " WHERE m.sender_id = $1 AND m.client_id = $2"
                            ))
                            .bind(message.sender_id)
                            .bind(client_id)
                            .fetch_optional(&mut *tx)
                            .await?
                        }
                        None => None,
                    };
                    match earlier {
                        Some(earlier) => replayed(message, earlier),
                        None => {
                            let room_exists: bool = sqlx::query_scalar(
                                "SELECT EXISTS (SELECT 1 FROM chat_rooms WHERE id = $1)",
                            )
                            .bind(message.room_id)
                            .fetch_one(&mut *tx)
                            .await?;
                            if room_exists {
                                CreateOutcome::NotMember
                            } else {
                                CreateOutcome::RoomGone
                            }
                        }
                    }
                }
            };
            outcomes.push(outcome);
        }
        if !mentions.is_empty() {
            sqlx::query(dialect.pick(
                "INSERT INTO message_mentions (message_id, user_id, room_id) \
                 SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each($1) WHERE true \
                 ON CONFLICT DO NOTHING",
                "INSERT INTO message_mentions (message_id, user_id, room_id) \
                 SELECT (value ->> 0)::bigint, (value ->> 1)::bigint, (value ->> 2)::bigint \
                 FROM json_array_elements($1::json) ON CONFLICT DO NOTHING",
            ))
            .bind(serde_json::to_string(&mentions).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
        }
        if !active_rooms.is_empty() {
            let rooms: Vec<[i64; 3]> = active_rooms
                .iter()
                .map(|(room_id, (at, ids))| {
                    [*room_id, *at, i64::try_from(ids.len()).unwrap_or(i64::MAX)]
                })
                .collect();
            sqlx::query(dialect.pick(
                "UPDATE chat_rooms SET last_activity_at = v.value ->> 1, \
                 message_count = message_count + (v.value ->> 2) \
                 FROM json_each($1) v WHERE chat_rooms.id = v.value ->> 0",
                "UPDATE chat_rooms SET last_activity_at = (v.value ->> 1)::bigint, \
                 message_count = message_count + (v.value ->> 2)::bigint \
                 FROM json_array_elements($1::json) v WHERE chat_rooms.id = (v.value ->> 0)::bigint",
            ))
            .bind(serde_json::to_string(&rooms).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
        }
        // A sender has read what they answer: their marker moves to their message. Ids of a
        // room rise in commit order (the room is locked), so the messages at or below it are
        // the room's count less those the batch stored after it. One statement for all.
        let markers: Vec<[i64; 4]> = senders
            .into_iter()
            .map(|((room_id, sender_id), id)| {
                let later = active_rooms.get(&room_id).map_or(0, |(_, ids)| {
                    ids.iter().filter(|other| **other > id).count()
                });
                [room_id, sender_id, id, i64::try_from(later).unwrap_or(0)]
            })
            .collect();
        if !markers.is_empty() {
            sqlx::query(dialect.pick(
                "UPDATE room_participants SET last_read_id = v.id, \
                 read_count = (SELECT message_count FROM chat_rooms WHERE id = v.room_id) - v.later \
                 FROM (SELECT value ->> 'room_id' AS room_id, value ->> 'user_id' AS user_id, \
                       value ->> 'id' AS id, value ->> 'later' AS later FROM json_each($1)) v \
                 WHERE room_participants.room_id = v.room_id \
                 AND room_participants.user_id = v.user_id AND last_read_id < v.id",
                "UPDATE room_participants SET last_read_id = v.id, \
                 read_count = (SELECT message_count FROM chat_rooms WHERE id = v.room_id) - v.later \
                 FROM json_to_recordset($1::json) \
                 AS v(room_id bigint, user_id bigint, id bigint, later bigint) \
                 WHERE room_participants.room_id = v.room_id \
                 AND room_participants.user_id = v.user_id AND last_read_id < v.id",
            ))
            .bind(json_markers(&markers))
            .execute(&mut *tx)
            .await?;
        }
        let positions = append_events!(tx, dialect, &events).await?;
        tx.commit().await?;
        for (index, stored_at) in announced.into_iter().zip(positions) {
            if let Some(CreateOutcome::Created { position, .. }) = outcomes.get_mut(index) {
                *position = stored_at;
            }
        }
        Ok(outcomes)
    })
}

/// A row the batch's INSERT stored.
#[derive(sqlx::FromRow)]
struct Inserted {
    id: i64,
    room_id: i64,
    sender_id: i64,
    client_id: Option<String>,
    is_read: bool,
    created_at: i64,
    reply_to: Option<i64>,
}

/// Which stored row is which message's. The INSERT skips a message whose `client_id` its
/// sender used before (in this batch too), or whose sender is not in its room (or the room is
/// gone), and a row tells nothing else about its message: a message with a `client_id` is
/// found by it (the first of the batch to claim it); the others of a sender in a room are
/// all stored or all skipped, and took their ids in the batch's order.
struct Matched {
    /// (room, sender, client_id) → its row
    by_client_id: HashMap<(i64, i64, String), Inserted>,
    /// (room, sender) → its rows without a `client_id`, in reverse id order (popped)
    by_sender: HashMap<(i64, i64), Vec<Inserted>>,
}

impl Matched {
    fn new(mut rows: Vec<Inserted>) -> Self {
        rows.sort_unstable_by_key(|row| std::cmp::Reverse(row.id));
        let mut matched = Self {
            by_client_id: HashMap::new(),
            by_sender: HashMap::new(),
        };
        for row in rows {
            let (room, sender) = (row.room_id, row.sender_id);
            match row.client_id.clone() {
                Some(client_id) => {
                    matched.by_client_id.insert((room, sender, client_id), row);
                }
                None => matched
                    .by_sender
                    .entry((room, sender))
                    .or_default()
                    .push(row),
            }
        }
        matched
    }

    fn take(&mut self, message: &NewMessage) -> Option<Inserted> {
        let (room, sender) = (message.room_id, message.sender_id);
        match &message.client_id {
            Some(client_id) => self.by_client_id.remove(&(room, sender, client_id.clone())),
            None => self.by_sender.get_mut(&(room, sender))?.pop(),
        }
    }
}

/// The batch as the JSON array its INSERT reads, one object per message in order (`n`).
fn json_rows(messages: &[&NewMessage]) -> String {
    let rows: Vec<serde_json::Value> = messages
        .iter()
        .enumerate()
        .map(|(n, message)| {
            serde_json::json!({
                "n": n,
                "room_id": message.room_id,
                "sender_id": message.sender_id,
                "content": message.content,
                "is_read": message.is_read,
                "client_id": message.client_id,
                "created_at": now_micros(),
                "reply_to": message.reply_to,
            })
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// `[room, sender, message id, later]` rows as a JSON array of objects, the form
/// PostgreSQL's `json_to_recordset` reads (SQLite reads the keys with `->>`).
fn json_markers(markers: &[[i64; 4]]) -> String {
    let rows: Vec<serde_json::Value> = markers
        .iter()
        .map(|[room_id, user_id, id, later]| {
            serde_json::json!({"room_id": room_id, "user_id": user_id, "id": id, "later": later})
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

fn created(message: &NewMessage, stored: &Inserted) -> MessageRow {
    MessageRow {
        id: stored.id,
        room_id: message.room_id,
        sender_id: message.sender_id,
        sender: message.sender.clone(),
        content: message.content.clone(),
        is_read: stored.is_read,
        client_id: message.client_id.clone(),
        created_at: stored.created_at,
        updated_at: None,
        reply_to: stored.reply_to,
    }
}

/// Nothing was inserted and the sender used its `client_id` before: a replay when room and
/// content match, else a conflict.
fn replayed(message: &NewMessage, earlier: MessageRow) -> CreateOutcome {
    if earlier.room_id == message.room_id && earlier.content == message.content {
        CreateOutcome::Replayed(earlier)
    } else {
        CreateOutcome::ClientIdConflict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(room_id: i64, sender_id: i64, client_id: Option<&str>) -> NewMessage {
        NewMessage {
            room_id,
            sender_id,
            sender: String::new(),
            content: String::new(),
            is_read: false,
            client_id: client_id.map(str::to_owned),
            reply_to: None,
            mentions: Vec::new(),
        }
    }

    fn row(id: i64, room_id: i64, sender_id: i64, client_id: Option<&str>) -> Inserted {
        Inserted {
            id,
            room_id,
            sender_id,
            client_id: client_id.map(str::to_owned),
            is_read: false,
            created_at: 0,
            reply_to: None,
        }
    }

    #[test]
    fn a_skipped_message_takes_no_other_senders_row() {
        // Sender 1 left room 7 before the batch: the INSERT skipped both of theirs.
        let batch = [
            message(7, 1, None),
            message(7, 2, None),
            message(7, 1, Some("a")),
            message(8, 2, Some("a")),
            message(7, 2, None),
        ];
        let mut matched = Matched::new(vec![
            row(11, 7, 2, None),
            row(12, 8, 2, Some("a")),
            row(13, 7, 2, None),
        ]);
        let ids: Vec<Option<i64>> = batch
            .iter()
            .map(|message| matched.take(message).map(|row| row.id))
            .collect();
        assert_eq!(ids, [None, Some(11), None, Some(12), Some(13)]);
    }
}
