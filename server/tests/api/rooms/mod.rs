//! Every route of `/api/chat/rooms/` (API.md "Rooms"): create, list, retrieve, update, delete.

mod create;
mod delete;
mod read;
mod update;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const ROOMS: &str = "/api/chat/rooms/";

fn room_url(id: i64) -> String {
    format!("{ROOMS}{id}/")
}

fn messages_url(room: i64) -> String {
    format!("{ROOMS}{room}/messages/")
}

fn field_error(field: &str, message: &str) -> Value {
    json!({ field: [message] })
}

/// The participant ids of a room object, sorted (API.md does not fix their order).
fn participants(room: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = room["participants"]
        .as_array()
        .expect("participants is a list")
        .iter()
        .map(|id| id.as_i64().expect("participant ids are integers"))
        .collect();
    ids.sort_unstable();
    ids
}

fn sorted(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
}

fn ids(results: &Value) -> Vec<i64> {
    results
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

/// Asserts that `reply` is `status` with a room object holding exactly the fields of `expected`
/// plus a positive `id` and DRF `created_at`/`updated_at`; participants compare as a set.
/// Returns the room's id.
fn assert_room(reply: &Reply, status: u16, expected: Value) -> i64 {
    assert_eq!(reply.status, status, "unexpected reply: {reply:?}");
    let body = &reply.body;
    let id = body["id"]
        .as_i64()
        .filter(|id| *id > 0)
        .expect("id is a positive integer");
    assert!(is_drf_timestamp(&body["created_at"]), "created_at: {body}");
    assert!(is_drf_timestamp(&body["updated_at"]), "updated_at: {body}");
    let mut expected = expected;
    for count in ["unread_count", "mention_count"] {
        if expected.get(count).is_none() {
            expected[count] = json!(0);
        }
    }
    expected["id"] = json!(id);
    expected["created_at"] = body["created_at"].clone();
    expected["updated_at"] = body["updated_at"].clone();
    expected["participants"] = json!(participants(&expected));
    let mut actual = body.clone();
    actual["participants"] = json!(participants(body));
    assert_eq!(actual, expected);
    id
}

async fn create(app: &TestApp, user: &User, body: Value) -> Reply {
    app.post(ROOMS, Some(&user.access), body).await
}

/// A GROUP room ("<owner> room") created by `owner` with `others`.
async fn group(app: &TestApp, owner: &User, others: &[&User]) -> i64 {
    app.room(owner, "GROUP", others).await
}

/// A 400 whose only key is `participants` (API.md gives no text for these rules).
fn assert_participants_error(reply: &Reply) {
    assert_eq!(reply.status, 400, "unexpected reply: {reply:?}");
    let errors = reply.body.as_object().expect("an error object");
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        ["participants"],
        "{reply:?}"
    );
    assert!(
        errors["participants"]
            .as_array()
            .is_some_and(|messages| !messages.is_empty() && messages.iter().all(Value::is_string)),
        "participants: a list of messages: {reply:?}"
    );
}

/// Registers `count` users (no tokens: only their ids are needed), a few at a time so the
/// password hashing does not exhaust memory.
async fn register_many(app: &TestApp, prefix: &str, count: usize) -> Vec<i64> {
    let mut ids = Vec::with_capacity(count);
    let names: Vec<String> = (0..count).map(|n| format!("{prefix}{n}")).collect();
    for chunk in names.chunks(8) {
        let mut tasks = tokio::task::JoinSet::new();
        for name in chunk {
            let request = app
                .client
                .post(app.url("/api/users/register/"))
                .json(&json!({"username": name, "password": "password123"}));
            tasks.spawn(
                async move { Reply::from(request.send().await.expect("request sent")).await },
            );
        }
        while let Some(reply) = tasks.join_next().await {
            let reply = reply.expect("task");
            assert_eq!(reply.status, 201, "register: {reply:?}");
            ids.push(reply.body["id"].as_i64().expect("id"));
        }
    }
    ids
}
