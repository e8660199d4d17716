//! The throttles (API.md "Limits", "Throttles beyond messages"), on a server of their own
//! started with [`LOW_THROTTLES`] (the main scenario's server runs without any): message
//! creation per user on the three routes that create messages, and on the reactions, edits and
//! invitations that share its budget; failed token requests per username and address. Every
//! 429 must carry `Retry-After` (whole seconds, at least 1) and DRF's throttle text for that
//! many seconds.

use contract_tests::ContractClient;
use contract_tests::http::Reply;
use serde_json::json;

use super::support::{Actor, register};

/// One message a second per user with no burst beyond it, one failed token request a minute
/// per username and address: a second request right after the first is refused.
pub const LOW_THROTTLES: [(&str, &str); 3] = [
    ("CHAT_MESSAGE_RATE", "1"),
    ("CHAT_MESSAGE_BURST", "1"),
    ("CHAT_TOKEN_RATE_PER_MIN", "1"),
];

/// `register`'s password.
const PASSWORD: &str = "password123";

pub async fn throttles(api: &ContractClient) {
    tokens(api).await;
    messages(api).await;
    reactions(api).await;
    edits(api).await;
    invitations(api).await;
    direct_messages(api).await;
    legacy_messages(api).await;
}

/// token_obtain: a wrong password spends the (username, address) pair's one failure of the
/// minute; after it the pair is refused, the right password included. (`register` obtained a
/// pair first: successes do not count.)
async fn tokens(api: &ContractClient) {
    register(api, "throttled_tokens").await;
    let obtain = "/api/token/";
    let guess = json!({ "username": "throttled_tokens", "password": "not-the-password" });
    api.post(obtain).json(&guess).expect(401).await;
    let refused = api.post(obtain).json(&guess).expect(429).await;
    throttled(
        api,
        "token_obtain (wrong password)",
        &refused,
        ErrorShape::Drf,
    );
    let right = json!({ "username": "throttled_tokens", "password": PASSWORD });
    let refused = api.post(obtain).json(&right).expect(429).await;
    throttled(api, "token_obtain", &refused, ErrorShape::Drf);
    // Another username has a budget of its own (`register` obtains its pair: 200).
    register(api, "throttled_tokens_other").await;
}

/// messages_create: the second message in a second is refused, another user is not held
/// back, and after `Retry-After` seconds the first user is admitted again.
async fn messages(api: &ContractClient) {
    let alice = register(api, "throttled_alice").await;
    let bob = register(api, "throttled_bob").await;
    let room = room(api, &alice, &[bob.id]).await;
    let path = format!("/api/chat/rooms/{room}/messages/");
    let hello = json!({ "content": "Hello" });
    api.post(&path)
        .bearer(&alice.access)
        .json(&hello)
        .expect(201)
        .await;
    let refused = api
        .post(&path)
        .bearer(&alice.access)
        .json(&hello)
        .expect(429)
        .await;
    let wait = throttled(api, "messages_create", &refused, ErrorShape::Drf);
    api.post(&path)
        .bearer(&bob.access)
        .json(&json!({ "content": "Not held back" }))
        .expect(201)
        .await;
    if let Some(seconds) = wait {
        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
        api.post(&path)
            .bearer(&alice.access)
            .json(&json!({ "content": "After Retry-After" }))
            .expect(201)
            .await;
    }
}

/// messages_reactions_create: throttled with message creation, so a reaction right after a
/// message is refused.
async fn reactions(api: &ContractClient) {
    let erin = register(api, "throttled_erin").await;
    let room = room(api, &erin, &[]).await;
    let message = api
        .post(&format!("/api/chat/rooms/{room}/messages/"))
        .bearer(&erin.access)
        .json(&json!({ "content": "Hello" }))
        .expect(201)
        .await
        .id();
    let refused = api
        .post(&format!(
            "/api/chat/rooms/{room}/messages/{message}/reactions/"
        ))
        .bearer(&erin.access)
        .json(&json!({ "emoji": "👍" }))
        .expect(429)
        .await;
    throttled(api, "messages_reactions_create", &refused, ErrorShape::Drf);
}

