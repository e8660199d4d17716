//! `GET /api/chat/rooms/{room_id}/messages/{id}/replies/`: a message's thread.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use super::ApiTags;
use super::bearer::BearerAuth;
use super::error::{E400, E401, E403, E404, Errors};
use super::messages::{Message, MessagePage, plan_page};
use super::pagination::{Cursor, RequestUrl};
use super::payload::SerdeJson;
use crate::service::messages::{decorated, window};
use crate::service::readable;
use crate::startup::AppState;

/// What a thread's cursors are sealed to: negative, so no room's listing (positive ids)
/// accepts them, nor another thread's.
fn thread_context(parent: i64) -> i64 {
    parent.saturating_neg()
}

pub struct RepliesApi;

#[OpenApi(tag = "ApiTags::Messages")]
impl RepliesApi {
    /// List a message's replies
    ///
    /// The messages whose `reply_to` is this one, paginated as the room's messages are:
    /// newest first, `next` for older replies, `previous` for newer ones; with
    /// `after=<message id>`, the replies newer than it, oldest first.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/:id/replies/",
        method = "get",
        operation_id = "messages_replies_list"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn messages_replies_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// The room's id.
        room_id: Path<i64>,
        /// The id of the message whose replies to list, in that room.
        id: Path<i64>,
        /// Where to continue: the opaque `cursor` of a `next` or `previous` URL (follow
        /// those links as they are rather than building one). A cursor that was altered, or
        /// that was issued for another listing (another thread, a room's messages) or for the
        /// other order (`after` given or not), is 404 `Invalid cursor`.
        cursor: Query<Option<String>>,
        /// Replies per page: default 50, at most 100 (a larger value counts as 100, zero or
        /// less as the default).
        page_size: Query<Option<i64>>,
        /// A message id: only the replies newer than it (exclusive), oldest first, to catch up
        /// after a reconnect. The `next` and `previous` links keep it.
        after: Query<Option<i64>>,
    ) -> Result<SerdeJson<MessagePage>, Errors<{ E400 | E401 | E403 | E404 }>> {
        let caller = auth.0.id;
        let parent = readable::message(&state.store, caller, room_id.0, id.0).await?;
        let context = thread_context(parent.id());
        let mut plan = plan_page(
            &state,
            room_id.0,
            context,
            cursor.0.as_deref(),
            page_size.0,
            after.0,
        )?;
        plan.window.thread = Some(parent.id());
        let (rows, extras) = window(&state.store, caller, &plan.window).await?;
        let page = plan.finish(rows);
        let url = RequestUrl::of(req);
        let link = |c: Cursor| url.with(&[("cursor", Some(state.cursors.seal(context, &c)))]);
        Ok(SerdeJson(MessagePage {
            next: page.next.map(link),
            previous: page.previous.map(link),
            results: page
                .messages
                .into_iter()
                .map(|row| Message::from(decorated(row, &extras)))
                .collect(),
        }))
    }
}
