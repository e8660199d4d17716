//! Presence: a user is online while they hold at least one WebSocket, on any instance.
//!
//! The [`Registry`] reports a user's first socket opening and last socket closing on this
//! instance; one task per instance turns those into transitions, in order, and announces each
//! with a `presence` event to the rooms of the user (their own sockets excepted). Reports that
//! pile up while the task is busy are settled against the registry's state when their turn
//! comes, so a client reconnecting in a loop costs at most one event per real transition.
//!
//! Two implementations behind one type, like the throttles: on SQLite (one process) this
//! instance's sockets are the whole truth and only `users.last_seen_at` is stored; on
//! PostgreSQL each instance records whose sockets it holds (`presence_sessions`) and keeps a
//! heartbeat, so "online" and the events mean "on some instance", and a crashed instance's
//! users go offline once its heartbeat is stale.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{MissedTickBehavior, timeout};

use super::events::Event;
use super::hub::{Broadcast, Bus, Registry};
use crate::domain::time::{now_micros, rfc3339};
use crate::store::{Store, presence as shared};

/// How often an instance proves it is alive (PostgreSQL), and puts its announced state back in
/// line with its sockets after a failed write.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);
/// An instance silent for this long is taken for stopped: its users are offline.
const STALE_AFTER: Duration = Duration::from_secs(30);
/// How long a handshake waits for its user's presence to be recorded before going ahead.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(2);

/// A user's presence, as the presence route reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub online: bool,
    /// When their last socket closed (microseconds); `None` while online or never recorded.
    pub last_seen_at: Option<i64>,
}

pub struct Presence {
    commands: mpsc::UnboundedSender<Command>,
    backend: Backend,
    store: Store,
    /// The users this instance has recorded as online (the task's view, which the route reads
    /// on SQLite so that `online` and `last_seen_at` change together).
    announced: Arc<Mutex<HashSet<i64>>>,
}

#[derive(Clone)]
enum Backend {
    /// One process: this instance's sockets are everybody's.
    Memory,
    /// Several instances on one PostgreSQL database.
    Shared { pool: PgPool, instance: Arc<str> },
}

enum Command {
    /// The user's first socket opened or last socket closed on this instance.
    Changed(i64),
    /// Answers once every command before it is done.
    Flush(oneshot::Sender<()>),
    /// Takes every user of this instance offline and ends the task.
    Stop(oneshot::Sender<()>),
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

impl Presence {
    /// Starts watching `registry`. With `shared`, registers this instance in that database.
    pub async fn start(
        store: Store,
        registry: &Arc<Registry>,
        bus: Arc<dyn Bus>,
        shared: Option<PgPool>,
    ) -> Result<Arc<Presence>, sqlx::Error> {
        let backend = match shared {
            None => Backend::Memory,
            Some(pool) => {
                let instance: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
                shared::heartbeat(&pool, &instance).await?;
                Backend::Shared { pool, instance }
            }
        };
        let (commands, queue) = mpsc::unbounded_channel();
        let announced = Arc::new(Mutex::new(HashSet::new()));
        let notify = commands.clone();
        registry.watch_presence(move |user| {
            // Closed once the task stopped (shutdown): nobody is announced any more.
            let _ = notify.send(Command::Changed(user));
        });
        let worker = Worker {
            registry: Arc::downgrade(registry),
            bus,
            store: store.clone(),
            backend: backend.clone(),
            announced: Arc::clone(&announced),
        };
        tokio::spawn(worker.run(queue));
        Ok(Arc::new(Presence {
            commands,
            backend,
            store,
            announced,
        }))
    }

    /// Waits (briefly) until the transitions reported so far are recorded: a handshake calls it
    /// so that its user reads as online once the socket is open.
    pub async fn settled(&self) {
        let (done, answered) = oneshot::channel();
        if self.commands.send(Command::Flush(done)).is_ok() {
            let _ = timeout(SETTLE_TIMEOUT, answered).await;
        }
    }

    /// Takes this instance's users offline (recording when they were last seen, and telling
    /// the other instances) and stops watching sockets. Called on graceful shutdown.
    pub async fn stop(&self) {
        let (done, answered) = oneshot::channel();
        if self.commands.send(Command::Stop(done)).is_ok() {
            let _ = answered.await;
        }
    }

    /// User `user_id`'s presence; `None` if there is no such user.
    pub async fn status(&self, user_id: i64) -> Result<Option<Status>, sqlx::Error> {
        match &self.backend {
            Backend::Memory => {
                // In this order: going offline stores the time before leaving `announced`,
                // so a user not found there has their time stored (read the other way round,
                // a user going offline in between showed offline with no time).
                let online = lock(&self.announced).contains(&user_id);
                let Some(last_seen_at) = self.store.last_seen_at(user_id).await? else {
                    return Ok(None);
                };
                Ok(Some(Status {
                    online,
                    last_seen_at: last_seen_at.filter(|_| !online),
                }))
            }
            Backend::Shared { pool, .. } => {
                let found = shared::status(pool, user_id, micros(STALE_AFTER)).await?;
                Ok(found.map(|(online, last_seen_at)| Status {
                    online,
                    last_seen_at: last_seen_at.filter(|_| !online),
                }))
            }
        }
    }
}

fn lock(set: &Mutex<HashSet<i64>>) -> MutexGuard<'_, HashSet<i64>> {
    // Every update is one insert or remove: nothing is left half-done by a panic.
    set.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Worker {
    /// Weak: the registry holds the sending end of this worker's queue; the worker ends when
    /// the server (registry and [`Presence`] with it) is gone.
    registry: Weak<Registry>,
    bus: Arc<dyn Bus>,
    store: Store,
    backend: Backend,
    announced: Arc<Mutex<HashSet<i64>>>,
}

impl Worker {
    async fn run(self, mut queue: mpsc::UnboundedReceiver<Command>) {
        let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        heartbeat.tick().await;
        loop {
            tokio::select! {
                command = queue.recv() => match command {
                    Some(Command::Changed(user)) => self.settle(user).await,
                    Some(Command::Flush(done)) => {
                        let _ = done.send(());
                    }
                    Some(Command::Stop(done)) => {
                        self.stop().await;
                        let _ = done.send(());
                        return;
                    }
                    None => return,
                },
                _ = heartbeat.tick() => self.heartbeat().await,
            }
        }
    }

