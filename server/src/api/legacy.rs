//! Seed 000's flat routes (`/chatrooms/...`, `/messages/...`): thin adapters over the main
//! API's rooms and messages code, with seed 000's envelopes. JSON or form bodies; errors in its
//! `{"error": ..., "status": ...}` shape (the `DrfErrors` middleware reshapes them by path).

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::bearer::BearerAuth;
use super::body::JsonOrFormBody;
use super::error::{ApiError, BODY, E400, E401, E403, E404, E429, Errors, LegacyError};
use super::messages::{Message, ReplyPreview, messages};
use super::pagination::offset_window;
use super::rooms::{self, Room, RoomTypeObject};
use super::trimmed::TrimmedText;
use crate::domain::fields::primary_key;
use crate::domain::messages::SendMessage;
use crate::domain::text::Content;
use crate::service::members::require_participant;
use crate::service::messages as service;
use crate::service::rooms as room_service;
use crate::startup::AppState;

/// The errors of a legacy operation, documented with the legacy `{"error", "status"}` body.
type LegacyErrors<const S: u32> = Errors<S, LegacyError>;

/// `POST /chatrooms/create`: the two users of a ONE_TO_ONE room.
#[derive(Object)]
#[oai(example)]
pub struct LegacyRoomCreate {
    /// User id of one participant; the caller must be one of the two.
    pub participant1: i64,
    /// User id of the other participant.
    pub participant2: i64,
}

impl Example for LegacyRoomCreate {
    fn example() -> Self {
        Self {
            participant1: 1,
            participant2: 2,
        }
    }
}

/// `PUT /chatrooms/{id}/`: the two users the room's participants become.
#[derive(Object)]
#[oai(example)]
pub struct LegacyRoomUpdate {
    /// User id of one participant.
    pub participant1: i64,
    /// User id of the other participant.
    pub participant2: i64,
}

impl Example for LegacyRoomUpdate {
    fn example() -> Self {
        Self {
            participant1: 1,
            participant2: 2,
        }
    }
}

/// A room under `chat_room`, and what was done under `message`.
#[derive(Object)]
#[oai(example)]
pub struct LegacyRoomReply {
    /// What was done, in words.
    pub message: String,
    pub chat_room: Room,
}

impl Example for LegacyRoomReply {
    /// User 1 opening a room with user 2: a new ONE_TO_ONE room named after both.
    fn example() -> Self {
        Self {
            message: "Chat room created successfully.".into(),
            chat_room: Room {
                id: 2,
                name: "tutor & edulite".into(),
                room_type: RoomTypeObject::OneToOne,
                participants: vec![1, 2],
                created_by: 1,
                messages: vec![],
                unread_count: 0,
                mention_count: 0,
                created_at: "2023-10-01T15:20:08.774120Z".into(),
                updated_at: "2023-10-01T15:20:08.774120Z".into(),
            },
        }
    }
}

/// The caller's rooms under `chat_rooms`, and what was done under `message`.
#[derive(Object)]
#[oai(example)]
pub struct LegacyRoomList {
    /// What was done, in words.
    pub message: String,
    pub chat_rooms: Vec<Room>,
}

impl Example for LegacyRoomList {
    fn example() -> Self {
        Self {
            message: "Chat rooms retrieved successfully.".into(),
            chat_rooms: vec![Room::example()],
        }
    }
}

/// `POST /messages/create`.
#[derive(Object)]
#[oai(example)]
pub struct LegacyMessageCreate {
    /// The room to post in; the caller must be in it.
    pub chat_room: i64,
    /// Trimmed, not blank; at most 10,000 characters as sent.
    pub content: TrimmedText<{ Content::MAX }>,
}

impl Example for LegacyMessageCreate {
    fn example() -> Self {
        Self {
            chat_room: 1,
            content: "Hello everyone! How are you doing today?".into(),
        }
    }
}

/// `PUT /messages/{id}/`.
#[derive(Object)]
#[oai(example)]
pub struct LegacyMessageUpdate {
    /// If sent, must be the message's room.
    pub chat_room: Option<i64>,
    pub content: TrimmedText<{ Content::MAX }>,
}

impl Example for LegacyMessageUpdate {
    fn example() -> Self {
        Self {
            chat_room: Some(1),
            content: "Hello everyone! How is the homework going?".into(),
        }
    }
}

/// A message under `message`, and what was done under `detail`.
#[derive(Object)]
#[oai(example)]
pub struct LegacyMessageReply {
    /// What was done, in words.
    pub detail: String,
    pub message: Message,
}

impl Example for LegacyMessageReply {
    /// The example message as these routes send it: no `client_id`, no `reply_to`.
    fn example() -> Self {
        Self {
            detail: "Message sent successfully.".into(),
            message: Message {
                client_id: None,
                reply_to: None,
                reply_preview: None,
                reactions: vec![],
                ..Message::example()
            },
        }
    }
}

