//! This instance's reader of the event log: it takes the events committed after the last one
//! it delivered, by position, and hands each to the local sockets that may see it. Every
//! instance reads the log itself, so an event committed by an instance that dies right after
//! still reaches the others' sockets. A local commit wakes it at once, and it tells the other
//! instances' feeds ([`Broadcast::Appended`], a NOTIFY on PostgreSQL); that is only a hint,
//! so each feed also polls.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::sleep;

use super::Realtime;
use super::hub::{Broadcast, Bus, Registry};
use crate::store::Store;

/// How often the log is read when nothing woke the feed: how late another instance's event
/// can be on this one's sockets when its hint was lost.
const POLL: Duration = Duration::from_millis(100);
/// Events read at once.
const BATCH: i64 = 1000;
const RETRY_MAX: Duration = Duration::from_secs(2);

/// Starts delivering the events committed from now on.
pub async fn start(store: Store, realtime: &Realtime) -> Result<(), sqlx::Error> {
    let from = store.log_bounds().await?.latest;
    realtime.registry.start_at(from);
    let feed = Feed {
        store,
        registry: Arc::clone(&realtime.registry),
        bus: Arc::clone(&realtime.bus),
    };
    tokio::spawn(feed.run(from));
    Ok(())
}

struct Feed {
    store: Store,
    registry: Arc<Registry>,
    /// Where the other instances hear that this one committed.
    bus: Arc<dyn Bus>,
}

impl Feed {
    async fn run(self, mut delivered: i64) {
        let mut appended = self.store.appended();
        let mut retry = POLL;
        loop {
            match self.store.events_after(delivered, BATCH).await {
                Ok(events) => {
                    retry = POLL;
                    let full = i64::try_from(events.len()).unwrap_or(0) >= BATCH;
                    for event in events {
                        delivered = event.position;
                        self.registry.dispatch(Arc::new(event));
                    }
                    if full {
                        continue;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the event log; retrying");
                    retry = (retry * 2).min(RETRY_MAX);
                }
            }
            tokio::select! {
                changed = appended.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    self.bus.publish(Broadcast::Appended);
                }
                () = self.registry.appended_elsewhere() => {}
                () = sleep(retry) => {}
            }
        }
    }
}
