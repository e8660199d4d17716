//! Fan-out: which connections listen to which room, and the one way events reach them.
//!
//! Every change that sockets must hear about is a [`Broadcast`], handed to a [`Bus`]. The
//! in-process bus ([`LocalBus`]) applies it to this instance's [`Registry`] at once; the
//! cross-instance bus ([`PgBus`](super::pg_bus::PgBus), PostgreSQL LISTEN/NOTIFY) carries the
//! same value to every instance's registry, so the registry is the only place that knows about
//! sockets.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

/// What one instance tells every instance (itself included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Broadcast {
    /// An event (JSON text, serialised once for every subscriber) for a room's connections,
    /// except those of `except_user` (nobody hears their own typing).
    Event {
        room_id: i64,
        json: String,
        except_user: Option<i64>,
    },
    /// Users joined or left a room: their every-room sockets start or stop hearing it, and
    /// their sockets for that one room close.
    Members {
        room_id: i64,
        added: Vec<i64>,
        removed: Vec<i64>,
    },
    /// The room is gone: its sockets close and nobody hears it any more.
    RoomDeleted { room_id: i64 },
    /// An event for every connection hearing any of `rooms`, once per connection however
    /// many of them it hears, except those of `except_user` (presence: the rooms a user
    /// shares with others, who need not tell the user about themselves).
    Rooms {
        rooms: Vec<i64>,
        json: String,
        except_user: Option<i64>,
    },
    /// An event for the every-room connections of `users`, whatever rooms they hear (an
    /// invitation to a room they are not in yet).
    Users { users: Vec<i64>, json: String },
}

/// Carries broadcasts to every instance's registry.
pub trait Bus: Send + Sync + 'static {
    fn publish(&self, broadcast: Broadcast);
}

/// The single-instance bus: straight into the local registry.
pub struct LocalBus(pub Arc<Registry>);

impl Bus for LocalBus {
    fn publish(&self, broadcast: Broadcast) {
        self.0.apply(&broadcast);
    }
}

/// Why the server closes a socket: a WebSocket close code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closing {
    pub code: u16,
    pub reason: &'static str,
}

pub const SLOW_CONSUMER: Closing = Closing {
    code: 1008,
    reason: "slow consumer",
};
pub const NOT_A_PARTICIPANT: Closing = Closing {
    code: 1008,
    reason: "not a participant",
};
pub const ROOM_DELETED: Closing = Closing {
    code: 1000,
    reason: "room deleted",
};
pub const SHUTTING_DOWN: Closing = Closing {
    code: 1001,
    reason: "server shutting down",
};

/// What a connection listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One room (`/ws/chat/rooms/{id}/`, seed 002's pair route).
    Room(i64),
    /// Every room of the user, following membership changes (`/ws/chat/`).
    AllRooms,
}

/// The sending half of a connection, as the registry holds it.
struct Subscriber {
    user_id: i64,
    scope: Scope,
    queue: mpsc::Sender<String>,
    closing: watch::Sender<Option<Closing>>,
}

impl Subscriber {
    /// The first reason wins; later ones are ignored.
    fn close(&self, why: Closing) {
        self.closing.send_if_modified(|current| {
            let first = current.is_none();
            if first {
                *current = Some(why);
            }
            first
        });
    }

