//! Reactions: `messages_reactions_create` (201 added, 200 already there) and
//! `messages_reactions_destroy` (204), with the message routes' 403 (not in the room) and 404
//! (no such message there). Their 429 is in `throttles`.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{body_errors, group_room, register, send, unauthenticated};

const NO_SUCH_ID: i64 = 999_999;
/// `👍` as it goes in a path.
const THUMBS_UP: &str = "%F0%9F%91%8D";

pub async fn reactions(api: &ContractClient) {
    let owner = register(api, "reactions_owner").await;
    let member = register(api, "reactions_member").await;
    let outsider = register(api, "reactions_outsider").await;
    let room = group_room(api, &owner, "Reacting", &[member.id]).await;
    let other_room = group_room(api, &owner, "Elsewhere", &[]).await;
    let message = send(api, &owner, room, json!({ "content": "React to me" })).await;
    let elsewhere = send(api, &owner, other_room, json!({ "content": "Not here" })).await;

    let path = format!("/api/chat/rooms/{room}/messages/{message}/reactions/");
    let thumbs_up = json!({ "emoji": "👍" });
    api.post(&path)
        .bearer(&member.access)
        .json(&thumbs_up)
        .expect(201)
        .await;
    api.post(&path)
        .bearer(&member.access)
        .json(&thumbs_up)
        .expect(200)
        .await;
    api.post(&path)
        .bearer(&owner.access)
        .json(&json!({ "emoji": "❤️" }))
        .expect(201)
        .await;
    for invalid in [
        json!({ "emoji": "abc" }),
        json!({ "emoji": "" }),
        json!({ "emoji": 1 }),
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
        .json(&thumbs_up)
        .expect(403)
        .await;
    api.post(&format!(
        "/api/chat/rooms/{NO_SUCH_ID}/messages/{message}/reactions/"
    ))
    .bearer(&member.access)
    .json(&thumbs_up)
    .expect(403)
    .await;
    for missing in [NO_SUCH_ID, elsewhere] {
        api.post(&format!(
            "/api/chat/rooms/{room}/messages/{missing}/reactions/"
        ))
        .bearer(&member.access)
        .json(&thumbs_up)
        .expect(404)
        .await;
    }
    unauthenticated(api, Method::POST, &path, Some(thumbs_up)).await;
    body_errors(api, Method::POST, &path, Some(&member.access)).await;

    let mine = format!("{path}{THUMBS_UP}/");
    api.delete(&mine).bearer(&outsider.access).expect(403).await;
    unauthenticated(api, Method::DELETE, &mine, None).await;
    api.delete(&mine).bearer(&member.access).expect(204).await;
    // Gone now; never there; not an emoji; a message of another room.
    for missing in [
        mine.clone(),
        format!("{path}%F0%9F%8E%89/"),
        format!("{path}abc/"),
        format!("/api/chat/rooms/{room}/messages/{elsewhere}/reactions/{THUMBS_UP}/"),
    ] {
        api.delete(&missing)
            .bearer(&member.access)
            .expect(404)
            .await;
    }
}
