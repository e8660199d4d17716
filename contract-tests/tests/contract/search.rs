//! Search: `search_list` (200 with forward cursors, 400 for `q` and `room`, 404 for a cursor
//! that is not one of its own).

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{group_room, register, send, unauthenticated};

pub async fn search(api: &ContractClient) {
    let owner = register(api, "search_owner").await;
    let outsider = register(api, "search_outsider").await;
    let room = group_room(api, &owner, "Searching", &[]).await;
    let theirs = group_room(api, &outsider, "Theirs", &[]).await;
    for content in ["apples and pears", "apple pie", "pears only"] {
        send(api, &owner, room, json!({ "content": content })).await;
    }

    let path = "/api/chat/search/";
    for query in [
        "?q=apple",
        &format!("?q=pears&room={room}"),
        "?q=nothingmatches",
    ] {
        api.get(&format!("{path}{query}"))
            .bearer(&owner.access)
            .expect(200)
            .await;
    }
    let first = api
        .get(&format!("{path}?q=apple&page_size=1"))
        .bearer(&owner.access)
        .expect(200)
        .await;
    if let Some(next) = first.body["next"].as_str() {
        api.get(next).bearer(&owner.access).expect(200).await;
    } else {
        api.problem("search_list: two hits a page of one, but no `next`".to_owned());
    }
    for query in [
        String::new(),
        "?q=".to_owned(),
        "?q=%21%3F".to_owned(),
        format!("?q={}", "a".repeat(201)),
        format!("?q=apple&room={theirs}"),
        "?q=apple&room=abc".to_owned(),
    ] {
        api.get(&format!("{path}{query}"))
            .bearer(&owner.access)
            .expect(400)
            .await;
    }
    // A cursor that is forged, or sealed for another query.
    api.get(&format!("{path}?q=apple&cursor=forged"))
        .bearer(&owner.access)
        .expect(404)
        .await;
    if let Some(next) = first.body["next"].as_str() {
        api.get(&next.replace("q=apple", "q=pears"))
            .bearer(&owner.access)
            .expect(404)
            .await;
    }
    unauthenticated(api, Method::GET, &format!("{path}?q=apple"), None).await;
}
