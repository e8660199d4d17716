//! Which messages a subscription has yielded, per room: to yield each exactly once, and to
//! know where to catch up from after a reconnection.

use std::collections::{BTreeSet, HashMap};

/// Ids kept per room. Only the newest matter: a catch-up asks for messages after one of the
/// newest `MARGIN`, and the live socket never repeats an event, so a duplicate is always
/// recent.
const RETAINED: usize = 1024;

/// How many of the newest yielded messages a catch-up fetches again. Ids are assigned when a
/// message is stored but events go out a moment later, so two messages sent together may be
/// announced in the opposite order; a catch-up after the higher id alone could miss the
/// lower one if the socket dropped in between. Re-reading a few costs nothing (they are on
/// the first page) and the duplicates are dropped here.
const MARGIN: usize = 8;

#[derive(Debug)]
struct RoomLog {
    /// Messages up to this id were history when the subscription learnt of the room.
    floor: i64,
    /// The newest ids yielded (at most `RETAINED`).
    seen: BTreeSet<i64>,
}

impl RoomLog {
    fn anchor(&self) -> i64 {
        match self.seen.iter().rev().nth(MARGIN - 1) {
            Some(id) => (*id).max(self.floor),
            None => self.floor,
        }
    }
}

/// The rooms a subscription follows and the messages it yielded in each.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    rooms: HashMap<i64, RoomLog>,
    /// The highest message id known; message ids grow across all rooms, so a room first heard
    /// of now only has news above it.
    watermark: i64,
}

impl Ledger {
    /// Starts following `room`, whose messages up to `newest` are history (0: none).
    pub(crate) fn follow(&mut self, room: i64, newest: i64) {
        self.watermark = self.watermark.max(newest);
        self.rooms.entry(room).or_insert_with(|| RoomLog {
            floor: newest,
            seen: BTreeSet::new(),
        });
    }

    /// Records message `id` of `room`; false if it was yielded already.
    pub(crate) fn first_time(&mut self, room: i64, id: i64) -> bool {
        let watermark = self.watermark;
        let log = self.rooms.entry(room).or_insert_with(|| RoomLog {
            floor: watermark.min(id - 1),
            seen: BTreeSet::new(),
        });
        if !log.seen.insert(id) {
            return false;
        }
        if log.seen.len() > RETAINED {
            log.seen.pop_first();
        }
        self.watermark = self.watermark.max(id);
        true
    }

    /// The id to catch up `room` from (`after=`); rooms not followed yet start at the
    /// watermark, as their older messages were sent before the subscription heard of them.
    pub(crate) fn anchor(&self, room: i64) -> i64 {
        self.rooms
            .get(&room)
            .map_or(self.watermark, RoomLog::anchor)
    }

    /// Keeps only `rooms` (the caller left the others).
    pub(crate) fn retain(&mut self, rooms: &BTreeSet<i64>) {
        self.rooms.retain(|room, _| rooms.contains(room));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_message_is_yielded_once() {
        let mut ledger = Ledger::default();
        ledger.follow(1, 10);
        assert!(ledger.first_time(1, 11));
        assert!(!ledger.first_time(1, 11));
        // Out of order is still new.
        assert!(ledger.first_time(1, 13));
        assert!(ledger.first_time(1, 12));
        assert!(!ledger.first_time(1, 12));
    }

    #[test]
    fn catch_up_starts_a_margin_below_the_newest() {
        let mut ledger = Ledger::default();
        ledger.follow(1, 10);
        assert_eq!(ledger.anchor(1), 10);
        for id in 11..=14 {
            ledger.first_time(1, id);
        }
        // Fewer than the margin yielded: from the subscription's start.
        assert_eq!(ledger.anchor(1), 10);
        for id in 15..=30 {
            ledger.first_time(1, id);
        }
        assert_eq!(ledger.anchor(1), 30 - MARGIN as i64 + 1);
    }

    #[test]
    fn rooms_heard_of_later_start_at_the_watermark() {
        let mut ledger = Ledger::default();
        ledger.follow(1, 10);
        ledger.first_time(1, 40);
        assert_eq!(ledger.anchor(2), 40);
        // A room first heard of through a live message: what came before it is history.
        assert!(ledger.first_time(3, 50));
        assert_eq!(ledger.anchor(3), 40);
        ledger.retain(&BTreeSet::from([1]));
        assert_eq!(ledger.anchor(3), 50);
    }

    #[test]
    fn only_the_newest_ids_are_kept() {
        let mut ledger = Ledger::default();
        ledger.follow(1, 0);
        for id in 1..=(RETAINED as i64 + 10) {
            assert!(ledger.first_time(1, id));
        }
        assert_eq!(ledger.rooms[&1].seen.len(), RETAINED);
        assert!(!ledger.first_time(1, RETAINED as i64 + 10));
    }
}
