//! Invitations to GROUP/COURSE rooms: participants invite (`/api/chat/rooms/{id}/invitations/`),
//! the invitee answers (`/api/invitations/`).
//!
//! The room routes answer 404 to outsiders, as the other room routes do (seed 001); an
//! invitation that is not the caller's is a 404 to them too, so ids reveal nothing.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Serialize;

use super::ApiTags;
use super::body::{Fields, JsonBody, primary_key};
use super::error::{ApiError, BODY, E400, E401, E403, E404, E429, Errors};
use super::pagination::{PageParams, PageRequest, RequestUrl, numbered_page};
use super::params::{LenientInt, raw};
use super::payload::SerdeJson;
use super::rooms::{DEFAULT_MESSAGES_LIMIT, Room, load_room, member_room, rule_error};
use crate::auth::BearerAuth;
use crate::domain::invitations::{
    ALREADY_INVITED, InvitationStatus, InviteFacts, check_answerable, check_invite, room_full,
};
use crate::domain::rooms::{MAX_PARTICIPANTS, RoomType};
use crate::domain::time::rfc3339;
use crate::service::invitations as events;
use crate::startup::AppState;
use crate::store::{Accepted, InvitationRow, NotInvited, Store};

#[derive(Object, Serialize)]
#[oai(example)]
pub struct Invitation {
    pub id: i64,
    /// The room's id.
    pub chat_room: i64,
    pub room_name: String,
    pub room_type: RoomType,
    pub inviter_id: i64,
    /// The inviter's username.
    pub inviter: String,
    pub invitee_id: i64,
    /// The invitee's username.
    pub invitee: String,
    pub status: InvitationStatus,
    /// RFC 3339 UTC with microseconds.
    pub created_at: String,
    /// When the invitee accepted or declined; null while pending.
    #[oai(nullable)]
    pub responded_at: Option<String>,
}

impl Example for Invitation {
    fn example() -> Self {
        Self {
            id: 3,
            chat_room: 1,
            room_name: "General".into(),
            room_type: RoomType::Group,
            inviter_id: 1,
            inviter: "edulite".into(),
            invitee_id: 2,
            invitee: "student".into(),
            status: InvitationStatus::Pending,
            created_at: "2025-07-05T16:44:51.889737Z".into(),
            responded_at: None,
        }
    }
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = ApiError;

    fn try_from(row: InvitationRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            chat_room: row.room_id,
            room_name: row.room_name,
            room_type: RoomType::parse(&row.room_type).map_err(ApiError::internal)?,
            inviter_id: row.inviter_id,
            inviter: row.inviter,
            invitee_id: row.invitee_id,
            invitee: row.invitee,
            status: InvitationStatus::parse(&row.status).map_err(ApiError::internal)?,
            created_at: rfc3339(row.created_at),
            responded_at: row.responded_at.map(rfc3339),
        })
    }
}

fn invitations(rows: Vec<InvitationRow>) -> Result<Vec<Invitation>, ApiError> {
    rows.into_iter().map(Invitation::try_from).collect()
}

numbered_page!(
    InvitationPage,
    Invitation,
    "A page of invitations (the room list's envelope)."
);

/// Whom to invite.
#[derive(Object)]
#[oai(example)]
pub struct InvitationRequest {
    /// The user to invite: not the caller, not already a participant.
    pub user_id: i64,
}

impl Example for InvitationRequest {
    fn example() -> Self {
        Self { user_id: 2 }
    }
}

#[derive(ApiResponse)]
pub enum InvitationCreated {
    /// Invited; the invitee's `/ws/chat/` sockets get an `invitation.created` event.
    #[oai(status = 201)]
    Created(SerdeJson<Invitation>),
}

#[derive(ApiResponse)]
pub enum InvitationRevoked {
    /// Revoked: the invitation is gone.
    #[oai(status = 204)]
    NoContent,
}

/// The query parameters of an invitation list (those of the room list, without
/// `messages_limit`).
fn page_request(
    page: Query<Option<LenientInt>>,
    page_size: Query<Option<i64>>,
    limit: Query<Option<i64>>,
    offset: Query<Option<i64>>,
) -> Result<PageRequest, ApiError> {
    PageRequest::parse(&PageParams {
        page: raw(page.0),
        page_size: page_size.0,
        limit: limit.0,
        offset: offset.0,
    })
}