/// messages_update, messages_partial_update and legacy_messages_update (seed 000's shape):
/// an edit right after a message is refused.
async fn edits(api: &ContractClient) {
    let frank = register(api, "throttled_frank").await;
    let room = room(api, &frank, &[]).await;
    let message = api
        .post(&format!("/api/chat/rooms/{room}/messages/"))
        .bearer(&frank.access)
        .json(&json!({ "content": "Hello" }))
        .expect(201)
        .await
        .id();
    let edit = json!({ "content": "Edited" });
    let path = format!("/api/chat/rooms/{room}/messages/{message}/");
    let refused = api
        .put(&path)
        .bearer(&frank.access)
        .json(&edit)
        .expect(429)
        .await;
    throttled(api, "messages_update", &refused, ErrorShape::Drf);
    let refused = api
        .patch(&path)
        .bearer(&frank.access)
        .json(&edit)
        .expect(429)
        .await;
    throttled(api, "messages_partial_update", &refused, ErrorShape::Drf);
    let refused = api
        .put(&format!("/messages/{message}/"))
        .bearer(&frank.access)
        .json(&edit)
        .expect(429)
        .await;
    throttled(api, "legacy_messages_update", &refused, ErrorShape::Legacy);
}

/// rooms_invitations_create: an invitation right after a message is refused.
async fn invitations(api: &ContractClient) {
    let grace = register(api, "throttled_grace").await;
    let heidi = register(api, "throttled_heidi").await;
    let room = room(api, &grace, &[]).await;
    api.post(&format!("/api/chat/rooms/{room}/messages/"))
        .bearer(&grace.access)
        .json(&json!({ "content": "Hello" }))
        .expect(201)
        .await;
    let refused = api
        .post(&format!("/api/chat/rooms/{room}/invitations/"))
        .bearer(&grace.access)
        .json(&json!({ "user_id": heidi.id }))
        .expect(429)
        .await;
    throttled(api, "rooms_invitations_create", &refused, ErrorShape::Drf);
}

/// direct_messages_create (seed 002): the same per-user throttle, DRF's error shape.
async fn direct_messages(api: &ContractClient) {
    let carol = register(api, "throttled_carol").await;
    let path = format!("/{}/messages/", room(api, &carol, &[]).await);
    let hello = json!({ "content": "Hello" });
    api.post(&path)
        .bearer(&carol.access)
        .json(&hello)
        .expect(201)
        .await;
    let refused = api
        .post(&path)
        .bearer(&carol.access)
        .json(&hello)
        .expect(429)
        .await;
    throttled(api, "direct_messages_create", &refused, ErrorShape::Drf);
}

/// legacy_messages_create (seed 000): the same per-user throttle, seed 000's error shape.
async fn legacy_messages(api: &ContractClient) {
    let dave = register(api, "throttled_dave").await;
    let hello = json!({ "chat_room": room(api, &dave, &[]).await, "content": "Hello" });
    api.post("/messages/create")
        .bearer(&dave.access)
        .json(&hello)
        .expect(200)
        .await;
    let refused = api
        .post("/messages/create")
        .bearer(&dave.access)
        .json(&hello)
        .expect(429)
        .await;
    throttled(api, "legacy_messages_create", &refused, ErrorShape::Legacy);
}

/// A GROUP room of `owner` with `others`.
async fn room(api: &ContractClient, owner: &Actor, others: &[i64]) -> i64 {
    api.post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": "Throttled", "room_type": "GROUP", "participants": others }))
        .expect(201)
        .await
        .id()
}

/// Where an error's text goes.
#[derive(Clone, Copy)]
enum ErrorShape {
    /// `{"detail": "<text>"}`
    Drf,
    /// Seed 000's `{"error": "<text>", "status": 429}`
    Legacy,
}

/// Checks what the schema cannot: `Retry-After` is a whole number of seconds, at least 1,
/// and the text names that many. Returns the seconds when the header is right.
fn throttled(api: &ContractClient, what: &str, reply: &Reply, shape: ErrorShape) -> Option<u64> {
    if reply.status != 429 {
        // Already a violation of the scenario; nothing more to check.
        return None;
    }
    let header = reply.headers.get("retry-after");
    let Some(seconds) = header
        .and_then(|value| value.parse::<u64>().ok())
        .filter(|seconds| *seconds >= 1)
    else {
        api.problem(format!(
            "{what} 429: Retry-After is {header:?}, not a positive whole number of seconds"
        ));
        return None;
    };
    let expected = if seconds == 1 {
        "Request was throttled. Expected available in 1 second.".to_owned()
    } else {
        format!("Request was throttled. Expected available in {seconds} seconds.")
    };
    let body_ok = match shape {
        ErrorShape::Drf => reply.body == json!({ "detail": expected }),
        ErrorShape::Legacy => reply.body == json!({ "error": expected, "status": 429 }),
    };
    if !body_ok {
        api.problem(format!(
            "{what} 429 with Retry-After: {seconds}: the body should say {expected:?}, got {}",
            reply.body
        ));
    }
    Some(seconds)
}
