//! Fan-out: which connections listen to which room, and the one way events reach them.
//!
//! Stored events come from the log, in position order, through [`Registry::dispatch`] (the
//! feed of this instance); they also move connections in and out of rooms. Ephemeral events
//! (typing, presence) are a [`Broadcast`] handed to a [`Bus`]: the in-process bus
//! ([`LocalBus`]) applies it to this instance's registry at once; the cross-instance bus
//! ([`PgBus`](super::pg_bus::PgBus), PostgreSQL LISTEN/NOTIFY) carries it to every instance's
//! registry. The registry is the only place that knows about sockets.
//!
//! A connection starts pending (counted, hearing nothing); it goes live with
//! [`Registry::activate`] at a position of the log, after its replay up to that position:
//! events at or before it are skipped for it, those after it reach it, so nothing is missed
//! or repeated at the seam.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use crate::store::events::{Audience, LoggedEvent, Snapshot};

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
    /// An event for every connection hearing any of `rooms`, once per connection however
    /// many of them it hears, except those of `except_user` (presence: the rooms a user
    /// shares with others, who need not tell the user about themselves).
    Rooms {
        rooms: Vec<i64>,
        json: String,
        except_user: Option<i64>,
    },
    /// An instance committed events: the feeds read the log now rather than at their next
    /// poll. Only a hint: a feed that misses it reads them at its next poll anyway.
    Appended,
}

/// Carries broadcasts to every instance's registry.
pub trait Bus: Send + Sync + 'static {
    fn publish(&self, broadcast: Broadcast);
}

/// The single-instance bus: straight into the local registry. There is no other instance to
/// wake: [`Broadcast::Appended`] goes nowhere.
pub struct LocalBus(pub Arc<Registry>);

impl Bus for LocalBus {
    fn publish(&self, broadcast: Broadcast) {
        if broadcast != Broadcast::Appended {
            self.0.apply(&broadcast);
        }
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
    /// Stored events up to this position reached the client by its replay; [`PENDING`]
    /// until the connection goes live.
    live_after: AtomicI64,
}

/// The `live_after` of a connection that is not live yet.
const PENDING: i64 = i64::MAX;

/// How many dispatched events the registry keeps, for connections going live just behind the
/// feed (their snapshot older than what was dispatched meanwhile).
const RECENT: usize = 1024;

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

    fn live_after(&self) -> i64 {
        self.live_after.load(Ordering::Relaxed)
    }

    fn is_live(&self) -> bool {
        self.live_after() != PENDING
    }

    /// Whether a stored event at `position` is this connection's to deliver and follow.
    fn is_after(&self, position: i64) -> bool {
        position > self.live_after()
    }

