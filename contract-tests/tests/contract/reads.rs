//! Read markers: `rooms_read_create` (200, its 400s, 404 for outsiders and missing rooms).

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{body_errors, group_room, register, send, unauthenticated};

const NO_SUCH_ID: i64 = 999_999;

pub async fn reads(api: &ContractClient) {
    let owner = register(api, "reads_owner").await;
    let member = register(api, "reads_member").await;
    let outsider = register(api, "reads_outsider").await;
    let room = group_room(api, &owner, "Reading", &[member.id]).await;
    let other_room = group_room(api, &owner, "Elsewhere", &[]).await;
    let first = send(api, &owner, room, json!({ "content": "One" })).await;
    let second = send(
        api,
        &owner,
        room,
        json!({ "content": "Two, @reads_member" }),
    )
    .await;
    let elsewhere = send(api, &owner, other_room, json!({ "content": "Not here" })).await;

    let path = format!("/api/chat/rooms/{room}/read/");
    let mark = |message_id: i64| json!({ "message_id": message_id });
    api.post(&path)
        .bearer(&member.access)
        .json(&mark(first))
        .expect(200)
        .await;
    api.post(&path)
        .bearer(&member.access)
        .json(&mark(second))
        .expect(200)
        .await;
    // An older message leaves the marker where it is: still 200.
    api.post(path.trim_end_matches('/'))
        .bearer(&member.access)
        .json(&mark(first))
        .expect(200)
        .await;
    for invalid in [
        mark(elsewhere),
        mark(NO_SUCH_ID),
        json!({ "message_id": "abc" }),
        json!({ "message_id": 0 }),
        json!({}),
    ] {
        api.post(&path)
            .bearer(&member.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    api.post(&path)
        .bearer(&outsider.access)
        .json(&mark(first))
        .expect(404)
        .await;
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.post(&format!("/api/chat/rooms/{missing}/read/"))
            .bearer(&member.access)
            .json(&mark(first))
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::POST, &path, Some(mark(first))).await;
    body_errors(api, Method::POST, &path, Some(&member.access)).await;
}
