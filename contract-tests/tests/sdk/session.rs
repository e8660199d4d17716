//! The hand-written layer: sessions (login, token renewal, fallback to logging in).

use std::time::Duration;

use chat_sdk::{Auth, Client, Error, types};
use contract_tests::Server;

use super::{api_error, ok, register, start, start_with, unique, user};

const SHORT_TTL: [(&str, &str); 1] = [("JWT_ACCESS_TTL_SECS", "2")];

/// Long enough for a 2-second access token to expire.
async fn outlive_access_token() {
    tokio::time::sleep(Duration::from_millis(3_000)).await;
}

async fn spend(server: &Server, refresh: String) {
    let reply = Client::anonymous(&server.base)
        .token_refresh()
        .body_map(|b| b.refresh(refresh))
        .send()
        .await;
    ok(reply, 200);
}

#[tokio::test]
async fn login_with_a_wrong_password_is_a_typed_401() {
    let Some(server) = start().await else { return };
    let name = unique("alice");
    register(&server, &name).await;
    match Client::login(&server.base, &name, "wrong-password").await {
        Err(Error::ErrorResponse(e)) => {
            assert_eq!(e.status(), 401);
            assert_eq!(
                e.detail.as_deref(),
                Some("No active account found with the given credentials")
            );
        }
        other => panic!("expected a 401, got {other:?}"),
    }
}

#[tokio::test]
async fn the_access_token_is_refreshed_when_it_expires() {
    let Some(server) = start_with(&SHORT_TTL).await else {
        return;
    };
    let (alice, client) = user(&server, "alice").await;
    let before = client.tokens().expect("tokens after login");

    outlive_access_token().await;
    let me = ok(client.users_me().send().await, 200);
    assert_eq!(me.id, alice.id);

    let after = client.tokens().expect("tokens");
    assert_ne!(after.access, before.access);
    assert_ne!(after.refresh, before.refresh);
    // Renewed by refreshing (which spent the old refresh token), not by logging in again.
    let reuse = Client::anonymous(&server.base)
        .token_refresh()
        .body_map(|b| b.refresh(before.refresh))
        .send()
        .await;
    assert_eq!(api_error(reuse).0, 401);

    // Clones share the session.
    let clone = client.clone();
    outlive_access_token().await;
    ok(clone.users_me().send().await, 200);
    assert_eq!(
        clone.tokens().map(|t| t.access),
        client.tokens().map(|t| t.access)
    );
}

#[tokio::test]
async fn a_refused_refresh_token_falls_back_to_logging_in() {
    let Some(server) = start_with(&SHORT_TTL).await else {
        return;
    };
    let (alice, client) = user(&server, "alice").await;
    let tokens = client.tokens().expect("tokens");
    spend(&server, tokens.refresh.clone()).await;

    outlive_access_token().await;
    let me = ok(client.users_me().send().await, 200);
    assert_eq!(me.id, alice.id);
    assert_ne!(client.tokens().expect("tokens").refresh, tokens.refresh);
}

#[tokio::test]
async fn without_credentials_a_refused_refresh_fails_the_request() {
    let Some(server) = start_with(&SHORT_TTL).await else {
        return;
    };
    let (_, logged_in) = user(&server, "alice").await;
    let tokens = logged_in.tokens().expect("tokens");
    let client = Client::new(&server.base, Auth::with_tokens(tokens.clone()));
    spend(&server, tokens.refresh).await;

    outlive_access_token().await;
    match client.users_me().send().await {
        Err(Error::Custom(why)) => assert!(why.contains("could not be renewed"), "{why}"),
        other => panic!("expected the renewal failure, got {other:?}"),
    }
    // The explicit renewal has the typed reason.
    match client.renew_tokens().await {
        Err(Error::ErrorResponse(e)) => {
            assert_eq!(e.status(), 401);
            assert_eq!(e.code.as_deref(), Some("token_not_valid"));
        }
        other => panic!("expected a 401, got {other:?}"),
    }
}

#[tokio::test]
async fn concurrent_requests_share_one_refresh() {
    let Some(server) = start_with(&SHORT_TTL).await else {
        return;
    };
    let (_, logged_in) = user(&server, "alice").await;
    // No credentials to fall back on: a second refresh with the spent token would fail.
    let client = Client::new(
        &server.base,
        Auth::with_tokens(logged_in.tokens().expect("tokens")),
    );

    outlive_access_token().await;
    let replies =
        futures::future::join_all((0..8).map(|_| async { client.users_me().send().await })).await;
    for reply in replies {
        ok(reply, 200);
    }
}

#[tokio::test]
async fn an_access_token_the_server_refuses_is_replaced_and_the_request_resent() {
    let Some(server) = start().await else { return };
    let (alice, logged_in) = user(&server, "alice").await;
    let refresh = logged_in.tokens().expect("tokens").refresh;
    // No readable `exp`, so only the server's 401 can tell the client to renew.
    let client = Client::new(
        &server.base,
        Auth::with_tokens(types::TokenPairResponse {
            access: "not-a-jwt".into(),
            refresh,
        }),
    );
    let room = client
        .rooms_create()
        .body_map(|b| b.name("Resent").room_type(types::RoomType::Group))
        .send()
        .await;
    assert_eq!(ok(room, 201).created_by, alice.id);
    assert_ne!(client.tokens().expect("tokens").access, "not-a-jwt");
}

#[tokio::test]
async fn an_anonymous_client_sends_no_token() {
    let Some(server) = start().await else { return };
    let client = Client::anonymous(&server.base);
    assert!(client.tokens().is_none());
    assert!(matches!(client.renew_tokens().await, Err(Error::Custom(_))));
    assert_eq!(api_error(client.rooms_list().send().await).0, 401);
}
