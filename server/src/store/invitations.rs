//! `room_invitations`: who was invited to which room, by whom, and the answer.

use sqlx::FromRow;

use super::RoomRow;
use super::events::{NewEvent, append_events};
use super::{Store, is_foreign_key_violation, is_unique_violation, on_reads, on_writes};
use crate::domain::time::now_micros;

/// An invitation with the names its API object shows.
#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub room_id: i64,
    pub room_name: String,
    pub room_type: String,
    pub inviter_id: i64,
    pub inviter: String,
    pub invitee_id: i64,
    pub invitee: String,
    pub status: String,
    pub created_at: i64,
    pub responded_at: Option<i64>,
}

/// Why an invitation was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum NotInvited {
    /// The user already has a pending invitation to the room (the partial unique index).
    AlreadyInvited,
    /// The room (or a user) was deleted meanwhile (a foreign key).
    Gone,
}

/// The room an invitee joined, as the accepting transaction left it.
#[derive(Debug, Clone)]
pub struct Joined {
    pub room: RoomRow,
    pub members: std::collections::BTreeSet<i64>,
}

/// How an accept ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    /// Accepted; `joined` is false when the invitee was already a participant.
    Done {
        room_id: i64,
        joined: bool,
        positions: Vec<i64>,
    },
    /// It was no longer pending (answered or revoked meanwhile); nothing changed.
    NotPending,
    /// The room has `limit` participants already; nothing changed.
    RoomFull,
}

macro_rules! invitation_select {
    () => {
        "SELECT i.id, i.room_id, r.name AS room_name, r.room_type, i.inviter_id, \
         inviter.username AS inviter, i.invitee_id, invitee.username AS invitee, i.status, \
         i.created_at, i.responded_at \
         FROM room_invitations i JOIN chat_rooms r ON r.id = i.room_id \
         JOIN users inviter ON inviter.id = i.inviter_id \
         JOIN users invitee ON invitee.id = i.invitee_id "
    };
}

/// The invitation `$id` as the transaction `$tx` sees it (after its change, for its event).
macro_rules! invitation_in {
    ($tx:expr, $id:expr) => {
        sqlx::query_as::<_, InvitationRow>(concat!(invitation_select!(), "WHERE i.id = $1"))
            .bind($id)
            .fetch_one(&mut *$tx)
            .await?
    };
}

