//! Full-text search over the messages of a user's rooms: FTS5 (`messages_fts`) on SQLite,
//! the `search` tsvector (GIN) on PostgreSQL; both kept in step with every write by the
//! schema itself (migrations `0004_search_history` / `0003_search_history`).

use sqlx::FromRow;

use super::sql::Listings;
use super::{MessageRow, Store, on_reads};
use crate::domain::search::SearchTerms;

/// A matching message and its relevance: higher is better. SQLite's is BM25 (term
/// frequency, rarity of the term in all messages, length); PostgreSQL's `ts_rank` with
/// length normalization (term frequency and length; PostgreSQL keeps no corpus statistics).
#[derive(Debug, Clone, FromRow)]
pub struct SearchHit {
    #[sqlx(flatten)]
    pub row: MessageRow,
    pub score: f64,
}

/// Where a page of results starts: after the hit with this score and id, in the order
/// score descending, then id descending (newest first among equals).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchAfter {
    pub score: f64,
    pub id: i64,
}

/// One search: `terms` in the rooms of `user_id` (only `room`, if given), `limit` hits from
/// `after`.
pub struct SearchRequest<'a> {
    pub user_id: i64,
    pub terms: &'a SearchTerms,
    pub room: Option<i64>,
    pub after: Option<SearchAfter>,
    pub limit: i64,
}

impl Store {
    /// Best first; among equal scores, newest first.
    pub async fn search_messages(
        &self,
        request: &SearchRequest<'_>,
    ) -> Result<Vec<SearchHit>, sqlx::Error> {
        let query = match self.dialect() {
            super::Dialect::Sqlite => request.terms.fts5(),
            super::Dialect::Postgres => request.terms.tsquery(),
        };
        on_reads!(self, |pool, dialect| {
            sqlx::query_as(Listings::of(dialect).search)
                .bind(request.user_id)
                .bind(&query)
                .bind(request.room)
                .bind(request.after.map(|after| after.score))
                .bind(request.after.map(|after| after.id))
                .bind(request.limit)
                .fetch_all(pool)
                .await
        })
    }
}
