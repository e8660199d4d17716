//! Replies and edit history: `reply_to` on send, `messages_replies_list` (cursor pages) and
//! `messages_history_list` (numbered pages), with the message routes' 403 and 404.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{Actor, group_room, register, send, unauthenticated};

const NO_SUCH_ID: i64 = 999_999;

pub async fn replies(api: &ContractClient) {
    let owner = register(api, "replies_owner").await;
    let member = register(api, "replies_member").await;
    let outsider = register(api, "replies_outsider").await;
    let room = group_room(api, &owner, "Threads", &[member.id]).await;
    let other_room = group_room(api, &owner, "Elsewhere", &[]).await;
    let parent = send(api, &owner, room, json!({ "content": "Question?" })).await;
    let elsewhere = send(api, &owner, other_room, json!({ "content": "Not here" })).await;
    for answer in ["Yes", "No", "Maybe"] {
        send(
            api,
            &member,
            room,
            json!({ "content": answer, "reply_to": parent }),
        )
        .await;
    }
    // A reply to a message of another room, or to none.
    for parent in [elsewhere, NO_SUCH_ID] {
        api.post(&format!("/api/chat/rooms/{room}/messages/"))
            .bearer(&member.access)
            .json(&json!({ "content": "Lost", "reply_to": parent }))
            .expect(400)
            .await;
    }

    thread(api, &owner, &outsider, room, parent, elsewhere).await;
    history(api, &owner, &outsider, room, parent, elsewhere).await;
}

async fn thread(
    api: &ContractClient,
    owner: &Actor,
    outsider: &Actor,
    room: i64,
    parent: i64,
    elsewhere: i64,
) {
    let path = format!("/api/chat/rooms/{room}/messages/{parent}/replies/");
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
    api.get(&format!("{path}?after={parent}&page_size=2"))
        .bearer(&owner.access)
        .expect(200)
        .await;
    api.get(&format!("{path}?after=abc"))
        .bearer(&owner.access)
        .expect(400)
        .await;
    api.get(&format!("{path}?cursor=forged"))
        .bearer(&owner.access)
        .expect(404)
        .await;
    for missing in [elsewhere, NO_SUCH_ID] {
        api.get(&format!(
            "/api/chat/rooms/{room}/messages/{missing}/replies/"
        ))
        .bearer(&owner.access)
        .expect(404)
        .await;
    }
    api.get(&path).bearer(&outsider.access).expect(403).await;
    api.get(&format!(
        "/api/chat/rooms/{NO_SUCH_ID}/messages/{parent}/replies/"
    ))
    .bearer(&owner.access)
    .expect(403)
    .await;
    unauthenticated(api, Method::GET, &path, None).await;
}

async fn history(
    api: &ContractClient,
    owner: &Actor,
    outsider: &Actor,
    room: i64,
    message: i64,
    elsewhere: i64,
) {
    let message_path = format!("/api/chat/rooms/{room}/messages/{message}/");
    for content in ["Question, edited?", "Question, edited twice?"] {
        api.patch(&message_path)
            .bearer(&owner.access)
            .json(&json!({ "content": content }))
            .expect(200)
            .await;
    }
    let path = format!("{message_path}history/");
    for query in [
        "",
        "?page=2&page_size=1",
        "?page=last&page_size=2",
        "?limit=1&offset=1",
    ] {
        api.get(&format!("{path}{query}"))
            .bearer(&owner.access)
            .expect(200)
            .await;
    }
    api.get(&format!("{path}?page_size=abc"))
        .bearer(&owner.access)
        .expect(400)
        .await;
    for query in ["?page=99", "?page=abc"] {
        api.get(&format!("{path}{query}"))
            .bearer(&owner.access)
            .expect(404)
            .await;
    }
    for missing in [elsewhere, NO_SUCH_ID] {
        api.get(&format!(
            "/api/chat/rooms/{room}/messages/{missing}/history/"
        ))
        .bearer(&owner.access)
        .expect(404)
        .await;
    }
    api.get(&path).bearer(&outsider.access).expect(403).await;
    unauthenticated(api, Method::GET, &path, None).await;
}
