//! Resuming while events keep coming: the replay and the live events meet with no gap and no
//! duplicate. A race, so it is run for several rounds, each cutting the socket many times.

use std::collections::BTreeSet;

use super::*;
use crate::realtime::ALL_ROOMS_WS;

const ROUNDS: usize = 4;
const MESSAGES: usize = 120;
/// The socket is cut after this many frames, then reopened with `since`.
const CUT_EVERY: usize = 7;

#[tokio::test]
async fn reconnecting_during_a_burst_loses_and_repeats_nothing() {
    let Some(app) = spawn_app().await else { return };
    let cast = cast(&app).await;
    for round in 0..ROUNDS {
        let from = latest(&app, &cast.alice).await;
        let writer = {
            let (app_base, client) = (app.base.clone(), app.client.clone());
            let (room, bob) = (cast.room, cast.bob.access.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..MESSAGES {
                    let reply = client
                        .post(format!("{app_base}/api/chat/rooms/{room}/messages/"))
                        .bearer_auth(&bob)
                        .json(&serde_json::json!({"content": format!("burst {round}.{n}")}))
                        .send()
                        .await
                        .expect("sent");
                    assert_eq!(reply.status(), 201);
                    let body: Value = reply.json().await.expect("json");
                    ids.push(body["id"].as_i64().expect("id"));
                }
                ids
            })
        };
        let mut frames = Vec::new();
        let mut last = from;
        let mut socket = open(&app, &since(ALL_ROOMS_WS, last), &cast.alice).await;
        while frames.len() < MESSAGES {
            let frame = next_stored(&mut socket).await;
            last = position(&frame);
            frames.push(frame);
            if frames.len() % CUT_EVERY == 0 {
                drop(socket);
                socket = open(&app, &since(ALL_ROOMS_WS, last), &cast.alice).await;
            }
        }
        let sent = writer.await.expect("writer");
        assert_in_order(&frames);
        let heard: Vec<i64> = frames
            .iter()
            .map(|f| parse(f)["message"]["id"].as_i64().expect("a message"))
            .collect();
        let unique: BTreeSet<i64> = heard.iter().copied().collect();
        assert_eq!(unique.len(), heard.len(), "round {round}: a duplicate");
        assert_eq!(heard, sent, "round {round}: every message once, in order");
        let extra = drain_stored(&mut socket).await;
        assert!(extra.is_empty(), "round {round}: {extra:?}");
    }
}