    /// Queues a stored event at `position`, unless the connection's replay had it.
    fn deliver_at(&self, position: i64, json: &str) {
        if self.is_after(position) {
            self.deliver(json);
        }
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
    /// The last [`RECENT`] events dispatched, oldest first.
    recent: VecDeque<Arc<LoggedEvent>>,
    /// What was dispatched before the oldest of `recent`: it covers `(recent_from, dispatched]`.
    recent_from: i64,
}

/// A connection cannot go live at its snapshot: more has been dispatched since than the
/// registry keeps. It replays from the log again, up to a newer snapshot.
#[derive(Debug, PartialEq, Eq)]
pub struct Behind;

/// Told the id of a user whose first connection opened or whose last one closed.
type PresenceWatcher = Box<dyn Fn(i64) + Send + Sync>;

/// This instance's connections, by room and by user.
pub struct Registry {
    subscriptions: Mutex<Subscriptions>,
    next_id: AtomicU64,
    queue_len: usize,
    max_per_user: usize,
    presence: OnceLock<PresenceWatcher>,
    /// Woken by [`Broadcast::Appended`]: this instance's feed waits on it.
    appended: tokio::sync::Notify,
    /// The position of the last stored event dispatched; changed only with `subscriptions`
    /// locked, so it is read consistently under that lock (long polls wait on it).
    dispatched: watch::Sender<i64>,
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
            appended: tokio::sync::Notify::new(),
            dispatched: watch::Sender::new(0),
        }
    }

    /// Moves when the feed dispatches stored events: the newest position dispatched.
    pub fn dispatched(&self) -> watch::Receiver<i64> {
        self.dispatched.subscribe()
    }

    /// Resolves when an instance says it committed events ([`Broadcast::Appended`]).
    pub async fn appended_elsewhere(&self) {
        self.appended.notified().await;
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

    /// Adds a live connection listening to `rooms` from now on (tests: the server's go live
    /// with [`Registry::activate`]); it is removed when the [`Registration`] drops.
    #[cfg(test)]
    pub fn register(
        self: &Arc<Self>,
        user_id: i64,
        scope: Scope,
        rooms: &[i64],
    ) -> Result<Registration, TooManyConnections> {
        let registration = self.register_pending(user_id, scope)?;
        let mut subs = self.lock();
        let delivered = *self.dispatched.borrow();
        if let Some(subscriber) = subs.subscriber(&registration) {
            subscriber.live_after.store(delivered, Ordering::Relaxed);
            for room in rooms {
                subs.hear(*room, registration.id, &subscriber);
            }
        }
        Ok(registration)
    }

    /// Adds a connection that hears nothing until [`Registry::activate`] (it counts against
    /// the user's limit and for presence at once).
    pub fn register_pending(
        self: &Arc<Self>,
        user_id: i64,
        scope: Scope,
    ) -> Result<Registration, TooManyConnections> {
        let (queue, events) = mpsc::channel(self.queue_len);
        let (closing, closed) = watch::channel(None);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let subscriber = Arc::new(Subscriber {
            user_id,
            scope,
            queue,
            closing,
            live_after: AtomicI64::new(PENDING),
        });
        let mut subs = self.lock();
        let mine = subs.users.entry(user_id).or_default();
        if mine.len() >= self.max_per_user {
            return Err(TooManyConnections);
        }
        let first = mine.is_empty();
        mine.insert(id, subscriber);
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

    /// Makes a pending connection live at `snapshot`: the client has every stored event up
    /// to its position (replayed), and it hears the rooms the user was in then. Events
    /// dispatched after the snapshot are queued to it first, from those the registry keeps;
    /// [`Behind`] if it no longer keeps them all. A room connection whose user was no longer
    /// in the room is closed.
    pub fn activate(&self, registration: &Registration, snapshot: &Snapshot) -> Result<(), Behind> {
        let mut subs = self.lock();
        let Some(subscriber) = subs.subscriber(registration) else {
            return Ok(());
        };
        let mut rooms: BTreeSet<i64> = match registration.scope {
            Scope::AllRooms => snapshot.rooms.iter().copied().collect(),
            Scope::Room(room) => snapshot
                .rooms
                .iter()
                .copied()
                .filter(|r| *r == room)
                .collect(),
        };
        if let Scope::Room(room) = registration.scope
            && !rooms.contains(&room)
        {
            subscriber.close(NOT_A_PARTICIPANT);
            return Ok(());
        }
        let dispatched = *self.dispatched.borrow();
        if dispatched > snapshot.position {
            if subs.recent_from > snapshot.position {
                return Err(Behind);
            }
            let later = subs
                .recent
                .iter()
                .filter(|e| e.position > snapshot.position);
            for event in later {
                let heard = follow(event, subscriber.user_id, registration.scope, &mut rooms);
                if heard.deliver {
                    subscriber.deliver(&event.frame);
                }
                if let Some(why) = heard.close {
                    subscriber.close(why);
                }
            }
        }
        let live_after = dispatched.max(snapshot.position);
        subscriber.live_after.store(live_after, Ordering::Relaxed);
        for room in rooms {
            subs.hear(room, registration.id, &subscriber);
        }
        Ok(())
    }

    /// Delivers a stored event to the live connections that may see it, and follows the
    /// membership change it is: the feed calls this in position order.
    pub fn dispatch(&self, event: Arc<LoggedEvent>) {
        let mut subs = self.lock();
        let (position, frame) = (event.position, event.frame.as_str());
        match &event.audience {
            Audience::Room(room) => subs.to_room(*room, position, frame),
            Audience::RoomCreated { room, members } => {
                subs.join(*room, members, position);
                subs.to_room(*room, position, frame);
            }
            Audience::MemberAdded { room, user } => {
                subs.join(*room, &[*user], position);
                subs.to_room(*room, position, frame);
            }
            Audience::MemberRemoved { room, user } => {
                subs.to_room(*room, position, frame);
                subs.leave(*room, *user, position);
            }
            Audience::RoomDeleted(room) => {
                subs.to_room(*room, position, frame);
                subs.drop_room(*room, position);
            }
            Audience::Users(users) => subs.to_users(users, position, frame),
        }
        self.dispatched.send_replace(position);
        subs.recent.push_back(event);
        while subs.recent.len() > RECENT {
            if let Some(oldest) = subs.recent.pop_front() {
                subs.recent_from = oldest.position;
            }
        }
    }

    /// Where dispatching stands when the feed starts: what came before is not this
    /// instance's to deliver.
    pub fn start_at(&self, position: i64) {
        let mut subs = self.lock();
        self.dispatched.send_replace(position);
        subs.recent_from = position;
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

    /// The users with a connection on this instance.
    pub fn users(&self) -> Vec<i64> {
        self.lock().users.keys().copied().collect()
    }

    /// How many connections are open (for logs and tests).
    pub fn connections(&self) -> usize {
        self.lock().users.values().map(HashMap::len).sum()
    }

    /// Delivers an ephemeral event (no position: never replayed), or wakes the feed.
    pub fn apply(&self, broadcast: &Broadcast) {
        if let Broadcast::Appended = broadcast {
            self.appended.notify_one();
            return;
        }
        let subs = self.lock();
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
            Broadcast::Appended => {}
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

impl Subscriptions {
    fn subscriber(&self, registration: &Registration) -> Option<Arc<Subscriber>> {
        self.users
            .get(&registration.user_id)
            .and_then(|mine| mine.get(&registration.id))
            .cloned()
    }

    fn hear(&mut self, room: i64, id: ConnId, subscriber: &Arc<Subscriber>) {
        self.rooms
            .entry(room)
            .or_default()
            .insert(id, Arc::clone(subscriber));
    }

    fn to_room(&self, room: i64, position: i64, frame: &str) {
        for subscriber in self.rooms.get(&room).into_iter().flat_map(HashMap::values) {
            subscriber.deliver_at(position, frame);
        }
    }

    fn to_users(&self, users: &[i64], position: i64, frame: &str) {
        let everywhere = users
            .iter()
            .filter_map(|user| self.users.get(user))
            .flat_map(HashMap::values)
            .filter(|s| s.scope == Scope::AllRooms && s.is_live());
        for subscriber in everywhere {
            subscriber.deliver_at(position, frame);
        }
    }

    /// `users` join `room`: their live every-room connections start hearing it.
    fn join(&mut self, room: i64, users: &[i64], position: i64) {
        let joining: Vec<(ConnId, Arc<Subscriber>)> = users
            .iter()
            .filter_map(|user| self.users.get(user))
            .flatten()
            .filter(|(_, s)| s.scope == Scope::AllRooms && s.is_live() && s.is_after(position))
            .map(|(id, s)| (*id, Arc::clone(s)))
            .collect();
        if !joining.is_empty() {
            self.rooms.entry(room).or_default().extend(joining);
        }
    }

    /// `user` leaves `room`: their connections stop hearing it, and those for that room alone
    /// close.
    fn leave(&mut self, room: i64, user: i64, position: i64) {
        let leaving: Vec<ConnId> = self
            .users
            .get(&user)
            .into_iter()
            .flatten()
            .filter(|(_, s)| s.is_after(position))
            .map(|(id, s)| {
                if s.scope == Scope::Room(room) {
                    s.close(NOT_A_PARTICIPANT);
                }
                *id
            })
            .collect();
        if let Some(conns) = self.rooms.get_mut(&room) {
            for id in leaving {
                conns.remove(&id);
            }
            if conns.is_empty() {
                self.rooms.remove(&room);
            }
        }
    }

    /// The room is gone: nobody hears it, and its own connections close.
    fn drop_room(&mut self, room: i64, position: i64) {
        let Some(mut conns) = self.rooms.remove(&room) else {
            return;
        };
        // A connection that went live after the deletion never heard the room.
        conns.retain(|_, s| s.is_after(position));
        for subscriber in conns.into_values() {
            if subscriber.scope == Scope::Room(room) {
                subscriber.close(ROOM_DELETED);
            }
        }
    }
}

/// What a stored event does to one connection of `user` with `scope`, hearing `rooms`: whether
/// it is delivered, and whether the connection closes; `rooms` follows the membership change.
/// The same rules as [`Registry::dispatch`], for one connection catching up.
struct Heard {
    deliver: bool,
    close: Option<Closing>,
}

fn follow(event: &LoggedEvent, user: i64, scope: Scope, rooms: &mut BTreeSet<i64>) -> Heard {
    let everywhere = scope == Scope::AllRooms;
    let mut close = None;
    let deliver = match &event.audience {
        Audience::Room(room) => rooms.contains(room),
        Audience::RoomCreated { room, members } => {
            if everywhere && members.contains(&user) {
                rooms.insert(*room);
            }
            rooms.contains(room)
        }
        Audience::MemberAdded { room, user: added } => {
            if everywhere && *added == user {
                rooms.insert(*room);
            }
            rooms.contains(room)
        }
        Audience::MemberRemoved {
            room,
            user: removed,
        } => {
            let heard = rooms.contains(room);
            if *removed == user && heard {
                rooms.remove(room);
                if scope == Scope::Room(*room) {
                    close = Some(NOT_A_PARTICIPANT);
                }
            }
            heard
        }
        Audience::RoomDeleted(room) => {
            let heard = rooms.remove(room);
            if heard && scope == Scope::Room(*room) {
                close = Some(ROOM_DELETED);
            }
            heard
        }
        Audience::Users(users) => everywhere && users.contains(&user),
    };
    Heard { deliver, close }
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

    pub fn user_id(&self) -> i64 {
        self.user_id
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

    fn logged(position: i64, audience: Audience) -> Arc<LoggedEvent> {
        Arc::new(LoggedEvent {
            position,
            audience,
            frame: format!("e{position}"),
        })
    }

    fn snapshot(position: i64, rooms: &[i64]) -> Snapshot {
        Snapshot {
            position,
            rooms: rooms.to_vec(),
            pruned_through: 0,
        }
    }

    fn drain(registration: &mut Registration) -> Vec<String> {
        let mut frames = Vec::new();
        while let Ok(frame) = registration.events.try_recv() {
            frames.push(frame);
        }
        frames
    }

    #[test]
    fn stored_membership_events_move_connections_in_and_out_of_rooms() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut everywhere = registry.register(1, Scope::AllRooms, &[]).expect("all");
        let room_socket = registry.register(1, Scope::Room(10), &[10]).expect("room");

        registry.dispatch(logged(1, Audience::MemberAdded { room: 10, user: 1 }));
        registry.dispatch(logged(2, Audience::Room(10)));
        registry.dispatch(logged(3, Audience::MemberRemoved { room: 10, user: 1 }));
        registry.dispatch(logged(4, Audience::Room(10)));

        assert_eq!(drain(&mut everywhere), ["e1", "e2", "e3"]);
        assert_eq!(*room_socket.closed.borrow(), Some(NOT_A_PARTICIPANT));
        assert!(!registry.hears(&everywhere, 10));
    }

    #[test]
    fn events_for_users_reach_their_every_room_connections_only() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut everywhere = registry.register(1, Scope::AllRooms, &[]).expect("all");
        let mut one_room = registry.register(1, Scope::Room(10), &[10]).expect("room");
        let mut someone_else = registry.register(2, Scope::AllRooms, &[]).expect("all");

        registry.dispatch(logged(1, Audience::Users(vec![1])));

        assert_eq!(drain(&mut everywhere), ["e1"]);
        assert!(drain(&mut one_room).is_empty());
        assert!(drain(&mut someone_else).is_empty());
    }

    #[test]
    fn a_pending_connection_hears_nothing_until_it_goes_live() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut pending = registry
            .register_pending(1, Scope::AllRooms)
            .expect("pending");
        registry.dispatch(logged(
            1,
            Audience::RoomCreated {
                room: 10,
                members: vec![1],
            },
        ));
        registry.dispatch(logged(2, Audience::Users(vec![1])));
        assert!(drain(&mut pending).is_empty());
        assert!(!registry.hears(&pending, 10));
    }

    #[test]
    fn going_live_behind_the_feed_catches_up_in_order_without_repeats() {
        let registry = Arc::new(Registry::new(16, 4));
        registry.start_at(0);
        let mut socket = registry
            .register_pending(1, Scope::AllRooms)
            .expect("pending");
        // The snapshot saw position 2 (user 1 in room 10); the feed went on to 5 meanwhile.
        for event in [
            logged(1, Audience::Room(10)),
            logged(2, Audience::Room(10)),
            logged(3, Audience::Room(10)),
            logged(
                4,
                Audience::RoomCreated {
                    room: 11,
                    members: vec![1],
                },
            ),
            logged(5, Audience::Room(12)),
        ] {
            registry.dispatch(event);
        }
        registry
            .activate(&socket, &snapshot(2, &[10]))
            .expect("live");
        registry.dispatch(logged(6, Audience::Room(11)));
        registry.dispatch(logged(7, Audience::Room(10)));

        assert_eq!(drain(&mut socket), ["e3", "e4", "e6", "e7"]);
    }

    #[test]
    fn going_live_ahead_of_the_feed_skips_what_the_replay_had() {
        let registry = Arc::new(Registry::new(16, 4));
        registry.start_at(0);
        let mut socket = registry
            .register_pending(1, Scope::Room(10))
            .expect("pending");
        // The snapshot (and the replay) reached position 3 before the feed dispatched it.
        registry
            .activate(&socket, &snapshot(3, &[10]))
            .expect("live");
        registry.dispatch(logged(1, Audience::MemberRemoved { room: 10, user: 1 }));
        registry.dispatch(logged(2, Audience::MemberAdded { room: 10, user: 1 }));
        for position in 3..=5 {
            registry.dispatch(logged(position, Audience::Room(10)));
        }
        // Removed and added back before the snapshot: the socket stays open.
        assert_eq!(*socket.closed.borrow(), None);
        assert_eq!(drain(&mut socket), ["e4", "e5"]);
    }

    #[test]
    fn going_live_further_behind_than_the_registry_keeps_is_refused() {
        let registry = Arc::new(Registry::new(8, 4));
        registry.start_at(0);
        let socket = registry
            .register_pending(1, Scope::AllRooms)
            .expect("pending");
        for position in 1..=i64::try_from(RECENT).expect("small") + 2 {
            registry.dispatch(logged(position, Audience::Room(99)));
        }
        assert_eq!(registry.activate(&socket, &snapshot(1, &[])), Err(Behind));
        assert!(registry.activate(&socket, &snapshot(2, &[])).is_ok());
    }

    #[test]
    fn a_room_socket_whose_user_left_before_its_snapshot_closes() {
        let registry = Arc::new(Registry::new(8, 4));
        let socket = registry
            .register_pending(1, Scope::Room(10))
            .expect("pending");
        registry
            .activate(&socket, &snapshot(0, &[11]))
            .expect("checked");
        assert_eq!(*socket.closed.borrow(), Some(NOT_A_PARTICIPANT));
    }

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
}
