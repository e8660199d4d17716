//! Seed 002's `/{chat_room_id}/messages/` (tag `direct-messages`): list and send, every
//! documented status, errors in the DRF shape of the main API. JSON bodies only.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{body_errors, register, unauthenticated};

const NO_SUCH_ID: i64 = 999_999;
const CLIENT_ID: &str = "5d1c7a0e-9b2f-4c3d-8e4f-a1b2c3d4e5f6";

pub async fn direct_messages(api: &ContractClient) {
    let owner = register(api, "direct_owner").await;
    let member = register(api, "direct_member").await;
    let outsider = register(api, "direct_outsider").await;
    let room = api
        .post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": "Seed 002", "room_type": "GROUP", "participants": [member.id] }))
        .expect(201)
        .await
        .id();
    let path = format!("/{room}/messages/");

    // direct_messages_create: 201; `chat_room` and `sender` may name the room and the caller.
    let hello = json!({ "content": "Hello" });
    api.post(&path)
        .bearer(&owner.access)
        .json(&hello)
        .expect(201)
        .await;
    api.post(path.trim_end_matches('/'))
        .bearer(&member.access)
        .json(&json!({ "content": "Hi", "chat_room": room, "sender": member.id }))
        .expect(201)
        .await;
    // The main API's `client_id` works here too: a retry is the first message (200), other
    // content under it a 409.
    let once = json!({ "content": "Exactly once", "client_id": CLIENT_ID });
    api.post(&path)
        .bearer(&owner.access)
        .json(&once)
        .expect(201)
        .await;
    api.post(&path)
        .bearer(&owner.access)
        .json(&once)
        .expect(200)
        .await;
    api.post(&path)
        .bearer(&owner.access)
        .json(&json!({ "content": "Something else", "client_id": CLIENT_ID }))
        .expect(409)
        .await;
    for invalid in [
        json!({}),
        json!({ "content": "   " }),
        json!({ "content": "x".repeat(10_001) }),
        json!({ "content": "Lost", "chat_room": NO_SUCH_ID }),
        json!({ "content": "Who?", "sender": NO_SUCH_ID }),
    ] {
        api.post(&path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    // Posting as someone else, into a room one is not in, or one that does not exist.
    api.post(&path)
        .bearer(&owner.access)
        .json(&json!({ "content": "Impostor", "sender": member.id }))
        .expect(403)
        .await;
    api.post(&path)
        .bearer(&outsider.access)
        .json(&hello)
        .expect(403)
        .await;
    api.post(&format!("/{NO_SUCH_ID}/messages/"))
        .bearer(&owner.access)
        .json(&hello)
        .expect(403)
        .await;
    // An id that is not a number names no room at all.
    api.post("/abc/messages/")
        .bearer(&owner.access)
        .json(&hello)
        .expect(404)
        .await;
    unauthenticated(api, Method::POST, &path, Some(hello)).await;
    body_errors(api, Method::POST, &path, Some(&owner.access)).await;
    // Unlike seed 000's routes, seed 002 takes JSON only.
    api.post(&path)
        .bearer(&owner.access)
        .form(&[("content", "As a form")])
        .expect(415)
        .await;

    // direct_messages_list: oldest first, `limit` and `offset`; participants only.
    for query in ["", "?limit=2", "?limit=1&offset=1", "?limit=500&offset=-1"] {
        api.get(&format!("{path}{query}"))
            .bearer(&member.access)
            .expect(200)
            .await;
    }
    api.get(&format!("{path}?offset=abc"))
        .bearer(&owner.access)
        .expect(400)
        .await;
    api.get(&path).bearer(&outsider.access).expect(403).await;
    api.get(&format!("/{NO_SUCH_ID}/messages/"))
        .bearer(&owner.access)
        .expect(403)
        .await;
    api.get("/abc/messages/")
        .bearer(&owner.access)
        .expect(404)
        .await;
    unauthenticated(api, Method::GET, &path, None).await;
}
