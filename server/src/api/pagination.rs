//! Page-number, limit/offset and cursor pagination, shared by every list.

use poem::Request;

use super::cursor::{Cursor, Order};
use super::error::ApiError;
use crate::store::{MessageRow, MessageWindow};

/// A page of a counted list, asked for in either style (`page` wins if both are given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRequest {
    Number { page: PageNumber, size: i64 },
    LimitOffset { limit: i64, offset: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageNumber {
    Nth(i64),
    /// `page=last`, as DRF accepts.
    Last,
}

/// The raw query parameters of a paginated list.
#[derive(Default)]
pub struct PageParams {
    pub page: Option<String>,
    pub page_size: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

pub const DEFAULT_PAGE_SIZE: i64 = 10;
pub const MAX_PAGE_SIZE: i64 = 100;

/// DRF's `_positive_int(strict=True, cutoff=max)`: a positive integer, capped; anything else is
/// "not given" and falls back to the default, as DRF does for `page_size` and `limit`.
fn positive_capped(raw: Option<&str>, max: i64) -> Option<i64> {
    raw?.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n.min(max))
}

impl PageRequest {
    pub fn parse(params: &PageParams) -> Result<Self, ApiError> {
        let uses_limit =
            params.page.is_none() && (params.limit.is_some() || params.offset.is_some());
        if uses_limit {
            let limit = positive_capped(params.limit.as_deref(), MAX_PAGE_SIZE)
                .unwrap_or(DEFAULT_PAGE_SIZE);
            let offset = params
                .offset
                .as_deref()
                .and_then(|raw| raw.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .unwrap_or(0);
            return Ok(Self::LimitOffset { limit, offset });
        }
        let size = positive_capped(params.page_size.as_deref(), MAX_PAGE_SIZE)
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let page = match params.page.as_deref().map(str::trim) {
            None => PageNumber::Nth(1),
            Some("last") => PageNumber::Last,
            Some(raw) => PageNumber::Nth(
                raw.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or(ApiError::InvalidPage)?,
            ),
        };
        Ok(Self::Number { page, size })
    }

    /// `(limit, offset)` of the rows to fetch, given the total `count`; an out-of-range page
    /// number is a 404 `Invalid page.`.
    pub fn window(&self, count: i64) -> Result<(i64, i64), ApiError> {
        match *self {
            Self::LimitOffset { limit, offset } => Ok((limit, offset)),
            Self::Number { page, size } => {
                let page = self.resolve(page, count);
                if page > total_pages(count, size) {
                    return Err(ApiError::InvalidPage);
                }
                Ok((size, (page - 1).saturating_mul(size)))
            }
        }
    }

    fn resolve(&self, page: PageNumber, count: i64) -> i64 {
        match (page, self) {
            (PageNumber::Nth(n), _) => n,
            (PageNumber::Last, Self::Number { size, .. }) => total_pages(count, *size),
            (PageNumber::Last, Self::LimitOffset { .. }) => 1,
        }
    }

    /// The envelope fields besides `results`.
    pub fn links(&self, count: i64, url: &RequestUrl) -> PageLinks {
        match *self {
            Self::Number { page, size } => {
                let page = self.resolve(page, count);
                let total = total_pages(count, size);
                PageLinks {
                    count,
                    next: (page < total)
                        .then(|| url.with(&[("page", Some((page + 1).to_string()))])),
                    previous: (page > 1).then(|| {
                        // DRF drops `page` for the first page.
                        let previous = (page > 2).then(|| (page - 1).to_string());
                        url.with(&[("page", previous)])
                    }),
                    total_pages: total,
                    current_page: page,
                    page_size: size,
                }
            }
            Self::LimitOffset { limit, offset } => PageLinks {
                count,
                next: (offset.saturating_add(limit) < count).then(|| {
                    url.with(&[
                        ("limit", Some(limit.to_string())),
                        ("offset", Some((offset + limit).to_string())),
                    ])
                }),
                previous: (offset > 0).then(|| {
                    let previous = (offset > limit).then(|| (offset - limit).to_string());
                    url.with(&[("limit", Some(limit.to_string())), ("offset", previous)])
                }),
                total_pages: total_pages(count, limit),
                current_page: offset / limit + 1,
                page_size: limit,
            },
        }
    }
}

/// Django's `Paginator.num_pages` with an allowed empty first page.
fn total_pages(count: i64, size: i64) -> i64 {
    if count <= 0 {
        1
    } else {
        (count + size - 1) / size
    }
}

pub struct PageLinks {
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub total_pages: i64,
    pub current_page: i64,
    pub page_size: i64,
}

/// The absolute URL of the request, from its own `Host`, to build `next`/`previous` from.
/// (Plain `http`: like Django without `SECURE_PROXY_SSL_HEADER`, proxies' headers are not trusted.)
pub struct RequestUrl {
    base: String,
    query: Vec<(String, String)>,
}

impl RequestUrl {
    pub fn of(req: &Request) -> Self {
        let host = req
            .header("host")
            .map(str::to_owned)
            .or_else(|| req.uri().authority().map(ToString::to_string))
            .unwrap_or_else(|| "localhost".into());
        let query = form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        // Links use the documented form of the path: with its trailing slash.
        let path = req.uri().path().trim_end_matches('/');
        Self {
            base: format!("http://{host}{path}/"),
            query,
        }
    }

    /// This URL with each named parameter replaced (or removed, for `None`).
    pub fn with(&self, changes: &[(&str, Option<String>)]) -> String {
        let mut query: Vec<(String, String)> = self
            .query
            .iter()
            .filter(|(key, _)| !changes.iter().any(|(name, _)| name == key))
            .cloned()
            .collect();
        for (name, value) in changes {
            if let Some(value) = value {
                query.push(((*name).to_owned(), value.clone()));
            }
        }
        if query.is_empty() {
            return self.base.clone();
        }
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        format!("{}?{encoded}", self.base)
    }
}

/// Declares a page-number envelope (seed 003) of `$item`s under its own schema name.
macro_rules! numbered_page {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(poem_openapi::Object)]
        pub struct $name {
            /// How many items there are in all.
            pub count: i64,
            /// Absolute URL of the next page, or null on the last.
            #[oai(nullable)]
            pub next: Option<String>,
            /// Absolute URL of the previous page, or null on the first.
            #[oai(nullable)]
            pub previous: Option<String>,
            pub total_pages: i64,
            pub current_page: i64,
            pub page_size: i64,
            pub results: Vec<$item>,
        }

        impl $name {
            pub fn new(links: $crate::api::pagination::PageLinks, results: Vec<$item>) -> Self {
                Self {
                    count: links.count,
                    next: links.next,
                    previous: links.previous,
                    total_pages: links.total_pages,
                    current_page: links.current_page,
                    page_size: links.page_size,
                    results,
                }
            }
        }
    };
}
pub(crate) use numbered_page;

