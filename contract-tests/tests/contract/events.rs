//! The event stream over REST: `events_list` (200 without and with `since`, a page, a long
//! poll; its 400s; 401; 410 from a server whose log keeps about a second of events).

use std::time::{Duration, Instant};

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{group_room, register, send, unauthenticated};

/// About 1.1 s of events: the forgetful server's `CHAT_EVENT_RETENTION_HOURS`.
pub const SHORT_RETENTION: [(&str, &str); 1] = [("CHAT_EVENT_RETENTION_HOURS", "0.0003")];

const PATH: &str = "/api/events/";

pub async fn events(api: &ContractClient) {
    let owner = register(api, "events_owner").await;
    let member = register(api, "events_member").await;
    let room = group_room(api, &owner, "Stream", &[member.id]).await;
    let start = api.get(PATH).bearer(&member.access).expect(200).await;
    let start = start.body["position"].as_i64().expect("a position");
    for content in ["one", "two", "three"] {
        send(api, &owner, room, json!({ "content": content })).await;
    }
    let page = api
        .get(&format!("{PATH}?since={start}&limit=2"))
        .bearer(&member.access)
        .expect(200)
        .await;
    let next = page.body["position"].as_i64().expect("a position");
    api.get(&format!("{PATH}?since={next}&timeout=1"))
        .bearer(&member.access)
        .expect(200)
        .await;
    api.get(&format!("{}?since=0", PATH.trim_end_matches('/')))
        .bearer(&owner.access)
        .expect(200)
        .await;
    for invalid in [
        "since=abc",
        "since=-1",
        "since=99999999",
        "limit=0",
        "limit=501",
        "timeout=31",
    ] {
        api.get(&format!("{PATH}?{invalid}"))
            .bearer(&member.access)
            .expect(400)
            .await;
    }
    unauthenticated(api, Method::GET, PATH, None).await;
}

/// 410 once the forgetful server (at `base`) has pruned what `since=0` would need.
pub async fn expiry(api: &ContractClient, base: &str) {
    let owner = register(api, "expiry_owner").await;
    let room = group_room(api, &owner, "Forgotten", &[]).await;
    send(api, &owner, room, json!({ "content": "soon gone" })).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = reqwest::Client::new()
            .get(format!("{base}{PATH}?since=0"))
            .bearer_auth(&owner.access)
            .send()
            .await
            .expect("answered")
            .status();
        if status == 410 {
            break;
        }
        assert!(Instant::now() < deadline, "nothing was pruned in 15 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    api.get(&format!("{PATH}?since=0"))
        .bearer(&owner.access)
        .expect(410)
        .await;
}
