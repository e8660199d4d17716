//! `/api/chat/rooms/`: the rooms the caller participates in (seeds 001 and 003).

use std::collections::BTreeSet;
use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Serialize;

use super::ApiTags;
use super::body::JsonBody;
use super::error::{ApiError, BODY, E400, E401, E403, E404, Errors};
use super::messages::{Message, messages};
use super::pagination::{PageParams, PageRequest, RequestUrl, numbered_page};
use super::params::{LenientInt, raw};
use super::payload::SerdeJson;
use super::trimmed::TrimmedText;
use crate::auth::BearerAuth;
use crate::domain::fields::{Fields, nullable_primary_keys, string};
use crate::domain::rooms::{self, RoomChange, RoomFacts, RoomType};
use crate::domain::text::RoomName;
use crate::domain::views;
use crate::service::rooms as room_events;
use crate::service::rooms::{self as room_service, member_room, room_type_of};
use crate::startup::AppState;
use crate::store::{NewRoom, RoomUpdate, Store};

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
            created_at: "2025-07-05T16:44:51.889737Z".into(),
            updated_at: "2025-07-05T16:44:51.889737Z".into(),
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

/// The kind of a room (seed 003).
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
    "A page of rooms (seed 003's envelope; `limit`/`offset` fill it too)."
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
pub struct RoomPatch {
    pub name: Option<TrimmedText<{ RoomName::MAX }>>,
    pub room_type: Option<RoomTypeObject>,
    /// The new participant list (replaces the old one; the creator stays). `null` is the same
    /// as leaving it out; `[]` leaves only the creator.
    #[oai(nullable, validator(max_items = 500))]
    pub participants: Option<Vec<i64>>,
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
pub(super) use crate::service::rooms::DEFAULT_MESSAGES_LIMIT;

fn room_name(value: &serde_json::Value) -> Result<RoomName, String> {
    string(value).and_then(|s| RoomName::parse(&s))
}

fn room_type(value: &serde_json::Value) -> Result<RoomType, String> {
    string(value).and_then(|s| RoomType::parse(&s))
}

/// Adds DRF's "Invalid pk" error for the first id that names no user.
async fn check_users_exist(
    store: &Store,
    fields: &mut Fields,
    field: &str,
    ids: &[i64],
) -> Result<(), ApiError> {
    if let Some(missing) = store.missing_user_ids(ids).await?.first() {
        fields.error(
            field,
            format!("Invalid pk \"{missing}\" - object does not exist."),
        );
    }
    Ok(())
}

/// The room object of `id` as `viewer` sees it.
pub(super) async fn load_room(
    store: &Store,
    id: i64,
    messages_limit: i64,
    viewer: i64,
) -> Result<Room, ApiError> {
    room_service::room(store, id, messages_limit, viewer)
        .await
        .map(Room::from)
}

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
        page: Query<Option<LenientInt>>,
        page_size: Query<Option<i64>>,
        limit: Query<Option<i64>>,
        offset: Query<Option<i64>>,
        #[oai(validator(minimum(value = "0"), maximum(value = "50")))]
        messages_limit: MessagesLimit,
    ) -> Result<SerdeJson<RoomPage>, Errors<{ E400 | E401 | E404 }>> {
        let pages = PageRequest::parse(&PageParams {
            page: raw(page.0),
            page_size: page_size.0,
            limit: limit.0,
            offset: offset.0,
        })?;
        let (limit, offset) = match pages.window_before_count() {
            Some(window) => window,
            None => pages.window(state.store.count_rooms(auth.0.id).await?)?,
        };
        let (count, details) = state
            .store
            .rooms_page(
                auth.0.id,
                limit,
                offset,
                messages_limit.0.unwrap_or(DEFAULT_MESSAGES_LIMIT),
            )
            .await?;
        pages.window(count)?;
        let rooms = rooms(room_service::views(&state.store, auth.0.id, details).await?);
        Ok(SerdeJson(RoomPage::new(
            pages.links(count, &RequestUrl::of(req)),
            rooms,
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
        let mut fields = body.fields()?;
        let name = fields.required("name", room_name);
        let room_type = fields.required("room_type", room_type);
        let requested = fields
            .optional("participants", nullable_primary_keys)
            .flatten()
            .unwrap_or_default();
        check_users_exist(&state.store, &mut fields, "participants", &requested).await?;
        let (name, room_type) = fields.finish(name.zip(room_type))?;

        let members =
            rooms::new_room_members(auth.0.id, &requested, room_type).map_err(ApiError::from)?;
        let direct_key = (room_type == RoomType::OneToOne)
            .then(|| rooms::direct_key(&members))
            .flatten();
        let (id, existed) = state
            .store
            .create_room(NewRoom {
                name: name.as_str(),
                room_type: room_type.as_str(),
                created_by: auth.0.id,
                members: &members,
                direct_key,
            })
            .await?;
        if !existed {
            room_events::created(&state, id, &members);
        }
        let room = load_room(&state.store, id, DEFAULT_MESSAGES_LIMIT, auth.0.id).await?;
        Ok(if existed {
            RoomCreated::Existing(SerdeJson(room))
        } else {
            RoomCreated::Created(SerdeJson(room))
        })
    }

    /// Get a room
    ///
    /// 404 for a room that does not exist or that the caller is not in.
    #[oai(path = "/:id/", method = "get", operation_id = "rooms_retrieve")]
    async fn rooms_retrieve(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        #[oai(validator(minimum(value = "0"), maximum(value = "50")))]
        messages_limit: MessagesLimit,
    ) -> Result<SerdeJson<Room>, Errors<{ E400 | E401 | E404 }>> {
        member_room(&state.store, id.0, auth.0.id).await?;
        let limit = messages_limit.0.unwrap_or(DEFAULT_MESSAGES_LIMIT);
        Ok(SerdeJson(
            load_room(&state.store, id.0, limit, auth.0.id).await?,
        ))
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
        id: Path<i64>,
        body: JsonBody<RoomWrite>,
    ) -> Result<SerdeJson<Room>, Errors<{ BODY | E401 | E403 | E404 }>> {
        Ok(SerdeJson(
            update(&state, auth.0.id, id.0, || body.fields(), false).await?,
        ))
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
        id: Path<i64>,
        body: JsonBody<RoomPatch, false>,
    ) -> Result<SerdeJson<Room>, Errors<{ BODY | E401 | E403 | E404 }>> {
        Ok(SerdeJson(
            update(&state, auth.0.id, id.0, || body.fields(), true).await?,
        ))
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
        id: Path<i64>,
    ) -> Result<RoomDeleted, Errors<{ E401 | E403 | E404 }>> {
        delete(&state, auth.0.id, id.0).await?;
        Ok(RoomDeleted::NoContent)
    }
}

/// Deletes a room the caller is in (404 otherwise), if they may (403 otherwise).
pub(super) async fn delete(state: &AppState, caller: i64, room_id: i64) -> Result<(), ApiError> {
    let room = member_room(&state.store, room_id, caller).await?;
    if !rooms::may_delete(room_type_of(&room)?, room.created_by, caller) {
        return Err(ApiError::Forbidden);
    }
    state.store.delete_room(room.id).await?;
    room_events::deleted(state, room.id);
    Ok(())
}

/// PUT (`partial = false`: name and type required) and PATCH.
pub(super) async fn update(
    state: &AppState,
    caller: i64,
    room_id: i64,
    body: impl FnOnce() -> Result<Fields, ApiError>,
    partial: bool,
) -> Result<Room, ApiError> {
    // Membership first: an outsider's malformed body is a 404, not a 400.
    let room = member_room(&state.store, room_id, caller).await?;
    let mut fields = body()?;
    let (name, new_type) = if partial {
        (
            fields.optional("name", room_name),
            fields.optional("room_type", room_type),
        )
    } else {
        (
            fields.required("name", room_name),
            fields.required("room_type", room_type),
        )
    };
    let requested = fields
        .optional("participants", nullable_primary_keys)
        .flatten();
    if let Some(ids) = &requested {
        check_users_exist(&state.store, &mut fields, "participants", ids).await?;
    }
    fields.finish(Some(()))?;

    let current: BTreeSet<i64> = state.store.room_members(room_id).await?;
    let facts = RoomFacts {
        room_type: room_type_of(&room)?,
        created_by: room.created_by,
        participants: &current,
    };
    let change = RoomChange {
        room_type: new_type,
        participants: requested,
    };
    let members = rooms::plan_update(&facts, caller, &change).map_err(ApiError::from)?;
    state
        .store
        .update_room(
            room_id,
            RoomUpdate {
                name: name.as_ref().map(RoomName::as_str),
                room_type: new_type.map(RoomType::as_str),
                members: change.participants.is_some().then_some(&members),
            },
        )
        .await?;
    if change.participants.is_some() {
        room_events::members_changed(state, room_id, &current, &members);
    }
    load_room(&state.store, room_id, DEFAULT_MESSAGES_LIMIT, caller).await
}
