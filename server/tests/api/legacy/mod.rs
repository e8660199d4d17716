//! Seed 000's flat routes (`/chatrooms/...`, `/messages/...`, API.md "Seed 000 (legacy flat
//! routes) and seed 002 (REST)"): seed 000's envelopes over the same rooms and messages as the
//! main API, JSON or form bodies, and errors in seed 000's `{"error", "status"}` shape.

mod message_errors;
mod messages;
mod paths;
mod room_errors;
mod rooms;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const CREATE_ROOM: &str = "/chatrooms/create";
const ROOMS: &str = "/chatrooms/";
const CREATE_MESSAGE: &str = "/messages/create";
const MESSAGES: &str = "/messages/";

const FORM: &str = "application/x-www-form-urlencoded";

fn room_url(id: i64) -> String {
    format!("/chatrooms/{id}/")
}

fn message_url(id: i64) -> String {
    format!("/messages/{id}/")
}

/// Seed 000's error body: exactly `{"error": <text>, "status": <code>}`.
fn legacy_error(status: u16, text: &str) -> Value {
    json!({ "error": text, "status": status })
}

/// Asserts `reply` is `status` with seed 000's error body holding `text`.
fn expect_legacy(reply: &Reply, status: u16, text: &str) {
    reply.expect(status, legacy_error(status, text));
    let content_type = reply
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "content type of {reply:?}"
    );
}

/// A request with a form-encoded body (`reqwest` is built without its `form` feature).
async fn form(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    fields: &[(&str, &str)],
) -> Reply {
    raw(app, method, path, token, FORM, &form_body(fields)).await
}

/// `fields` encoded as `application/x-www-form-urlencoded`.
fn form_body(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A request with `body` sent as is under `content_type`.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &str,
) -> Reply {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Reply::from(request.send().await.expect("request sent")).await
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("expected an object, got {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Asserts a 200 seed 000 envelope: exactly `text_key` (holding `text`) and `object_key`;
/// returns the object.
fn envelope<'a>(reply: &'a Reply, text_key: &str, text: &str, object_key: &str) -> &'a Value {
    assert_eq!(reply.status, 200, "unexpected reply: {reply:?}");
    let mut expected = vec![text_key, object_key];
    expected.sort_unstable();
    assert_eq!(keys(&reply.body), expected, "envelope of {reply:?}");
    assert_eq!(reply.body[text_key], text, "{reply:?}");
    &reply.body[object_key]
}

/// The room as `GET /api/chat/rooms/{id}/` returns it to `reader`.
async fn main_room(app: &TestApp, reader: &User, id: i64) -> Value {
    let reply = app
        .get(&format!("/api/chat/rooms/{id}/"), Some(&reader.access))
        .await;
    assert_eq!(reply.status, 200, "get room {id}: {reply:?}");
    reply.body
}

/// The message as `GET /api/chat/rooms/{room}/messages/{id}/` returns it to `reader`.
async fn main_message(app: &TestApp, reader: &User, room: i64, id: i64) -> Value {
    let reply = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/{id}/"),
            Some(&reader.access),
        )
        .await;
    assert_eq!(reply.status, 200, "get message {id}: {reply:?}");
    reply.body
}

/// The caller's rooms as `GET /api/chat/rooms/` lists them (one page is plenty here).
async fn main_rooms(app: &TestApp, user: &User) -> Vec<Value> {
    let reply = app
        .get("/api/chat/rooms/?page_size=100", Some(&user.access))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["results"].as_array().expect("results").clone()
}

/// `POST /chatrooms/create` by `caller` for the pair (`caller`, `other`); returns the room.
async fn legacy_room(app: &TestApp, caller: &User, other: &User) -> Value {
    let reply = app
        .post(
            CREATE_ROOM,
            Some(&caller.access),
            json!({"participant1": caller.id, "participant2": other.id}),
        )
        .await;
    envelope(
        &reply,
        "message",
        "Chat room created successfully.",
        "chat_room",
    )
    .clone()
}

/// `POST /messages/create`; returns the message.
async fn legacy_message(app: &TestApp, sender: &User, room: i64, content: &str) -> Value {
    let reply = app
        .post(
            CREATE_MESSAGE,
            Some(&sender.access),
            json!({"chat_room": room, "content": content}),
        )
        .await;
    envelope(&reply, "detail", "Message sent successfully.", "message").clone()
}

fn id_of(object: &Value) -> i64 {
    object["id"].as_i64().expect("id")
}

fn ids(objects: &[Value]) -> Vec<i64> {
    objects.iter().map(id_of).collect()
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}
