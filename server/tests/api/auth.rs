//! Tokens: obtain, refresh with rotation, and the attacks a Bearer scheme must refuse.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::*;

pub const SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256";

fn token_not_valid() -> Value {
    json!({"detail": "Given token not valid for any token type", "code": "token_not_valid"})
}

pub fn forge(secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("token encodes")
}

pub fn claims(user_id: Value, token_type: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"token_type": token_type, "exp": now + exp_offset, "iat": now, "jti": uuid::Uuid::new_v4(), "user_id": user_id})
}

async fn assert_rejected(app: &TestApp, token: &str) {
    let reply = app.get("/api/users/me/", Some(token)).await;
    reply.expect(401, token_not_valid());
    assert_eq!(reply.headers["www-authenticate"], r#"Bearer realm="api""#);
}

#[tokio::test]
async fn obtain_gives_an_access_and_a_refresh_token_with_simple_jwt_claims() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    for (token, kind) in [(&alice.access, "access"), (&alice.refresh, "refresh")] {
        let mut parts = token.split('.');
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        let payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(header["alg"], "HS256");
        assert_eq!(payload["token_type"], kind);
        assert_eq!(payload["user_id"], alice.id);
        assert!(uuid::Uuid::parse_str(payload["jti"].as_str().unwrap()).is_ok());
        let lifetime = payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap();
        assert_eq!(lifetime, if kind == "access" { 300 } else { 86_400 });
    }
    app.get("/api/users/me/", Some(&alice.access)).await.expect(
        200,
        json!({"id": alice.id, "username": "alice", "email": ""}),
    );
}

#[tokio::test]
async fn obtain_refuses_bad_credentials_the_same_way_for_unknown_users() {
    let Some(app) = spawn_app().await else { return };
    app.user("alice").await;
    let expected = detail("No active account found with the given credentials");
    for body in [
        json!({"username": "alice", "password": "wrong-password"}),
        json!({"username": "nobody", "password": "password123"}),
    ] {
        let reply = app.post("/api/token/", None, body).await;
        reply.expect(401, expected.clone());
        assert_eq!(reply.headers["www-authenticate"], r#"Bearer realm="api""#);
    }
}

#[tokio::test]
async fn obtain_validates_its_body() {
    let Some(app) = spawn_app().await else { return };
    app.post("/api/token/", None, json!({})).await.expect(
        400,
        json!({"username": ["This field is required."], "password": ["This field is required."]}),
    );
    app.post(
        "/api/token/",
        None,
        json!({"username": "", "password": "x"}),
    )
    .await
    .expect(400, json!({"username": ["This field may not be blank."]}));
}

#[tokio::test]
async fn refresh_rotates_and_a_used_refresh_token_is_refused() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let first = app
        .post(
            "/api/token/refresh/",
            None,
            json!({"refresh": alice.refresh}),
        )
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    let new_refresh = first.body["refresh"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, alice.refresh);
    assert_eq!(
        app.get("/api/users/me/", first.body["access"].as_str())
            .await
            .status,
        200
    );

    app.post(
        "/api/token/refresh/",
        None,
        json!({"refresh": alice.refresh}),
    )
    .await
    .expect(
        401,
        json!({"detail": "Token is blacklisted", "code": "token_not_valid"}),
    );
    let second = app
        .post("/api/token/refresh/", None, json!({"refresh": new_refresh}))
        .await;
    assert_eq!(second.status, 200, "the rotated token works once");
}

#[tokio::test]
async fn refresh_refuses_access_tokens_and_garbage() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    app.post(
        "/api/token/refresh/",
        None,
        json!({"refresh": alice.access}),
    )
    .await
    .expect(
        401,
        json!({"detail": "Token has wrong type", "code": "token_not_valid"}),
    );
    app.post("/api/token/refresh/", None, json!({"refresh": "garbage"}))
        .await
        .expect(
            401,
            json!({"detail": "Token is invalid or expired", "code": "token_not_valid"}),
        );
    app.post("/api/token/refresh/", None, json!({}))
        .await
        .expect(400, json!({"refresh": ["This field is required."]}));
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_not_provided_credentials() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    for header in [
        None,
        Some(format!("Token {}", alice.access)),
        Some("Basic YTpi".to_owned()),
    ] {
        let mut request = app.client.get(app.url("/api/users/me/"));
        if let Some(header) = &header {
            request = request.header("authorization", header);
        }
        let reply = Reply::from(request.send().await.unwrap()).await;
        reply.expect(401, detail(NO_CREDENTIALS));
        assert_eq!(
            reply.headers["www-authenticate"], r#"Bearer realm="api""#,
            "{header:?}"
        );
    }
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    assert_rejected(&app, &alice.refresh).await;
}

#[tokio::test]
async fn unsigned_alg_none_tokens_are_refused() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(json!(alice.id), "access", 300).to_string());
    assert_rejected(&app, &format!("{header}.{payload}.")).await;
    assert_rejected(&app, &format!("{header}.{payload}")).await;
}

