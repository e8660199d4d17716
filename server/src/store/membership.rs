//! Who was recently seen in which room: nearly every request on a room checks that its caller
//! is in it, and under load that read was a tenth of the server's CPU.
//!
//! Only presence is remembered, and only briefly. A room forgets its members when this
//! instance changes them (before the change is answered) and when the event log shows that
//! another instance removed one or deleted the room ([`MemberCache::forget_room`]); the
//! [`MEMBER_TTL`] bounds anything else. A message is never stored on the cache's word: the
//! writer's INSERT checks membership in its own transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a membership read stands in for the database's answer, as usernames do.
pub const MEMBER_TTL: Duration = Duration::from_secs(1);

/// Beyond this many rooms the cache starts over, so memory stays bounded.
const ROOM_LIMIT: usize = 50_000;

#[derive(Clone, Default)]
pub(super) struct MemberCache(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    /// room → member → when their membership was read
    rooms: HashMap<i64, HashMap<i64, Instant>>,
    /// Counts forgets: a read that began before one may be stale, so it is not remembered.
    generation: u64,
}

impl MemberCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `user` was seen in `room` within [`MEMBER_TTL`] and nothing since forgot it.
    pub(super) fn contains(&self, room: i64, user: i64) -> bool {
        self.lock()
            .rooms
            .get(&room)
            .and_then(|members| members.get(&user))
            .is_some_and(|at| at.elapsed() < MEMBER_TTL)
    }

    /// Taken before reading membership, for [`Self::remember`].
    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Remembers `user` in `room` as read, unless a forget happened since `generation`.
    pub(super) fn remember(&self, room: i64, user: i64, generation: u64) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.rooms.len() >= ROOM_LIMIT && !inner.rooms.contains_key(&room) {
            inner.rooms.clear();
        }
        inner
            .rooms
            .entry(room)
            .or_default()
            .insert(user, Instant::now());
    }

    /// Forgets every member of `room`: its membership changed, or it is gone.
    pub(super) fn forget_room(&self, room: i64) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.rooms.remove(&room);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_began_before_a_forget_is_not_remembered() {
        let cache = MemberCache::default();
        let before = cache.generation();
        cache.forget_room(1);
        cache.remember(1, 7, before);
        assert!(!cache.contains(1, 7));
        cache.remember(1, 7, cache.generation());
        assert!(cache.contains(1, 7));
        assert!(!cache.contains(2, 7));
        cache.forget_room(1);
        assert!(!cache.contains(1, 7));
    }
}
