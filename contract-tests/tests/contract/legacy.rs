//! Seed 000's flat routes (`/chatrooms/...`, `/messages/...`, tag `legacy`): every documented
//! status of each, with JSON bodies and with `application/x-www-form-urlencoded` ones, and
//! every error in the `LegacyError` shape the spec gives these operations.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{Actor, OVERSIZED_BYTES, body_errors, register, unauthenticated};

const NO_SUCH_ID: i64 = 999_999;
const FORM: &str = "application/x-www-form-urlencoded";

pub async fn legacy(api: &ContractClient) {
    let owner = register(api, "legacy_owner").await;
    let member = register(api, "legacy_member").await;
    let outsider = register(api, "legacy_outsider").await;
    // A GROUP room made through the main API: the legacy routes act on every room.
    let group = api
        .post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": "Legacy", "room_type": "GROUP", "participants": [member.id] }))
        .expect(201)
        .await
        .id();
    let other_room = api
        .post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": "Legacy elsewhere", "room_type": "GROUP" }))
        .expect(201)
        .await
        .id();
    let people = People {
        owner: &owner,
        member: &member,
        outsider: &outsider,
    };

    let pair = rooms_create(api, people).await;
    rooms_list(api, people).await;
    rooms_update(api, people, group, pair).await;
    let message = messages_create(api, people, group).await;
    messages_list(api, people, group).await;
    messages_update(api, people, message, other_room).await;
    messages_destroy(api, people, message).await;
    rooms_destroy(api, people, group, pair).await;
}

/// The room's creator, another participant, and someone in none of the rooms.
#[derive(Clone, Copy)]
struct People<'a> {
    owner: &'a Actor,
    member: &'a Actor,
    outsider: &'a Actor,
}

/// An oversized form (413) and an `invalid` one (400): the form flavour of [`body_errors`],
/// which covers malformed JSON and the media types these routes do not take.
async fn form_errors(
    api: &ContractClient,
    method: Method,
    path: &str,
    token: &str,
    invalid: &[(&str, &str)],
) {
    let content = "x".repeat(OVERSIZED_BYTES);
    api.request(method.clone(), path)
        .bearer(token)
        .form(&[("content", &content)])
        .expect(413)
        .await;
    api.request(method, path)
        .bearer(token)
        .form(invalid)
        .expect(400)
        .await;
}

