//! Keyset pages of a room's messages, in either direction, from a cursor.

use super::token::{Cursor, Order};
use crate::api::error::ApiError;
use crate::store::{MessageRow, MessageWindow};

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
                thread: None,
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
            reply_to: None,
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