    fn deliver(&self, json: &str) {
        match self.queue.try_send(json.to_owned()) {
            Ok(()) => metrics::counter!("chat_realtime_events_delivered_total").increment(1),
            // Never wait for one reader: a full queue means it fell behind, and it goes.
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("chat_realtime_slow_consumers_closed_total").increment(1);
                self.close(SLOW_CONSUMER);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

type ConnId = u64;

#[derive(Default)]
struct Subscriptions {
    /// room → its listening connections: a publish touches only these.
    rooms: HashMap<i64, HashMap<ConnId, Arc<Subscriber>>>,
    /// user → their connections (limits, membership changes).
    users: HashMap<i64, HashMap<ConnId, Arc<Subscriber>>>,
}

/// Told the id of a user whose first connection opened or whose last one closed.
type PresenceWatcher = Box<dyn Fn(i64) + Send + Sync>;

/// This instance's connections, by room and by user.
pub struct Registry {
    subscriptions: Mutex<Subscriptions>,
    next_id: AtomicU64,
    queue_len: usize,
    max_per_user: usize,
    presence: OnceLock<PresenceWatcher>,
}

/// Refused: the user already has the configured number of sockets open.
#[derive(Debug)]
pub struct TooManyConnections;

impl Registry {
    pub fn new(queue_len: usize, max_per_user: usize) -> Self {
        Self {
            subscriptions: Mutex::default(),
            next_id: AtomicU64::new(1),
            queue_len: queue_len.max(1),
            max_per_user,
            presence: OnceLock::new(),
        }
    }

    /// Calls `watcher` with a user's id whenever their first connection on this instance
    /// opens or their last one closes (presence); set once, before any connection.
    pub fn watch_presence(&self, watcher: impl Fn(i64) + Send + Sync + 'static) {
        let _ = self.presence.set(Box::new(watcher));
    }

    fn presence_changed(&self, user_id: i64) {
        if let Some(watcher) = self.presence.get() {
            watcher(user_id);
        }
    }

    /// Whether `user_id` has a connection open on this instance.
    pub fn is_connected(&self, user_id: i64) -> bool {
        self.lock()
            .users
            .get(&user_id)
            .is_some_and(|mine| !mine.is_empty())
    }

    fn lock(&self) -> MutexGuard<'_, Subscriptions> {
        // Every update leaves the maps consistent, so a panicked holder left nothing half-done.
        self.subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a connection listening to `rooms`; it is removed when the [`Registration`] drops.
    pub fn register(
        self: &Arc<Self>,
        user_id: i64,
        scope: Scope,
        rooms: &[i64],
    ) -> Result<Registration, TooManyConnections> {
        let (queue, events) = mpsc::channel(self.queue_len);
        let (closing, closed) = watch::channel(None);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let subscriber = Arc::new(Subscriber {
            user_id,
            scope,
            queue,
            closing,
        });
        let mut subs = self.lock();
        let mine = subs.users.entry(user_id).or_default();
        if mine.len() >= self.max_per_user {
            return Err(TooManyConnections);
        }
        let first = mine.is_empty();
        mine.insert(id, Arc::clone(&subscriber));
        for room in rooms {
            subs.rooms
                .entry(*room)
                .or_default()
                .insert(id, Arc::clone(&subscriber));
        }
        drop(subs);
        if first {
            self.presence_changed(user_id);
        }
        Ok(Registration {
            registry: Arc::clone(self),
            id,
            user_id,
            scope,
            events,
            closed,
        })
    }

    /// Whether [`Registry::register`] would refuse `user_id` another connection right now.
    pub fn check_limit(&self, user_id: i64) -> Result<(), TooManyConnections> {
        let subs = self.lock();
        let open = subs.users.get(&user_id).map_or(0, HashMap::len);
        if open >= self.max_per_user {
            return Err(TooManyConnections);
        }
        Ok(())
    }

    /// Starts delivering `room` to a registered connection (idempotent).
    pub fn listen(&self, registration: &Registration, room: i64) {
        let mut subs = self.lock();
        let Some(subscriber) = subs
            .users
            .get(&registration.user_id)
            .and_then(|mine| mine.get(&registration.id))
            .cloned()
        else {
            return;
        };
        subs.rooms
            .entry(room)
            .or_default()
            .insert(registration.id, subscriber);
    }

    /// Whether a connection currently hears `room` (its membership, as far as sockets know).
    pub fn hears(&self, registration: &Registration, room: i64) -> bool {
        self.lock()
            .rooms
            .get(&room)
            .is_some_and(|conns| conns.contains_key(&registration.id))
    }

    /// Closes every connection (graceful shutdown).
    pub fn close_all(&self, why: Closing) {
        for conns in self.lock().users.values() {
            for subscriber in conns.values() {
                subscriber.close(why);
            }
        }
    }

    /// Queues `json` to every connection, whatever it listens to (a notice about this
    /// instance, such as `resync`). A connection whose queue is full is closed as a slow
    /// consumer, as for room events.
    pub fn deliver_to_all(&self, json: &str) {
        for conns in self.lock().users.values() {
            for subscriber in conns.values() {
                subscriber.deliver(json);
            }
        }
    }

    /// The users with a connection on this instance.
    pub fn users(&self) -> Vec<i64> {
        self.lock().users.keys().copied().collect()
    }

    /// Puts every connection in line with `member_of` (user → the rooms they are in now, as
    /// the database says), after membership broadcasts may have been lost: every-room
    /// connections hear exactly their user's rooms, and a one-room connection whose user is
    /// no longer in that room closes, as if it had heard the change.
    pub fn reconcile(&self, member_of: &HashMap<i64, BTreeSet<i64>>) {
        let nowhere = BTreeSet::new();
        let mut subs = self.lock();
        let Subscriptions { rooms, users } = &mut *subs;
        for (room, conns) in rooms.iter_mut() {
            conns.retain(|_, subscriber| {
                let stays = member_of
                    .get(&subscriber.user_id)
                    .unwrap_or(&nowhere)
                    .contains(room);
                if !stays && subscriber.scope == Scope::Room(*room) {
                    subscriber.close(NOT_A_PARTICIPANT);
                }
                stays
            });
        }
        rooms.retain(|_, conns| !conns.is_empty());
        for (user, conns) in users.iter() {
            let everywhere = conns.iter().filter(|(_, s)| s.scope == Scope::AllRooms);
            for (id, subscriber) in everywhere {
                for room in member_of.get(user).unwrap_or(&nowhere) {
                    rooms
                        .entry(*room)
                        .or_default()
                        .insert(*id, Arc::clone(subscriber));
                }
            }
        }
    }

    /// How many connections are open (for logs and tests).
    pub fn connections(&self) -> usize {
        self.lock().users.values().map(HashMap::len).sum()
    }

    pub fn apply(&self, broadcast: &Broadcast) {
        let mut subs = self.lock();
        match broadcast {
            Broadcast::Event {
                room_id,
                json,
                except_user,
            } => {
                for subscriber in subs.rooms.get(room_id).into_iter().flat_map(|c| c.values()) {
                    if Some(subscriber.user_id) != *except_user {
                        subscriber.deliver(json);
                    }
                }
            }
            Broadcast::Members {
                room_id,
                added,
                removed,
            } => {
                for user in added {
                    let joining: Vec<(ConnId, Arc<Subscriber>)> = subs
                        .users
                        .get(user)
                        .into_iter()
                        .flatten()
                        .filter(|(_, s)| s.scope == Scope::AllRooms)
                        .map(|(id, s)| (*id, Arc::clone(s)))
                        .collect();
                    if !joining.is_empty() {
                        subs.rooms.entry(*room_id).or_default().extend(joining);
                    }
                }
                for user in removed {
                    let leaving: Vec<ConnId> = subs
                        .users
                        .get(user)
                        .into_iter()
                        .flatten()
                        .map(|(id, s)| {
                            if s.scope == Scope::Room(*room_id) {
                                s.close(NOT_A_PARTICIPANT);
                            }
                            *id
                        })
                        .collect();
                    if let Some(conns) = subs.rooms.get_mut(room_id) {
                        for id in leaving {
                            conns.remove(&id);
                        }
                    }
                }
                if subs.rooms.get(room_id).is_some_and(HashMap::is_empty) {
                    subs.rooms.remove(room_id);
                }
            }
            Broadcast::Rooms {
                rooms,
                json,
                except_user,
            } => {
                let mut reached = std::collections::HashSet::new();
                for conns in rooms.iter().filter_map(|room| subs.rooms.get(room)) {
                    for (id, subscriber) in conns {
                        if Some(subscriber.user_id) != *except_user && reached.insert(*id) {
                            subscriber.deliver(json);
                        }
                    }
                }
            }
            Broadcast::Users { users, json } => {
                for subscriber in users
                    .iter()
                    .filter_map(|user| subs.users.get(user))
                    .flat_map(HashMap::values)
                    .filter(|s| s.scope == Scope::AllRooms)
                {
                    subscriber.deliver(json);
                }
            }
            Broadcast::RoomDeleted { room_id } => {
                for subscriber in subs
                    .rooms
                    .remove(room_id)
                    .into_iter()
                    .flat_map(|c| c.into_values())
                {
                    if subscriber.scope == Scope::Room(*room_id) {
                        subscriber.close(ROOM_DELETED);
                    }
                }
            }
        }
    }

    fn unregister(&self, user_id: i64, id: ConnId) {
        let mut subs = self.lock();
        let mut last = false;
        if let Some(mine) = subs.users.get_mut(&user_id) {
            last = mine.remove(&id).is_some() && mine.is_empty();
            if mine.is_empty() {
                subs.users.remove(&user_id);
            }
        }
        subs.rooms.retain(|_, conns| {
            conns.remove(&id);
            !conns.is_empty()
        });
        drop(subs);
        if last {
            self.presence_changed(user_id);
        }
    }
}

/// A connection's receiving half: its queue of events and the server's reason to close it.
pub struct Registration {
    registry: Arc<Registry>,
    id: ConnId,
    user_id: i64,
    scope: Scope,
    pub events: mpsc::Receiver<String>,
    pub closed: watch::Receiver<Option<Closing>>,
}

impl Registration {
    pub fn scope(&self) -> Scope {
        self.scope
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.unregister(self.user_id, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(room_id: i64, json: &str) -> Broadcast {
        Broadcast::Event {
            room_id,
            json: json.into(),
            except_user: None,
        }
    }

    #[test]
    fn a_room_reaches_only_its_listeners() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut in_room = registry.register(1, Scope::Room(10), &[10]).expect("room");
        let mut elsewhere = registry.register(2, Scope::Room(11), &[11]).expect("room");

        registry.apply(&event(10, "a"));

        assert_eq!(in_room.events.try_recv().ok().as_deref(), Some("a"));
        assert!(elsewhere.events.try_recv().is_err());
    }

    #[test]
    fn a_full_queue_closes_only_that_connection() {
        let registry = Arc::new(Registry::new(2, 4));
        let slow = registry.register(1, Scope::Room(10), &[10]).expect("room");
        let mut fast = registry.register(2, Scope::Room(10), &[10]).expect("room");

        for n in 0..3 {
            registry.apply(&event(10, &n.to_string()));
            let _ = fast.events.try_recv();
        }

        assert_eq!(*slow.closed.borrow(), Some(SLOW_CONSUMER));
        assert_eq!(*fast.closed.borrow(), None);
    }

    #[test]
    fn membership_changes_follow_every_room_sockets_and_close_room_sockets() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut everywhere = registry.register(1, Scope::AllRooms, &[]).expect("all");
        let room_socket = registry.register(1, Scope::Room(10), &[10]).expect("room");

        registry.apply(&Broadcast::Members {
            room_id: 10,
            added: vec![1],
            removed: vec![],
        });
        registry.apply(&event(10, "hello"));
        assert_eq!(everywhere.events.try_recv().ok().as_deref(), Some("hello"));

        registry.apply(&Broadcast::Members {
            room_id: 10,
            added: vec![],
            removed: vec![1],
        });
        registry.apply(&event(10, "gone"));
        assert!(everywhere.events.try_recv().is_err());
        assert_eq!(*room_socket.closed.borrow(), Some(NOT_A_PARTICIPANT));
        assert!(!registry.hears(&everywhere, 10));
    }

    #[test]
    fn reconciling_follows_the_database_for_both_kinds_of_connection() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut everywhere = registry.register(1, Scope::AllRooms, &[10]).expect("all");
        let left = registry.register(1, Scope::Room(10), &[10]).expect("room");
        let stays = registry.register(2, Scope::Room(10), &[10]).expect("room");

        // User 1 left room 10 and joined 11 while the broadcasts saying so were lost.
        let member_of = HashMap::from([(1, BTreeSet::from([11])), (2, BTreeSet::from([10]))]);
        registry.reconcile(&member_of);

        assert!(!registry.hears(&everywhere, 10));
        assert!(registry.hears(&everywhere, 11));
        assert_eq!(*left.closed.borrow(), Some(NOT_A_PARTICIPANT));
        assert!(registry.hears(&stays, 10));
        assert_eq!(*stays.closed.borrow(), None);
        registry.apply(&event(11, "new room"));
        assert_eq!(
            everywhere.events.try_recv().ok().as_deref(),
            Some("new room")
        );
    }

    #[test]
    fn connections_per_user_are_limited_and_released_on_drop() {
        let registry = Arc::new(Registry::new(8, 1));
        let first = registry.register(1, Scope::AllRooms, &[]).expect("first");
        assert!(registry.register(1, Scope::AllRooms, &[]).is_err());
        drop(first);
        let _second = registry.register(1, Scope::AllRooms, &[]).expect("second");
        assert_eq!(registry.connections(), 1);
    }

    #[test]
    fn an_event_for_several_rooms_reaches_each_listener_once() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut in_both = registry
            .register(1, Scope::AllRooms, &[10, 11])
            .expect("all");
        let mut in_one = registry.register(2, Scope::Room(11), &[11]).expect("room");
        let mut in_neither = registry.register(3, Scope::Room(12), &[12]).expect("room");

        registry.apply(&Broadcast::Rooms {
            rooms: vec![10, 11],
            json: "presence".into(),
            except_user: None,
        });

        assert_eq!(in_both.events.try_recv().ok().as_deref(), Some("presence"));
        assert!(in_both.events.try_recv().is_err());
        assert_eq!(in_one.events.try_recv().ok().as_deref(), Some("presence"));
        assert!(in_neither.events.try_recv().is_err());
    }

    #[test]
    fn an_event_for_several_rooms_skips_the_excepted_user() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut subject = registry.register(1, Scope::Room(10), &[10]).expect("room");
        let mut mate = registry.register(2, Scope::Room(10), &[10]).expect("room");

        registry.apply(&Broadcast::Rooms {
            rooms: vec![10],
            json: "presence".into(),
            except_user: Some(1),
        });

        assert!(subject.events.try_recv().is_err());
        assert_eq!(mate.events.try_recv().ok().as_deref(), Some("presence"));
    }

