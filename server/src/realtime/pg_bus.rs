//! The cross-instance bus for ephemeral events (typing, presence): broadcasts travel through
//! PostgreSQL LISTEN/NOTIFY, so every instance's [`Registry`] applies the same broadcasts, in
//! the same order.
//!
//! One publisher task sends broadcasts in the order `publish` was called; one listener task
//! applies what the channel carries, this instance's own broadcasts included: applying them at
//! publish time would let them overtake other instances' ones.
//!
//! NOTIFY is fire-and-forget: what is sent while a listener's connection is down is gone. That
//! is fine for what this carries: a typing notice or a presence change is worth nothing late.
//! Stored events never travel here: every instance reads them from the event log
//! ([`feed`](super::feed)).
//!
//! Wire format: the NOTIFY payload is the broadcast's JSON.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, timeout};

use super::hub::{Broadcast, Bus, Registry};
use crate::store::bus;

/// The one NOTIFY channel of every instance.
const CHANNEL: &str = "chat_realtime";
/// The start of the listening connection's `application_name` (in `pg_stat_activity`); the
/// rest tells the buses of one host apart.
pub const LISTENER_APPLICATION_NAME: &str = "chat_realtime_listener";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
const MAX_NOTIFY_PAYLOAD: usize = 8000;
/// Broadcasts waiting for the publisher; past this, `publish` drops them rather than wait.
const PUBLISH_QUEUE: usize = 4096;
/// How long one statement of the bus may take before it counts as failed: the app's pool
/// would otherwise wait its whole acquire timeout while the database is down.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

static BUSES: AtomicU64 = AtomicU64::new(1);

/// The PostgreSQL bus. Dropping it (or closing its pool) ends its tasks.
pub struct PgBus {
    queue: mpsc::Sender<Broadcast>,
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
        tokio::spawn(publish_all(pool.clone(), queued));
        let receiver = Receiver {
            pool,
            connections,
            registry,
        };
        tokio::spawn(receiver.run(listener, stopped));
        Ok(PgBus {
            queue,
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
        // A request never waits for the database: a full queue loses the broadcast. Closed
        // means the pool was closed: nothing is delivered any more.
        if let Err(mpsc::error::TrySendError::Full(_)) = self.queue.try_send(broadcast) {
            metrics::counter!("chat_realtime_publish_dropped_total").increment(1);
        }
    }
}

async fn listen(connections: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(connections).await?;
    // A lost connection must surface as `Ok(None)`, so this task logs it and listens again.
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

/// Sends each queued broadcast, in order, until the pool closes.
async fn publish_all(pool: PgPool, mut queue: mpsc::Receiver<Broadcast>) {
    loop {
        let broadcast = tokio::select! {
            next = queue.recv() => match next {
                Some(broadcast) => broadcast,
                None => return,
            },
            () = pool.close_event() => return,
        };
        let Ok(payload) = serde_json::to_string(&broadcast) else {
            continue;
        };
        if payload.len() >= MAX_NOTIFY_PAYLOAD {
            metrics::counter!("chat_realtime_publish_dropped_total").increment(1);
            tracing::warn!(
                bytes = payload.len(),
                "realtime: an ephemeral event too big to send"
            );
            continue;
        }
        let sent = timeout(STATEMENT_TIMEOUT, bus::notify(&pool, CHANNEL, &payload)).await;
        if !matches!(sent, Ok(Ok(()))) {
            metrics::counter!("chat_realtime_publish_dropped_total").increment(1);
            tracing::warn!("realtime: an ephemeral event could not be published");
        }
    }
}

struct Receiver {
    /// Its closing ends the task.
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
                    "realtime: LISTEN connection failed; typing and presence sent meanwhile are lost"
                ),
                None => tracing::warn!(
                    "realtime: LISTEN connection lost; typing and presence sent meanwhile are lost"
                ),
            }
            drop(listener);
            listener = tokio::select! {
                () = ended(&self.pool, &mut shutdown) => return,
                listener = self.listen_again() => listener,
            };
            tracing::info!("realtime: listening again");
        }
    }

    /// Applies notifications until the connection is lost; the error, if it failed.
    async fn deliver(&self, listener: &mut PgListener) -> Option<sqlx::Error> {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    match serde_json::from_str::<Broadcast>(notification.payload()) {
                        Ok(broadcast) => self.registry.apply(&broadcast),
                        // A newer instance's broadcast, perhaps: nothing to do with it here.
                        Err(err) => tracing::warn!(error = %err, "realtime: unreadable broadcast"),
                    }
                }
                Ok(None) => return None,
                Err(err) => return Some(err),
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
}

#[cfg(test)]
mod tests {
    use sqlx::postgres::{PgConnectOptions, PgConnection};
    use sqlx::{AssertSqlSafe, ConnectOptions};

    use tokio::time::Instant;

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
    async fn delivery_resumes_after_a_lost_listen_connection() {
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

        // Published until B listens again: what went out meanwhile is lost to B.
        let deadline = Instant::now() + PATIENCE;
        loop {
            a.publish(event("after"));
            if let Ok(Some(heard)) = timeout(Duration::from_millis(100), on_b.events.recv()).await {
                assert_eq!(heard, "after");
                break;
            }
            assert!(Instant::now() < deadline, "B listens again");
        }
        assert_eq!(next(&mut on_a).await, "after", "A was not disturbed");
        while on_a.events.try_recv().is_ok() {}

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