pub struct RoomInvitationsApi;

#[OpenApi(prefix_path = "/api/chat/rooms", tag = "ApiTags::Invitations")]
impl RoomInvitationsApi {
    /// Invite a user to a room
    ///
    /// Any participant of a GROUP or COURSE room may invite a user who is not in it yet and
    /// has no pending invitation to it. 404 for a room that does not exist or that the
    /// caller is not in. Throttled with message creation (the invitee hears of it at once).
    #[oai(
        path = "/:id/invitations/",
        method = "post",
        operation_id = "rooms_invitations_create"
    )]
    async fn rooms_invitations_create(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        body: JsonBody<InvitationRequest>,
    ) -> Result<InvitationCreated, Errors<{ BODY | E401 | E404 | E429 }>> {
        let invitation = invite(&state, auth.0.id, id.0, || body.fields()).await?;
        Ok(InvitationCreated::Created(SerdeJson(invitation)))
    }

    /// List a room's pending invitations
    ///
    /// Oldest first, paginated like the room list. Participants only (404 otherwise).
    #[oai(
        path = "/:id/invitations/",
        method = "get",
        operation_id = "rooms_invitations_list"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn rooms_invitations_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        req: &Request,
        id: Path<i64>,
        page: Query<Option<LenientInt>>,
        page_size: Query<Option<i64>>,
        limit: Query<Option<i64>>,
        offset: Query<Option<i64>>,
    ) -> Result<SerdeJson<InvitationPage>, Errors<{ E400 | E401 | E404 }>> {
        member_room(&state.store, id.0, auth.0.id).await?;
        let pages = page_request(page, page_size, limit, offset)?;
        let count = state.store.count_room_invitations(id.0).await?;
        let (limit, offset) = pages.window(count)?;
        let rows = state.store.room_invitations(id.0, limit, offset).await?;
        Ok(SerdeJson(InvitationPage::new(
            pages.links(count, &RequestUrl::of(req)),
            invitations(rows)?,
        )))
    }

    /// Revoke a pending invitation
    ///
    /// Its inviter or the room's creator may revoke it (403 for other participants); 404 for
    /// outsiders, and for an invitation that is not pending in this room.
    #[oai(
        path = "/:id/invitations/:invitation_id/",
        method = "delete",
        operation_id = "rooms_invitations_destroy"
    )]
    async fn rooms_invitations_destroy(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        invitation_id: Path<i64>,
    ) -> Result<InvitationRevoked, Errors<{ E401 | E403 | E404 }>> {
        let caller = auth.0.id;
        let room = member_room(&state.store, id.0, caller).await?;
        let invitation = state
            .store
            .find_invitation(invitation_id.0)
            .await?
            .filter(|i| i.room_id == room.id && i.status == "pending")
            .ok_or(ApiError::NotFound)?;
        if caller != invitation.inviter_id && caller != room.created_by {
            return Err(ApiError::Forbidden.into());
        }
        if !state.store.revoke_invitation(invitation.id).await? {
            // Answered or revoked meanwhile.
            return Err(ApiError::NotFound.into());
        }
        Ok(InvitationRevoked::NoContent)
    }
}

pub struct InvitationsApi;

