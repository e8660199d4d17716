//! `POST /api/chat/rooms/{id}/read/`: the caller's read marker in a room.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use serde::Serialize;

use super::ApiTags;
use super::bearer::BearerAuth;
use super::body::JsonBody;
use super::error::{BODY, E401, E404, Errors};
use super::payload::SerdeJson;
use crate::service::reads;
use crate::startup::AppState;

#[derive(Object)]
#[oai(example)]
pub struct ReadMarkerWrite {
    /// A message of the room: the newest one the caller has read.
    pub message_id: i64,
}

impl Example for ReadMarkerWrite {
    fn example() -> Self {
        Self { message_id: 15 }
    }
}

/// The caller's read state in a room.
#[derive(Object, Serialize)]
#[oai(example)]
pub struct ReadMarker {
    pub chat_room: i64,
    /// The newest message the caller has read; 0 before the first.
    pub last_read_id: i64,
    /// Messages after it.
    pub unread_count: i64,
    /// Of those, the ones that mention the caller.
    pub mention_count: i64,
}

impl Example for ReadMarker {
    fn example() -> Self {
        Self {
            chat_room: 1,
            last_read_id: 15,
            unread_count: 0,
            mention_count: 0,
        }
    }
}

impl From<reads::ReadMarker> for ReadMarker {
    fn from(view: reads::ReadMarker) -> Self {
        Self {
            chat_room: view.chat_room,
            last_read_id: view.last_read_id,
            unread_count: view.unread_count,
            mention_count: view.mention_count,
        }
    }
}

pub struct ReadsApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl ReadsApi {
    /// Mark a room read
    ///
    /// Moves the caller's read marker forward to `message_id` (never backward: an older
    /// message leaves it where it is) and answers with the caller's read state. The room's
    /// sockets hear a `read` event when it moves; the room's messages up to it, sent by
    /// others, are then `is_read`. Sending a message moves the sender's marker to it.
    /// 404 for a room that does not exist or that the caller is not in.
    #[oai(
        path = "/api/chat/rooms/:id/read/",
        method = "post",
        operation_id = "rooms_read_create"
    )]
    async fn rooms_read_create(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        id: Path<i64>,
        body: JsonBody<ReadMarkerWrite>,
    ) -> Result<SerdeJson<ReadMarker>, Errors<{ BODY | E401 | E404 }>> {
        let marker = reads::mark(&state, auth.0.id, id.0, || body.fields()).await?;
        Ok(SerdeJson(marker.into()))
    }
}
