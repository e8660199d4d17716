//! The event stream's service side: stored events as the writes append them, the echo of a
//! write's position to its caller (`X-Event-Position`), and reading the log over REST.

use std::cell::Cell;
use std::time::Duration;

use tokio::time::{Instant, sleep_until};

use crate::domain::events::{Stored, integer_param};
use crate::error::Error;
use crate::startup::AppState;
use crate::store::Store;
use crate::store::events::{Audience, NewEvent};

/// `GET /api/events/`'s `limit`: default and bounds.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;
/// The longest a long poll waits (`timeout`, seconds).
pub const MAX_TIMEOUT_SECS: i64 = 30;
/// How often a long poll looks at the log while it waits, besides this instance's commits:
/// bounds how late another instance's event wakes it.
const LONG_POLL_CHECK: Duration = Duration::from_millis(100);

/// A page of the stream: the frames, and where to go on from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<String>,
    pub position: i64,
}

/// A `since` parameter: a position no newer than the log's (400 under `since` otherwise).
pub async fn since(store: &Store, raw: Option<&str>) -> Result<Option<i64>, Error> {
    let Some(since) = since_format(raw)? else {
        return Ok(None);
    };
    check_since(since, store.log_bounds().await?.latest)?;
    Ok(Some(since))
}

/// A `since` parameter's form: a non-negative integer.
pub fn since_format(raw: Option<&str>) -> Result<Option<i64>, Error> {
    raw.map(|raw| integer_param(raw, 0, i64::MAX).map_err(|message| Error::field("since", message)))
        .transpose()
}

fn check_since(since: i64, latest: i64) -> Result<(), Error> {
    if since > latest {
        return Err(Error::field(
            "since",
            format!("Ensure this value is less than or equal to {latest}."),
        ));
    }
    Ok(())
}

/// The frames `user` may see after `since` (no newer than the log: 400 otherwise), at most
/// `limit`, waiting up to `wait` for one if there is none yet (long poll). Without `since`:
/// none, and the newest position.
pub async fn read(
    state: &AppState,
    user: i64,
    since: Option<i64>,
    limit: i64,
    wait: Duration,
) -> Result<EventPage, Error> {
    let store = &state.store;
    let Some(since) = since else {
        let position = store.log_bounds().await?.latest;
        return Ok(EventPage {
            events: Vec::new(),
            position,
        });
    };
    let deadline = Instant::now() + wait;
    let mut dispatched = state.realtime.registry.dispatched();
    loop {
        let (bounds, frames) = store.poll(user, since, limit).await?;
        check_since(since, bounds.latest)?;
        if since < bounds.pruned_through {
            return Err(Error::PositionExpired(bounds.latest));
        }
        let full = i64::try_from(frames.len()).unwrap_or(i64::MAX) >= limit;
        if !frames.is_empty() || Instant::now() >= deadline {
            // A full page goes on from its last event; a shorter one from the newest position
            // it looked at (the events in between are not the caller's).
            let position = match frames.last() {
                Some(last) if full => last.position,
                _ => bounds.latest.max(since),
            };
            return Ok(EventPage {
                events: frames.into_iter().map(|event| event.frame).collect(),
                position,
            });
        }
        let check = (Instant::now() + LONG_POLL_CHECK).min(deadline);
        tokio::select! {
            _ = dispatched.changed() => {}
            () = sleep_until(check) => {}
        }
    }
}

/// An event to append with a change.
pub fn event(audience: Audience, frame: &Stored<'_>) -> NewEvent {
    NewEvent {
        kind: frame.kind(),
        audience,
        frame: frame.to_text(),
        message_id: None,
    }
}

tokio::task_local! {
    /// The newest position a request's writes appended, when the API asked to hear it.
    static ECHO: Cell<Option<i64>>;
}

/// Notes that the current request's write appended an event at `position`, if it did (the
/// API answers it as `X-Event-Position`); nothing outside a request.
pub fn echo(position: impl Into<Option<i64>>) {
    let Some(position) = position.into() else {
        return;
    };
    let _ = ECHO.try_with(|echo| {
        echo.set(Some(echo.get().map_or(position, |p| p.max(position))));
    });
}

/// Runs `request`, and returns with its answer the newest position its writes appended.
pub async fn echoed<F: std::future::Future>(request: F) -> (F::Output, Option<i64>) {
    ECHO.scope(Cell::new(None), async move {
        let output = request.await;
        (output, ECHO.with(Cell::get))
    })
    .await
}

/// Echoes the newest of `positions`.
pub fn echo_all(positions: &[i64]) {
    if let Some(last) = positions.iter().max() {
        echo(*last);
    }
}