/// How to fetch one cursor page of a room's messages, and how to read the rows back.
pub struct CursorPage {
    pub window: MessageWindow,
    order: Order,
    cursor: Option<Cursor>,
    size: usize,
}

pub struct CursorResult {
    pub messages: Vec<MessageRow>,
    pub next: Option<Cursor>,
    pub previous: Option<Cursor>,
}

impl CursorPage {
    /// `after` (exclusive) switches to oldest-first and bounds every page; `cursor` must have
    /// been issued for the same order.
    pub fn plan(
        room_id: i64,
        after: Option<i64>,
        cursor: Option<Cursor>,
        size: i64,
    ) -> Result<Self, ApiError> {
        let order = if after.is_some() {
            Order::OldestFirst
        } else {
            Order::NewestFirst
        };
        if cursor.is_some_and(|c| c.order != order) {
            return Err(ApiError::InvalidCursor);
        }
        let floor = after.unwrap_or(0);
        // Fetch in the direction of travel: forward in the listing's order, or backward.
        let ascending = (order == Order::OldestFirst) != cursor.is_some_and(|c| c.reverse);
        let (mut low, mut high) = (floor, i64::MAX);
        if let Some(c) = cursor {
            // The bound is exclusive; an inclusive cursor moves it one step outward.
            if ascending {
                low = low.max(if c.inclusive {
                    c.position.saturating_sub(1)
                } else {
                    c.position
                });
            } else {
                high = if c.inclusive {
                    c.position.saturating_add(1)
                } else {
                    c.position
                };
            }
        }
        Ok(Self {
            window: MessageWindow {
                room_id,
                after: low,
                before: high,
                ascending,
                limit: size + 1,
            },
            order,
            cursor,
            size: usize::try_from(size).unwrap_or(0),
        })
    }