/// Messages under `messages`, oldest first, and what was done under `detail`.
#[derive(Object)]
#[oai(example)]
pub struct LegacyMessageList {
    /// What was done, in words.
    pub detail: String,
    pub messages: Vec<Message>,
}

impl Example for LegacyMessageList {
    /// Message 14 and the example message, which answers it.
    fn example() -> Self {
        let quoted = ReplyPreview::example();
        let first = Message {
            id: quoted.id,
            chat_room: 1,
            sender: quoted.sender,
            sender_id: quoted.sender_id,
            content: quoted.content,
            created_at: "2023-10-01T14:25:00.000000Z".into(),
            updated_at: None,
            is_read: true,
            client_id: None,
            reply_to: None,
            reply_preview: None,
            reactions: vec![],
            mentions: vec![2],
        };
        Self {
            detail: "Messages retrieved successfully.".into(),
            messages: vec![first, Message::example()],
        }
    }
}

/// What a legacy message delete answers (the text under `detail`, as for every message reply).
#[derive(Object)]
#[oai(example)]
pub struct LegacyDone {
    /// What was done, in words.
    pub detail: String,
}

impl Example for LegacyDone {
    fn example() -> Self {
        Self {
            detail: "Message deleted successfully.".into(),
        }
    }
}

/// What a legacy room delete answers (the text under `message`, as for every room reply).
#[derive(Object)]
#[oai(example)]
pub struct LegacyRoomDone {
    /// What was done, in words.
    pub message: String,
}

impl Example for LegacyRoomDone {
    fn example() -> Self {
        Self {
            message: "Chat room deleted successfully.".into(),
        }
    }
}

pub struct LegacyApi;

