//! The WebSocket upgrades (tag `realtime`): one room, every room of the caller, and the pair
//! route. A 101 is checked like any other response (no Content-Type, no body) and its
//! connection then dropped; what the sockets carry is `asyncapi.yaml`'s business. Each user
//! upgrades at most twice before the 429 step, so a dropped socket the server has not yet let
//! go of never counts against a later one.

use contract_tests::ContractClient;
use contract_tests::http::Call;
use reqwest::Method;
use serde_json::json;

use super::support::{Actor, register, unauthenticated};

/// `CHAT_WS_MAX_CONNECTIONS_PER_USER` of the scenario's server: holding this many sockets
/// open makes the next upgrade a 429.
pub const MAX_SOCKETS_PER_USER: &str = "2";

/// RFC 6455's sample key: the base64 of 16 bytes, which is all a key must be.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const NO_SUCH_USER: i64 = 999_999;

pub async fn realtime(api: &ContractClient, base: &str) {
    let owner = register(api, "ws_owner").await;
    let member = register(api, "ws_member").await;
    let outsider = register(api, "ws_outsider").await;
    let room = api
        .post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": "Live", "room_type": "GROUP", "participants": [member.id] }))
        .expect(201)
        .await
        .id();

    one_room(api, &owner, &member, &outsider, room).await;
    all_rooms(api, &owner, &member, &outsider).await;
    direct(api, &owner, &member, &outsider).await;
    too_many(api, base, &owner).await;
}

/// The headers that make a GET a WebSocket handshake.
fn handshake(call: Call<'_>) -> Call<'_> {
    call.header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", KEY)
}

/// `path` with the access token in the query, as browsers must send it.
fn with_token(path: &str, token: &str) -> String {
    format!("{path}?token={token}")
}

/// 401 for a handshake without credentials, with a token (query or header) that is not one,
/// and with a malformed header; and for a plain GET without credentials.
async fn refused(api: &ContractClient, path: &str) {
    handshake(api.get(path)).expect(401).await;
    handshake(api.get(&with_token(path, "not.a.jwt")))
        .expect(401)
        .await;
    handshake(api.get(&with_token(path, ""))).expect(401).await;
    for authorization in ["Bearer not.a.jwt", "Token abc"] {
        handshake(api.get(path))
            .authorization(authorization)
            .expect(401)
            .await;
    }
    unauthenticated(api, Method::GET, path, None).await;
}

async fn one_room(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    outsider: &Actor,
    room: i64,
) {
    let path = format!("/ws/chat/rooms/{room}/");
    // Either way of presenting the token upgrades.
    handshake(api.get(&with_token(&path, &owner.access)))
        .expect(101)
        .await;
    handshake(api.get(&path))
        .bearer(&member.access)
        .expect(101)
        .await;
    // Authenticated, but not a handshake.
    api.get(&with_token(&path, &owner.access)).expect(400).await;
    api.get(&path).bearer(&owner.access).expect(400).await;
    refused(api, &path).await;
    // Participants only.
    handshake(api.get(&with_token(&path, &outsider.access)))
        .expect(403)
        .await;
    handshake(api.get(&with_token("/ws/chat/rooms/abc/", &owner.access)))
        .expect(404)
        .await;
}

async fn all_rooms(api: &ContractClient, owner: &Actor, member: &Actor, outsider: &Actor) {
    let path = "/ws/chat/";
    // A user without rooms may listen too (and hears rooms as they are joined).
    handshake(api.get(&with_token(path, &outsider.access)))
        .expect(101)
        .await;
    handshake(api.get("/ws/chat"))
        .bearer(&member.access)
        .expect(101)
        .await;
    api.get(&with_token(path, &owner.access)).expect(400).await;
    api.get(path).bearer(&owner.access).expect(400).await;
    refused(api, path).await;
}

async fn direct(api: &ContractClient, owner: &Actor, member: &Actor, outsider: &Actor) {
    let path = format!("/ws/chat/{}/{}/", owner.id, member.id);
    handshake(api.get(&path))
        .bearer(&owner.access)
        .expect(101)
        .await;
    // The pair's room is created on the way when there is none.
    handshake(api.get(&with_token(
        &format!("/ws/chat/{}/{}/", outsider.id, owner.id),
        &outsider.access,
    )))
    .expect(101)
    .await;
    api.get(&with_token(&path, &owner.access)).expect(400).await;
    // A pair of one is no pair.
    let alone = format!("/ws/chat/{}/{}/", owner.id, owner.id);
    handshake(api.get(&with_token(&alone, &owner.access)))
        .expect(400)
        .await;
    refused(api, &path).await;
    // The caller must be `user_id`.
    let theirs = format!("/ws/chat/{}/{}/", member.id, owner.id);
    handshake(api.get(&with_token(&theirs, &owner.access)))
        .expect(403)
        .await;
    for missing in [
        format!("/ws/chat/{}/{NO_SUCH_USER}/", owner.id),
        format!("/ws/chat/{}/abc/", owner.id),
        format!("/ws/chat/abc/{}/", member.id),
    ] {
        handshake(api.get(&with_token(&missing, &owner.access)))
            .expect(404)
            .await;
    }
}

/// With `MAX_SOCKETS_PER_USER` sockets of one user held open, each route answers its next
/// handshake with 429.
async fn too_many(api: &ContractClient, base: &str, friend: &Actor) {
    let crowd = register(api, "ws_crowd").await;
    let room = api
        .post("/api/chat/rooms/")
        .bearer(&crowd.access)
        .json(&json!({ "name": "Crowded", "room_type": "GROUP" }))
        .expect(201)
        .await
        .id();
    let limit: usize = MAX_SOCKETS_PER_USER.parse().expect("a number");
    let socket_url = format!(
        "{}/ws/chat/?token={}",
        base.replacen("http", "ws", 1),
        crowd.access
    );
    let mut held = Vec::new();
    for _ in 0..limit {
        // Not through the checking client: these must stay open. A failure here shows as the
        // 429s below answering 101.
        match tokio_tungstenite::connect_async(socket_url.as_str()).await {
            Ok((socket, _)) => held.push(socket),
            Err(err) => eprintln!("opening a socket to hold failed: {err}"),
        }
    }
    for path in [
        format!("/ws/chat/rooms/{room}/"),
        "/ws/chat/".to_owned(),
        format!("/ws/chat/{}/{}/", crowd.id, friend.id),
    ] {
        handshake(api.get(&with_token(&path, &crowd.access)))
            .expect(429)
            .await;
    }
    drop(held);
}
