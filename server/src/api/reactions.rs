//! `/api/chat/rooms/{room_id}/messages/{id}/reactions/`: emoji reactions, one per user per
//! emoji. The message routes' rules apply: 403 for a room the caller is not in, 404 for a
//! message not in that room.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::error::{ApiError, BODY, E401, E403, E404, E429, Errors};
use super::messages::Message;
use super::payload::SerdeJson;
use crate::auth::{BearerAuth, CurrentUser};
use crate::domain::emoji;
use crate::domain::fields::string;
use crate::realtime::{Broadcast, Event};
use crate::service::messages::{find, render_one, require_member};
use crate::startup::AppState;
use crate::store::Reacted;

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
        room_id: Path<i64>,
        id: Path<i64>,
        body: JsonBody<ReactionWrite>,
    ) -> Result<ReactionAdded, Errors<{ BODY | E401 | E403 | E404 | E429 }>> {
        let caller = &auth.0;
        require_member(&state.store, room_id.0, caller.id).await?;
        // As DRF: throttles after permissions, before the object is looked up.
        state
            .throttles
            .message(caller.id)
            .await?
            .map_err(ApiError::Throttled)?;
        let message = find(&state.store, room_id.0, id.0).await?;
        let mut fields = body.fields()?;
        let emoji = fields.required("emoji", |value| {
            string(value).and_then(|s| emoji::parse(&s))
        });
        let emoji = fields.finish(emoji)?;
        let (added, count) = match state
            .store
            .add_reaction(message.id, caller.id, emoji)
            .await?
        {
            Reacted::Done { added, count } => (added, count),
            Reacted::MessageGone => return Err(ApiError::NotFound.into()),
        };
        if added {
            publish(&state, caller, room_id.0, message.id, emoji, count, true);
        }
        let message = Message::from(render_one(&state.store, Some(caller.id), message).await?);
        Ok(if added {
            ReactionAdded::Created(SerdeJson(message))
        } else {
            ReactionAdded::Existing(SerdeJson(message))
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
        room_id: Path<i64>,
        id: Path<i64>,
        emoji: Path<String>,
    ) -> Result<ReactionRemoved, Errors<{ E401 | E403 | E404 }>> {
        let caller = &auth.0;
        require_member(&state.store, room_id.0, caller.id).await?;
        let message = find(&state.store, room_id.0, id.0).await?;
        let emoji = emoji::parse(&emoji.0).map_err(|_| ApiError::NotFound)?;
        let count = state
            .store
            .remove_reaction(message.id, caller.id, emoji)
            .await?
            .ok_or(ApiError::NotFound)?;
        publish(&state, caller, room_id.0, message.id, emoji, count, false);
        Ok(ReactionRemoved::NoContent)
    }
}

fn publish(
    state: &AppState,
    caller: &CurrentUser,
    room_id: i64,
    message_id: i64,
    emoji: &str,
    count: i64,
    added: bool,
) {
    let event = if added {
        Event::ReactionAdded {
            chat_room: room_id,
            message_id,
            emoji,
            user_id: caller.id,
            username: &caller.username,
            count,
        }
    } else {
        Event::ReactionRemoved {
            chat_room: room_id,
            message_id,
            emoji,
            user_id: caller.id,
            username: &caller.username,
            count,
        }
    };
    state.realtime.bus.publish(Broadcast::Event {
        room_id,
        json: event.to_text(),
        except_user: None,
    });
}