impl Store {
    /// Stores a pending invitation with its event (`event` makes it from the stored row);
    /// returns the row and the event's position.
    pub async fn create_invitation(
        &self,
        room_id: i64,
        inviter_id: i64,
        invitee_id: i64,
        event: impl FnOnce(&InvitationRow) -> Result<NewEvent, sqlx::Error>,
    ) -> Result<Result<(InvitationRow, i64), NotInvited>, sqlx::Error> {
        let inserted: Result<(InvitationRow, i64), sqlx::Error> =
            on_writes!(self, |pool, dialect| async {
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO room_invitations \
                     (room_id, invitee_id, inviter_id, status, created_at) \
                     VALUES ($1, $2, $3, 'pending', $4) RETURNING id",
                )
                .bind(room_id)
                .bind(invitee_id)
                .bind(inviter_id)
                .bind(now_micros())
                .fetch_one(&mut *tx)
                .await?;
                let row = invitation_in!(tx, id);
                let positions = append_events!(tx, dialect, &[event(&row)?]).await?;
                tx.commit().await?;
                self.committed(&positions);
                Ok((row, positions.first().copied().unwrap_or_default()))
            }
            .await);
        match inserted {
            Ok(stored) => Ok(Ok(stored)),
            Err(err) if is_unique_violation(&err) => Ok(Err(NotInvited::AlreadyInvited)),
            Err(err) if is_foreign_key_violation(&err) => Ok(Err(NotInvited::Gone)),
            Err(err) => Err(err),
        }
    }

    pub async fn find_invitation(&self, id: i64) -> Result<Option<InvitationRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(invitation_select!(), "WHERE i.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await
        })
    }

    pub async fn count_room_invitations(&self, room_id: i64) -> Result<i64, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM room_invitations WHERE room_id = $1 AND status = 'pending'",
            )
            .bind(room_id)
            .fetch_one(pool)
            .await
        })
    }

    /// A room's pending invitations, oldest first.
    pub async fn room_invitations(
        &self,
        room_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<InvitationRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(
                invitation_select!(),
                "WHERE i.room_id = $1 AND i.status = 'pending' ORDER BY i.id LIMIT $2 OFFSET $3"
            ))
            .bind(room_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
        })
    }

    pub async fn count_user_invitations(&self, invitee_id: i64) -> Result<i64, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM room_invitations WHERE invitee_id = $1 AND status = 'pending'",
            )
            .bind(invitee_id)
            .fetch_one(pool)
            .await
        })
    }

    /// A user's pending invitations, newest first.
    pub async fn user_invitations(
        &self,
        invitee_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<InvitationRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(
                invitation_select!(),
                "WHERE i.invitee_id = $1 AND i.status = 'pending' \
                 ORDER BY i.id DESC LIMIT $2 OFFSET $3"
            ))
            .bind(invitee_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
        })
    }

    /// Deletes the invitation if it is still pending, with its event (`event` makes it from
    /// the row as it was); the event's position if it did.
    pub async fn revoke_invitation(
        &self,
        id: i64,
        event: impl FnOnce(&InvitationRow) -> Result<NewEvent, sqlx::Error>,
    ) -> Result<Option<i64>, sqlx::Error> {
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let row: Option<InvitationRow> = sqlx::query_as(concat!(
                invitation_select!(),
                "WHERE i.id = $1 AND i.status = 'pending'"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let deleted =
                sqlx::query("DELETE FROM room_invitations WHERE id = $1 AND status = 'pending'")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if deleted == 0 {
                return Ok(None);
            }
            let positions = append_events!(tx, dialect, &[event(&row)?]).await?;
            tx.commit().await?;
            self.committed(&positions);
            Ok(positions.first().copied())
        })
    }

    /// Marks the invitation declined if it is still pending, with its event (`event` makes
    /// it from the declined row); the event's position if it did.
    pub async fn decline_invitation(
        &self,
        id: i64,
        event: impl FnOnce(&InvitationRow) -> Result<NewEvent, sqlx::Error>,
    ) -> Result<Option<i64>, sqlx::Error> {
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let declined = sqlx::query(
                "UPDATE room_invitations SET status = 'declined', responded_at = $2 \
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(now_micros())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if declined == 0 {
                return Ok(None);
            }
            let row = invitation_in!(tx, id);
            let positions = append_events!(tx, dialect, &[event(&row)?]).await?;
            tx.commit().await?;
            self.committed(&positions);
            Ok(positions.first().copied())
        })
    }

    /// Marks the pending invitation accepted and makes the invitee a participant, in one
    /// transaction, unless the room already has `limit` participants.
    ///
    /// On PostgreSQL the room row is locked first (the order a room deletion takes too, so the
    /// two cannot deadlock), which makes concurrent accepts into one room count its
    /// participants one after the other; SQLite's single writer does that by itself.
    /// `events` makes the events of the answer from the accepted row and, if the invitee
    /// joined, the room as they joined it, all read in the same transaction that stores them.
    pub async fn accept_invitation(
        &self,
        id: i64,
        limit: usize,
        events: impl FnOnce(&InvitationRow, Option<&Joined>) -> Result<Vec<NewEvent>, sqlx::Error>,
    ) -> Result<Accepted, sqlx::Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        on_writes!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let found: Option<(i64, i64)> = sqlx::query_as(
                "SELECT room_id, invitee_id FROM room_invitations WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((room_id, invitee_id)) = found else {
                return Ok(Accepted::NotPending);
            };
            sqlx::query(dialect.pick(
                "SELECT id FROM chat_rooms WHERE id = $1",
                "SELECT id FROM chat_rooms WHERE id = $1 FOR NO KEY UPDATE",
            ))
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
            let claimed = sqlx::query(
                "UPDATE room_invitations SET status = 'accepted', responded_at = $2 \
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(now_micros())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                return Ok(Accepted::NotPending);
            }
            let (members, already): (i64, bool) = sqlx::query_as(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0) > 0 \
                 FROM room_participants WHERE room_id = $1",
            )
            .bind(room_id)
            .bind(invitee_id)
            .fetch_one(&mut *tx)
            .await?;
            if !already {
                if members >= limit {
                    return Ok(Accepted::RoomFull);
                }
                sqlx::query("INSERT INTO room_participants (room_id, user_id) VALUES ($1, $2)")
                    .bind(room_id)
                    .bind(invitee_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let row = invitation_in!(tx, id);
            let joined = if already {
                None
            } else {
                let room: RoomRow = sqlx::query_as(
                    "SELECT id, name, room_type, created_by, created_at, updated_at \
                     FROM chat_rooms WHERE id = $1",
                )
                .bind(room_id)
                .fetch_one(&mut *tx)
                .await?;
                let members: Vec<i64> =
                    sqlx::query_scalar("SELECT user_id FROM room_participants WHERE room_id = $1")
                        .bind(room_id)
                        .fetch_all(&mut *tx)
                        .await?;
                Some(Joined {
                    room,
                    members: members.into_iter().collect(),
                })
            };
            let positions = append_events!(tx, dialect, &events(&row, joined.as_ref())?).await?;
            tx.commit().await?;
            self.committed(&positions);
            Ok(Accepted::Done {
                room_id,
                joined: !already,
                positions,
            })
        })
    }
}
