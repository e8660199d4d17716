//! Invitations to GROUP/COURSE rooms: participants invite, the invitee answers. The room's
//! outsiders get 404 (as on the other room routes), and an invitation that is not the
//! caller's is a 404 to them too, so ids reveal nothing.

use super::PageWindow;
use super::events::{echo, echo_all, event};
use super::members::member_room;
use super::rooms::{self, room_type_of};
use crate::domain::events::Stored;
use crate::domain::fields::{Fields, primary_key};
use crate::domain::invitations::{
    ALREADY_INVITED, InvitationStatus, InviteFacts, check_answerable, check_invite, may_revoke,
    room_full,
};
use crate::domain::rooms::{MAX_PARTICIPANTS, RoomType};
use crate::domain::time::rfc3339;
use crate::domain::views::{Invitation, Room};
use crate::error::Error;
use crate::startup::AppState;
use crate::store::events::{Audience, NewEvent};
use crate::store::{Accepted, InvitationRow, Joined, NotInvited, Store};

/// Invites the user the body names to `room_id` as `caller`, and tells the invitee's sockets.
pub async fn invite(
    state: &AppState,
    caller: i64,
    room_id: i64,
    body: impl FnOnce() -> Result<Fields, Error>,
) -> Result<Invitation, Error> {
    // Membership first: an outsider's malformed body is a 404, not a 400.
    let room = member_room(&state.store, room_id, caller).await?;
    // Invitations share the sender's message budget. As DRF: after permissions, before the
    // body is read.
    state
        .throttles
        .message(caller)
        .await?
        .map_err(Error::Throttled)?;
    let mut fields = body()?;
    let invitee = fields.required("user_id", primary_key);
    if let Some(id) = invitee
        && state.store.find_user(id).await?.is_none()
    {
        fields.error(
            "user_id",
            format!("Invalid pk \"{id}\" - object does not exist."),
        );
    }
    let invitee = fields.finish(invitee)?;
    let members = state.store.room_members(room_id).await?;
    check_invite(&InviteFacts {
        room_type: room_type_of(&room)?,
        inviter: caller,
        invitee,
        invitee_is_participant: members.contains(&invitee),
        participants: members.len(),
    })?;
    let created = |row: &InvitationRow| {
        invitation_event(row, |invitation| Stored::InvitationCreated { invitation })
    };
    let (row, position) = match state
        .store
        .create_invitation(room_id, caller, invitee, created)
        .await?
    {
        Ok(stored) => stored,
        Err(NotInvited::AlreadyInvited) => return Err(Error::field("user_id", ALREADY_INVITED)),
        Err(NotInvited::Gone) => return Err(Error::NotFound),
    };
    echo(position);
    let invitation = view(row)?;
    Ok(invitation)
}

/// The pending invitations of a room the caller is in (404 otherwise), oldest first, and how
/// many there are.
pub async fn of_room(
    store: &Store,
    caller: i64,
    room_id: i64,
    page: PageWindow<'_>,
) -> Result<(i64, Vec<Invitation>), Error> {
    member_room(store, room_id, caller).await?;
    let count = store.count_room_invitations(room_id).await?;
    let (limit, offset) = page(count)?;
    let rows = store.room_invitations(room_id, limit, offset).await?;
    Ok((count, views(rows)?))
}

/// The caller's pending invitations, newest first, and how many there are.
pub async fn of_user(
    store: &Store,
    caller: i64,
    page: PageWindow<'_>,
) -> Result<(i64, Vec<Invitation>), Error> {
    let count = store.count_user_invitations(caller).await?;
    let (limit, offset) = page(count)?;
    let rows = store.user_invitations(caller, limit, offset).await?;
    Ok((count, views(rows)?))
}

/// Revokes a pending invitation of a room the caller is in, as its inviter or the room's
/// creator.
pub async fn revoke(store: &Store, caller: i64, room_id: i64, id: i64) -> Result<(), Error> {
    let room = member_room(store, room_id, caller).await?;
    let invitation = store
        .find_invitation(id)
        .await?
        .filter(|i| i.room_id == room.id && i.status == "pending")
        .ok_or(Error::NotFound)?;
    if !may_revoke(caller, invitation.inviter_id, room.created_by) {
        return Err(Error::Forbidden);
    }
    let revoked = |row: &InvitationRow| {
        invitation_event(row, |invitation| Stored::InvitationRevoked { invitation })
    };
    // None: answered or revoked meanwhile.
    let position = store
        .revoke_invitation(invitation.id, revoked)
        .await?
        .ok_or(Error::NotFound)?;
    echo(position);
    Ok(())
}

