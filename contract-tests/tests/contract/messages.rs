//! Messages: create (201, the `client_id` retry 200 and its 409), list with cursors,
//! retrieve, replace, patch, delete.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{Actor, body_errors, register, unauthenticated};

const NO_SUCH_ID: i64 = 999_999;
const CLIENT_ID: &str = "0b0e4f5a-3c1d-4e2f-8a9b-7c6d5e4f3a2b";

pub async fn messages(api: &ContractClient) {
    let owner = register(api, "messages_owner").await;
    let member = register(api, "messages_member").await;
    let outsider = register(api, "messages_outsider").await;
    let room = api
        .post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": "Talk", "room_type": "GROUP", "participants": [member.id] }))
        .expect(201)
        .await
        .id();
    let other_room = api
        .post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": "Elsewhere", "room_type": "GROUP" }))
        .expect(201)
        .await
        .id();
    let elsewhere = api
        .post(&format!("/api/chat/rooms/{other_room}/messages/"))
        .bearer(&owner.access)
        .json(&json!({ "content": "In another room" }))
        .expect(201)
        .await
        .id();

    let first = create(api, &owner, &member, &outsider, room).await;
    list(api, &owner, &outsider, room, first).await;
    let one = Message { room, id: first };
    retrieve(api, &owner, &member, &outsider, one, elsewhere).await;
    replace(api, &owner, &member, &outsider, one).await;
    partial_update(api, &owner, &member, &outsider, one).await;
    destroy(api, &owner, &member, &outsider, one).await;
}

#[derive(Clone, Copy)]
struct Message {
    room: i64,
    id: i64,
}

impl Message {
    fn path(self) -> String {
        message_path(self.room, self.id)
    }
}

/// `id` may be anything, to name a message of another room or no message at all.
fn message_path(room: i64, id: impl std::fmt::Display) -> String {
    format!("/api/chat/rooms/{room}/messages/{id}/")
}

