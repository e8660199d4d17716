//! The cross-instance bus: broadcasts travel through PostgreSQL LISTEN/NOTIFY, so every
//! instance's [`Registry`] applies the same broadcasts, in the same order.
//!
//! One publisher task sends broadcasts in the order `publish` was called; one listener task
//! applies what the channel carries, this instance's own broadcasts included: applying them at
//! publish time would let them overtake other instances' ones, and sockets on different
//! instances would disagree about the order of a room's events.
//!
//! NOTIFY is fire-and-forget: what is sent while a listener's connection is down is gone. So
//! after listening again, and whenever a broadcast of this instance may not have gone out, this
//! instance's sockets are sent a `resync` event and fetch what they missed over REST.
//!
//! Wire format (the NOTIFY payload, JSON): `{"b": <Broadcast>}` carries the broadcast inline;
//! `{"spill": <id>}` names a row of `realtime_spill` whose `payload` is the broadcast's JSON,
//! for those too big for NOTIFY.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior, sleep, sleep_until, timeout};

use super::events::Event;
use super::hub::{Broadcast, Bus, Closing, Registry};
use crate::domain::time::now_micros;
use crate::store::{bus, shared};

/// Sockets closed because this instance cannot tell which rooms they may hear: "try again
/// later" (the client reconnects, to this or another instance).
const RECONNECT: Closing = Closing {
    code: 1012,
    reason: "service restart",
};

/// The one NOTIFY channel of every instance.
const CHANNEL: &str = "chat_realtime";
/// The start of the listening connection's `application_name` (in `pg_stat_activity`); the
/// rest tells the buses of one host apart.
pub const LISTENER_APPLICATION_NAME: &str = "chat_realtime_listener";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
const MAX_NOTIFY_PAYLOAD: usize = 8000;
/// A listener further behind than this loses spilled broadcasts (and resyncs its sockets).
const SPILL_KEPT_MICROS: i64 = 60_000_000;
const PRUNE_EVERY: Duration = Duration::from_secs(30);
/// Broadcasts waiting for the publisher; past this, `publish` drops them rather than wait.
const PUBLISH_QUEUE: usize = 4096;
/// How long one statement of the bus may take before it counts as failed: the app's pool
/// would otherwise wait its whole acquire timeout while the database is down.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// When every publish fails (database down, typing included), sockets hear one `resync` per
/// interval, not one per failure.
const RESYNC_AT_MOST_EVERY: Duration = Duration::from_secs(1);
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

static BUSES: AtomicU64 = AtomicU64::new(1);

/// A NOTIFY payload.
#[derive(Serialize, Deserialize)]
enum Wire<B> {
    #[serde(rename = "b")]
    Inline(B),
    #[serde(rename = "spill")]
    Spilled(i64),
}

#[derive(Debug, thiserror::Error)]
enum WireError {
    #[error("malformed broadcast: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the database did not answer within {STATEMENT_TIMEOUT:?}")]
    TimedOut,
    #[error("spilled broadcast {0} is no longer stored")]
    SpillGone(i64),
}

/// The PostgreSQL bus. Dropping it (or closing its pool) ends its tasks.
pub struct PgBus {
    queue: mpsc::Sender<Broadcast>,
    overflowed: Arc<AtomicBool>,
    listener_name: String,
    /// Never sent on: the listener task ends when this is dropped.
    _shutdown: watch::Sender<()>,
}

impl PgBus {
    /// Starts listening on `pool`'s database, then the publisher and listener tasks; every
    /// broadcast published once this returns reaches `registry`.
    pub async fn start(pool: PgPool, registry: Arc<Registry>) -> Result<PgBus, sqlx::Error> {
        let listener_name = format!(
            "{LISTENER_APPLICATION_NAME} {}/{}",
            std::process::id(),
            BUSES.fetch_add(1, Ordering::Relaxed)
        );
        let options = pool
            .connect_options()
            .as_ref()
            .clone()
            .application_name(&listener_name);
        // The listening connection only waits, so it never expires; a second one may be
        // opened while a lost one is still being put away.
        let connections = PgPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(STATEMENT_TIMEOUT)
            .connect_lazy_with(options);
        let listener = listen(&connections).await?;

        let (queue, queued) = mpsc::channel(PUBLISH_QUEUE);
        let (shutdown, stopped) = watch::channel(());
        let overflowed = Arc::new(AtomicBool::new(false));
        let publisher = Publisher {
            pool: pool.clone(),
            registry: Arc::clone(&registry),
            overflowed: Arc::clone(&overflowed),
            last_resync: None,
            resync_due: None,
        };
        tokio::spawn(publisher.run(queued));
        let receiver = Receiver {
            pool,
            connections,
            registry,
        };
        tokio::spawn(receiver.run(listener, stopped));
        Ok(PgBus {
            queue,
            overflowed,
            listener_name,
            _shutdown: shutdown,
        })
    }

