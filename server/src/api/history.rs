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
pub struct MessageVersion {
    /// 1 for the content the message was sent with; the highest is the current content.
    pub version: i64,
    pub content: String,
    /// When this content was written (sent, or the edit that wrote it): RFC 3339 UTC with
    /// microseconds.
    pub created_at: String,
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
     unedited message has one)."
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
        room_id: Path<i64>,
        id: Path<i64>,
        page: Query<Option<LenientInt>>,
        page_size: Query<Option<i64>>,
        limit: Query<Option<i64>>,
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