/// Accepts the caller's invitation `id`: they join its room (one transaction with the
/// answer), and their sockets start hearing it.
pub async fn accept(state: &AppState, caller: i64, id: i64) -> Result<Room, Error> {
    let invitation = own(&state.store, id, caller).await?;
    check_answerable(invitation.status)?;
    let events = |row: &InvitationRow, joined: Option<&Joined>| {
        let mut events = vec![invitation_event(row, |invitation| {
            Stored::InvitationAccepted { invitation }
        })?];
        if let Some(Joined { room, members }) = joined {
            let room_type =
                RoomType::parse(&room.room_type).map_err(|err| sqlx::Error::Decode(err.into()))?;
            let view = rooms::event_room(
                room.id,
                &room.name,
                room_type,
                members,
                room.created_by,
                room.created_at,
                room.updated_at,
            );
            events.push(rooms::member_added(&view, caller, caller));
        }
        Ok(events)
    };
    match state
        .store
        .accept_invitation(id, MAX_PARTICIPANTS, events)
        .await?
    {
        Accepted::Done {
            room_id, positions, ..
        } => {
            echo_all(&positions);
            rooms::room(&state.store, room_id, rooms::DEFAULT_MESSAGES_LIMIT, caller).await
        }
        Accepted::RoomFull => Err(room_full().into()),
        Accepted::NotPending => Err(answered_meanwhile(&state.store, id, caller).await),
    }
}

/// Declines the caller's invitation `id`.
pub async fn decline(store: &Store, caller: i64, id: i64) -> Result<Invitation, Error> {
    let invitation = own(store, id, caller).await?;
    check_answerable(invitation.status)?;
    let declined = |row: &InvitationRow| {
        invitation_event(row, |invitation| Stored::InvitationDeclined { invitation })
    };
    match store.decline_invitation(id, declined).await? {
        Some(position) => echo(position),
        None => return Err(answered_meanwhile(store, id, caller).await),
    }
    own(store, id, caller).await
}

/// The invitation if the caller is its invitee; 404 otherwise.
async fn own(store: &Store, id: i64, caller: i64) -> Result<Invitation, Error> {
    store
        .find_invitation(id)
        .await?
        .filter(|i| i.invitee_id == caller)
        .ok_or(Error::NotFound)
        .and_then(view)
}

/// The error for an invitation that stopped being pending between reading and answering it:
/// answered (400) or revoked (404).
async fn answered_meanwhile(store: &Store, id: i64, caller: i64) -> Error {
    match own(store, id, caller).await {
        Ok(now) => check_answerable(now.status).map_or_else(Error::from, |()| Error::NotFound),
        Err(err) => err,
    }
}

fn view(row: InvitationRow) -> Result<Invitation, Error> {
    Ok(Invitation {
        id: row.id,
        chat_room: row.room_id,
        room_name: row.room_name,
        room_type: RoomType::parse(&row.room_type).map_err(Error::internal)?,
        inviter_id: row.inviter_id,
        inviter: row.inviter,
        invitee_id: row.invitee_id,
        invitee: row.invitee,
        status: InvitationStatus::parse(&row.status).map_err(Error::internal)?,
        created_at: rfc3339(row.created_at),
        responded_at: row.responded_at.map(rfc3339),
    })
}

/// An invitation's event, to its invitee and its inviter.
fn invitation_event(
    row: &InvitationRow,
    frame: impl Fn(&Invitation) -> Stored<'_>,
) -> Result<NewEvent, sqlx::Error> {
    let users = vec![row.invitee_id, row.inviter_id];
    let invitation =
        view(row.clone()).map_err(|err| sqlx::Error::Decode(err.to_string().into()))?;
    Ok(event(Audience::Users(users), &frame(&invitation)))
}

fn views(rows: Vec<InvitationRow>) -> Result<Vec<Invitation>, Error> {
    rows.into_iter().map(view).collect()
}