#[OpenApi(tag = "ApiTags::Legacy")]
impl LegacyApi {
    /// Create a one-to-one room (legacy)
    ///
    /// Deprecated: use `POST /api/chat/rooms/` with `room_type` `ONE_TO_ONE`. The pair's room is
    /// created, or the existing one returned; the caller must be one of the two (403).
    #[oai(
        path = "/chatrooms/create",
        method = "post",
        operation_id = "legacy_rooms_create",
        deprecated
    )]
    async fn legacy_rooms_create(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        body: JsonOrFormBody<LegacyRoomCreate>,
    ) -> Result<Json<LegacyRoomReply>, LegacyErrors<{ BODY | E401 | E403 }>> {
        let fields = body.fields_with_integers(&["participant1", "participant2"])?;
        let room = room_service::create_pair(&state, auth.0.id, fields).await?;
        Ok(Json(LegacyRoomReply {
            message: "Chat room created successfully.".into(),
            chat_room: room.into(),
        }))
    }

    /// List the caller's rooms (legacy)
    ///
    /// Deprecated: use `GET /api/chat/rooms/`. With `participant`, only the rooms that user is
    /// in too; most recent activity first.
    #[oai(
        path = "/chatrooms/",
        method = "get",
        operation_id = "legacy_rooms_list",
        deprecated
    )]
    async fn legacy_rooms_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// A user id: only the rooms the caller shares with that user.
        participant: Query<Option<i64>>,
    ) -> Result<Json<LegacyRoomList>, LegacyErrors<{ E400 | E401 }>> {
        let views = room_service::shared_with(&state.store, auth.0.id, participant.0).await?;
        Ok(Json(LegacyRoomList {
            message: "Chat rooms retrieved successfully.".into(),
            chat_rooms: rooms::rooms(views),
        }))
    }

    /// Set a room's participants (legacy)
    ///
    /// Deprecated: use `PATCH /api/chat/rooms/{id}/` with `participants`. The same rules: any
    /// participant may add, only the creator remove others (403), a ONE_TO_ONE room keeps its
    /// pair (400).
    #[oai(
        path = "/chatrooms/:id/",
        method = "put",
        operation_id = "legacy_rooms_update",
        deprecated
    )]
    async fn legacy_rooms_update(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        id: Path<i64>,
        body: JsonOrFormBody<LegacyRoomUpdate>,
    ) -> Result<Json<LegacyRoomReply>, LegacyErrors<{ BODY | E401 | E403 | E404 }>> {
        let body = || body.fields_with_integers(&["participant1", "participant2"]);
        let room = room_service::set_pair(&state, auth.0.id, id.0, body).await?;
        Ok(Json(LegacyRoomReply {
            message: "Chat room updated successfully.".into(),
            chat_room: room.into(),
        }))
    }

    /// Delete a room (legacy)
    ///
    /// Deprecated: use `DELETE /api/chat/rooms/{id}/`. The creator, or either member of a
    /// ONE_TO_ONE room; other participants get 403.
    #[oai(
        path = "/chatrooms/:id/",
        method = "delete",
        operation_id = "legacy_rooms_destroy",
        deprecated
    )]
    async fn legacy_rooms_destroy(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        id: Path<i64>,
    ) -> Result<Json<LegacyRoomDone>, LegacyErrors<{ E401 | E403 | E404 }>> {
        require_participant(&state, id.0, auth.0.id).await?;
        room_service::delete(&state, auth.0.id, id.0).await?;
        Ok(Json(LegacyRoomDone {
            message: "Chat room deleted successfully.".into(),
        }))
    }

    /// Send a message (legacy)
    ///
    /// Deprecated: use `POST /api/chat/rooms/{room_id}/messages/`. Stored and announced exactly
    /// like it; 200 with the message under `message`.
    #[oai(
        path = "/messages/create",
        method = "post",
        operation_id = "legacy_messages_create",
        deprecated
    )]
    async fn legacy_messages_create(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        body: JsonOrFormBody<LegacyMessageCreate>,
    ) -> Result<Json<LegacyMessageReply>, LegacyErrors<{ BODY | E401 | E403 | E404 | E429 }>> {
        let fields = body.fields_with_integers(&["chat_room"])?;
        let (room_id, draft) = SendMessage::parse_legacy(fields)?;
        require_participant(&state, room_id, auth.0.id).await?;
        let message = match service::send_parsed(&state, &auth.0, room_id, || Ok(draft)).await? {
            service::Sent::Created(message) | service::Sent::Replayed(message) => message.into(),
        };
        Ok(Json(LegacyMessageReply {
            detail: "Message sent successfully.".into(),
            message,
        }))
    }

    /// List messages (legacy)
    ///
    /// Deprecated: use `GET /api/chat/rooms/{room_id}/messages/`. Oldest first, at most 100 a
    /// call (`limit`, `offset`); without `chat_room`, the messages of every room of the caller.
    #[oai(
        path = "/messages/",
        method = "get",
        operation_id = "legacy_messages_list",
        deprecated
    )]
    async fn legacy_messages_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// A room id: only that room's messages (404 if there is no such room, 403 if the
        /// caller is not in it). Without it, the messages of every room of the caller.
        chat_room: Query<Option<i64>>,
        /// At most this many messages: default 100, at most 100 (a larger value counts as
        /// 100, zero or less as the default).
        limit: Query<Option<i64>>,
        /// How many messages to skip, oldest first: default 0 (a negative value counts as 0).
        offset: Query<Option<i64>>,
    ) -> Result<Json<LegacyMessageList>, LegacyErrors<{ E400 | E401 | E403 | E404 }>> {
        if let Some(room_id) = chat_room.0 {
            require_participant(&state, room_id, auth.0.id).await?;
        }
        let (limit, offset) = offset_window(limit.0, offset.0);
        let listed =
            service::by_offset(&state.store, auth.0.id, chat_room.0, limit, offset).await?;
        Ok(Json(LegacyMessageList {
            detail: "Messages retrieved successfully.".into(),
            messages: messages(listed),
        }))
    }

    /// Edit a message (legacy)
    ///
    /// Deprecated: use `PUT /api/chat/rooms/{room_id}/messages/{id}/`. The author only (403);
    /// throttled with message creation.
    #[oai(
        path = "/messages/:id/",
        method = "put",
        operation_id = "legacy_messages_update",
        deprecated
    )]
    async fn legacy_messages_update(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The message's id.
        id: Path<i64>,
        body: JsonOrFormBody<LegacyMessageUpdate>,
    ) -> Result<Json<LegacyMessageReply>, LegacyErrors<{ BODY | E401 | E403 | E404 | E429 }>> {
        let room_id = room_of_message(&state, id.0).await?;
        let body = || {
            let mut fields = body.fields_with_integers(&["chat_room"])?;
            if let Some(named) = fields.optional("chat_room", primary_key)
                && named != room_id
            {
                fields.error("chat_room", "Must be the message's room.");
            }
            Ok(fields)
        };
        let message = service::edit(&state, auth.0.id, room_id, id.0, body, false).await?;
        Ok(Json(LegacyMessageReply {
            detail: "Message updated successfully.".into(),
            message: message.into(),
        }))
    }

    /// Delete a message (legacy)
    ///
    /// Deprecated: use `DELETE /api/chat/rooms/{room_id}/messages/{id}/`. The author only (403).
    #[oai(
        path = "/messages/:id/",
        method = "delete",
        operation_id = "legacy_messages_destroy",
        deprecated
    )]
    async fn legacy_messages_destroy(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The message's id.
        id: Path<i64>,
    ) -> Result<Json<LegacyDone>, LegacyErrors<{ E401 | E403 | E404 }>> {
        let room_id = room_of_message(&state, id.0).await?;
        service::delete(&state, auth.0.id, room_id, id.0).await?;
        Ok(Json(LegacyDone {
            detail: "Message deleted successfully.".into(),
        }))
    }
}

/// The room of a message, or 404.
async fn room_of_message(state: &AppState, id: i64) -> Result<i64, ApiError> {
    state
        .store
        .message_by_id(id)
        .await?
        .map(|row| row.room_id)
        .ok_or(ApiError::NotFound)
}