    /// The `application_name` of this bus's listening connection.
    pub fn listener_name(&self) -> &str {
        &self.listener_name
    }
}

impl Bus for PgBus {
    fn publish(&self, broadcast: Broadcast) {
        // A request never waits for the database: a full queue loses the broadcast, and the
        // publisher tells this instance's sockets. Closed means the pool was closed: nothing
        // is delivered any more.
        if let Err(mpsc::error::TrySendError::Full(_)) = self.queue.try_send(broadcast) {
            metrics::counter!("chat_realtime_publish_dropped_total").increment(1);
            self.overflowed.store(true, Ordering::Relaxed);
        }
    }
}

/// Tells every socket of this instance that it may have missed events.
fn resync(registry: &Registry) {
    metrics::counter!("chat_realtime_resyncs_total").increment(1);
    registry.deliver_to_all(&Event::resync().to_text());
}

async fn listen(connections: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(connections).await?;
    // A lost connection must surface as `Ok(None)`, not be replaced behind our back: only
    // this task knows that sockets then need a resync.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Resolves when the bus is dropped or its pool closed.
async fn ended(pool: &PgPool, shutdown: &mut watch::Receiver<()>) {
    tokio::select! {
        _ = shutdown.changed() => {}
        () = pool.close_event() => {}
    }
}

struct Publisher {
    pool: PgPool,
    registry: Arc<Registry>,
    overflowed: Arc<AtomicBool>,
    last_resync: Option<Instant>,
    resync_due: Option<Instant>,
}

impl Publisher {
    async fn run(mut self, mut queue: mpsc::Receiver<Broadcast>) {
        let mut prune = tokio::time::interval(PRUNE_EVERY);
        prune.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let due = self.resync_due;
            tokio::select! {
                next = queue.recv() => match next {
                    Some(broadcast) => self.send(&broadcast).await,
                    None => return,
                },
                _ = prune.tick() => self.prune().await,
                () = sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                    self.resync_now();
                }
                () = self.pool.close_event() => return,
            }
            if self.overflowed.swap(false, Ordering::Relaxed) {
                tracing::error!("realtime: the publish queue was full, broadcasts were dropped");
                self.lost();
            }
        }
    }

    async fn send(&mut self, broadcast: &Broadcast) {
        let sent = timeout(STATEMENT_TIMEOUT, notify(&self.pool, broadcast))
            .await
            .unwrap_or(Err(WireError::TimedOut));
        if let Err(err) = sent {
            tracing::error!(error = %err, "realtime: a broadcast could not be published");
            self.lost();
        }
    }

    /// This instance's sockets may have missed a broadcast (other instances' sockets too, but
    /// only their own database link can tell them). The `resync` always comes after the
    /// latest loss, at most once per [`RESYNC_AT_MOST_EVERY`].
    fn lost(&mut self) {
        match self.last_resync {
            Some(last) if last.elapsed() < RESYNC_AT_MOST_EVERY => {
                self.resync_due = Some(last + RESYNC_AT_MOST_EVERY);
            }
            _ => self.resync_now(),
        }
    }

    fn resync_now(&mut self) {
        self.last_resync = Some(Instant::now());
        self.resync_due = None;
        resync(&self.registry);
    }

    async fn prune(&self) {
        let pruned = timeout(
            STATEMENT_TIMEOUT,
            bus::prune_spilled(&self.pool, now_micros() - SPILL_KEPT_MICROS),
        )
        .await;
        match pruned {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "realtime: pruning realtime_spill"),
            Err(_) => tracing::warn!("realtime: pruning realtime_spill timed out"),
        }
    }
}

