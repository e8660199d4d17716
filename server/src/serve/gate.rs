//! Which connections may stay open. At most `capacity` at once, so that accepting never runs
//! the process out of file descriptors (EMFILE would stall the accept loop, the database and
//! the logs alike). When the server is full, a new connection takes the place of the one that
//! has gone longest without a request in progress — those that never sent one first — so a
//! flood of silent sockets cannot keep real clients out. A connection with a request in
//! progress (its response still being written) is never evicted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;

use tokio::sync::Notify;

pub struct Gate {
    capacity: usize,
    state: Mutex<Queues>,
}

#[derive(Default)]
struct Queues {
    open: usize,
    next: u64,
    /// Connections that have not sent a request yet, in the order they came.
    silent: BTreeMap<u64, Weak<Connection>>,
    /// Connections whose last response is written, in the order they went quiet.
    idle: BTreeMap<u64, Weak<Connection>>,
}

#[derive(Clone, Copy)]
enum Place {
    Silent(u64),
    Idle(u64),
}

impl Queues {
    fn remove(&mut self, place: Place) {
        match place {
            Place::Silent(key) => self.silent.remove(&key),
            Place::Idle(key) => self.idle.remove(&key),
        };
    }

    fn oldest(&mut self) -> Option<Weak<Connection>> {
        self.silent
            .pop_first()
            .or_else(|| self.idle.pop_first())
            .map(|(_, connection)| connection)
    }
}

impl Gate {
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            capacity: capacity.max(1),
            state: Mutex::default(),
        })
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Connections open now, upgraded WebSockets included.
    pub fn open(&self) -> usize {
        self.lock().open
    }

    fn lock(&self) -> MutexGuard<'_, Queues> {
        // The queues stay consistent whatever panicked while holding them.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A place for a newly accepted connection, or `None` when every open connection has a
    /// request in progress (the new one is then closed). The [`Slot`] belongs with the
    /// socket, so it is held as long as the descriptor, through a WebSocket upgrade too.
    pub fn admit(self: &Arc<Self>) -> Option<(Slot, Arc<Connection>)> {
        let mut queues = self.lock();
        if queues.open >= self.capacity {
            let victim = std::iter::from_fn(|| queues.oldest()).find_map(|weak| weak.upgrade())?;
            // The victim's slot is given back when its task drops the socket, a moment later.
            victim.evict.notify_one();
            metrics::counter!("chat_http_connections_evicted_total").increment(1);
        }
        queues.open += 1;
        let key = queues.next;
        queues.next += 1;
        let connection = Arc::new(Connection {
            gate: Arc::clone(self),
            evict: Notify::new(),
            activity: Mutex::new(Activity {
                in_flight: 0,
                place: Some(Place::Silent(key)),
                quiet_since: Instant::now(),
            }),
        });
        queues.silent.insert(key, Arc::downgrade(&connection));
        Some((
            Slot {
                gate: Arc::clone(self),
            },
            connection,
        ))
    }
}

/// One open descriptor counted against the capacity; given back on drop.
pub struct Slot {
    gate: Arc<Gate>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.gate.lock().open -= 1;
    }
}

/// What the gate knows of one connection, shared by its task and its requests.
pub struct Connection {
    gate: Arc<Gate>,
    /// Notified when the gate gives this connection's place to a newcomer.
    pub evict: Notify,
    activity: Mutex<Activity>,
}

struct Activity {
    in_flight: usize,
    place: Option<Place>,
    /// When the last request ended (or the connection was accepted).
    quiet_since: Instant,
}

impl Connection {
    fn activity(&self) -> MutexGuard<'_, Activity> {
        self.activity
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A request began; it is in progress until the guard (kept with its response body) drops.
    pub fn begin(self: &Arc<Self>) -> Busy {
        let mut activity = self.activity();
        activity.in_flight += 1;
        if let Some(place) = activity.place.take() {
            self.gate.lock().remove(place);
        }
        Busy {
            connection: Arc::clone(self),
        }
    }

    /// `None` while a request is in progress, else since when the connection has been quiet.
    pub fn quiet_since(&self) -> Option<Instant> {
        let activity = self.activity();
        (activity.in_flight == 0).then_some(activity.quiet_since)
    }

    /// The connection ended (or was upgraded): it is no longer the gate's to evict.
    pub fn retire(&self) {
        if let Some(place) = self.activity().place.take() {
            self.gate.lock().remove(place);
        }
    }
}

pub struct Busy {
    connection: Arc<Connection>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        let connection = &self.connection;
        let mut activity = connection.activity();
        activity.in_flight -= 1;
        if activity.in_flight == 0 {
            activity.quiet_since = Instant::now();
            let mut queues = connection.gate.lock();
            let key = queues.next;
            queues.next += 1;
            queues.idle.insert(key, Arc::downgrade(connection));
            activity.place = Some(Place::Idle(key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_gate_evicts_the_silent_before_the_idle_and_never_the_busy() {
        let gate = Gate::new(3);
        let (_a, idle) = gate.admit().expect("room");
        drop(idle.begin());
        let (_b, busy) = gate.admit().expect("room");
        let _request = busy.begin();
        let (_c, silent) = gate.admit().expect("room");
        assert_eq!(gate.open(), 3);

        // Full: the silent one goes first (its slot is freed when its task drops the socket).
        // The newcomers' handles are dropped at once, as if their connections had ended.
        let (_d, _) = gate.admit().expect("the silent one makes room");
        assert!(silent.evict.notified().now_or_never_is_ready());
        let (_e, _) = gate.admit().expect("then the idle one");
        assert!(idle.evict.notified().now_or_never_is_ready());
        // Only the busy one is left: a newcomer is refused rather than cutting its response.
        assert!(gate.admit().is_none());
        assert!(!busy.evict.notified().now_or_never_is_ready());
    }

    #[test]
    fn nothing_to_evict_refuses_and_slots_are_given_back() {
        let gate = Gate::new(1);
        let (slot, busy) = gate.admit().expect("room");
        let request = busy.begin();
        assert!(gate.admit().is_none(), "the only connection is busy");
        drop(request);
        busy.retire();
        assert!(
            gate.admit().is_none(),
            "retired, but its socket is still open"
        );
        drop(slot);
        assert_eq!(gate.open(), 0);
        assert!(gate.admit().is_some());
    }

    /// `Notify::notify_one` stores a permit: a pending `notified()` completes at once.
    trait ReadyNow {
        fn now_or_never_is_ready(self) -> bool;
    }

    impl<F: std::future::Future> ReadyNow for F {
        fn now_or_never_is_ready(self) -> bool {
            futures::FutureExt::now_or_never(self).is_some()
        }
    }
}
