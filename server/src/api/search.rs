//! `/api/chat/search/`: full-text search over the messages of the caller's rooms.
//!
//! Ranked by relevance, so pages are cut by (score, id), sealed in the cursor like message
//! cursors: forward only (`previous` is always null). Scores come from the index, so a page
//! walk while messages are being written may see a hit twice or miss one whose score moved
//! across the cut (SQLite's BM25 weighs a word by how rare it is in all messages); with no
//! writes in between, pages neither repeat nor skip.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use serde::Serialize;

use super::ApiTags;
use super::bearer::BearerAuth;
use super::error::{ApiError, E400, E401, E404, Errors};
use super::messages::{Message, messages};
use super::pagination::{CursorCipher, RequestUrl, positive_capped};
use super::params::{LenientInt, raw};
use super::payload::SerdeJson;
use super::trimmed::TrimmedText;
use crate::domain::search::{MAX_QUERY_CHARS, SearchTerms};
use crate::service::search;
use crate::startup::AppState;
use crate::store::SearchAfter;

/// A page of search results (the cursor envelope of `messages_list`).
#[derive(Object, Serialize)]
#[oai(example)]
pub struct SearchPage {
    /// URL of the next page: less relevant results; null at the end.
    #[oai(nullable)]
    pub next: Option<String>,
    /// Always null: results are paged forward only.
    #[oai(nullable)]
    pub previous: Option<String>,
    /// Best first; among equally relevant messages, newest first.
    pub results: Vec<Message>,
}

impl Example for SearchPage {
    /// `?q=how are` finding the example message, and nothing else.
    fn example() -> Self {
        Self {
            next: None,
            previous: None,
            results: vec![Message::example()],
        }
    }
}

const DEFAULT_PAGE_SIZE: i64 = 50;
const MAX_PAGE_SIZE: i64 = 100;

pub struct SearchApi;

#[OpenApi(tag = "ApiTags::Search")]
impl SearchApi {
    /// Search messages
    ///
    /// Full-text search over the messages of the rooms the caller is in (or of one of them,
    /// with `room`). `q` is split into words (runs of letters and digits; case does not
    /// matter, accents do); a message matches when it has every word, the last one as a
    /// prefix, so results follow typing. At most 200 characters. Best match first;
    /// cursor-paginated (`page_size` default 50, at most 100), forward only.
    #[oai(
        path = "/api/chat/search/",
        method = "get",
        operation_id = "search_list"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn search_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Required: the words to find, at most 200 characters as sent. Missing, or without a
        /// letter or digit: 400 under `q`.
        q: Query<Option<TrimmedText<MAX_QUERY_CHARS>>>,
        /// A room id: only that room's messages. It must be one of the caller's rooms (400
        /// under `room` otherwise).
        room: Query<Option<LenientInt>>,
        /// Where to continue: the opaque `cursor` of the previous page's `next` URL (follow
        /// it as it is). It holds only for the same caller, words and `room`; otherwise, or
        /// altered, 404 `Invalid cursor`.
        cursor: Query<Option<String>>,
        /// Results per page: default 50, at most 100 (a larger value counts as 100, zero or
        /// less as the default).
        page_size: Query<Option<i64>>,
    ) -> Result<SerdeJson<SearchPage>, Errors<{ E400 | E401 | E404 }>> {
        let user_id = auth.0.id;
        let q = q.0.map(|q| q.0);
        let room = raw(room.0);
        let filters = search::filters(&state.store, user_id, q.as_deref(), room.as_deref()).await?;
        let context = cursor_context(user_id, filters.room, &filters.terms);
        let after = match cursor.0.as_deref() {
            None => None,
            Some(token) => {
                Some(open(&state.cursors, &context, token).ok_or(ApiError::InvalidCursor)?)
            }
        };
        let size = positive_capped(page_size.0, MAX_PAGE_SIZE).unwrap_or(DEFAULT_PAGE_SIZE);
        let hits = search::page(&state.store, user_id, &filters, after, size).await?;
        let next = hits.next.map(|position| {
            RequestUrl::of(req).with(&[("cursor", Some(seal(&state.cursors, &context, position)))])
        });
        Ok(SerdeJson(SearchPage {
            next,
            previous: None,
            results: messages(hits.messages),
        }))
    }
}

/// What a search cursor is valid for: this caller, this room filter and these words. The
/// `search` prefix keeps it apart from message cursors (a room id's 8 bytes).
fn cursor_context(user_id: i64, room: Option<i64>, terms: &SearchTerms) -> Vec<u8> {
    let mut context = b"search\0".to_vec();
    context.extend_from_slice(&user_id.to_be_bytes());
    context.extend_from_slice(&room.unwrap_or(0).to_be_bytes());
    for word in terms.words() {
        context.extend_from_slice(word.as_bytes());
        context.push(0);
    }
    context
}

const CURSOR_VERSION: u8 = 1;

fn seal(cursors: &CursorCipher, context: &[u8], position: SearchAfter) -> String {
    let mut plain = Vec::with_capacity(17);
    plain.push(CURSOR_VERSION);
    plain.extend_from_slice(&position.score.to_bits().to_be_bytes());
    plain.extend_from_slice(&position.id.to_be_bytes());
    cursors.seal_bytes(context, &plain)
}

fn open(cursors: &CursorCipher, context: &[u8], token: &str) -> Option<SearchAfter> {
    let plain = cursors.open_bytes(context, token)?;
    let [CURSOR_VERSION, rest @ ..] = plain.as_slice() else {
        return None;
    };
    let (score, id) = rest.split_at_checked(8)?;
    Some(SearchAfter {
        score: f64::from_bits(u64::from_be_bytes(score.try_into().ok()?)),
        id: i64::from_be_bytes(id.try_into().ok()?),
    })
}
