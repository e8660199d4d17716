//! Shared steps of the scenarios: users with tokens, and the body errors every operation
//! with a request body must answer the same way.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::{Value, json};

/// Comfortably over the server's default 64 KiB body limit.
pub const OVERSIZED_BYTES: usize = 70 * 1024;

/// A registered user and its current tokens.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: i64,
    pub access: String,
    pub refresh: String,
}

/// Registers `username` (201) and obtains its tokens (200).
pub async fn register(api: &ContractClient, username: &str) -> Actor {
    let password = "password123";
    let user = api
        .post("/api/users/register/")
        .json(&json!({ "username": username, "password": password }))
        .expect(201)
        .await;
    let tokens = api
        .post("/api/token/")
        .json(&json!({ "username": username, "password": password }))
        .expect(200)
        .await;
    Actor {
        id: user.id(),
        access: tokens.text("access"),
        refresh: tokens.text("refresh"),
    }
}

/// Malformed JSON (400), a non-JSON media type (415) and an oversized body (413) on an
/// operation that takes a JSON body; `token` when the operation needs one.
pub async fn body_errors(api: &ContractClient, method: Method, path: &str, token: Option<&str>) {
    let call = |content_type: &str, bytes: Vec<u8>| {
        let call = api.request(method.clone(), path).body(content_type, bytes);
        match token {
            Some(token) => call.bearer(token),
            None => call,
        }
    };
    call("application/json", b"{not json".to_vec())
        .expect(400)
        .await;
    call("text/plain", b"hello".to_vec()).expect(415).await;
    call("application/json", oversized_json()).expect(413).await;
}

/// 401 without credentials, with a malformed header and with a token that is not one.
pub async fn unauthenticated(
    api: &ContractClient,
    method: Method,
    path: &str,
    body: Option<Value>,
) {
    for authorization in [None, Some("Token abc"), Some("Bearer not.a.jwt")] {
        let mut call = api.request(method.clone(), path);
        if let Some(authorization) = authorization {
            call = call.authorization(authorization);
        }
        if let Some(body) = &body {
            call = call.json(body);
        }
        call.expect(401).await;
    }
}

fn oversized_json() -> Vec<u8> {
    json!({ "content": "x".repeat(OVERSIZED_BYTES) })
        .to_string()
        .into_bytes()
}

/// A GROUP room of `owner` with `others` (201).
pub async fn group_room(api: &ContractClient, owner: &Actor, name: &str, others: &[i64]) -> i64 {
    api.post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": name, "room_type": "GROUP", "participants": others }))
        .expect(201)
        .await
        .id()
}

/// Sends `body` (a message's JSON) to `room` as `sender` (201); returns the message's id.
pub async fn send(api: &ContractClient, sender: &Actor, room: i64, body: Value) -> i64 {
    api.post(&format!("/api/chat/rooms/{room}/messages/"))
        .bearer(&sender.access)
        .json(&body)
        .expect(201)
        .await
        .id()
}