    /// The page in the listing's order, with the cursors of its neighbours.
    pub fn finish(&self, mut rows: Vec<MessageRow>) -> CursorResult {
        let more = rows.len() > self.size;
        rows.truncate(self.size);
        let reverse = self.cursor.is_some_and(|c| c.reverse);
        if reverse {
            rows.reverse();
        }
        let at = |position: i64, reverse: bool, inclusive: bool| Cursor {
            order: self.order,
            reverse,
            inclusive,
            position,
        };
        let first = rows.first().map(|m| m.id);
        let last = rows.last().map(|m| m.id);
        let (next, previous) = match (self.cursor, reverse) {
            (None, _) => (
                more.then(|| last.map(|id| at(id, false, false))).flatten(),
                None,
            ),
            (Some(c), false) => (
                more.then(|| last.map(|id| at(id, false, false))).flatten(),
                Some(first.map_or(at(c.position, true, !c.inclusive), |id| at(id, true, false))),
            ),
            (Some(c), true) => (
                Some(last.map_or(at(c.position, false, !c.inclusive), |id| {
                    at(id, false, false)
                })),
                more.then(|| first.map(|id| at(id, true, false))).flatten(),
            ),
        };
        CursorResult {
            messages: rows,
            next,
            previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        page: Option<&str>,
        size: Option<&str>,
        limit: Option<&str>,
        offset: Option<&str>,
    ) -> Result<PageRequest, ApiError> {
        PageRequest::parse(&PageParams {
            page: page.map(Into::into),
            page_size: size.map(Into::into),
            limit: limit.map(Into::into),
            offset: offset.map(Into::into),
        })
    }

    #[test]
    fn page_numbers_follow_drf() {
        let number = |page, size| PageRequest::Number {
            page: PageNumber::Nth(page),
            size,
        };
        assert_eq!(parse(None, None, None, None).ok(), Some(number(1, 10)));
        assert_eq!(
            parse(Some("2"), Some("1000"), None, None).ok(),
            Some(number(2, 100))
        );
        assert_eq!(
            parse(Some("2"), Some("abc"), None, None).ok(),
            Some(number(2, 10))
        );
        assert!(matches!(
            parse(Some("x"), None, None, None),
            Err(ApiError::InvalidPage)
        ));
        assert!(matches!(
            parse(Some("0"), None, None, None),
            Err(ApiError::InvalidPage)
        ));
        assert!(matches!(
            number(3, 10).window(20),
            Err(ApiError::InvalidPage)
        ));
        assert_eq!(number(2, 10).window(20).ok(), Some((10, 10)));
        assert_eq!(
            number(1, 10).window(0).ok(),
            Some((10, 0)),
            "an empty first page is valid"
        );
    }

    #[test]
    fn limit_offset() {
        let req = parse(None, None, Some("5"), Some("7"));
        assert_eq!(
            req.ok(),
            Some(PageRequest::LimitOffset {
                limit: 5,
                offset: 7
            })
        );
        assert_eq!(
            parse(None, None, Some("0"), None).ok(),
            Some(PageRequest::LimitOffset {
                limit: 10,
                offset: 0
            })
        );
        assert_eq!(
            parse(Some("1"), None, Some("5"), None).ok(),
            Some(PageRequest::Number {
                page: PageNumber::Nth(1),
                size: 10
            })
        );
    }

    fn row(id: i64) -> MessageRow {
        MessageRow {
            id,
            room_id: 1,
            sender_id: 1,
            sender: "a".into(),
            content: "c".into(),
            is_read: false,
            client_id: None,
            created_at: 0,
            updated_at: None,
        }
    }

    /// Simulates the store: ids 1..=n, windowed as `plan` asks.
    fn fetch(n: i64, window: &MessageWindow) -> Vec<MessageRow> {
        let mut ids: Vec<i64> = (1..=n)
            .filter(|id| *id > window.after && *id < window.before)
            .collect();
        if !window.ascending {
            ids.reverse();
        }
        ids.into_iter()
            .take(usize::try_from(window.limit).unwrap_or(0))
            .map(row)
            .collect()
    }

    fn walk(n: i64, size: i64, after: Option<i64>) -> (Vec<i64>, Vec<i64>) {
        let mut forward = Vec::new();
        let mut cursor = None;
        let mut last_page_first = None;
        loop {
            let plan = CursorPage::plan(1, after, cursor, size)
                .ok()
                .unwrap_or_else(|| panic!("plan"));
            let page = plan.finish(fetch(n, &plan.window));
            forward.extend(page.messages.iter().map(|m| m.id));
            last_page_first = page.previous.or(last_page_first);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut backward = Vec::new();
        let mut cursor = last_page_first;
        while let Some(c) = cursor {
            let plan = CursorPage::plan(1, after, Some(c), size)
                .ok()
                .unwrap_or_else(|| panic!("plan"));
            let page = plan.finish(fetch(n, &plan.window));
            backward.splice(0..0, page.messages.iter().map(|m| m.id));
            cursor = page.previous;
        }
        (forward, backward)
    }

    #[test]
    fn cursor_walks_cover_every_message_once() {
        for (n, size) in [(0, 3), (1, 3), (3, 3), (10, 3), (10, 1), (7, 50)] {
            let (forward, _) = walk(n, size, None);
            assert_eq!(
                forward,
                (1..=n).rev().collect::<Vec<_>>(),
                "newest first n={n} size={size}"
            );
            let (forward, _) = walk(n, size, Some(2));
            assert_eq!(
                forward,
                (3..=n).collect::<Vec<_>>(),
                "after=2 n={n} size={size}"
            );
        }
        let (forward, backward) = walk(10, 3, None);
        // Walking back from the last page's `previous` gives everything but the last page.
        assert_eq!(forward[..forward.len() - 1], backward[..]);
    }

    #[test]
    fn cursors_of_the_other_order_are_invalid() {
        let cursor = Cursor {
            order: Order::NewestFirst,
            reverse: false,
            inclusive: false,
            position: 5,
        };
        assert!(matches!(
            CursorPage::plan(1, Some(1), Some(cursor), 10),
            Err(ApiError::InvalidCursor)
        ));
    }
}