/// Returns the ONE_TO_ONE room of the owner and the member.
async fn rooms_create(api: &ContractClient, people: People<'_>) -> i64 {
    let People {
        owner,
        member,
        outsider,
    } = people;
    let path = "/chatrooms/create";
    let pair = json!({ "participant1": owner.id, "participant2": member.id });
    let room = api
        .post(path)
        .bearer(&owner.access)
        .json(&pair)
        .expect(200)
        .await
        .body["chat_room"]["id"]
        .as_i64()
        .unwrap_or(0);
    // The same pair as a form, either way round (and with a charset): the same room.
    let (owner_id, member_id) = (owner.id.to_string(), member.id.to_string());
    api.post(path)
        .bearer(&member.access)
        .form(&[("participant1", &member_id), ("participant2", &owner_id)])
        .expect(200)
        .await;
    api.post(path)
        .bearer(&owner.access)
        .body(
            &format!("{FORM}; charset=utf-8"),
            format!("participant1={owner_id}&participant2={member_id}"),
        )
        .expect(200)
        .await;
    for invalid in [
        json!({}),
        json!({ "participant1": owner.id }),
        json!({ "participant1": owner.id, "participant2": NO_SUCH_ID }),
        json!({ "participant1": owner.id, "participant2": owner.id }),
        json!({ "participant1": owner.id, "participant2": "two" }),
    ] {
        api.post(path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    api.post(path)
        .bearer(&owner.access)
        .form(&[("participant1", &owner_id)])
        .expect(400)
        .await;
    // A pair the caller is not part of.
    api.post(path)
        .bearer(&owner.access)
        .json(&json!({ "participant1": member.id, "participant2": outsider.id }))
        .expect(403)
        .await;
    unauthenticated(api, Method::POST, path, Some(pair)).await;
    body_errors(api, Method::POST, path, Some(&owner.access)).await;
    // A form has only text: a field that is no whole number is no user id.
    let not_ids = [("participant1", "one"), ("participant2", "2.0")];
    form_errors(api, Method::POST, path, &owner.access, &not_ids).await;
    room
}

async fn rooms_list(api: &ContractClient, people: People<'_>) {
    let path = "/chatrooms/";
    api.get(path).bearer(&people.owner.access).expect(200).await;
    api.get(&format!("{path}?participant={}", people.member.id))
        .bearer(&people.owner.access)
        .expect(200)
        .await;
    api.get(path)
        .bearer(&people.outsider.access)
        .expect(200)
        .await;
    api.get(&format!("{path}?participant=abc"))
        .bearer(&people.owner.access)
        .expect(400)
        .await;
    unauthenticated(api, Method::GET, path, None).await;
}

async fn rooms_update(api: &ContractClient, people: People<'_>, group: i64, pair: i64) {
    let People {
        owner,
        member,
        outsider,
    } = people;
    let path = format!("/chatrooms/{group}/");
    let same = json!({ "participant1": owner.id, "participant2": member.id });
    api.put(&path)
        .bearer(&owner.access)
        .json(&same)
        .expect(200)
        .await;
    // A participant may name the room's people as they are, as a form too.
    let (owner_id, member_id) = (owner.id.to_string(), member.id.to_string());
    api.put(&path)
        .bearer(&member.access)
        .form(&[("participant1", &owner_id), ("participant2", &member_id)])
        .expect(200)
        .await;
    // Leaving the creator out removes someone else: the creator's alone.
    api.put(&path)
        .bearer(&member.access)
        .json(&json!({ "participant1": member.id, "participant2": outsider.id }))
        .expect(403)
        .await;
    api.put(&path)
        .bearer(&outsider.access)
        .json(&same)
        .expect(403)
        .await;
    for invalid in [
        json!({}),
        json!({ "participant1": owner.id, "participant2": NO_SUCH_ID }),
        json!({ "participant1": owner.id, "participant2": owner.id }),
    ] {
        api.put(&path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    // A ONE_TO_ONE room keeps its pair.
    api.put(&format!("/chatrooms/{pair}/"))
        .bearer(&owner.access)
        .json(&json!({ "participant1": owner.id, "participant2": outsider.id }))
        .expect(400)
        .await;
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.put(&format!("/chatrooms/{missing}/"))
            .bearer(&owner.access)
            .json(&same)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::PUT, &path, Some(same)).await;
    body_errors(api, Method::PUT, &path, Some(&owner.access)).await;
    let not_ids = [("participant1", &owner_id[..]), ("participant2", "two")];
    form_errors(api, Method::PUT, &path, &owner.access, &not_ids).await;
}

/// Returns the id of the owner's message in `group`.
async fn messages_create(api: &ContractClient, people: People<'_>, group: i64) -> i64 {
    let People {
        owner,
        member,
        outsider,
    } = people;
    let path = "/messages/create";
    let hello = json!({ "chat_room": group, "content": "Hello" });
    let message = api
        .post(path)
        .bearer(&owner.access)
        .json(&hello)
        .expect(200)
        .await
        .body["message"]["id"]
        .as_i64()
        .unwrap_or(0);
    let room = group.to_string();
    api.post(path)
        .bearer(&member.access)
        .form(&[("chat_room", &room), ("content", "Hi & welcome = 100%")])
        .expect(200)
        .await;
    for invalid in [
        json!({}),
        json!({ "content": "No room" }),
        json!({ "chat_room": group }),
        json!({ "chat_room": group, "content": "   " }),
        json!({ "chat_room": group, "content": "x".repeat(10_001) }),
        json!({ "chat_room": "one", "content": "x" }),
    ] {
        api.post(path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    api.post(path)
        .bearer(&outsider.access)
        .json(&hello)
        .expect(403)
        .await;
    api.post(path)
        .bearer(&owner.access)
        .json(&json!({ "chat_room": NO_SUCH_ID, "content": "Anyone?" }))
        .expect(404)
        .await;
    unauthenticated(api, Method::POST, path, Some(hello)).await;
    body_errors(api, Method::POST, path, Some(&owner.access)).await;
    let not_a_room = [("chat_room", "general"), ("content", "Hello")];
    form_errors(api, Method::POST, path, &owner.access, &not_a_room).await;
    message
}

async fn messages_list(api: &ContractClient, people: People<'_>, group: i64) {
    let token = &people.owner.access;
    for query in [
        String::new(),
        format!("?chat_room={group}"),
        format!("?chat_room={group}&limit=1&offset=1"),
        "?limit=0&offset=-5".to_owned(),
    ] {
        api.get(&format!("/messages/{query}"))
            .bearer(token)
            .expect(200)
            .await;
    }
    api.get("/messages/?limit=abc")
        .bearer(token)
        .expect(400)
        .await;
    api.get(&format!("/messages/?chat_room={group}"))
        .bearer(&people.outsider.access)
        .expect(403)
        .await;
    api.get(&format!("/messages/?chat_room={NO_SUCH_ID}"))
        .bearer(token)
        .expect(404)
        .await;
    unauthenticated(api, Method::GET, "/messages/", None).await;
}

async fn messages_update(api: &ContractClient, people: People<'_>, message: i64, other: i64) {
    let People {
        owner,
        member,
        outsider,
    } = people;
    let path = format!("/messages/{message}/");
    let edit = json!({ "content": "Hello, edited" });
    api.put(&path)
        .bearer(&owner.access)
        .json(&edit)
        .expect(200)
        .await;
    api.put(&path)
        .bearer(&owner.access)
        .form(&[("content", "Hello, edited as a form")])
        .expect(200)
        .await;
    for invalid in [
        json!({}),
        json!({ "content": "" }),
        json!({ "content": "Moved", "chat_room": other }),
    ] {
        api.put(&path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    // Only the author edits.
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
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.put(&format!("/messages/{missing}/"))
            .bearer(&owner.access)
            .json(&edit)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::PUT, &path, Some(edit)).await;
    body_errors(api, Method::PUT, &path, Some(&owner.access)).await;
    let blank = [("content", " ")];
    form_errors(api, Method::PUT, &path, &owner.access, &blank).await;
}

async fn messages_destroy(api: &ContractClient, people: People<'_>, message: i64) {
    let path = format!("/messages/{message}/");
    api.delete(&path)
        .bearer(&people.member.access)
        .expect(403)
        .await;
    api.delete(&path)
        .bearer(&people.outsider.access)
        .expect(403)
        .await;
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.delete(&format!("/messages/{missing}/"))
            .bearer(&people.owner.access)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::DELETE, &path, None).await;
    api.delete(&path)
        .bearer(&people.owner.access)
        .expect(200)
        .await;
    api.delete(&path)
        .bearer(&people.owner.access)
        .expect(404)
        .await;
}

async fn rooms_destroy(api: &ContractClient, people: People<'_>, group: i64, pair: i64) {
    let path = format!("/chatrooms/{group}/");
    // The creator deletes a GROUP room; its other participants may not.
    api.delete(&path)
        .bearer(&people.member.access)
        .expect(403)
        .await;
    api.delete(&path)
        .bearer(&people.outsider.access)
        .expect(403)
        .await;
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.delete(&format!("/chatrooms/{missing}/"))
            .bearer(&people.owner.access)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::DELETE, &path, None).await;
    api.delete(&path)
        .bearer(&people.owner.access)
        .expect(200)
        .await;
    api.delete(&path)
        .bearer(&people.owner.access)
        .expect(404)
        .await;
    // Either member of a ONE_TO_ONE room deletes it.
    api.delete(&format!("/chatrooms/{pair}/"))
        .bearer(&people.member.access)
        .expect(200)
        .await;
}
