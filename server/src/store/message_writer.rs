//! Group commit for new messages: one writer task takes every message queued while the last
//! transaction was committing and stores them all in the next one, so many senders share one
//! `synchronous=FULL` fsync. Each message still gets its own outcome, and nobody hears of a
//! message before the transaction holding it has committed.

use std::collections::BTreeMap;

use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::is_unique_violation;
use super::messages::{CreateOutcome, MessageRow, message_select};
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
}

/// Told of each committed outcome, in commit order, before its sender gets the answer: events
/// leave in the order the messages were stored.
pub type Announce = Box<dyn FnOnce(&CreateOutcome) + Send>;

struct Job {
    message: NewMessage,
    announce: Announce,
    reply: oneshot::Sender<Result<CreateOutcome, sqlx::Error>>,
}

/// The handle requests send their messages through.
#[derive(Clone)]
pub struct MessageWriter {
    jobs: mpsc::Sender<Job>,
}

impl MessageWriter {
    /// Starts the writer task on the write pool.
    pub fn start(write: SqlitePool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(write, queue));
        Self { jobs }
    }

    /// Stores `message`, durably, and returns once it is committed (after `announce` ran).
    pub async fn create(
        &self,
        message: NewMessage,
        announce: Announce,
    ) -> Result<CreateOutcome, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
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
}

async fn run(write: SqlitePool, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let messages: Vec<&NewMessage> = batch.iter().map(|job| &job.message).collect();
        match store_all(&write, &messages).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    if let Ok(outcome) = &outcome {
                        (job.announce)(outcome);
                    }
                    let _ = job.reply.send(outcome);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, messages = batch.len(), "a message batch failed");
                // Each waiting sender gets the failure, of the same kind (sqlx errors do not
                // clone): storage that cannot be written stays a 503 for every one of them.
                for job in batch.drain(..) {
                    let failed = if super::storage_unavailable(&err) {
                        sqlx::Error::Io(std::io::Error::other(format!("the batch failed: {err}")))
                    } else {
                        sqlx::Error::Protocol(format!("the batch failed: {err}"))
                    };
                    let _ = job.reply.send(Err(failed));
                }
            }
        }
    }
}

/// One transaction for all. Each message is one INSERT, which SQLite undoes alone if it fails
/// (a room deleted meanwhile, say), so no savepoints are needed; the rooms' activity times are
/// set once per room at the end.
async fn store_all(
    write: &SqlitePool,
    messages: &[&NewMessage],
) -> Result<Vec<Result<CreateOutcome, sqlx::Error>>, sqlx::Error> {
    let mut tx = write.begin().await?;
    let mut outcomes = Vec::with_capacity(messages.len());
    // room → the time of its newest message in this batch
    let mut active_rooms = BTreeMap::new();
    for message in messages {
        let outcome = store_one(&mut tx, message, now_micros()).await;
        if let Ok(CreateOutcome::Created(row)) = &outcome {
            active_rooms.insert(row.room_id, row.created_at);
        }
        outcomes.push(outcome);
    }
    for (room_id, now) in active_rooms {
        sqlx::query("UPDATE chat_rooms SET last_activity_at = ? WHERE id = ?")
            .bind(now)
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Stores the message; a `client_id` its sender already used is a replay (same room and
/// content) or a conflict.
async fn store_one(
    tx: &mut Transaction<'static, Sqlite>,
    message: &NewMessage,
    now: i64,
) -> Result<CreateOutcome, sqlx::Error> {
    let inserted: Result<(i64, bool, i64), sqlx::Error> = sqlx::query_as(
        "INSERT INTO messages (room_id, sender_id, content, is_read, client_id, created_at) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id, is_read, created_at",
    )
    .bind(message.room_id)
    .bind(message.sender_id)
    .bind(&message.content)
    .bind(message.is_read)
    .bind(&message.client_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await;
    match inserted {
        Ok((id, is_read, created_at)) => Ok(CreateOutcome::Created(MessageRow {
            id,
            room_id: message.room_id,
            sender_id: message.sender_id,
            sender: message.sender.clone(),
            content: message.content.clone(),
            is_read,
            client_id: message.client_id.clone(),
            created_at,
            updated_at: None,
        })),
        Err(err) if is_unique_violation(&err) => replay(tx, message).await,
        Err(err) => Err(err),
    }
}

async fn replay(
    tx: &mut Transaction<'static, Sqlite>,
    message: &NewMessage,
) -> Result<CreateOutcome, sqlx::Error> {
    let earlier: MessageRow = sqlx::query_as(concat!(
        message_select!(),
        " WHERE m.sender_id = ? AND m.client_id = ?"
    ))
    .bind(message.sender_id)
    .bind(&message.client_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(
        if earlier.room_id == message.room_id && earlier.content == message.content {
            CreateOutcome::Replayed(earlier)
        } else {
            CreateOutcome::ClientIdConflict
        },
    )
}
