//! `/api/chat/rooms/{room_id}/messages/`: a room's messages (seeds 001 and 004).
//!
//! Every route answers 403 when the room does not exist or the caller is not in it (seed
//! 004), and 404 for a message id that is not in that room.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Serialize;
use uuid::Uuid;

use super::ApiTags;
use super::bearer::BearerAuth;
use super::body::JsonBody;
use super::error::{ApiError, BODY, E400, E401, E403, E404, E409, E429, Errors};
use super::pagination::{Cursor, CursorPage, EXAMPLE_ORIGIN, RequestUrl, positive_capped};
use super::payload::SerdeJson;
use super::trimmed::TrimmedText;
use crate::domain::text::Content;
use crate::domain::views;
use crate::service::members;
use crate::service::messages::{self as service, Sent};
use crate::startup::AppState;

#[derive(Object, Serialize, Debug, Clone)]
#[oai(example)]
pub struct Message {
    pub id: i64,
    /// The room's id.
    pub chat_room: i64,
    /// The sender's username.
    pub sender: String,
    pub sender_id: i64,
    pub content: String,
    /// RFC 3339 UTC with microseconds.
    pub created_at: String,
    /// When the content was last edited; null until then.
    #[oai(nullable)]
    pub updated_at: Option<String>,
    pub is_read: bool,
    /// The sender's idempotency key, if one was sent.
    #[oai(nullable)]
    pub client_id: Option<Uuid>,
    /// The message of the same room this one answers; null if none, or once it is deleted.
    #[oai(nullable)]
    pub reply_to: Option<i64>,
    /// The start of `reply_to`, to quote above this message; null when `reply_to` is.
    #[oai(nullable)]
    pub reply_preview: Option<ReplyPreview>,
    /// Emoji reactions, each once with how many users chose it, first chosen first.
    pub reactions: Vec<Reaction>,
    /// Ids of the participants the content names as `@username`, ascending.
    pub mentions: Vec<i64>,
}

/// One emoji on a message.
#[derive(Object, Serialize, Debug, Clone)]
#[oai(example)]
pub struct Reaction {
    pub emoji: String,
    /// How many users reacted with it.
    pub count: i64,
    /// Whether the caller is one of them (always false in realtime events, which every
    /// subscriber shares: follow `reaction.added`/`reaction.removed` instead).
    pub me: bool,
}

/// A reply's quote of the message it answers.
#[derive(Object, Serialize, Debug, Clone)]
#[oai(example)]
pub struct ReplyPreview {
    pub id: i64,
    /// The sender's username.
    pub sender: String,
    pub sender_id: i64,
    /// The first 100 characters of its content, with `…` when there were more.
    pub content: String,
}

impl Example for Reaction {
    fn example() -> Self {
        Self {
            emoji: "👍".into(),
            count: 2,
            me: true,
        }
    }
}

impl Example for ReplyPreview {
    /// Message 14, which the example message answers.
    fn example() -> Self {
        Self {
            id: 14,
            sender: "tutor".into(),
            sender_id: 1,
            content: "Good afternoon, @edulite!".into(),
        }
    }
}

/// The `client_id` of the example message, as its client sent it.
pub(super) const EXAMPLE_CLIENT_ID: Uuid =
    Uuid::from_u128(0x6f1c_2b2e_8d7a_4c1e_9a55_0b4e_2d3f_a1c7);

impl Example for Message {
    /// Seed 004's example message.
    fn example() -> Self {
        Self {
            id: 15,
            chat_room: 1,
            sender: "edulite".into(),
            sender_id: 2,
            content: "Hello everyone! How are you doing today?".into(),
            created_at: "2023-10-01T14:30:00.000000Z".into(),
            updated_at: None,
            is_read: false,
            client_id: Some(EXAMPLE_CLIENT_ID),
            reply_to: Some(14),
            reply_preview: Some(ReplyPreview::example()),
            reactions: vec![Reaction::example()],
            mentions: vec![],
        }
    }
}

impl From<views::Message> for Message {
    fn from(view: views::Message) -> Self {
        Self {
            id: view.id,
            chat_room: view.chat_room,
            sender: view.sender,
            sender_id: view.sender_id,
            content: view.content,
            created_at: view.created_at,
            updated_at: view.updated_at,
            is_read: view.is_read,
            client_id: view.client_id,
            reply_to: view.reply_to,
            reply_preview: view.reply_preview.map(|quote| ReplyPreview {
                id: quote.id,
                sender: quote.sender,
                sender_id: quote.sender_id,
                content: quote.content,
            }),
            reactions: view
                .reactions
                .into_iter()
                .map(|reaction| Reaction {
                    emoji: reaction.emoji,
                    count: reaction.count,
                    me: reaction.me,
                })
                .collect(),
            mentions: view.mentions,
        }
    }
}

