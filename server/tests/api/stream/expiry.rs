//! Retention: old events are pruned in the background, and resuming from before what the log
//! keeps is answered with `resync` on a socket and 410 over REST, with the newest position.

use std::time::{Duration, Instant};

use serde_json::json;

use super::*;
use crate::realtime::{ALL_ROOMS_WS, room_ws};

/// About 1.1 s: pruning then runs every second.
const RETENTION_HOURS: f64 = 0.0003;

#[tokio::test]
async fn an_expired_position_is_a_resync_on_sockets_and_410_over_rest() {
    let Some(app) = spawn_app_with(|config| config.event_retention_hours = RETENTION_HOURS).await
    else {
        return;
    };
    let cast = cast(&app).await;
    app.message(&cast.alice, cast.room, "soon forgotten").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let expired = loop {
        let reply = app
            .get("/api/events/?since=0", Some(&cast.bob.access))
            .await;
        if reply.status == 410 {
            break reply;
        }
        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(Instant::now() < deadline, "the events were not pruned");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let newest = latest(&app, &cast.bob).await;
    assert_eq!(
        expired.body,
        json!({
            "detail": "This position is no longer kept; reload and start from the returned position.",
            "code": "position_expired",
            "position": newest
        })
    );
    let (events, position) = rest_events(&app, &cast.bob, &format!("?since={newest}")).await;
    assert!(events.is_empty());
    assert_eq!(position, newest, "the returned position is a good start");

    for path in [ALL_ROOMS_WS.to_owned(), room_ws(cast.room)] {
        let newest = latest(&app, &cast.bob).await;
        let mut socket = open(&app, &since(&path, 0), &cast.bob).await;
        let first = parse(&next_stored(&mut socket).await);
        assert_eq!(
            first,
            json!({"type": "resync", "reason": "position_expired", "position": newest}),
            "{path}"
        );
        let id = app.message(&cast.alice, cast.room, "live again").await;
        let live = parse(&next_stored(&mut socket).await);
        assert_eq!(live["message"]["id"], id, "{path}: live events follow");
    }
}
