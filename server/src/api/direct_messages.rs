//! Seed 002's REST routes: `/{chat_room_id}/messages/`, over the main API's message code.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::bearer::BearerAuth;
use super::body::JsonBody;
use super::error::{ApiError, BODY, E400, E401, E403, E404, E409, E429, Errors};
use super::messages::{EXAMPLE_CLIENT_ID, Message, MessageCreated, messages};
use super::pagination::offset_window;
use super::payload::SerdeJson;
use super::trimmed::TrimmedText;
use crate::domain::fields::primary_key;
use crate::domain::text::Content;
use crate::service::members;
use crate::service::messages::{self as service, Sent};
use crate::startup::AppState;

/// A message to send, naming its room and sender as these clients do.
#[derive(Object)]
#[oai(example)]
pub struct DirectMessageCreate {
    /// Trimmed, not blank; at most 10,000 characters as sent.
    pub content: TrimmedText<{ Content::MAX }>,
    /// If sent, must be the room of the URL.
    pub chat_room: Option<i64>,
    /// If sent, must be the caller (403 otherwise).
    pub sender: Option<i64>,
    /// Idempotency key, as on the main API: the same one again returns the first message
    /// (200), with other content 409. `null` is the same as leaving it out.
    #[oai(nullable)]
    pub client_id: Option<uuid::Uuid>,
}

impl Example for DirectMessageCreate {
    fn example() -> Self {
        Self {
            content: "Hello everyone! How are you doing today?".into(),
            chat_room: Some(1),
            sender: Some(2),
            client_id: Some(EXAMPLE_CLIENT_ID),
        }
    }
}

pub struct DirectMessagesApi;

#[OpenApi(tag = "ApiTags::DirectMessages")]
impl DirectMessagesApi {
    /// List a room's messages (one-to-one client route)
    ///
    /// Oldest first, at most 100 a call (`limit`, `offset`). Participants only (403).
    #[oai(
        path = "/:chat_room_id/messages/",
        method = "get",
        operation_id = "direct_messages_list"
    )]
    async fn direct_messages_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        chat_room_id: Path<i64>,
        /// At most this many messages: default 100, at most 100 (a larger value counts as
        /// 100, zero or less as the default).
        limit: Query<Option<i64>>,
        /// How many messages to skip, oldest first: default 0 (a negative value counts as 0).
        offset: Query<Option<i64>>,
    ) -> Result<Json<Vec<Message>>, Errors<{ E400 | E401 | E403 | E404 }>> {
        members::require_member(&state.store, chat_room_id.0, auth.0.id).await?;
        let (limit, offset) = offset_window(limit.0, offset.0);
        let listed =
            service::by_offset(&state.store, auth.0.id, Some(chat_room_id.0), limit, offset)
                .await?;
        Ok(Json(messages(listed)))
    }

    /// Send a message (one-to-one client route)
    ///
    /// Stored and announced exactly like `POST /api/chat/rooms/{room_id}/messages/`; `sender`
    /// must be the caller and `chat_room` the room of the URL.
    #[oai(
        path = "/:chat_room_id/messages/",
        method = "post",
        operation_id = "direct_messages_create"
    )]
    async fn direct_messages_create(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        chat_room_id: Path<i64>,
        body: JsonBody<DirectMessageCreate>,
    ) -> Result<MessageCreated, Errors<{ BODY | E401 | E403 | E404 | E409 | E429 }>> {
        let room_id = chat_room_id.0;
        let body = || {
            let mut fields = body.fields()?;
            if let Some(named) = fields.optional("chat_room", primary_key)
                && named != room_id
            {
                fields.error("chat_room", "Must be the room of the URL.");
            }
            // Seed 002 calls the sender `sender`; the main API checks it as `sender_id`.
            fields.rename("sender", "sender_id");
            Ok(fields)
        };
        match service::send(&state, &auth.0, room_id, body).await {
            Ok(Sent::Created(message)) => Ok(MessageCreated::Created(SerdeJson(message.into()))),
            Ok(Sent::Replayed(message)) => Ok(MessageCreated::Existing(SerdeJson(message.into()))),
            // Errors about the sender under the name this client sent.
            Err(ApiError::Validation(mut errors)) => {
                if let Some(messages) = errors.remove("sender_id") {
                    errors.insert("sender".into(), messages);
                }
                Err(ApiError::Validation(errors).into())
            }
            Err(err) => Err(err.into()),
        }
    }
}