    #[test]
    fn presence_hears_of_first_and_last_connections_only() {
        let registry = Arc::new(Registry::new(8, 4));
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&heard);
        registry.watch_presence(move |user| log.lock().expect("log").push(user));

        let first = registry.register(1, Scope::AllRooms, &[]).expect("first");
        let second = registry
            .register(1, Scope::Room(10), &[10])
            .expect("second");
        assert!(registry.is_connected(1));
        drop(first);
        assert_eq!(*heard.lock().expect("log"), [1]);
        drop(second);
        assert!(!registry.is_connected(1));
        assert_eq!(*heard.lock().expect("log"), [1, 1]);
    }

    #[test]
    fn an_event_for_users_reaches_their_every_room_connections() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut everywhere = registry.register(1, Scope::AllRooms, &[]).expect("all");
        let mut one_room = registry.register(1, Scope::Room(10), &[10]).expect("room");
        let mut someone_else = registry.register(2, Scope::AllRooms, &[]).expect("all");

        registry.apply(&Broadcast::Users {
            users: vec![1],
            json: "invited".into(),
        });

        assert_eq!(
            everywhere.events.try_recv().ok().as_deref(),
            Some("invited")
        );
        assert!(one_room.events.try_recv().is_err());
        assert!(someone_else.events.try_recv().is_err());
    }

    #[test]
    fn a_notice_reaches_every_connection_once() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut in_two_rooms = registry
            .register(1, Scope::AllRooms, &[10, 11])
            .expect("all");
        let mut in_no_room = registry.register(2, Scope::AllRooms, &[]).expect("all");

        registry.deliver_to_all("notice");

        assert_eq!(
            in_two_rooms.events.try_recv().ok().as_deref(),
            Some("notice")
        );
        assert!(in_two_rooms.events.try_recv().is_err());
        assert_eq!(in_no_room.events.try_recv().ok().as_deref(), Some("notice"));
    }
}
