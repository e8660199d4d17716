//! Page-number, limit/offset and cursor pagination, shared by every list: numbered pages
//! here, message cursors in `cursor` (the page plan) and `token` (the sealed cursor).

use poem::Request;

mod cursor;
mod token;

pub use cursor::{CursorPage, CursorResult};
pub use token::{Cursor, CursorCipher, Order};

use super::error::ApiError;

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

/// The query parameters of a paginated list. `page` stays text: DRF takes `page=last`, and a
/// page that is not a number is its 404 `Invalid page.`, not a 400.
#[derive(Default)]
pub struct PageParams {
    pub page: Option<String>,
    pub page_size: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub const DEFAULT_PAGE_SIZE: i64 = 10;
pub const MAX_PAGE_SIZE: i64 = 100;

/// DRF's `_positive_int(strict=True, cutoff=max)` for a size: capped at `max`; zero or less
/// counts as "not given" and falls back to the default. (Text that is not an integer never gets
/// here: the contract types these parameters, so it is a 400.)
pub fn positive_capped(size: Option<i64>, max: i64) -> Option<i64> {
    size.filter(|n| *n > 0).map(|n| n.min(max))
}

/// `(limit, offset)` of the legacy and `/{chat_room_id}/messages/` listings: `limit` defaults
/// to, and stops at, [`MAX_PAGE_SIZE`]; a negative `offset` is 0.
pub fn offset_window(limit: Option<i64>, offset: Option<i64>) -> (i64, i64) {
    let limit = positive_capped(limit, MAX_PAGE_SIZE).unwrap_or(MAX_PAGE_SIZE);
    (limit, offset.filter(|n| *n > 0).unwrap_or(0))
}

impl PageRequest {
    pub fn parse(params: &PageParams) -> Result<Self, ApiError> {
        let uses_limit =
            params.page.is_none() && (params.limit.is_some() || params.offset.is_some());
        if uses_limit {
            let limit = positive_capped(params.limit, MAX_PAGE_SIZE).unwrap_or(DEFAULT_PAGE_SIZE);
            let offset = params.offset.filter(|n| *n >= 0).unwrap_or(0);
            return Ok(Self::LimitOffset { limit, offset });
        }
        let size = positive_capped(params.page_size, MAX_PAGE_SIZE).unwrap_or(DEFAULT_PAGE_SIZE);
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

    /// The window when it does not depend on the count (all but `page=last`), so the count and
    /// the rows can come from one statement; [`Self::window`] still judges the page.
    pub fn window_before_count(&self) -> Option<(i64, i64)> {
        match *self {
            Self::LimitOffset { limit, offset } => Some((limit, offset)),
            Self::Number {
                page: PageNumber::Nth(page),
                size,
            } => Some((size, (page - 1).saturating_mul(size))),
            Self::Number {
                page: PageNumber::Last,
                ..
            } => None,
        }
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

/// Where the examples' absolute URLs point: the server's default address.
pub const EXAMPLE_ORIGIN: &str = "http://127.0.0.1:8000";

/// The envelope the server answers to `path_and_query` over a list of `count` items. Page
/// examples are built by the code that builds real pages, so their links cannot disagree
/// with it.
pub fn example_links(path_and_query: &str, count: i64) -> PageLinks {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let text = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let number = |name: &str| text(name).and_then(|value| value.parse().ok());
    let params = PageParams {
        page: text("page"),
        page_size: number("page_size"),
        limit: number("limit"),
        offset: number("offset"),
    };
    let url = RequestUrl {
        base: format!("{EXAMPLE_ORIGIN}{path}"),
        query,
    };
    PageRequest::parse(&params)
        .unwrap_or(PageRequest::Number {
            page: PageNumber::Nth(1),
            size: DEFAULT_PAGE_SIZE,
        })
        .links(count, &url)
}

/// Declares DRF's page-number envelope of `$item`s under its own schema name, with an example:
/// the answer to `$example_url` over `$count` items, holding one item's example (so the page
/// asked for must hold exactly one).
macro_rules! numbered_page {
    ($name:ident, $item:ty, $doc:literal, example = ($example_url:literal, $count:literal)) => {
        #[doc = $doc]
        #[derive(poem_openapi::Object, serde::Serialize)]
        #[oai(example)]
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

        impl poem_openapi::types::Example for $name {
            fn example() -> Self {
                Self::new(
                    $crate::api::pagination::example_links($example_url, $count),
                    vec![<$item as poem_openapi::types::Example>::example()],
                )
            }
        }
    };
}
pub(crate) use numbered_page;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        page: Option<&str>,
        size: Option<i64>,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<PageRequest, ApiError> {
        PageRequest::parse(&PageParams {
            page: page.map(Into::into),
            page_size: size,
            limit,
            offset,
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
            parse(Some("2"), Some(1000), None, None).ok(),
            Some(number(2, 100))
        );
        assert_eq!(
            parse(Some("2"), Some(0), None, None).ok(),
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

    /// A page's example holds one item's example: the page it shows must hold exactly one.
    #[test]
    fn page_examples_hold_what_their_links_say() {
        use poem_openapi::types::Example;
        macro_rules! holds_one {
            ($page:ty) => {{
                let page = <$page>::example();
                let skipped = (page.current_page - 1) * page.page_size;
                let expected = (page.count - skipped).clamp(0, page.page_size);
                assert_eq!(expected, 1, "{}", stringify!($page));
                assert_eq!(page.results.len(), 1, "{}", stringify!($page));
            }};
        }
        holds_one!(crate::api::rooms::RoomPage);
        holds_one!(crate::api::users::UserPage);
        holds_one!(crate::api::history::MessageVersionPage);
        holds_one!(crate::api::invitations::InvitationPage);
        let rooms = crate::api::rooms::RoomPage::example();
        assert_eq!(
            rooms.previous.as_deref(),
            Some("http://127.0.0.1:8000/api/chat/rooms/"),
            "DRF drops `page` from the first page's link"
        );
        assert_eq!(rooms.next, None);
    }

    #[test]
    fn limit_offset() {
        let req = parse(None, None, Some(5), Some(7));
        assert_eq!(
            req.ok(),
            Some(PageRequest::LimitOffset {
                limit: 5,
                offset: 7
            })
        );
        assert_eq!(
            parse(None, None, Some(0), Some(-3)).ok(),
            Some(PageRequest::LimitOffset {
                limit: 10,
                offset: 0
            })
        );
        assert_eq!(
            parse(Some("1"), None, Some(5), None).ok(),
            Some(PageRequest::Number {
                page: PageNumber::Nth(1),
                size: 10
            })
        );
    }
}
