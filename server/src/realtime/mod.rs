//! WebSocket delivery: the fan-out hub, the protocol's frames, and the life of a connection.
//! The upgrade routes themselves are in `api::realtime` (they are documented operations).

pub mod connection;
pub mod events;
pub mod feed;
pub mod hub;
pub mod pg_bus;
pub mod presence;

use std::sync::Arc;
use std::time::Duration;

pub use events::{Action, Event};
pub use hub::{Broadcast, Bus, LocalBus, Registry, Scope};
pub use pg_bus::PgBus;

use crate::config::Config;

/// The sockets of this instance and the bus that feeds them.
pub struct Realtime {
    pub bus: Arc<dyn Bus>,
    pub registry: Arc<Registry>,
    pub settings: Settings,
}

/// Per-connection limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub max_frame_bytes: usize,
    pub ping_interval: Duration,
}

impl Realtime {
    /// A single-instance hub: broadcasts go straight to this instance's registry.
    pub fn local(config: &Config) -> Self {
        let registry = Self::registry(config);
        let bus = Arc::new(LocalBus(Arc::clone(&registry)));
        Self::assemble(config, registry, bus)
    }

    /// A hub shared by every instance on one PostgreSQL database, through LISTEN/NOTIFY
    /// ([`PgBus`]). Fails if the database cannot be reached to start listening.
    pub async fn postgres(config: &Config, pool: sqlx::PgPool) -> Result<Realtime, sqlx::Error> {
        let registry = Self::registry(config);
        let bus = Arc::new(PgBus::start(pool, Arc::clone(&registry)).await?);
        Ok(Self::assemble(config, registry, bus))
    }

    fn registry(config: &Config) -> Arc<Registry> {
        Arc::new(Registry::new(
            config.ws_queue_len,
            config.ws_max_connections_per_user,
        ))
    }

    fn assemble(config: &Config, registry: Arc<Registry>, bus: Arc<dyn Bus>) -> Self {
        Self {
            bus,
            registry,
            settings: Settings {
                max_frame_bytes: config.ws_max_frame_bytes,
                ping_interval: Duration::from_secs(config.ws_ping_interval_secs.max(1)),
            },
        }
    }
}