#[OpenApi(prefix_path = "/api/invitations", tag = "ApiTags::Invitations")]
impl InvitationsApi {
    /// List the caller's pending invitations
    ///
    /// Newest first, paginated like the room list (`page`/`page_size` or `limit`/`offset`).
    #[oai(path = "/", method = "get", operation_id = "invitations_list")]
    #[allow(clippy::too_many_arguments)]
    async fn invitations_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        req: &Request,
        page: Query<Option<LenientInt>>,
        page_size: Query<Option<i64>>,
        limit: Query<Option<i64>>,
        offset: Query<Option<i64>>,
    ) -> Result<SerdeJson<InvitationPage>, Errors<{ E400 | E401 | E404 }>> {
        let pages = page_request(page, page_size, limit, offset)?;
        let count = state.store.count_user_invitations(auth.0.id).await?;
        let (limit, offset) = pages.window(count)?;
        let rows = state
            .store
            .user_invitations(auth.0.id, limit, offset)
            .await?;
        Ok(SerdeJson(InvitationPage::new(
            pages.links(count, &RequestUrl::of(req)),
            invitations(rows)?,
        )))
    }

    /// Accept an invitation
    ///
    /// The caller (the invitee) joins the room, which is returned as `GET
    /// /api/chat/rooms/{id}/` returns it. No request body. 404 for an invitation that is not
    /// the caller's; 400 once it was answered, or when the room is full. Accepting after
    /// being added to the room some other way succeeds too.
    #[oai(
        path = "/:id/accept/",
        method = "post",
        operation_id = "invitations_accept"
    )]
    async fn invitations_accept(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
    ) -> Result<SerdeJson<Room>, Errors<{ E400 | E401 | E404 }>> {
        Ok(SerdeJson(accept(&state, auth.0.id, id.0).await?))
    }

    /// Decline an invitation
    ///
    /// No request body. 404 for an invitation that is not the caller's; 400 once it was
    /// answered.
    #[oai(
        path = "/:id/decline/",
        method = "post",
        operation_id = "invitations_decline"
    )]
    async fn invitations_decline(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
    ) -> Result<SerdeJson<Invitation>, Errors<{ E400 | E401 | E404 }>> {
        let caller = auth.0.id;
        let invitation = own_invitation(&state.store, id.0, caller).await?;
        check_answerable(invitation.status).map_err(rule_error)?;
        if !state.store.decline_invitation(id.0).await? {
            return Err(answered_meanwhile(&state.store, id.0, caller).await.into());
        }
        Ok(SerdeJson(own_invitation(&state.store, id.0, caller).await?))
    }
}

/// The invitation if the caller is its invitee; 404 otherwise.
async fn own_invitation(store: &Store, id: i64, caller: i64) -> Result<Invitation, ApiError> {
    store
        .find_invitation(id)
        .await?
        .filter(|i| i.invitee_id == caller)
        .ok_or(ApiError::NotFound)
        .and_then(Invitation::try_from)
}

/// The error for an invitation that stopped being pending between reading and answering it:
/// answered (400) or revoked (404).
async fn answered_meanwhile(store: &Store, id: i64, caller: i64) -> ApiError {
    match own_invitation(store, id, caller).await {
        Ok(now) => check_answerable(now.status).map_or_else(rule_error, |()| ApiError::NotFound),
        Err(err) => err,
    }
}

/// Invites the user the body names to `room_id` as `caller`, and tells the invitee's sockets.
async fn invite(
    state: &AppState,
    caller: i64,
    room_id: i64,
    body: impl FnOnce() -> Result<Fields, ApiError>,
) -> Result<Invitation, ApiError> {
    // Membership first: an outsider's malformed body is a 404, not a 400.
    let room = member_room(&state.store, room_id, caller).await?;
    // Invitations share the sender's message budget. As DRF: after permissions, before the
    // body is read.
    state
        .throttles
        .message(caller)
        .await?
        .map_err(ApiError::Throttled)?;
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
        room_type: RoomType::parse(&room.room_type).map_err(ApiError::internal)?,
        inviter: caller,
        invitee,
        invitee_is_participant: members.contains(&invitee),
        participants: members.len(),
    })
    .map_err(rule_error)?;
    let id = match state
        .store
        .create_invitation(room_id, caller, invitee)
        .await?
    {
        Ok(id) => id,
        Err(NotInvited::AlreadyInvited) => return Err(ApiError::field("user_id", ALREADY_INVITED)),
        Err(NotInvited::Gone) => return Err(ApiError::NotFound),
    };
    let invitation = state
        .store
        .find_invitation(id)
        .await?
        .ok_or(ApiError::NotFound)
        .and_then(Invitation::try_from)?;
    events::created(state, &invitation);
    Ok(invitation)
}

/// Accepts the caller's invitation `id`: they join its room (one transaction with the
/// answer), and their sockets start hearing it.
async fn accept(state: &AppState, caller: i64, id: i64) -> Result<Room, ApiError> {
    let invitation = own_invitation(&state.store, id, caller).await?;
    check_answerable(invitation.status).map_err(rule_error)?;
    match state.store.accept_invitation(id, MAX_PARTICIPANTS).await? {
        Accepted::Done { room_id, joined } => {
            if joined {
                events::joined(state, room_id, caller);
            }
            load_room(&state.store, room_id, DEFAULT_MESSAGES_LIMIT, caller).await
        }
        Accepted::RoomFull => Err(rule_error(room_full())),
        Accepted::NotPending => Err(answered_meanwhile(&state.store, id, caller).await),
    }
}