/// Messages in the order given.
pub fn messages(views: Vec<views::Message>) -> Vec<Message> {
    views.into_iter().map(Message::from).collect()
}

/// A page of messages: the cursor envelope, without a count.
#[derive(Object, Serialize)]
#[oai(example)]
pub struct MessagePage {
    /// URL of the next page: older messages (newer ones with `after`); null at the end.
    #[oai(nullable)]
    pub next: Option<String>,
    /// URL of the previous page: newer messages (older ones with `after`); null at the start.
    #[oai(nullable)]
    pub previous: Option<String>,
    pub results: Vec<Message>,
}

impl Example for MessagePage {
    /// The newest page, reached from an older one by its `previous` link: nothing is newer,
    /// and `next` leads back to older messages.
    fn example() -> Self {
        Self {
            next: Some(format!(
                "{EXAMPLE_ORIGIN}/api/chat/rooms/1/messages/\
                 ?cursor=KH_tXu9Vdyv8nHm8KC1dGI2IdDjyh2t1MyiR2lHdZUotcRZCtyY"
            )),
            previous: None,
            results: vec![Message::example()],
        }
    }
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct MessageCreate {
    /// Trimmed, not blank; at most 10,000 characters as sent.
    pub content: TrimmedText<{ Content::MAX }>,
    /// Defaults to false.
    pub is_read: Option<bool>,
    /// Must be the caller if sent (403 otherwise).
    pub sender_id: Option<i64>,
    /// Idempotency key: sending the same one again returns the first message with 200.
    /// `null` is the same as leaving it out.
    #[oai(nullable)]
    pub client_id: Option<Uuid>,
    /// A message of the same room this one answers. `null` is the same as leaving it out.
    #[oai(nullable)]
    pub reply_to: Option<i64>,
}

impl Example for MessageCreate {
    fn example() -> Self {
        Self {
            content: "Hello everyone! How are you doing today?".into(),
            is_read: Some(false),
            sender_id: None,
            client_id: Some(EXAMPLE_CLIENT_ID),
            reply_to: Some(14),
        }
    }
}

/// A partial update (PATCH); PUT requires `content`.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct MessagePatch {
    pub content: Option<TrimmedText<{ Content::MAX }>>,
    pub is_read: Option<bool>,
}

impl Example for MessagePatch {
    fn example() -> Self {
        Self {
            content: Some("Hello everyone! How is the homework going?".into()),
            is_read: None,
        }
    }
}

/// PUT: the message's editable state.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct MessageWrite {
    pub content: TrimmedText<{ Content::MAX }>,
    pub is_read: Option<bool>,
}

impl Example for MessageWrite {
    fn example() -> Self {
        Self {
            content: "Hello everyone! How is the homework going?".into(),
            is_read: None,
        }
    }
}

#[derive(ApiResponse)]
pub enum MessageCreated {
    /// Stored durably.
    #[oai(status = 201)]
    Created(SerdeJson<Message>),
    /// This `client_id` was already sent with the same content: the first message.
    #[oai(status = 200)]
    Existing(SerdeJson<Message>),
}

#[derive(ApiResponse)]
pub enum MessageDeleted {
    #[oai(status = 204)]
    NoContent,
}

const DEFAULT_PAGE_SIZE: i64 = 50;
const MAX_PAGE_SIZE: i64 = 100;

pub struct MessagesApi;

