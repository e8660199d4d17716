//! `/api/chat/rooms/{room_id}/messages/{id}/history/`: every content a message has had.
//!
//! The versions are written by the database on each edit that changes the content (whatever
//! route made it), and deleted with the message. Paginated like the room list, so a message
//! edited thousands of times still answers in bounded pages.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::bearer::BearerAuth;
use super::error::{E400, E401, E403, E404, Errors};
use super::pagination::{PageParams, PageRequest, RequestUrl, numbered_page};
use super::params::{LenientInt, raw};
use crate::service::{history, readable};
use crate::startup::AppState;

/// One content of a message.
#[derive(Object, serde::Serialize)]
#[oai(example)]
pub struct MessageVersion {
    /// 1 for the content the message was sent with; the highest is the current content.
    pub version: i64,
    pub content: String,
    /// When this content was written (sent, or the edit that wrote it): RFC 3339 UTC with
    /// microseconds.
    pub created_at: String,
}

impl Example for MessageVersion {
    /// The one version of the unedited example message.
    fn example() -> Self {
        Self {
            version: 1,
            content: "Hello everyone! How are you doing today?".into(),
            created_at: "2023-10-01T14:30:00.000000Z".into(),
        }
    }
}

impl From<history::MessageVersion> for MessageVersion {
    fn from(view: history::MessageVersion) -> Self {
        Self {
            version: view.version,
            content: view.content,
            created_at: view.created_at,
        }
    }
}

numbered_page!(
    MessageVersionPage,
    MessageVersion,
    "A page of a message's versions, oldest first; `count` is how many there are in all (an \
     unedited message has one).",
    example = ("/api/chat/rooms/1/messages/15/history/", 1)
);

pub struct HistoryApi;

#[OpenApi(tag = "ApiTags::Messages")]
impl HistoryApi {
    /// List a message's versions
    ///
    /// Every content the message has had, oldest first, the current one last; an edit that
    /// leaves the content unchanged adds none. Paginate with `page` and `page_size` (default
    /// 10, at most 100), or with `limit` and `offset`. Participants only, as reading the
    /// message; a deleted message's versions are deleted with it.
    #[oai(
        path = "/api/chat/rooms/:room_id/messages/:id/history/",
        method = "get",
        operation_id = "messages_history_list"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn messages_history_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// The room's id.
        room_id: Path<i64>,
        /// The message's id, in that room.
        id: Path<i64>,
        /// Page number, from 1 (default 1), or `last`. A page past the end, or text that is
        /// not a page number, is 404 `Invalid page.`. When given, `limit` and `offset` are
        /// ignored.
        page: Query<Option<LenientInt>>,
        /// Versions per page in the page-number style (ignored when `limit` or `offset` is given
        /// without `page`): default 10, at most 100 (a larger value counts as 100, zero or
        /// less as the default).
        page_size: Query<Option<i64>>,
        /// Versions per page in the limit/offset style, used when `page` is absent: default 10,
        /// at most 100 (a larger value counts as 100, zero or less as the default).
        limit: Query<Option<i64>>,
        /// How many versions to skip in the limit/offset style: default 0 (a negative value
        /// counts as 0).
        offset: Query<Option<i64>>,
    ) -> Result<Json<MessageVersionPage>, Errors<{ E400 | E401 | E403 | E404 }>> {
        let message = readable::message(&state.store, auth.0.id, room_id.0, id.0).await?;
        let pages = PageRequest::parse(&PageParams {
            page: raw(page.0),
            page_size: page_size.0,
            limit: limit.0,
            offset: offset.0,
        })?;
        let (count, versions) =
            history::versions(&state.store, &message, &|count| pages.window(count)).await?;
        Ok(Json(MessageVersionPage::new(
            pages.links(count, &RequestUrl::of(req)),
            versions.into_iter().map(MessageVersion::from).collect(),
        )))
    }
}
