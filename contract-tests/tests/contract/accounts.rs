//! Health, tokens and users.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use crate::support::{body_errors, register, unauthenticated};

pub async fn health(api: &ContractClient) {
    api.get("/healthz").expect(200).await;
}

pub async fn tokens(api: &ContractClient) {
    let alice = register(api, "token_alice").await;

    let obtain = "/api/token/";
    let wrong = json!({ "username": "token_alice", "password": "not-the-password" });
    api.post(obtain).json(&wrong).expect(401).await;
    let stranger = json!({ "username": "nobody_at_all", "password": "password123" });
    api.post(obtain).json(&stranger).expect(401).await;
    let no_password = json!({ "username": "token_alice" });
    api.post(obtain).json(&no_password).expect(400).await;
    api.post(obtain)
        .body("application/json", b"[1, 2]".to_vec())
        .expect(400)
        .await;
    body_errors(api, Method::POST, obtain, None).await;

    let refresh = "/api/token/refresh/";
    let rotated = api
        .post(refresh)
        .json(&json!({ "refresh": alice.refresh }))
        .expect(200)
        .await;
    // Rotation: the token just exchanged is spent.
    api.post(refresh)
        .json(&json!({ "refresh": alice.refresh }))
        .expect(401)
        .await;
    api.post(refresh)
        .json(&json!({ "refresh": alice.access }))
        .expect(401)
        .await;
    api.post(refresh)
        .json(&json!({ "refresh": "not.a.jwt" }))
        .expect(401)
        .await;
    api.post("/api/token/refresh")
        .json(&json!({ "refresh": rotated.text("refresh") }))
        .expect(200)
        .await;
    api.post(refresh).json(&json!({})).expect(400).await;
    body_errors(api, Method::POST, refresh, None).await;
}

pub async fn users(api: &ContractClient) {
    let bob = register(api, "users_bob").await;
    register(api, "users_carol").await;

    let signup = "/api/users/register/";
    let with_email = json!({
        "username": "users_erin", "password": "password123", "email": "erin@example.com"
    });
    api.post(signup).json(&with_email).expect(201).await;
    for invalid in [
        json!({ "username": "users_bob", "password": "password123" }),
        json!({ "username": "not allowed!", "password": "password123" }),
        json!({ "username": "users_dave", "password": "short" }),
        json!({ "password": "password123" }),
    ] {
        api.post(signup).json(&invalid).expect(400).await;
    }
    body_errors(api, Method::POST, signup, None).await;

    let me = "/api/users/me/";
    api.get(me).bearer(&bob.access).expect(200).await;
    api.get("/api/users/me")
        .bearer(&bob.access)
        .expect(200)
        .await;
    // A refresh token is not an access token.
    api.get(me).bearer(&bob.refresh).expect(401).await;
    unauthenticated(api, Method::GET, me, None).await;

    let list = "/api/users/";
    for query in [
        "",
        "?search=users_",
        "?search=USERS_&page_size=1",
        "?search=users_&page=2&page_size=1",
        "?limit=1&offset=1",
        "?search=nobody-has-this-name",
    ] {
        api.get(&format!("{list}{query}"))
            .bearer(&bob.access)
            .expect(200)
            .await;
    }
    for query in ["?page=999", "?page=abc"] {
        api.get(&format!("{list}{query}"))
            .bearer(&bob.access)
            .expect(404)
            .await;
    }
    // The contract types these as integers.
    for query in ["?page_size=abc", "?limit=1&offset=x"] {
        api.get(&format!("{list}{query}"))
            .bearer(&bob.access)
            .expect(400)
            .await;
    }
    unauthenticated(api, Method::GET, list, None).await;
}