#[OpenApi(tag = "ApiTags::Messages")]
impl MessagesApi {
    /// List a room's messages
    ///
    /// Newest first, cursor-paginated (`page_size` default 50, at most 100): follow `next`
    /// for older messages and `previous` for newer ones. With `after=<message id>`, the
    /// messages newer than it, oldest first — to catch up after a reconnect.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/",
        method = "get",
        operation_id = "messages_list"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn messages_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// The room's id.
        room_id: Path<i64>,
        /// Where to continue: the opaque `cursor` of a `next` or `previous` URL (follow
        /// those links as they are rather than building one). A cursor that was altered, or
        /// that was issued for another room or for the other order (`after` given or not), is
        /// 404 `Invalid cursor`.
        cursor: Query<Option<String>>,
        /// Messages per page: default 50, at most 100 (a larger value counts as 100, zero or
        /// less as the default).
        page_size: Query<Option<i64>>,
        /// A message id: only the messages newer than it (exclusive), oldest first, to catch
        /// up after a reconnect. The `next` and `previous` links keep it.
        after: Query<Option<i64>>,
    ) -> Result<SerdeJson<MessagePage>, Errors<{ E400 | E401 | E403 | E404 }>> {
        // Membership is judged before the query parameters (an outsider's bad cursor is a
        // 403), but checked in the same statement as the page when they are valid.
        let plan = match plan_page(
            &state,
            room_id.0,
            room_id.0,
            cursor.0.as_deref(),
            page_size.0,
            after.0,
        ) {
            Ok(plan) => plan,
            Err(err) => {
                members::require_member(&state.store, room_id.0, auth.0.id).await?;
                return Err(err.into());
            }
        };
        let (rows, extras) = service::window(&state.store, auth.0.id, &plan.window).await?;
        let page = plan.finish(rows);
        let url = RequestUrl::of(req);
        let link = |c: Cursor| url.with(&[("cursor", Some(state.cursors.seal(room_id.0, &c)))]);
        Ok(SerdeJson(MessagePage {
            next: page.next.map(link),
            previous: page.previous.map(link),
            results: page
                .messages
                .into_iter()
                .map(|row| Message::from(service::decorated(row, &extras)))
                .collect(),
        }))
    }

    /// Send a message
    ///
    /// The sender is the caller and the room comes from the path. 201 once the message is
    /// durably stored; with a `client_id` already used for the same content, 200 and the
    /// first message; for different content, 409.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/",
        method = "post",
        operation_id = "messages_create"
    )]
    async fn messages_create(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        room_id: Path<i64>,
        body: JsonBody<MessageCreate>,
    ) -> Result<MessageCreated, Errors<{ BODY | E401 | E403 | E404 | E409 | E429 }>> {
        match service::send(&state, &auth.0, room_id.0, || body.fields()).await? {
            Sent::Created(message) => Ok(MessageCreated::Created(SerdeJson(message.into()))),
            Sent::Replayed(message) => Ok(MessageCreated::Existing(SerdeJson(message.into()))),
        }
    }

    /// Get a message
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/:id/",
        method = "get",
        operation_id = "messages_retrieve"
    )]
    async fn messages_retrieve(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        room_id: Path<i64>,
        /// The message's id, in that room.
        id: Path<i64>,
    ) -> Result<SerdeJson<Message>, Errors<{ E401 | E403 | E404 }>> {
        members::require_member(&state.store, room_id.0, auth.0.id).await?;
        let row = service::find(&state.store, room_id.0, id.0).await?;
        Ok(SerdeJson(
            service::render_one(&state.store, Some(auth.0.id), row)
                .await?
                .into(),
        ))
    }

    /// Edit a message
    ///
    /// The sender only; sets `updated_at`. Throttled with message creation.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/:id/",
        method = "put",
        operation_id = "messages_update"
    )]
    async fn messages_update(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        room_id: Path<i64>,
        /// The message's id, in that room.
        id: Path<i64>,
        body: JsonBody<MessageWrite>,
    ) -> Result<SerdeJson<Message>, Errors<{ BODY | E401 | E403 | E404 | E429 }>> {
        let message =
            service::edit(&state, auth.0.id, room_id.0, id.0, || body.fields(), false).await?;
        Ok(SerdeJson(message.into()))
    }

    /// Edit a message partially
    ///
    /// The sender only; sets `updated_at`. Throttled with message creation.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/:id/",
        method = "patch",
        operation_id = "messages_partial_update"
    )]
    async fn messages_partial_update(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        room_id: Path<i64>,
        /// The message's id, in that room.
        id: Path<i64>,
        body: JsonBody<MessagePatch, false>,
    ) -> Result<SerdeJson<Message>, Errors<{ BODY | E401 | E403 | E404 | E429 }>> {
        let message =
            service::edit(&state, auth.0.id, room_id.0, id.0, || body.fields(), true).await?;
        Ok(SerdeJson(message.into()))
    }

    /// Delete a message
    ///
    /// The sender only.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/:id/",
        method = "delete",
        operation_id = "messages_destroy"
    )]
    async fn messages_destroy(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        room_id: Path<i64>,
        /// The message's id, in that room.
        id: Path<i64>,
    ) -> Result<MessageDeleted, Errors<{ E401 | E403 | E404 }>> {
        service::delete(&state, auth.0.id, room_id.0, id.0).await?;
        Ok(MessageDeleted::NoContent)
    }
}

/// The window of a room's messages that the query parameters ask for; `context` is what
/// cursors are sealed to (a cursor of one listing is refused by every other).
pub(super) fn plan_page(
    state: &AppState,
    room_id: i64,
    context: i64,
    cursor: Option<&str>,
    page_size: Option<i64>,
    after: Option<i64>,
) -> Result<CursorPage, ApiError> {
    let cursor: Option<Cursor> = match cursor {
        None => None,
        Some(token) => Some(
            state
                .cursors
                .open(context, token)
                .ok_or(ApiError::InvalidCursor)?,
        ),
    };
    let size = positive_capped(page_size, MAX_PAGE_SIZE).unwrap_or(DEFAULT_PAGE_SIZE);
    CursorPage::plan(room_id, after, cursor, size)
}
