//! Full-text search over the messages of the caller's rooms: the filters judged against the
//! caller's rooms, and one page of hits as the caller sees them.

use super::messages::render;
use crate::domain::search::SearchTerms;
use crate::domain::views::Message;
use crate::error::{Error, FieldErrors};
use crate::store::{SearchAfter, SearchRequest, Store};

/// django-filter's message for a choice outside the queryset (here: the caller's rooms).
const INVALID_ROOM: &str =
    "Select a valid choice. That choice is not one of the available choices.";

/// What to search for, checked: words to find and, if given, one of the caller's rooms.
#[derive(Debug)]
pub struct Filters {
    pub terms: SearchTerms,
    pub room: Option<i64>,
}

/// `q` and `room` as sent, both judged before answering, as a django-filter form reports its
/// fields. A room the caller is not in is refused as if it did not exist.
pub async fn filters(
    store: &Store,
    caller: i64,
    q: Option<&str>,
    room: Option<&str>,
) -> Result<Filters, Error> {
    let mut errors = FieldErrors::new();
    let terms = match q.map(SearchTerms::parse) {
        None => Err("This field is required.".to_owned()),
        Some(parsed) => parsed,
    }
    .map_err(|message| errors.insert("q".into(), vec![message]))
    .ok();
    let room = match room.map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            let id = text.parse::<i64>().ok();
            let mine = match id {
                Some(id) => store.is_member(id, caller).await?,
                None => false,
            };
            if !mine {
                errors.insert("room".into(), vec![INVALID_ROOM.into()]);
            }
            id
        }
    };
    match terms {
        Some(terms) if errors.is_empty() => Ok(Filters { terms, room }),
        _ => Err(Error::Validation(errors)),
    }
}

/// One page of hits, best first.
pub struct Hits {
    pub messages: Vec<Message>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<SearchAfter>,
}

/// At most `size` hits of `filters` in the caller's rooms, from `after`.
pub async fn page(
    store: &Store,
    caller: i64,
    filters: &Filters,
    after: Option<SearchAfter>,
    size: i64,
) -> Result<Hits, Error> {
    // One hit more than the page tells whether there is a next page.
    let mut hits = store
        .search_messages(&SearchRequest {
            user_id: caller,
            terms: &filters.terms,
            room: filters.room,
            after,
            limit: size + 1,
        })
        .await?;
    let more = hits.len() as i64 > size;
    hits.truncate(usize::try_from(size).unwrap_or(0));
    let next = hits.last().filter(|_| more).map(|last| SearchAfter {
        score: last.score,
        id: last.row.id,
    });
    let rows = hits.into_iter().map(|hit| hit.row).collect();
    Ok(Hits {
        messages: render(store, Some(caller), rows).await?,
        next,
    })
}
