//! `/api/chat/rooms/`: the rooms the caller participates in (seeds 001 and 003).

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
use super::error::{BODY, E400, E401, E403, E404, Errors};
use super::messages::{Message, messages};
use super::pagination::{PageParams, PageRequest, RequestUrl, numbered_page};
use super::params::{LenientInt, raw};
use super::payload::SerdeJson;
use super::trimmed::TrimmedText;
use crate::domain::text::RoomName;
use crate::domain::views;
use crate::service::rooms::{self as service, Created};
use crate::startup::AppState;

#[derive(Object, Serialize)]
#[oai(example)]
pub struct Room {
    pub id: i64,
    pub name: String,
    pub room_type: RoomTypeObject,
    /// User ids; the creator is always one.
    pub participants: Vec<i64>,
    pub created_by: i64,
    /// The newest messages, newest first: at most `messages_limit` (a preview, not the history).
    pub messages: Vec<Message>,
    /// The caller's messages to read: those after their read marker
    /// (`POST /api/chat/rooms/{id}/read/`). Their own messages move it.
    pub unread_count: i64,
    /// Of those, the ones that mention the caller.
    pub mention_count: i64,
    /// RFC 3339 UTC with microseconds.
    pub created_at: String,
    pub updated_at: String,
}

impl Example for Room {
    /// Seed 003's example room.
    fn example() -> Self {
        Self {
            id: 1,
            name: "General".into(),
            room_type: RoomTypeObject::Group,
            participants: vec![1, 2],
            created_by: 1,
            messages: vec![Message::example()],
            unread_count: 3,
            mention_count: 1,
            created_at: "2023-10-01T08:57:13.402518Z".into(),
            updated_at: "2023-10-01T08:57:13.402518Z".into(),
        }
    }
}

impl From<views::Room> for Room {
    fn from(view: views::Room) -> Self {
        Self {
            id: view.id,
            name: view.name,
            room_type: view.room_type.into(),
            participants: view.participants,
            created_by: view.created_by,
            messages: messages(view.messages),
            unread_count: view.unread_count,
            mention_count: view.mention_count,
            created_at: view.created_at,
            updated_at: view.updated_at,
        }
    }
}

/// Rooms in the order given.
pub fn rooms(views: Vec<views::Room>) -> Vec<Room> {
    views.into_iter().map(Room::from).collect()
}

/// The kind of a room: ONE_TO_ONE (exactly two participants), GROUP or COURSE.
#[derive(Enum, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[oai(
    remote = "crate::domain::rooms::RoomType",
    rename = "RoomType",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum RoomTypeObject {
    OneToOne,
    Group,
    Course,
}

numbered_page!(
    RoomPage,
    Room,
    "A page of rooms: DRF's page-number envelope (`limit`/`offset` fill it too).",
    example = ("/api/chat/rooms/?page=2", 11)
);

/// A room to create, or (PUT) the whole of a room's editable state.
#[derive(Object)]
#[oai(example)]
pub struct RoomWrite {
    pub name: TrimmedText<{ RoomName::MAX }>,
    pub room_type: RoomTypeObject,
    /// User ids to have in the room; the creator is added (and kept) anyway. At most 500.
    /// `null` is the same as leaving it out.
    #[oai(nullable, validator(max_items = 500))]
    pub participants: Option<Vec<i64>>,
}

impl Example for RoomWrite {
    fn example() -> Self {
        Self {
            name: "General".into(),
            room_type: RoomTypeObject::Group,
            participants: Some(vec![1, 2]),
        }
    }
}

/// A partial update: absent fields stay as they are.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct RoomPatch {
    pub name: Option<TrimmedText<{ RoomName::MAX }>>,
    pub room_type: Option<RoomTypeObject>,
    /// The new participant list (replaces the old one; the creator stays). `null` is the same
    /// as leaving it out; `[]` leaves only the creator.
    #[oai(nullable, validator(max_items = 500))]
    pub participants: Option<Vec<i64>>,
}

impl Example for RoomPatch {
    fn example() -> Self {
        Self {
            name: Some("General discussion".into()),
            room_type: None,
            participants: None,
        }
    }
}

#[derive(ApiResponse)]
pub enum RoomCreated {
    /// The room was created.
    #[oai(status = 201)]
    Created(SerdeJson<Room>),
    /// A ONE_TO_ONE room of this pair already existed: this is it.
    #[oai(status = 200)]
    Existing(SerdeJson<Room>),
}

#[derive(ApiResponse)]
pub enum RoomDeleted {
    /// Deleted, with its messages.
    #[oai(status = 204)]
    NoContent,
}

/// `messages_limit`: how many of the newest messages each room object carries.
type MessagesLimit = Query<Option<i64>>;

pub struct RoomsApi;