/// Returns the id of the room's first message.
async fn create(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    outsider: &Actor,
    room: i64,
) -> i64 {
    let path = format!("/api/chat/rooms/{room}/messages/");
    let first = api
        .post(&path)
        .bearer(&owner.access)
        .json(&json!({ "content": "Hello" }))
        .expect(201)
        .await
        .id();
    let once = json!({ "content": "Exactly once", "client_id": CLIENT_ID });
    api.post(&path)
        .bearer(&owner.access)
        .json(&once)
        .expect(201)
        .await;
    // A retry with the same client_id is the first message again.
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
    api.post(&format!("/api/chat/rooms/{room}/messages"))
        .bearer(&member.access)
        .json(&json!({ "content": "Read already", "is_read": true, "sender_id": member.id }))
        .expect(201)
        .await;
    for invalid in [
        json!({ "content": "   " }),
        json!({ "content": "x", "is_read": "yes" }),
        json!({ "content": "x", "sender_id": NO_SUCH_ID }),
        json!({ "content": "x", "client_id": "not-a-uuid" }),
        json!({ "content": "x".repeat(10_001) }),
        json!({}),
    ] {
        api.post(&path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    // Cut short: the spec's `malformed_json` example.
    api.post(&path)
        .bearer(&owner.access)
        .body("application/json", r#"{"content": "Hi"#)
        .expect(400)
        .await;
    let hello = json!({ "content": "Hello" });
    // Posting as someone else, or into a room one is not in (or that does not exist).
    api.post(&path)
        .bearer(&owner.access)
        .json(&json!({ "content": "Impostor", "sender_id": member.id }))
        .expect(403)
        .await;
    api.post(&path)
        .bearer(&outsider.access)
        .json(&hello)
        .expect(403)
        .await;
    api.post(&format!("/api/chat/rooms/{NO_SUCH_ID}/messages/"))
        .bearer(&owner.access)
        .json(&hello)
        .expect(403)
        .await;
    // An id that is not a number cannot name a room at all.
    api.post("/api/chat/rooms/abc/messages/")
        .bearer(&owner.access)
        .json(&hello)
        .expect(404)
        .await;
    unauthenticated(api, Method::POST, &path, Some(hello)).await;
    body_errors(api, Method::POST, &path, Some(&owner.access)).await;
    first
}

async fn list(api: &ContractClient, owner: &Actor, outsider: &Actor, room: i64, first: i64) {
    let path = format!("/api/chat/rooms/{room}/messages/");
    api.get(&path).bearer(&owner.access).expect(200).await;
    let newest = api
        .get(&format!("{path}?page_size=1"))
        .bearer(&owner.access)
        .expect(200)
        .await;
    let older = api
        .get(newest.body["next"].as_str().unwrap_or(&path))
        .bearer(&owner.access)
        .expect(200)
        .await;
    api.get(older.body["previous"].as_str().unwrap_or(&path))
        .bearer(&owner.access)
        .expect(200)
        .await;
    api.get(&format!("{path}?after={first}&page_size=2"))
        .bearer(&owner.access)
        .expect(200)
        .await;
    api.get(&format!("{path}?cursor=forged"))
        .bearer(&owner.access)
        .expect(404)
        .await;
    api.get(&format!("{path}?after=abc"))
        .bearer(&owner.access)
        .expect(400)
        .await;
    api.get(&path).bearer(&outsider.access).expect(403).await;
    api.get(&format!("/api/chat/rooms/{NO_SUCH_ID}/messages/"))
        .bearer(&owner.access)
        .expect(403)
        .await;
    api.get("/api/chat/rooms/abc/messages/")
        .bearer(&owner.access)
        .expect(404)
        .await;
    unauthenticated(api, Method::GET, &path, None).await;
}

async fn retrieve(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    outsider: &Actor,
    message: Message,
    elsewhere: i64,
) {
    let path = message.path();
    api.get(&path).bearer(&owner.access).expect(200).await;
    api.get(path.trim_end_matches('/'))
        .bearer(&member.access)
        .expect(200)
        .await;
    api.get(&path).bearer(&outsider.access).expect(403).await;
    // A message of another room is not in this one.
    for missing in [
        elsewhere.to_string(),
        NO_SUCH_ID.to_string(),
        "abc".to_owned(),
    ] {
        api.get(&message_path(message.room, missing))
            .bearer(&owner.access)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::GET, &path, None).await;
}

async fn replace(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    outsider: &Actor,
    message: Message,
) {
    let path = message.path();
    let edit = json!({ "content": "Hello, edited", "is_read": true });
    api.put(&path)
        .bearer(&owner.access)
        .json(&edit)
        .expect(200)
        .await;
    // Only the sender edits.
    api.put(&path)
        .bearer(&member.access)
        .json(&edit)
        .expect(403)
        .await;
    api.put(&path)
        .bearer(&outsider.access)
        .json(&edit)
        .expect(403)
        .await;
    for invalid in [json!({ "content": "" }), json!({ "is_read": true })] {
        api.put(&path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.put(&message_path(message.room, missing))
            .bearer(&owner.access)
            .json(&edit)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::PUT, &path, Some(edit)).await;
    body_errors(api, Method::PUT, &path, Some(&owner.access)).await;
}

async fn partial_update(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    outsider: &Actor,
    message: Message,
) {
    let path = message.path();
    let read = json!({ "is_read": false });
    api.patch(&path)
        .bearer(&owner.access)
        .json(&read)
        .expect(200)
        .await;
    api.patch(&path)
        .bearer(&owner.access)
        .json(&json!({ "content": "Hello again" }))
        .expect(200)
        .await;
    api.patch(&path)
        .bearer(&owner.access)
        .json(&json!({ "is_read": "yes" }))
        .expect(400)
        .await;
    api.patch(&path)
        .bearer(&member.access)
        .json(&read)
        .expect(403)
        .await;
    api.patch(&path)
        .bearer(&outsider.access)
        .json(&read)
        .expect(403)
        .await;
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.patch(&message_path(message.room, missing))
            .bearer(&owner.access)
            .json(&read)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::PATCH, &path, Some(read)).await;
    body_errors(api, Method::PATCH, &path, Some(&owner.access)).await;
}

async fn destroy(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    outsider: &Actor,
    message: Message,
) {
    let path = message.path();
    api.delete(&path).bearer(&member.access).expect(403).await;
    api.delete(&path).bearer(&outsider.access).expect(403).await;
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.delete(&message_path(message.room, missing))
            .bearer(&owner.access)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::DELETE, &path, None).await;
    api.delete(&path).bearer(&owner.access).expect(204).await;
    api.delete(&path).bearer(&owner.access).expect(404).await;
}
