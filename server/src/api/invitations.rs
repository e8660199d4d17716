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
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Serialize;

use super::ApiTags;
use super::bearer::BearerAuth;
use super::body::JsonBody;
use super::error::{ApiError, BODY, E400, E401, E403, E404, E429, Errors};
use super::pagination::{PageParams, PageRequest, RequestUrl, numbered_page};
use super::params::{LenientInt, raw};
use super::payload::SerdeJson;
use super::rooms::{Room, RoomTypeObject};
use crate::domain::views;
use crate::service::invitations as service;
use crate::service::members::member_room;
use crate::startup::AppState;

#[derive(Object, Serialize)]
#[oai(example)]
pub struct Invitation {
    pub id: i64,
    /// The room's id.
    pub chat_room: i64,
    pub room_name: String,
    pub room_type: RoomTypeObject,
    pub inviter_id: i64,
    /// The inviter's username.
    pub inviter: String,
    pub invitee_id: i64,
    /// The invitee's username.
    pub invitee: String,
    pub status: InvitationStatusObject,
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
            room_type: RoomTypeObject::Group,
            inviter_id: 1,
            inviter: "tutor".into(),
            invitee_id: 3,
            invitee: "student".into(),
            status: InvitationStatusObject::Pending,
            created_at: "2023-10-01T15:02:41.117304Z".into(),
            responded_at: None,
        }
    }
}

impl From<views::Invitation> for Invitation {
    fn from(view: views::Invitation) -> Self {
        Self {
            id: view.id,
            chat_room: view.chat_room,
            room_name: view.room_name,
            room_type: view.room_type.into(),
            inviter_id: view.inviter_id,
            inviter: view.inviter,
            invitee_id: view.invitee_id,
            invitee: view.invitee,
            status: view.status.into(),
            created_at: view.created_at,
            responded_at: view.responded_at,
        }
    }
}

/// Where an invitation stands.
#[derive(Enum, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
#[oai(
    remote = "crate::domain::invitations::InvitationStatus",
    rename = "InvitationStatus",
    rename_all = "lowercase"
)]
pub enum InvitationStatusObject {
    Pending,
    Accepted,
    Declined,
}

fn invitations(views: Vec<views::Invitation>) -> Vec<Invitation> {
    views.into_iter().map(Invitation::from).collect()
}

numbered_page!(
    InvitationPage,
    Invitation,
    "A page of invitations (the room list's page-number envelope).",
    example = ("/api/invitations/", 1)
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
        Self { user_id: 3 }
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
        /// The room's id.
        id: Path<i64>,
        body: JsonBody<InvitationRequest>,
    ) -> Result<InvitationCreated, Errors<{ BODY | E401 | E404 | E429 }>> {
        let invitation = service::invite(&state, auth.0.id, id.0, || body.fields()).await?;
        Ok(InvitationCreated::Created(SerdeJson(invitation.into())))
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
        /// The room's id.
        id: Path<i64>,
        /// Page number, from 1 (default 1), or `last`. A page past the end, or text that is
        /// not a page number, is 404 `Invalid page.`. When given, `limit` and `offset` are
        /// ignored.
        page: Query<Option<LenientInt>>,
        /// Invitations per page in the page-number style (ignored when `limit` or `offset` is given
        /// without `page`): default 10, at most 100 (a larger value counts as 100, zero or
        /// less as the default).
        page_size: Query<Option<i64>>,
        /// Invitations per page in the limit/offset style, used when `page` is absent: default 10,
        /// at most 100 (a larger value counts as 100, zero or less as the default).
        limit: Query<Option<i64>>,
        /// How many invitations to skip in the limit/offset style: default 0 (a negative value
        /// counts as 0).
        offset: Query<Option<i64>>,
    ) -> Result<SerdeJson<InvitationPage>, Errors<{ E400 | E401 | E404 }>> {
        // Membership is judged before the query parameters: an outsider's bad page is a 404.
        let pages = match page_request(page, page_size, limit, offset) {
            Ok(pages) => pages,
            Err(err) => {
                member_room(&state.store, id.0, auth.0.id).await?;
                return Err(err.into());
            }
        };
        let (count, rows) =
            service::of_room(&state.store, auth.0.id, id.0, &|count| pages.window(count)).await?;
        Ok(SerdeJson(InvitationPage::new(
            pages.links(count, &RequestUrl::of(req)),
            invitations(rows),
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
        /// The room's id.
        id: Path<i64>,
        /// The invitation's id.
        invitation_id: Path<i64>,
    ) -> Result<InvitationRevoked, Errors<{ E401 | E403 | E404 }>> {
        service::revoke(&state.store, auth.0.id, id.0, invitation_id.0).await?;
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
        /// Page number, from 1 (default 1), or `last`. A page past the end, or text that is
        /// not a page number, is 404 `Invalid page.`. When given, `limit` and `offset` are
        /// ignored.
        page: Query<Option<LenientInt>>,
        /// Invitations per page in the page-number style (ignored when `limit` or `offset` is given
        /// without `page`): default 10, at most 100 (a larger value counts as 100, zero or
        /// less as the default).
        page_size: Query<Option<i64>>,
        /// Invitations per page in the limit/offset style, used when `page` is absent: default 10,
        /// at most 100 (a larger value counts as 100, zero or less as the default).
        limit: Query<Option<i64>>,
        /// How many invitations to skip in the limit/offset style: default 0 (a negative value
        /// counts as 0).
        offset: Query<Option<i64>>,
    ) -> Result<SerdeJson<InvitationPage>, Errors<{ E400 | E401 | E404 }>> {
        let pages = page_request(page, page_size, limit, offset)?;
        let (count, rows) =
            service::of_user(&state.store, auth.0.id, &|count| pages.window(count)).await?;
        Ok(SerdeJson(InvitationPage::new(
            pages.links(count, &RequestUrl::of(req)),
            invitations(rows),
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
        /// The invitation's id.
        id: Path<i64>,
    ) -> Result<SerdeJson<Room>, Errors<{ E400 | E401 | E404 }>> {
        Ok(SerdeJson(
            service::accept(&state, auth.0.id, id.0).await?.into(),
        ))
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
        /// The invitation's id.
        id: Path<i64>,
    ) -> Result<SerdeJson<Invitation>, Errors<{ E400 | E401 | E404 }>> {
        Ok(SerdeJson(
            service::decline(&state.store, auth.0.id, id.0)
                .await?
                .into(),
        ))
    }
}