#[OpenApi(prefix_path = "/api/chat/rooms", tag = "ApiTags::Rooms")]
impl RoomsApi {
    /// List the caller's rooms
    ///
    /// Most recent activity (creation or newest message) first. Paginate with `page` and
    /// `page_size` (default 10, at most 100), or with `limit` and `offset`.
    #[oai(path = "/", method = "get", operation_id = "rooms_list")]
    #[allow(clippy::too_many_arguments)]
    async fn rooms_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Page number, from 1 (default 1), or `last`. A page past the end, or text that is
        /// not a page number, is 404 `Invalid page.`. When given, `limit` and `offset` are
        /// ignored.
        page: Query<Option<LenientInt>>,
        /// Rooms per page in the page-number style (ignored when `limit` or `offset` is given
        /// without `page`): default 10, at most 100 (a larger value counts as 100, zero or
        /// less as the default).
        page_size: Query<Option<i64>>,
        /// Rooms per page in the limit/offset style, used when `page` is absent: default 10,
        /// at most 100 (a larger value counts as 100, zero or less as the default).
        limit: Query<Option<i64>>,
        /// How many rooms to skip in the limit/offset style: default 0 (a negative value
        /// counts as 0).
        offset: Query<Option<i64>>,
        /// How many of each room's newest messages its `messages` preview holds: 0 to 50
        /// (default 1).
        #[oai(validator(minimum(value = "0"), maximum(value = "50")))]
        messages_limit: MessagesLimit,
    ) -> Result<SerdeJson<RoomPage>, Errors<{ E400 | E401 | E404 }>> {
        let pages = PageRequest::parse(&PageParams {
            page: raw(page.0),
            page_size: page_size.0,
            limit: limit.0,
            offset: offset.0,
        })?;
        let (count, views) = service::list(
            &state.store,
            auth.0.id,
            pages.window_before_count(),
            &|count| pages.window(count),
            messages_limit.0,
        )
        .await?;
        Ok(SerdeJson(RoomPage::new(
            pages.links(count, &RequestUrl::of(req)),
            rooms(views),
        )))
    }

    /// Create a room
    ///
    /// The caller is always a participant. A ONE_TO_ONE room has exactly two participants;
    /// asking again for a pair that has one returns that room with 200.
    #[oai(path = "/", method = "post", operation_id = "rooms_create")]
    async fn rooms_create(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        body: JsonBody<RoomWrite>,
    ) -> Result<RoomCreated, Errors<{ BODY | E401 }>> {
        Ok(
            match service::create_from_body(&state, auth.0.id, body.fields()?).await? {
                Created::New(room) => RoomCreated::Created(SerdeJson(room.into())),
                Created::Existing(room) => RoomCreated::Existing(SerdeJson(room.into())),
            },
        )
    }

    /// Get a room
    ///
    /// 404 for a room that does not exist or that the caller is not in.
    #[oai(path = "/:id/", method = "get", operation_id = "rooms_retrieve")]
    async fn rooms_retrieve(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        id: Path<i64>,
        /// How many of the room's newest messages its `messages` preview holds: 0 to 50
        /// (default 1).
        #[oai(validator(minimum(value = "0"), maximum(value = "50")))]
        messages_limit: MessagesLimit,
    ) -> Result<SerdeJson<Room>, Errors<{ E400 | E401 | E404 }>> {
        let room = service::retrieve(&state.store, auth.0.id, id.0, messages_limit.0).await?;
        Ok(SerdeJson(room.into()))
    }

    /// Replace a room
    ///
    /// Participants may rename the room and add people. Removing others or changing the
    /// type of a GROUP/COURSE room is the creator's alone (403). A ONE_TO_ONE room keeps its
    /// two participants and its type (400).
    #[oai(path = "/:id/", method = "put", operation_id = "rooms_update")]
    async fn rooms_update(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        id: Path<i64>,
        body: JsonBody<RoomWrite>,
    ) -> Result<SerdeJson<Room>, Errors<{ BODY | E401 | E403 | E404 }>> {
        let room = service::update(&state, auth.0.id, id.0, || body.fields(), false).await?;
        Ok(SerdeJson(room.into()))
    }

    /// Update a room partially
    ///
    /// As PUT, with every field optional.
    #[oai(
        path = "/:id/",
        method = "patch",
        operation_id = "rooms_partial_update"
    )]
    async fn rooms_partial_update(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        id: Path<i64>,
        body: JsonBody<RoomPatch, false>,
    ) -> Result<SerdeJson<Room>, Errors<{ BODY | E401 | E403 | E404 }>> {
        let room = service::update(&state, auth.0.id, id.0, || body.fields(), true).await?;
        Ok(SerdeJson(room.into()))
    }

    /// Delete a room
    ///
    /// The creator may delete a room, and either member a ONE_TO_ONE room; its messages go
    /// with it.
    #[oai(path = "/:id/", method = "delete", operation_id = "rooms_destroy")]
    async fn rooms_destroy(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        id: Path<i64>,
    ) -> Result<RoomDeleted, Errors<{ E401 | E403 | E404 }>> {
        service::delete(&state, auth.0.id, id.0).await?;
        Ok(RoomDeleted::NoContent)
    }
}
