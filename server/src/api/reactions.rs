//! `/api/chat/rooms/{room_id}/messages/{id}/reactions/`: emoji reactions, one per user per
//! emoji. The message routes' rules apply: 403 for a room the caller is not in, 404 for a
//! message not in that room.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::bearer::BearerAuth;
use super::body::JsonBody;
use super::error::{BODY, E401, E403, E404, E429, Errors};
use super::messages::Message;
use super::payload::SerdeJson;
use crate::service::reactions::{self as service, Added};
use crate::startup::AppState;

#[derive(Object)]
#[oai(example)]
pub struct ReactionWrite {
    /// One emoji (with any skin tone); `❤` and `❤️` are the same reaction.
    #[oai(validator(min_length = 1))]
    pub emoji: String,
}

impl Example for ReactionWrite {
    fn example() -> Self {
        Self {
            emoji: "👍".into()
        }
    }
}

#[derive(ApiResponse)]
pub enum ReactionAdded {
    /// Added: the message with its reactions.
    #[oai(status = 201)]
    Created(SerdeJson<Message>),
    /// The caller had already reacted so: the message, unchanged.
    #[oai(status = 200)]
    Existing(SerdeJson<Message>),
}

#[derive(ApiResponse)]
pub enum ReactionRemoved {
    #[oai(status = 204)]
    NoContent,
}

pub struct ReactionsApi;

#[OpenApi(tag = "ApiTags::Messages")]
impl ReactionsApi {
    /// React to a message
    ///
    /// Any participant. The room's sockets hear `reaction.added`. Throttled with message
    /// creation.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/:id/reactions/",
        method = "post",
        operation_id = "messages_reactions_create"
    )]
    async fn messages_reactions_create(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        room_id: Path<i64>,
        /// The message's id, in that room.
        id: Path<i64>,
        body: JsonBody<ReactionWrite>,
    ) -> Result<ReactionAdded, Errors<{ BODY | E401 | E403 | E404 | E429 }>> {
        let added = service::add(&state, &auth.0, room_id.0, id.0, || body.fields()).await?;
        Ok(match added {
            Added::Created(message) => ReactionAdded::Created(SerdeJson(message.into())),
            Added::Existing(message) => ReactionAdded::Existing(SerdeJson(message.into())),
        })
    }

    /// Remove a reaction
    ///
    /// The caller's own reaction with that emoji (URL-encoded in the path). The room's
    /// sockets hear `reaction.removed`. 404 if the caller had not reacted so.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/:id/reactions/:emoji/",
        method = "delete",
        operation_id = "messages_reactions_destroy"
    )]
    async fn messages_reactions_destroy(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        room_id: Path<i64>,
        /// The message's id, in that room.
        id: Path<i64>,
        /// The emoji, URL-encoded (`%F0%9F%91%8D` for 👍).
        emoji: Path<String>,
    ) -> Result<ReactionRemoved, Errors<{ E401 | E403 | E404 }>> {
        service::remove(&state, &auth.0, room_id.0, id.0, &emoji.0).await?;
        Ok(ReactionRemoved::NoContent)
    }
}
