//! Opening the database, assembling the routes, binding, and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use poem::EndpointExt;
use tokio::net::TcpListener;

use crate::api::pagination::CursorCipher;
use crate::auth::jwt::TokenIssuer;
use crate::auth::password::Passwords;
use crate::auth::secret;
use crate::config::{Config, Durability};
use crate::realtime::hub::{Registry, SHUTTING_DOWN};
use crate::realtime::presence::Presence;
use crate::realtime::{Realtime, feed};
use crate::serve::{Gate, Serve, limits};
use crate::store::{DatabaseLocation, Store, StoreSettings};
use crate::throttle::Throttles;

/// What every handler can reach, shared through poem's request data.
pub struct AppState {
    pub store: Store,
    pub realtime: Realtime,
    pub presence: Arc<Presence>,
    pub tokens: TokenIssuer,
    pub passwords: Passwords,
    pub cursors: CursorCipher,
    pub throttles: Arc<Throttles>,
    pub config: Config,
}

/// A server bound to its port and ready to run.
pub struct App {
    serve: Serve,
    store: Store,
    database: DatabaseLocation,
    local_addr: SocketAddr,
    sockets: Arc<Registry>,
    presence: Arc<Presence>,
}

/// Opens and migrates the database, loads the secret, and binds `config.bind` (port 0 picks a
/// free port: see [`App::local_addr`]).
pub async fn build(config: Config) -> anyhow::Result<App> {
    let database = DatabaseLocation::parse(&config.database_url)?;
    let store = Store::open(
        &database,
        StoreSettings {
            read_connections: config.db_read_connections(),
            survive_power_loss: config.durability == Durability::Full,
        },
    )
    .await?;
    // Installed before the first request, so every counter from then on is recorded.
    crate::telemetry::prometheus();
    let shared = store.postgres_pool().cloned();
    let secret = match &shared {
        Some(pool) if config.jwt_secret.is_none() => secret::shared(pool).await,
        _ => secret::load_or_create(config.jwt_secret.as_deref(), &database)
            .map_err(anyhow::Error::from),
    }
    .context("cannot load the signing secret")?;
    let realtime = match &shared {
        Some(pool) => Realtime::postgres(&config, pool.clone())
            .await
            .context("listening for other instances' events")?,
        None => Realtime::local(&config),
    };
    feed::start(store.clone(), &realtime)
        .await
        .context("reading the event log")?;
    let presence = Presence::start(
        store.clone(),
        &realtime.registry,
        Arc::clone(&realtime.bus),
        shared.clone(),
    )
    .await
    .context("registering this instance for presence")?;
    let (memory_kib, passes) = (config.password_hash_memory_kib, config.password_hash_passes);
    let passwords = Passwords::new(memory_kib, passes).context("password hashing settings")?;
    if Passwords::below_recommended(memory_kib, passes) {
        tracing::warn!(
            memory_kib,
            passes,
            "password hashes are cheaper than OWASP's recommended minimum (19456 KiB, 2 passes): \
             fine for a test server, not for real users"
        );
    }
    let state = Arc::new(AppState {
        throttles: Throttles::new(&config, shared.as_ref()),
        store,
        realtime,
        presence: Arc::clone(&presence),
        tokens: TokenIssuer::new(
            &secret,
            config.access_token_ttl(),
            config.refresh_token_ttl(),
        ),
        cursors: CursorCipher::new(&secret),
        passwords,
        config: config.clone(),
    });

    tokio::spawn(prune_spent_tokens(state.store.clone()));
    tokio::spawn(prune_events(
        state.store.clone(),
        Duration::from_secs_f64(config.event_retention_hours * 3600.0),
    ));

    let listener = TcpListener::bind((config.bind.host.as_str(), config.bind.port))
        .await
        .with_context(|| format!("cannot listen on {} (--bind, CHAT_BIND)", config.bind))?;
    let gate = Gate::new(connection_capacity(&config)?);
    let local_addr = listener
        .local_addr()
        .context("the listener has no socket address")?;

    Ok(App {
        store: state.store.clone(),
        database,
        sockets: Arc::clone(&state.realtime.registry),
        presence,
        serve: Serve {
            listener,
            endpoint: Arc::new(crate::api::routes(state).map_to_response().boxed()),
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
            gate,
            shutdown_grace: Duration::from_secs(config.shutdown_grace_secs),
        },
        local_addr,
    })
}

impl App {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The database it serves from (shown without a password).
    pub fn database(&self) -> &DatabaseLocation {
        &self.database
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes; then WebSockets get a 1001 close and in-flight requests
    /// the grace period to finish.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        tracing::info!(addr = %self.local_addr, "serving");
        let sockets = self.sockets;
        let stop = async move {
            stop.await;
            sockets.close_all(SHUTTING_DOWN);
        };
        let served = self.serve.run(stop).await;
        // Before the database closes: the users of this instance's sockets go offline.
        self.presence.stop().await;
        self.store.close().await;
        served
    }
}

/// `--max-connections`, or as many as the open-file limit (raised to its hard maximum first)
/// allows; more than it allows is refused, since accepting them would fail with EMFILE.
fn connection_capacity(config: &Config) -> anyhow::Result<usize> {
    let open_files = match limits::raise_open_file_limit() {
        Ok(limit) => limit,
        Err(err) => {
            tracing::warn!(error = %err, "cannot read the open-file limit; assuming 1024");
            1024
        }
    };
    let most = limits::max_connections(open_files);
    let capacity = match config.max_connections {
        None => most,
        Some(wanted) => {
            let wanted = usize::try_from(wanted).unwrap_or(usize::MAX);
            anyhow::ensure!(
                wanted <= most,
                "--max-connections (CHAT_MAX_CONNECTIONS) {wanted} is more than the open-file \
                 limit of {open_files} allows ({most}, after {} kept for the database and logs): \
                 raise the limit (`ulimit -n`, systemd's LimitNOFILE=) or lower the setting",
                limits::reserve(open_files)
            );
            wanted
        }
    };
    tracing::info!(
        max_connections = capacity,
        open_file_limit = open_files,
        "connection limit"
    );
    Ok(capacity)
}

/// Spent refresh tokens only matter until they expire; forget them hourly after that.
async fn prune_spent_tokens(store: Store) {
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match store.prune_used_refresh_tokens().await {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "forgot expired refresh tokens"),
            Err(err) => tracing::warn!(error = %err, "pruning refresh tokens"),
        }
    }
}

/// Forgets stored events older than `retention`, checking a tenth as often as it is long
/// (between every second and every minute).
async fn prune_events(store: Store, retention: Duration) {
    const BATCH: i64 = 10_000;
    let every = (retention / 10).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let retention_micros = i64::try_from(retention.as_micros()).unwrap_or(i64::MAX);
        let before = crate::domain::time::now_micros().saturating_sub(retention_micros);
        loop {
            match store.prune_events(before, BATCH).await {
                Ok(pruned) if pruned > 0 => tracing::debug!(pruned, "pruned old events"),
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "pruning the event log");
                    break;
                }
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
