//! Presence: `users_presence_retrieve` for the caller and room-mates (200), 404 for anyone
//! else and for users that do not exist.

use contract_tests::ContractClient;
use reqwest::Method;

use super::support::{group_room, register, unauthenticated};

const NO_SUCH_ID: i64 = 999_999;

pub async fn presence(api: &ContractClient) {
    let owner = register(api, "presence_owner").await;
    let mate = register(api, "presence_mate").await;
    let stranger = register(api, "presence_stranger").await;
    group_room(api, &owner, "Present", &[mate.id]).await;

    let path = |id: i64| format!("/api/users/{id}/presence/");
    for id in [owner.id, mate.id] {
        api.get(&path(id)).bearer(&owner.access).expect(200).await;
    }
    api.get(path(mate.id).trim_end_matches('/'))
        .bearer(&owner.access)
        .expect(200)
        .await;
    for id in [stranger.id, NO_SUCH_ID] {
        api.get(&path(id)).bearer(&owner.access).expect(404).await;
    }
    api.get("/api/users/abc/presence/")
        .bearer(&owner.access)
        .expect(404)
        .await;
    unauthenticated(api, Method::GET, &path(owner.id), None).await;
}
