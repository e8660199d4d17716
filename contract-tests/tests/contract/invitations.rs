//! Invitations: a room's (`rooms_invitations_create`, `_list`, `_destroy`) and the invitee's
//! (`invitations_list`, `invitations_accept`, `invitations_decline`).

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{Actor, body_errors, group_room, register, unauthenticated};

const NO_SUCH_ID: i64 = 999_999;

pub async fn invitations(api: &ContractClient) {
    let owner = register(api, "invitations_owner").await;
    let member = register(api, "invitations_member").await;
    let guest = register(api, "invitations_guest").await;
    let other_guest = register(api, "invitations_other_guest").await;
    let outsider = register(api, "invitations_outsider").await;
    let room = group_room(api, &owner, "Inviting", &[member.id]).await;

    let invitations =
        room_invitations(api, &owner, &member, &guest, &other_guest, &outsider, room).await;
    answers(api, &guest, &other_guest, &outsider, invitations).await;
}

/// Returns the ids of the pending invitations of `guest` and `other_guest` to `room`.
async fn room_invitations(
    api: &ContractClient,
    owner: &Actor,
    member: &Actor,
    guest: &Actor,
    other_guest: &Actor,
    outsider: &Actor,
    room: i64,
) -> (i64, i64) {
    let path = format!("/api/chat/rooms/{room}/invitations/");
    let invite = |user: i64| json!({ "user_id": user });
    let invited = api
        .post(&path)
        .bearer(&member.access)
        .json(&invite(guest.id))
        .expect(201)
        .await
        .id();
    let other = api
        .post(path.trim_end_matches('/'))
        .bearer(&owner.access)
        .json(&invite(other_guest.id))
        .expect(201)
        .await
        .id();
    let revoked = api
        .post(&path)
        .bearer(&member.access)
        .json(&invite(outsider.id))
        .expect(201)
        .await
        .id();
    let direct = api
        .post("/api/chat/rooms/")
        .bearer(&owner.access)
        .json(&json!({ "name": "Direct", "room_type": "ONE_TO_ONE", "participants": [member.id] }))
        .expect(201)
        .await
        .id();
    // Invited already, a participant, oneself, no such user, not a user id, no body fields,
    // and a ONE_TO_ONE room.
    for invalid in [
        invite(guest.id),
        invite(member.id),
        invite(owner.id),
        invite(NO_SUCH_ID),
        json!({ "user_id": "abc" }),
        json!({}),
    ] {
        api.post(&path)
            .bearer(&owner.access)
            .json(&invalid)
            .expect(400)
            .await;
    }
    api.post(&format!("/api/chat/rooms/{direct}/invitations/"))
        .bearer(&owner.access)
        .json(&invite(guest.id))
        .expect(400)
        .await;
    for missing in [NO_SUCH_ID.to_string(), "abc".to_owned()] {
        api.post(&format!("/api/chat/rooms/{missing}/invitations/"))
            .bearer(&owner.access)
            .json(&invite(guest.id))
            .expect(404)
            .await;
    }
    api.post(&path)
        .bearer(&outsider.access)
        .json(&invite(guest.id))
        .expect(404)
        .await;
    unauthenticated(api, Method::POST, &path, Some(invite(guest.id))).await;
    body_errors(api, Method::POST, &path, Some(&owner.access)).await;

    for query in ["", "?page=2&page_size=1", "?limit=1&offset=1"] {
        api.get(&format!("{path}{query}"))
            .bearer(&member.access)
            .expect(200)
            .await;
    }
    api.get(&format!("{path}?page_size=abc"))
        .bearer(&member.access)
        .expect(400)
        .await;
    api.get(&format!("{path}?page=99"))
        .bearer(&member.access)
        .expect(404)
        .await;
    api.get(&path).bearer(&outsider.access).expect(404).await;
    unauthenticated(api, Method::GET, &path, None).await;

    // Revoking: the owner may revoke the member's invitation; the member may not revoke the
    // owner's (403); outsiders, and invitations that are gone or not this room's, are 404s.
    let one = |id: i64| format!("{path}{id}/");
    api.delete(&one(other))
        .bearer(&member.access)
        .expect(403)
        .await;
    api.delete(&one(revoked))
        .bearer(&outsider.access)
        .expect(404)
        .await;
    unauthenticated(api, Method::DELETE, &one(revoked), None).await;
    api.delete(&one(revoked))
        .bearer(&owner.access)
        .expect(204)
        .await;
    for missing in [revoked, NO_SUCH_ID] {
        api.delete(&one(missing))
            .bearer(&owner.access)
            .expect(404)
            .await;
    }
    (invited, other)
}

async fn answers(
    api: &ContractClient,
    guest: &Actor,
    other_guest: &Actor,
    outsider: &Actor,
    (invited, other): (i64, i64),
) {
    let list = "/api/invitations/";
    for query in ["", "?page=1&page_size=1", "?limit=1&offset=0"] {
        api.get(&format!("{list}{query}"))
            .bearer(&guest.access)
            .expect(200)
            .await;
    }
    api.get(&format!("{list}?page_size=abc"))
        .bearer(&guest.access)
        .expect(400)
        .await;
    for query in ["?page=2", "?page=abc"] {
        api.get(&format!("{list}{query}"))
            .bearer(&guest.access)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::GET, list, None).await;

    let accept = |id: i64| format!("/api/invitations/{id}/accept/");
    let decline = |id: i64| format!("/api/invitations/{id}/decline/");
    // Somebody else's invitation, or none, is a 404.
    for path in [accept(invited), decline(invited)] {
        api.post(&path).bearer(&outsider.access).expect(404).await;
        unauthenticated(api, Method::POST, &path, None).await;
    }
    for path in [accept(NO_SUCH_ID), decline(NO_SUCH_ID)] {
        api.post(&path).bearer(&guest.access).expect(404).await;
    }
    api.post(&accept(invited))
        .bearer(&guest.access)
        .expect(200)
        .await;
    api.post(&decline(other))
        .bearer(&other_guest.access)
        .expect(200)
        .await;
    // Answered already.
    for path in [accept(invited), decline(invited)] {
        api.post(&path).bearer(&guest.access).expect(400).await;
    }
    for path in [accept(other), decline(other)] {
        api.post(&path)
            .bearer(&other_guest.access)
            .expect(400)
            .await;
    }
}
