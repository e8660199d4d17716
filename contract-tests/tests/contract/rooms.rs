//! Rooms: create (201 and the ONE_TO_ONE 200), list, retrieve, replace, patch, delete.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{Actor, body_errors, register, unauthenticated};

const NO_SUCH_ROOM: i64 = 999_999;

pub async fn rooms(api: &ContractClient) {
    let owner = register(api, "rooms_owner").await;
    let member = register(api, "rooms_member").await;
    let outsider = register(api, "rooms_outsider").await;

    let (group, direct) = create(api, &owner, &member).await;
    list(api, &owner).await;
    retrieve(api, &owner, &outsider, group).await;
    replace(api, &owner, &member, &outsider, group, direct).await;
    partial_update(api, &owner, &member, &outsider, group, direct).await;
    destroy(api, &owner, &member, &outsider, group, direct).await;
}

/// Returns the ids of a GROUP room and a ONE_TO_ONE room, both of `owner` and `member`.
async fn create(api: &ContractClient, owner: &Actor, member: &Actor) -> (i64, i64) {
    let rooms = "/api/chat/rooms/";
    let group = api
        .post(rooms)
        .bearer(&owner.access)
        .json(&json!({ "name": "General", "room_type": "GROUP", "participants": [member.id] }))
        .expect(201)
        .await
        .id();
    let direct = api
        .post(rooms)
        .bearer(&owner.access)
        .json(&json!({ "name": "Direct", "room_type": "ONE_TO_ONE", "participants": [member.id] }))
        .expect(201)
        .await
        .id();
    // The same pair again, asked by the other member: the existing room, with 200.
    api.post(rooms)
        .bearer(&member.access)
        .json(&json!({ "name": "Again", "room_type": "ONE_TO_ONE", "participants": [owner.id] }))
        .expect(200)
        .await;
    api.post("/api/chat/rooms")
        .bearer(&owner.access)
        .json(&json!({ "name": "Course", "room_type": "COURSE" }))
        .expect(201)
        .await;
    for invalid in [
        json!({ "name": "", "room_type": "GROUP" }),
        json!({ "name": "Typo", "room_type": "PARTY" }),
        json!({ "name": "Ghosts", "room_type": "GROUP", "participants": [NO_SUCH_ROOM] }),
        json!({ "name": "Lonely", "room_type": "ONE_TO_ONE" }),
        json!({}),
    ] {
        api.post(rooms)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    let valid = json!({ "name": "x", "room_type": "GROUP" });
    unauthenticated(api, Method::POST, rooms, Some(valid)).await;
    body_errors(api, Method::POST, rooms, Some(&owner.access)).await;

    // Rooms with a message carry a non-empty preview in what follows.
    api.post(&format!("/api/chat/rooms/{group}/messages/"))
        .bearer(&member.access)
        .json(&json!({ "content": "First!", "client_id": "6f1c2b2e-8d7a-4c1e-9a55-0b4e2d3fa1c7" }))
        .expect(201)
        .await;
    (group, direct)
}

async fn list(api: &ContractClient, owner: &Actor) {
    for query in [
        "",
        "?page=1&page_size=1&messages_limit=5",
        "?page=2&page_size=1",
        "?limit=1&offset=1&messages_limit=0",
        "?page_size=1000",
    ] {
        api.get(&format!("/api/chat/rooms/{query}"))
            .bearer(&owner.access)
            .expect(200)
            .await;
    }
    for query in ["?page=99", "?page=abc"] {
        api.get(&format!("/api/chat/rooms/{query}"))
            .bearer(&owner.access)
            .expect(404)
            .await;
    }
    for query in ["?messages_limit=51", "?messages_limit=-1"] {
        api.get(&format!("/api/chat/rooms/{query}"))
            .bearer(&owner.access)
            .expect(400)
            .await;
    }
    unauthenticated(api, Method::GET, "/api/chat/rooms/", None).await;
}

async fn retrieve(api: &ContractClient, owner: &Actor, outsider: &Actor, group: i64) {
    let path = format!("/api/chat/rooms/{group}/");
    api.get(&path).bearer(&owner.access).expect(200).await;
    api.get(&format!("/api/chat/rooms/{group}?messages_limit=50"))
        .bearer(&owner.access)
        .expect(200)
        .await;
    api.get(&format!("{path}?messages_limit=51"))
        .bearer(&owner.access)
        .expect(400)
        .await;
    // Not in the room looks the same as no such room.
    api.get(&path).bearer(&outsider.access).expect(404).await;
    for missing in [NO_SUCH_ROOM.to_string(), "abc".to_owned()] {
        api.get(&format!("/api/chat/rooms/{missing}/"))
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
    group: i64,
    direct: i64,
) {
    let path = format!("/api/chat/rooms/{group}/");
    let renamed = json!({ "name": "Renamed", "room_type": "GROUP", "participants": [member.id] });
    api.put(&path)
        .bearer(&owner.access)
        .json(&renamed)
        .expect(200)
        .await;
    // Changing a GROUP room's type is the creator's alone.
    let retyped =
        json!({ "name": "Renamed", "room_type": "COURSE", "participants": [owner.id, member.id] });
    api.put(&path)
        .bearer(&member.access)
        .json(&retyped)
        .expect(403)
        .await;
    let direct_path = format!("/api/chat/rooms/{direct}/");
    api.put(&direct_path)
        .bearer(&owner.access)
        .json(&json!({ "name": "Now a group", "room_type": "GROUP" }))
        .expect(400)
        .await;
    api.put(&path)
        .bearer(&owner.access)
        .json(&json!({ "room_type": "GROUP" }))
        .expect(400)
        .await;
    api.put(&path)
        .bearer(&outsider.access)
        .json(&renamed)
        .expect(404)
        .await;
    for missing in [NO_SUCH_ROOM.to_string(), "abc".to_owned()] {
        api.put(&format!("/api/chat/rooms/{missing}/"))
            .bearer(&owner.access)
            .json(&renamed)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::PUT, &path, Some(renamed)).await;
    body_errors(api, Method::PUT, &path, Some(&owner.access)).await;
}

async fn partial_update(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    outsider: &Actor,
    group: i64,
    direct: i64,
) {
    let path = format!("/api/chat/rooms/{group}/");
    api.patch(&path)
        .bearer(&member.access)
        .json(&json!({ "name": "Named by a member" }))
        .expect(200)
        .await;
    api.patch(&format!("/api/chat/rooms/{group}"))
        .bearer(&owner.access)
        .json(&json!({}))
        .expect(200)
        .await;
    // Leaving the creator out is removing others: the creator's alone.
    api.patch(&path)
        .bearer(&member.access)
        .json(&json!({ "participants": [member.id] }))
        .expect(403)
        .await;
    api.patch(&format!("/api/chat/rooms/{direct}/"))
        .bearer(&owner.access)
        .json(&json!({ "room_type": "GROUP" }))
        .expect(400)
        .await;
    for invalid in [json!({ "name": "" }), json!({ "room_type": "PRIVATE" })] {
        api.patch(&path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    let rename = json!({ "name": "Mine now" });
    api.patch(&path)
        .bearer(&outsider.access)
        .json(&rename)
        .expect(404)
        .await;
    for missing in [NO_SUCH_ROOM.to_string(), "abc".to_owned()] {
        api.patch(&format!("/api/chat/rooms/{missing}/"))
            .bearer(&owner.access)
            .json(&rename)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::PATCH, &path, Some(rename)).await;
    body_errors(api, Method::PATCH, &path, Some(&owner.access)).await;
}

async fn destroy(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    outsider: &Actor,
    group: i64,
    direct: i64,
) {
    let path = format!("/api/chat/rooms/{group}/");
    // Only the creator deletes a GROUP room.
    api.delete(&path).bearer(&member.access).expect(403).await;
    api.delete(&path).bearer(&outsider.access).expect(404).await;
    for missing in [NO_SUCH_ROOM.to_string(), "abc".to_owned()] {
        api.delete(&format!("/api/chat/rooms/{missing}/"))
            .bearer(&owner.access)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::DELETE, &path, None).await;
    api.delete(&path).bearer(&owner.access).expect(204).await;
    api.delete(&path).bearer(&owner.access).expect(404).await;
    // Either member deletes a ONE_TO_ONE room.
    api.delete(&format!("/api/chat/rooms/{direct}"))
        .bearer(&member.access)
        .expect(204)
        .await;
}
