//! Streams over every item of a paginated list, following the server's `next` links.
//!
//! Each page is requested through the generated builder the caller configured (page size,
//! search, `after`, ...), with only the position taken from `next`: `page`/`offset` for the
//! numbered lists, the opaque `cursor` for messages. Requests go through the same hooks as any
//! other, so tokens are renewed in the middle of a long walk.

use std::future::Future;

use futures::stream::{self, Stream, TryStreamExt};
use reqwest::Url;

use crate::{Error, builder, types};

type Result<T> = std::result::Result<T, Error<types::ApiError>>;

struct Page<T> {
    items: Vec<T>,
    next: Option<String>,
}

/// A list request that can fetch one page and move to the page a `next` link names.
trait Listing<'a>: Clone + Send + 'a {
    type Item: Send + 'a;
    fn fetch(self) -> impl Future<Output = Result<Page<Self::Item>>> + Send + 'a;
    /// The request for the page `next` names, or why it cannot be followed.
    fn follow(self, next: &Url) -> std::result::Result<Self, String>;
}

fn walk<'a, L: Listing<'a>>(first: L) -> impl Stream<Item = Result<L::Item>> + Send + 'a {
    stream::try_unfold(Some((first, None::<String>)), |state| async move {
        let Some((listing, followed)) = state else {
            return Ok(None);
        };
        let page = listing.clone().fetch().await?;
        let following = match page.next {
            None => None,
            Some(next) if followed.as_ref() == Some(&next) => {
                return Err(bad_link(&next, "it names the page just read"));
            }
            Some(next) => {
                let url = Url::parse(&next).map_err(|e| bad_link(&next, e))?;
                let listing = listing.follow(&url).map_err(|why| bad_link(&next, why))?;
                Some((listing, Some(next)))
            }
        };
        Ok(Some((
            stream::iter(page.items.into_iter().map(Ok)),
            following,
        )))
    })
    .try_flatten()
}

fn bad_link(next: &str, why: impl std::fmt::Display) -> Error<types::ApiError> {
    Error::Custom(format!(
        "chat-sdk: cannot follow the next link {next:?}: {why}"
    ))
}

/// The page position in a numbered list's `next` link (`page`, or `offset` and `limit`).
type Position = (Option<i64>, Option<i64>, Option<i64>);

fn numbered_position(next: &Url) -> std::result::Result<Position, String> {
    let number = |key: &str| {
        next.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.parse().map_err(|e| format!("`{key}`: {e}")))
            .transpose()
    };
    let position = (number("page")?, number("offset")?, number("limit")?);
    if position.0.is_none() && position.1.is_none() {
        return Err("it has neither `page` nor `offset`".into());
    }
    Ok(position)
}

/// The numbered lists (rooms, users) share an envelope and move by `page` or `offset`.
macro_rules! numbered_listing {
    ($builder:ident, $item:ty) => {
        impl<'a> Listing<'a> for builder::$builder<'a> {
            type Item = $item;

            async fn fetch(self) -> Result<Page<$item>> {
                let page = self.send().await?.into_inner();
                Ok(Page {
                    items: page.results,
                    next: page.next,
                })
            }

            fn follow(self, next: &Url) -> std::result::Result<Self, String> {
                let (page, offset, limit) = numbered_position(next)?;
                let mut listing = self;
                if let Some(page) = page {
                    listing = listing.page(page);
                }
                if let Some(offset) = offset {
                    listing = listing.offset(offset);
                }
                if let Some(limit) = limit {
                    listing = listing.limit(limit);
                }
                Ok(listing)
            }
        }
    };
}

numbered_listing!(RoomsList, types::Room);
numbered_listing!(UsersList, types::UserSummary);
numbered_listing!(MessagesHistoryList, types::MessageVersion);
numbered_listing!(RoomsInvitationsList, types::Invitation);
numbered_listing!(InvitationsList, types::Invitation);

/// The cursor lists (messages, replies, search results) move by the opaque `cursor`.
macro_rules! cursor_listing {
    ($builder:ident, $item:ty) => {
        impl<'a> Listing<'a> for builder::$builder<'a> {
            type Item = $item;

            async fn fetch(self) -> Result<Page<$item>> {
                let page = self.send().await?.into_inner();
                Ok(Page {
                    items: page.results,
                    next: page.next,
                })
            }

            fn follow(self, next: &Url) -> std::result::Result<Self, String> {
                let cursor = next
                    .query_pairs()
                    .find(|(k, _)| k == "cursor")
                    .map(|(_, v)| v.into_owned())
                    .ok_or("it has no `cursor`")?;
                Ok(self.cursor(cursor))
            }
        }
    };
}

cursor_listing!(MessagesList, types::Message);
cursor_listing!(MessagesRepliesList, types::Message);
cursor_listing!(SearchList, types::Message);

impl<'a> builder::RoomsList<'a> {
    /// Every room of every page, most recent activity first, starting at the page this
    /// request names (the first by default) and following `next` to the end. Settings such as
    /// `page_size` and `messages_limit` apply to every page; an error ends the stream.
    ///
    /// ```no_run
    /// # async fn demo(client: &chat_sdk::Client) -> Result<(), chat_sdk::Error<chat_sdk::types::ApiError>> {
    /// use futures::TryStreamExt;
    /// let rooms: Vec<_> = client.rooms_list().page_size(100).into_stream().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn into_stream(self) -> impl Stream<Item = Result<types::Room>> + Send + 'a {
        walk(self)
    }
}

impl<'a> builder::UsersList<'a> {
    /// Every user of every page (matching `search`, if set), by id, following `next` to the
    /// end; an error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<types::UserSummary>> + Send + 'a {
        walk(self)
    }
}

impl<'a> builder::MessagesList<'a> {
    /// Every message of the room, newest first, following the `next` cursors to the oldest
    /// (with `after`: the newer messages, oldest first); an error ends the stream.
    ///
    /// ```no_run
    /// # async fn demo(client: &chat_sdk::Client) -> Result<(), chat_sdk::Error<chat_sdk::types::ApiError>> {
    /// use futures::TryStreamExt;
    /// let mut messages = std::pin::pin!(client.messages_list().room_id(1).into_stream());
    /// while let Some(message) = messages.try_next().await? {
    ///     println!("{}: {}", message.sender, message.content);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn into_stream(self) -> impl Stream<Item = Result<types::Message>> + Send + 'a {
        walk(self)
    }
}

impl<'a> builder::MessagesRepliesList<'a> {
    /// Every reply to the message, newest first (with `after`: the newer ones, oldest
    /// first), following `next` to the end; an error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<types::Message>> + Send + 'a {
        walk(self)
    }
}

impl<'a> builder::SearchList<'a> {
    /// Every message matching `q` in the caller's rooms, best match first, following `next`
    /// to the end; an error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<types::Message>> + Send + 'a {
        walk(self)
    }
}

impl<'a> builder::MessagesHistoryList<'a> {
    /// Every version of the message's content, oldest first (the last is the current one);
    /// an error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<types::MessageVersion>> + Send + 'a {
        walk(self)
    }
}

impl<'a> builder::RoomsInvitationsList<'a> {
    /// Every pending invitation to the room, oldest first; an error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<types::Invitation>> + Send + 'a {
        walk(self)
    }
}

impl<'a> builder::InvitationsList<'a> {
    /// Every pending invitation of the caller, newest first; an error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<types::Invitation>> + Send + 'a {
        walk(self)
    }
}
