//! Invitations to GROUP/COURSE rooms: participants invite, the invitee accepts or declines.

mod answer;
mod invite;
mod lists;
mod races;
mod realtime;
mod revoke;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

pub fn room_url(room: i64) -> String {
    format!("/api/chat/rooms/{room}/")
}

/// `/api/chat/rooms/{room}/invitations/`.
pub fn invitations_url(room: i64) -> String {
    format!("/api/chat/rooms/{room}/invitations/")
}

/// `/api/chat/rooms/{room}/invitations/{id}/`.
pub fn invitation_url(room: i64, id: i64) -> String {
    format!("/api/chat/rooms/{room}/invitations/{id}/")
}

pub const MY_INVITATIONS: &str = "/api/invitations/";

pub fn accept_url(id: i64) -> String {
    format!("/api/invitations/{id}/accept/")
}

pub fn decline_url(id: i64) -> String {
    format!("/api/invitations/{id}/decline/")
}

/// `by` invites the user `user_id` to `room`.
pub async fn invite(app: &TestApp, by: &User, room: i64, user_id: i64) -> Reply {
    app.post(
        &invitations_url(room),
        Some(&by.access),
        json!({ "user_id": user_id }),
    )
    .await
}

/// `by` invites `user` to `room`, which must succeed; returns the invitation's id.
pub async fn invited(app: &TestApp, by: &User, room: i64, user: &User) -> i64 {
    let reply = invite(app, by, room, user.id).await;
    assert_eq!(reply.status, 201, "invite {}: {reply:?}", user.username);
    reply.body["id"].as_i64().expect("invitation id")
}

/// A POST without a body (accept, decline).
pub async fn post_empty(app: &TestApp, path: &str, token: Option<&str>) -> Reply {
    app.call(Method::POST, path, token, None).await
}

pub async fn accept(app: &TestApp, user: &User, id: i64) -> Reply {
    post_empty(app, &accept_url(id), Some(&user.access)).await
}

pub async fn decline(app: &TestApp, user: &User, id: i64) -> Reply {
    post_empty(app, &decline_url(id), Some(&user.access)).await
}

/// The ids of `results` of a list reply.
pub fn ids(reply: &Reply) -> Vec<i64> {
    assert_eq!(reply.status, 200, "list: {reply:?}");
    reply.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

/// The ids of `user`'s pending invitations, newest first.
pub async fn pending_of(app: &TestApp, user: &User) -> Vec<i64> {
    ids(&app.get(MY_INVITATIONS, Some(&user.access)).await)
}

/// The participants of `room` as `reader` sees them.
pub async fn participants(app: &TestApp, reader: &User, room: i64) -> Vec<i64> {
    let reply = app.get(&room_url(room), Some(&reader.access)).await;
    assert_eq!(reply.status, 200, "get room: {reply:?}");
    reply.body["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|id| id.as_i64().expect("id"))
        .collect()
}

/// A 400 with one message on one field.
pub fn field_error(field: &str, message: &str) -> Value {
    json!({ field: [message] })
}

pub const ALREADY_INVITED: &str = "This user already has a pending invitation to this room.";
pub const ALREADY_ACCEPTED: &str = "This invitation was already accepted.";
pub const ALREADY_DECLINED: &str = "This invitation was already declined.";
pub const ROOM_FULL: &str = "This room already has the maximum of 500 participants.";
