//! This instance's reader of the event log: it takes the events committed after the last one
//! it delivered, by position, and hands each to the local sockets that may see it. Every
//! instance reads the log itself, so an event committed by an instance that dies right after
//! still reaches the others' sockets. A local commit wakes it at once; other instances'
//! commits are found by polling (a notification would only be a hint).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::sleep;

use super::hub::{Broadcast, Registry};
use crate::store::Store;
use crate::store::events::{Audience, LoggedEvent};

/// How often the log is read when nothing local woke the feed: how late another instance's
/// event can be on this one's sockets.
const POLL: Duration = Duration::from_millis(100);
/// Events read at once.
const BATCH: i64 = 1000;
const RETRY_MAX: Duration = Duration::from_secs(2);

/// Starts delivering the events committed from now on.
pub async fn start(store: Store, registry: Arc<Registry>) -> Result<(), sqlx::Error> {
    let from = store.log_bounds().await?.latest;
    tokio::spawn(run(store, registry, from));
    Ok(())
}

async fn run(store: Store, registry: Arc<Registry>, mut delivered: i64) {
    let mut appended = store.appended();
    let mut retry = POLL;
    loop {
        match store.events_after(delivered, BATCH).await {
            Ok(events) => {
                retry = POLL;
                let full = i64::try_from(events.len()).unwrap_or(0) >= BATCH;
                for event in &events {
                    dispatch(&registry, event);
                    delivered = event.position;
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
            }
            () = sleep(retry) => {}
        }
    }
}

/// Delivers one event to this instance's sockets, and follows the membership change it is.
pub fn dispatch(registry: &Registry, event: &LoggedEvent) {
    let to_room = |room_id: i64| Broadcast::Event {
        room_id,
        json: event.frame.clone(),
        except_user: None,
    };
    let joined = |room_id: i64, added: Vec<i64>| Broadcast::Members {
        room_id,
        added,
        removed: Vec::new(),
    };
    match &event.audience {
        Audience::Room(room) => registry.apply(&to_room(*room)),
        Audience::RoomCreated { room, members } => {
            registry.apply(&joined(*room, members.clone()));
            registry.apply(&to_room(*room));
        }
        Audience::MemberAdded { room, user } => {
            registry.apply(&joined(*room, vec![*user]));
            registry.apply(&to_room(*room));
        }
        Audience::MemberRemoved { room, user } => {
            registry.apply(&to_room(*room));
            registry.apply(&Broadcast::Members {
                room_id: *room,
                added: Vec::new(),
                removed: vec![*user],
            });
        }
        Audience::RoomDeleted(room) => {
            registry.apply(&to_room(*room));
            registry.apply(&Broadcast::RoomDeleted { room_id: *room });
        }
        Audience::Users(users) => registry.apply(&Broadcast::Users {
            users: users.clone(),
            json: event.frame.clone(),
        }),
    }
}