async fn notify(pool: &PgPool, broadcast: &Broadcast) -> Result<(), WireError> {
    let inline = serde_json::to_string(&Wire::Inline(broadcast))?;
    let payload = if inline.len() < MAX_NOTIFY_PAYLOAD {
        inline
    } else {
        let id = bus::spill(pool, &serde_json::to_string(broadcast)?, now_micros()).await?;
        metrics::counter!("chat_realtime_spilled_total").increment(1);
        serde_json::to_string(&Wire::<&Broadcast>::Spilled(id))?
    };
    bus::notify(pool, CHANNEL, &payload).await?;
    Ok(())
}

struct Receiver {
    /// Where spilled broadcasts are read; its closing ends the task.
    pool: PgPool,
    /// The listening connection's own pool, for its `application_name`.
    connections: PgPool,
    registry: Arc<Registry>,
}

impl Receiver {
    async fn run(self, mut listener: PgListener, mut shutdown: watch::Receiver<()>) {
        loop {
            let lost = tokio::select! {
                () = ended(&self.pool, &mut shutdown) => return,
                lost = self.deliver(&mut listener) => lost,
            };
            match lost {
                Some(err) => tracing::warn!(
                    error = %err,
                    "realtime: LISTEN connection failed; broadcasts sent meanwhile are lost"
                ),
                None => tracing::warn!(
                    "realtime: LISTEN connection lost; broadcasts sent meanwhile are lost"
                ),
            }
            drop(listener);
            listener = tokio::select! {
                () = ended(&self.pool, &mut shutdown) => return,
                listener = self.listen_again() => listener,
            };
            tracing::info!("realtime: listening again; this instance's sockets resync");
            self.reconcile().await;
            resync(&self.registry);
        }
    }