#[tokio::test]
async fn tokens_signed_with_another_key_or_tampered_are_refused() {
    let Some(app) = spawn_app_with(|c| c.jwt_secret = Some(SECRET.into())).await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    assert_rejected(
        &app,
        &forge(
            "another-secret-entirely-of-good-length",
            &claims(json!(alice.id), "access", 300),
        ),
    )
    .await;

    // Alice's signature on a payload naming Bob.
    let mut parts: Vec<String> = alice.access.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(claims(json!(bob.id), "access", 300).to_string());
    assert_rejected(&app, &parts.join(".")).await;
    assert_rejected(&app, "not-a-jwt").await;

    // With the right key, the same claims are accepted: the tests above fail for the right reason.
    let genuine = forge(SECRET, &claims(json!(bob.id), "access", 300));
    assert_eq!(
        app.get("/api/users/me/", Some(&genuine)).await.body["username"],
        "bob"
    );
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let Some(app) = spawn_app_with(|c| c.jwt_secret = Some(SECRET.into())).await else {
        return;
    };
    let alice = app.user("alice").await;
    assert_rejected(&app, &forge(SECRET, &claims(json!(alice.id), "access", -1))).await;

    let Some(short) = spawn_app_with(|c| c.access_token_ttl_secs = 1).await else {
        return;
    };
    let bob = short.user("bob").await;
    assert_eq!(
        short.get("/api/users/me/", Some(&bob.access)).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_rejected(&short, &bob.access).await;
}

/// Valid by signature, type, user and `exp`, but not before an hour from now.
pub fn not_valid_for_an_hour(user_id: i64) -> Value {
    let mut early = claims(json!(user_id), "access", 7200);
    early["nbf"] = json!(chrono::Utc::now().timestamp() + 3600);
    early
}

#[tokio::test]
async fn tokens_not_valid_before_an_hour_from_now_are_refused() {
    let Some(app) = spawn_app_with(|c| c.jwt_secret = Some(SECRET.into())).await else {
        return;
    };
    let alice = app.user("alice").await;
    assert_rejected(&app, &forge(SECRET, &not_valid_for_an_hour(alice.id))).await;
    // The same claims without `nbf`, or with one already past, are accepted.
    let now = claims(json!(alice.id), "access", 7200);
    let mut past = now.clone();
    past["nbf"] = json!(chrono::Utc::now().timestamp() - 60);
    for token in [forge(SECRET, &now), forge(SECRET, &past)] {
        assert_eq!(app.get("/api/users/me/", Some(&token)).await.status, 200);
    }
}

#[tokio::test]
async fn odd_claims_are_refused() {
    let Some(app) = spawn_app_with(|c| c.jwt_secret = Some(SECRET.into())).await else {
        return;
    };
    let alice = app.user("alice").await;
    // user_id must be an integer; the token type must be known.
    assert_rejected(
        &app,
        &forge(SECRET, &claims(json!(alice.id.to_string()), "access", 300)),
    )
    .await;
    assert_rejected(&app, &forge(SECRET, &claims(json!(alice.id), "id", 300))).await;
    let mut no_exp = claims(json!(alice.id), "access", 300);
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_rejected(&app, &forge(SECRET, &no_exp)).await;
}

#[tokio::test]
async fn a_token_of_a_user_that_does_not_exist_is_refused() {
    let Some(app) = spawn_app_with(|c| c.jwt_secret = Some(SECRET.into())).await else {
        return;
    };
    let reply = app
        .get(
            "/api/users/me/",
            Some(&forge(SECRET, &claims(json!(999), "access", 300))),
        )
        .await;
    reply.expect(
        401,
        json!({"detail": "User not found", "code": "user_not_found"}),
    );
}

#[tokio::test]
async fn a_generated_secret_is_kept_with_the_data_and_survives_restarts() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    // On SQLite it is a file beside the database; PostgreSQL keeps it in the database.
    if app.data.postgres.is_none() {
        let secret_file = app.data.dir.path().join("chat.db.jwt-secret");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&secret_file).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
    }

    let restarted = spawn_in(app.data.clone(), |_| {}).await;
    assert_eq!(
        restarted
            .get("/api/users/me/", Some(&alice.access))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn user_ids_that_are_not_integers_are_refused() {
    let Some(app) = spawn_app_with(|c| c.jwt_secret = Some(SECRET.into())).await else {
        return;
    };
    let alice = app.user("alice").await;
    for user_id in [
        json!(alice.id as f64 + 0.5),
        json!(format!("{}", alice.id)),
        json!(null),
        json!([alice.id]),
        json!({"id": alice.id}),
        json!(true),
        json!("1 OR 1=1"),
        json!(u64::MAX),
    ] {
        assert_rejected(&app, &forge(SECRET, &claims(user_id, "access", 300))).await;
    }
}

#[tokio::test]
async fn a_deleted_users_tokens_stop_working() {
    let Some(app) = spawn_app_with(|c| c.jwt_secret = Some(SECRET.into())).await else {
        return;
    };
    let alice = app.user("alice").await;
    assert_eq!(
        app.get("/api/users/me/", Some(&alice.access)).await.status,
        200
    );

    // No route deletes a user; an operator does it in the database.
    let deleted = app
        .data
        .execute("DELETE FROM users WHERE id = $1", alice.id)
        .await;
    assert_eq!(deleted, 1, "alice deleted");
    // Usernames are remembered for at most USERNAME_TTL (1 s) to spare a read per request.
    tokio::time::sleep(chat_server::store::USERNAME_TTL + Duration::from_millis(100)).await;
    app.get("/api/users/me/", Some(&alice.access)).await.expect(
        401,
        json!({"detail": "User not found", "code": "user_not_found"}),
    );
    // The refresh token is refused too.
    let refreshed = app
        .post(
            "/api/token/refresh/",
            None,
            json!({"refresh": alice.refresh}),
        )
        .await;
    assert_eq!(refreshed.status, 401, "{refreshed:?}");
}