    fn is_announced(&self, user: i64) -> bool {
        lock(&self.announced).contains(&user)
    }

    fn is_connected(&self, user: i64) -> bool {
        self.registry
            .upgrade()
            .is_some_and(|registry| registry.is_connected(user))
    }

    /// Brings `user`'s recorded presence in line with this instance's sockets.
    async fn settle(&self, user: i64) {
        match (self.is_connected(user), self.is_announced(user)) {
            (true, false) => self.online(user).await,
            (false, true) => self.offline(user).await,
            _ => {}
        }
    }

    async fn online(&self, user: i64) {
        let first = match &self.backend {
            Backend::Memory => true,
            Backend::Shared { pool, instance } => {
                match shared::join(pool, instance, user, micros(STALE_AFTER)).await {
                    Ok(Some(first)) => first,
                    // The user no longer exists: nobody to announce.
                    Ok(None) => return,
                    Err(err) => {
                        // Retried at the next heartbeat.
                        tracing::warn!(error = %err, user, "presence: could not record a user online");
                        return;
                    }
                }
            }
        };
        lock(&self.announced).insert(user);
        if first {
            self.announce(user, None).await;
        }
    }

    async fn offline(&self, user: i64) {
        let at = now_micros();
        let last = match &self.backend {
            Backend::Memory => {
                if let Err(err) = self.store.record_last_seen(user, at).await {
                    // The user is offline all the same; only the time is lost.
                    tracing::warn!(error = %err, user, "presence: could not record last seen");
                }
                true
            }
            Backend::Shared { pool, instance } => {
                match shared::leave(pool, instance, user, micros(STALE_AFTER), at).await {
                    Ok(last) => last,
                    Err(err) => {
                        // Still announced: retried at the next heartbeat.
                        tracing::warn!(error = %err, user, "presence: could not record a user offline");
                        return;
                    }
                }
            }
        };
        lock(&self.announced).remove(&user);
        if last {
            self.announce(user, Some(at)).await;
        }
    }

    /// Tells the rooms of `user` (not the user's own sockets) that they came online (`None`)
    /// or were last seen at `last_seen`.
    async fn announce(&self, user: i64, last_seen: Option<i64>) {
        let (username, rooms) =
            match tokio::try_join!(self.store.username(user), self.store.member_room_ids(user)) {
                Ok((Some(username), rooms)) => (username, rooms),
                Ok((None, _)) => return,
                Err(err) => {
                    tracing::warn!(error = %err, user, "presence: could not announce a transition");
                    return;
                }
            };
        if rooms.is_empty() {
            return;
        }
        let event = Event::Presence {
            user_id: user,
            username: &username,
            online: last_seen.is_none(),
            last_seen_at: last_seen.map(rfc3339),
        };
        self.bus.publish(Broadcast::Rooms {
            rooms,
            json: event.to_text(),
            except_user: Some(user),
        });
    }

    /// Keeps this instance alive in the shared tables, takes stopped instances' users offline,
    /// and retries transitions whose write failed.
    async fn heartbeat(&self) {
        if let Backend::Shared { pool, instance } = &self.backend {
            match shared::heartbeat(pool, instance).await {
                // Taken for stopped (a long outage) and its sessions dropped: record them again.
                Ok(false) => lock(&self.announced).clear(),
                Ok(true) => {}
                Err(err) => tracing::warn!(error = %err, "presence: heartbeat failed"),
            }
            match shared::reap(pool, micros(STALE_AFTER)).await {
                Ok(stranded) => {
                    for (user, last_seen) in stranded {
                        self.announce(user, Some(last_seen)).await;
                    }
                }
                Err(err) => tracing::warn!(error = %err, "presence: reaping stopped instances"),
            }
        }
        let Some(registry) = self.registry.upgrade() else {
            return;
        };
        let connected: HashSet<i64> = registry
            .users()
            .into_iter()
            .filter(|user| registry.is_connected(*user))
            .collect();
        drop(registry);
        let announced = lock(&self.announced).clone();
        for user in connected.symmetric_difference(&announced) {
            self.settle(*user).await;
        }
    }

    async fn stop(&self) {
        let users: Vec<i64> = lock(&self.announced).iter().copied().collect();
        for user in users {
            self.offline(user).await;
        }
        if let Backend::Shared { pool, instance } = &self.backend
            && let Err(err) = shared::forget_instance(pool, instance).await
        {
            tracing::warn!(error = %err, "presence: could not deregister this instance");
        }
    }
}