    /// Applies notifications until the connection is lost; the error, if it failed.
    async fn deliver(&self, listener: &mut PgListener) -> Option<sqlx::Error> {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => self.apply(notification.payload()).await,
                Ok(None) => return None,
                Err(err) => return Some(err),
            }
        }
    }

    /// Membership broadcasts may have been lost too, and a `resync` event does not make a
    /// socket stop hearing a room its user left: the registry is set from the database. If
    /// that cannot be read either, the sockets close (1012) and reconnect to a fresh view.
    async fn reconcile(&self) {
        let users = self.registry.users();
        if users.is_empty() {
            return;
        }
        let read = timeout(STATEMENT_TIMEOUT, shared::memberships(&self.pool, &users)).await;
        match read {
            Ok(Ok(member_of)) => self.registry.reconcile(&member_of),
            Ok(Err(err)) => {
                tracing::error!(error = %err, "realtime: memberships unreadable; closing sockets");
                self.registry.close_all(RECONNECT);
            }
            Err(_) => {
                tracing::error!("realtime: memberships timed out; closing sockets");
                self.registry.close_all(RECONNECT);
            }
        }
    }

    async fn listen_again(&self) -> PgListener {
        let mut delay = RETRY_FIRST;
        loop {
            match listen(&self.connections).await {
                Ok(listener) => return listener,
                Err(err) => tracing::warn!(
                    error = %err,
                    retry_in = ?delay,
                    "realtime: cannot LISTEN again yet"
                ),
            }
            sleep(delay).await;
            delay = (delay * 2).min(RETRY_MAX);
        }
    }

    async fn apply(&self, payload: &str) {
        match self.decode(payload).await {
            Ok(broadcast) => self.registry.apply(&broadcast),
            // Whatever it was (a spilled row pruned, a newer instance's broadcast), some
            // sockets needed it.
            Err(err) => {
                tracing::error!(error = %err, "realtime: a broadcast could not be delivered");
                resync(&self.registry);
            }
        }
    }

    async fn decode(&self, payload: &str) -> Result<Broadcast, WireError> {
        match serde_json::from_str(payload)? {
            Wire::Inline(broadcast) => Ok(broadcast),
            Wire::Spilled(id) => {
                let spilled: Option<String> =
                    timeout(STATEMENT_TIMEOUT, bus::spilled(&self.pool, id))
                        .await
                        .map_err(|_| WireError::TimedOut)??;
                let json = spilled.ok_or(WireError::SpillGone(id))?;
                Ok(serde_json::from_str(&json)?)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use sqlx::postgres::{PgConnectOptions, PgConnection};
    use sqlx::{AssertSqlSafe, ConnectOptions};

    use super::*;
    use crate::config::Config;
    use crate::realtime::Realtime;
    use crate::realtime::hub::{Registration, Scope};
    use crate::store::POSTGRES_MIGRATOR;

    const PATIENCE: Duration = Duration::from_secs(10);
    const ROOM: i64 = 7;

    /// A database of the test's own on `TEST_POSTGRES_URL`'s server, dropped at the end
    /// (also when the test fails).
    struct TestDatabase {
        server: PgConnectOptions,
        name: String,
    }

    impl TestDatabase {
        async fn create() -> Option<(TestDatabase, PgPool)> {
            let url = match std::env::var("TEST_POSTGRES_URL") {
                Ok(url) if !url.is_empty() => url,
                _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
                    "TEST_POSTGRES_URL is not set: CI runs the PostgreSQL bus tests against a \
                     server (e.g. postgres://chat:chat@127.0.0.1:5432/chat, a role that may \
                     CREATE DATABASE)"
                ),
                _ => {
                    eprintln!(
                        "skipped: the PostgreSQL bus tests need a PostgreSQL server (13 or \
                         later) and TEST_POSTGRES_URL=postgres://user:password@host:5432/db \
                         naming a role that may CREATE DATABASE"
                    );
                    return None;
                }
            };
            let server: PgConnectOptions = url.parse().expect("TEST_POSTGRES_URL");
            let name = format!("chat_pg_bus_{}", uuid::Uuid::new_v4().simple());
            let mut admin = server
                .connect()
                .await
                .expect("connect to TEST_POSTGRES_URL");
            sqlx::query(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
                .execute(&mut admin)
                .await
                .expect("CREATE DATABASE");
            let db = TestDatabase { server, name };
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(2))
                .connect_with(db.options())
                .await
                .expect("connect to the test database");
            POSTGRES_MIGRATOR.run(&pool).await.expect("migrations");
            Some((db, pool))
        }

        fn options(&self) -> PgConnectOptions {
            self.server.clone().database(&self.name)
        }

        /// Runs `sql` on the server's own database, outside the test database's pools.
        async fn admin(&self, sql: String) {
            let mut admin = self.server.connect().await.expect("connect");
            sqlx::query(AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .expect("admin statement");
        }

        /// How many connections to the test database are named `application_name`.
        async fn connections_named(&self, application_name: &str) -> i64 {
            let mut admin: PgConnection = self.server.connect().await.expect("connect");
            sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = $1 AND application_name = $2",
            )
            .bind(&self.name)
            .bind(application_name)
            .fetch_one(&mut admin)
            .await
            .expect("pg_stat_activity")
        }
    }

    impl Drop for TestDatabase {
        fn drop(&mut self) {
            let server = self.server.clone();
            let sql = format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name);
            // Drop cannot await, and the test's runtime may be the one blocked here.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async {
                    let mut admin = server.connect().await?;
                    sqlx::query(AssertSqlSafe(sql)).execute(&mut admin).await?;
                    anyhow::Ok(())
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop the test database {}", self.name);
            }
        }
    }

    async fn instance(pool: &PgPool) -> (PgBus, Arc<Registry>) {
        let registry = Arc::new(Registry::new(256, 8));
        let bus = PgBus::start(pool.clone(), Arc::clone(&registry))
            .await
            .expect("start the bus");
        (bus, registry)
    }

    fn event(json: &str) -> Broadcast {
        Broadcast::Event {
            room_id: ROOM,
            json: json.into(),
            except_user: None,
        }
    }

    async fn next(socket: &mut Registration) -> String {
        timeout(PATIENCE, socket.events.recv())
            .await
            .expect("an event in time")
            .expect("the connection is registered")
    }

    async fn spilled_rows(pool: &PgPool) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM realtime_spill")
            .fetch_one(pool)
            .await
            .expect("count")
    }

    #[tokio::test]
    async fn a_burst_of_lost_broadcasts_resyncs_at_once_and_once_more_after_it() {
        let registry = Arc::new(Registry::new(8, 4));
        let mut socket = registry.register(1, Scope::AllRooms, &[]).expect("socket");
        let mut publisher = Publisher {
            // Never connects: losses are all this test makes.
            pool: PgPoolOptions::new().connect_lazy_with(PgConnectOptions::new()),
            registry,
            overflowed: Arc::default(),
            last_resync: None,
            resync_due: None,
        };

        for _ in 0..3 {
            publisher.lost();
        }

        assert_eq!(
            socket.events.try_recv().ok(),
            Some(Event::resync().to_text())
        );
        assert!(
            socket.events.try_recv().is_err(),
            "one resync for the burst"
        );
        let last = publisher.last_resync.expect("resynced");
        assert_eq!(publisher.resync_due, Some(last + RESYNC_AT_MOST_EVERY));
    }

    #[tokio::test]
    async fn every_instance_delivers_every_broadcast_in_the_same_order() {
        let Some((_db, pool)) = TestDatabase::create().await else {
            return;
        };
        let config = Config::from_env();
        let a = Realtime::postgres(&config, pool.clone()).await.expect("a");
        let b = Realtime::postgres(&config, pool.clone()).await.expect("b");
        let mut on_a = a
            .registry
            .register(1, Scope::Room(ROOM), &[ROOM])
            .expect("a");
        let mut on_b = b.registry.register(2, Scope::AllRooms, &[ROOM]).expect("b");

        for n in 0..100 {
            a.bus.publish(event(&format!("a{n}")));
        }
        assert!(
            on_a.events.try_recv().is_err(),
            "the publishing instance delivers from the channel, not at once"
        );
        for n in 0..100 {
            assert_eq!(next(&mut on_a).await, format!("a{n}"));
            assert_eq!(next(&mut on_b).await, format!("a{n}"));
        }

        for n in 0..50 {
            a.bus.publish(event(&format!("a{n}")));
            b.bus.publish(event(&format!("b{n}")));
        }
        let (mut heard_a, mut heard_b) = (Vec::new(), Vec::new());
        for _ in 0..100 {
            heard_a.push(next(&mut on_a).await);
            heard_b.push(next(&mut on_b).await);
        }
        assert_eq!(heard_a, heard_b, "both instances see one order");
        for publisher in ["a", "b"] {
            let theirs: Vec<String> = heard_a
                .iter()
                .filter(|e| e.starts_with(publisher))
                .cloned()
                .collect();
            let sent: Vec<String> = (0..50).map(|n| format!("{publisher}{n}")).collect();
            assert_eq!(theirs, sent, "{publisher}'s in its order");
        }
    }

    #[tokio::test]
    async fn broadcasts_over_the_notify_limit_arrive_through_the_spill_table() {
        let Some((_db, pool)) = TestDatabase::create().await else {
            return;
        };
        let (a, _) = instance(&pool).await;
        let (_b, b_registry) = instance(&pool).await;
        let mut on_b = b_registry
            .register(2, Scope::Room(ROOM), &[ROOM])
            .expect("b");

        let envelope = |json: &str| {
            serde_json::to_string(&Wire::Inline(&event(json)))
                .expect("json")
                .len()
        };
        let overhead = envelope("");
        let largest_inline = "x".repeat(MAX_NOTIFY_PAYLOAD - 1 - overhead);
        assert_eq!(envelope(&largest_inline), MAX_NOTIFY_PAYLOAD - 1);
        a.publish(event(&largest_inline));
        assert_eq!(next(&mut on_b).await, largest_inline);
        assert_eq!(spilled_rows(&pool).await, 0, "7999 bytes still go inline");

        // 20,000 bytes in 10,000 characters: the limit is in bytes.
        let large = "é".repeat(10_000);
        a.publish(event(&large));
        a.publish(event("after"));
        assert_eq!(next(&mut on_b).await, large);
        assert_eq!(next(&mut on_b).await, "after", "spilling keeps the order");
        assert_eq!(spilled_rows(&pool).await, 1);
        let stored: String = sqlx::query_scalar("SELECT payload FROM realtime_spill")
            .fetch_one(&pool)
            .await
            .expect("the spilled row");
        assert!(stored.contains(&large));
    }

    #[tokio::test]
    async fn a_lost_listen_connection_resyncs_the_sockets_and_delivery_resumes() {
        let Some((db, pool)) = TestDatabase::create().await else {
            return;
        };
        let (a, a_registry) = instance(&pool).await;
        let (b, b_registry) = instance(&pool).await;
        let mut on_a = a_registry
            .register(1, Scope::Room(ROOM), &[ROOM])
            .expect("a");
        let mut on_b = b_registry
            .register(2, Scope::Room(ROOM), &[ROOM])
            .expect("b");
        let mut roomless_on_b = b_registry.register(3, Scope::AllRooms, &[]).expect("b");
        // A listener that comes back sets its sockets' rooms from the database: users 1 and 2
        // are in ROOM, user 3 in none.
        sqlx::raw_sql(
            "INSERT INTO users (id, username, username_folded, password_hash, created_at) \
             VALUES (1, 'u1', 'u1', '', 0), (2, 'u2', 'u2', '', 0), (3, 'u3', 'u3', '', 0); \
             INSERT INTO chat_rooms (id, name, room_type, created_by, created_at, updated_at, \
             last_activity_at) VALUES (7, 'r', 'GROUP', 1, 0, 0, 0); \
             INSERT INTO room_participants (room_id, user_id) VALUES (7, 1), (7, 2);",
        )
        .execute(&pool)
        .await
        .expect("the room and its members");

        // In the select list, not the WHERE clause: PostgreSQL may evaluate the conditions of
        // a WHERE clause in any order, and would terminate every backend it looked at.
        let terminated: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = $1",
        )
        .bind(b.listener_name())
        .fetch_all(&pool)
        .await
        .expect("pg_terminate_backend");
        assert_eq!(terminated, [true], "B's listener connection");

        let resync = Event::resync().to_text();
        assert_eq!(next(&mut on_b).await, resync);
        assert_eq!(next(&mut roomless_on_b).await, resync);
        a.publish(event("after"));
        assert_eq!(next(&mut on_b).await, "after");
        assert_eq!(next(&mut on_a).await, "after", "A was not disturbed");

        // Dropping a bus ends its tasks, and its listening connection goes.
        let name = b.listener_name().to_owned();
        drop(b);
        let deadline = Instant::now() + PATIENCE;
        while db.connections_named(&name).await > 0 {
            assert!(Instant::now() < deadline, "B's listener still connected");
            sleep(Duration::from_millis(50)).await;
        }
    }

    #[tokio::test]
    async fn a_publish_that_fails_resyncs_this_instances_sockets() {
        let Some((db, pool)) = TestDatabase::create().await else {
            return;
        };
        let (a, registry) = instance(&pool).await;
        let mut socket = registry.register(1, Scope::Room(ROOM), &[ROOM]).expect("a");

        // The database refuses new connections and the pool's are cut; the listener's stays.
        db.admin(format!(
            r#"ALTER DATABASE "{}" ALLOW_CONNECTIONS false"#,
            db.name
        ))
        .await;
        db.admin(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{}' AND application_name <> '{}'",
            db.name,
            a.listener_name()
        ))
        .await;
        a.publish(event("lost"));
        assert_eq!(next(&mut socket).await, Event::resync().to_text());

        db.admin(format!(
            r#"ALTER DATABASE "{}" ALLOW_CONNECTIONS true"#,
            db.name
        ))
        .await;
        a.publish(event("after"));
        assert_eq!(next(&mut socket).await, "after");
    }

    #[tokio::test]
    async fn closing_the_pool_ends_the_tasks() {
        let Some((db, pool)) = TestDatabase::create().await else {
            return;
        };
        let (a, _) = instance(&pool).await;
        pool.close().await;
        let deadline = Instant::now() + PATIENCE;
        while db.connections_named(a.listener_name()).await > 0 {
            assert!(Instant::now() < deadline, "the listener still connected");
            sleep(Duration::from_millis(50)).await;
        }
    }
}
