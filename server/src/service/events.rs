//! The event stream's service side: stored events as the writes append them, the echo of a
//! write's position to its caller (`X-Event-Position`), and reading the log over REST.

use std::cell::Cell;

use crate::domain::events::Stored;
use crate::store::events::{Audience, NewEvent};

/// An event to append with a change.
pub fn event(audience: Audience, frame: &Stored<'_>) -> NewEvent {
    NewEvent {
        kind: frame.kind(),
        audience,
        frame: frame.to_text(),
    }
}

tokio::task_local! {
    /// The newest position a request's writes appended, when the API asked to hear it.
    static ECHO: Cell<Option<i64>>;
}

/// Notes that the current request's write appended an event at `position` (the API answers
/// it as `X-Event-Position`); nothing outside a request.
pub fn echo(position: i64) {
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
