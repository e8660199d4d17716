//! Sockets and tokens: refresh tokens, query tokens, tokens not valid yet, handshakes that
//! are not ones, and the per-user limit; every refusal is plain HTTP before the upgrade, with
//! DRF's bodies (who may open which socket is matrix.rs's).

use serde_json::json;

use super::*;

const TOKEN_NOT_VALID: &str = "Given token not valid for any token type";

fn token_not_valid() -> Value {
    json!({"detail": TOKEN_NOT_VALID, "code": "token_not_valid"})
}

/// One path of each route, for a room of `owner` and a pair of `owner` and `other`.
fn routes(owner: &User, other: &User, room: i64) -> [String; 3] {
    [
        room_ws(room),
        ALL_ROOMS_WS.to_owned(),
        pair_ws(owner.id, other.id),
    ]
}

fn assert_bearer_challenge(headers: &tokio_tungstenite::tungstenite::http::HeaderMap) {
    assert_eq!(
        headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some(r#"Bearer realm="api""#),
        "{headers:?}"
    );
}

#[tokio::test]
async fn refresh_tokens_get_401_on_every_route() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;

    for path in routes(&alice, &bob, room) {
        let (status, body, headers) =
            refusal_with_headers(try_connect(&app, &path, Some(&alice.refresh)).await);
        assert_eq!((status, body), (401, token_not_valid()), "{path}");
        assert_bearer_challenge(&headers);
    }
    // Nothing was created by the refused seed 002 handshakes.
    let rooms = app.get("/api/chat/rooms/", Some(&bob.access)).await;
    assert_eq!(rooms.body["count"], 1, "{rooms:?}");
}

#[tokio::test]
async fn a_bad_query_token_is_token_not_valid() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;

    for path in routes(&alice, &bob, room) {
        for token in ["garbage", alice.refresh.as_str()] {
            let query = format!("{path}?token={token}");
            let (status, body, headers) =
                refusal_with_headers(try_connect(&app, &query, None).await);
            assert_eq!((status, body), (401, token_not_valid()), "{query}");
            assert_bearer_challenge(&headers);
        }
    }
}

#[tokio::test]
async fn a_token_not_valid_before_an_hour_from_now_is_refused_at_the_handshake() {
    let secret = crate::auth::SECRET;
    let Some(app) = spawn_app_with(|c| c.jwt_secret = Some(secret.into())).await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let early = crate::auth::forge(secret, &crate::auth::not_valid_for_an_hour(alice.id));

    for path in routes(&alice, &bob, room) {
        let (status, body, headers) =
            refusal_with_headers(try_connect(&app, &path, Some(&early)).await);
        assert_eq!((status, body), (401, token_not_valid()), "{path}");
        assert_bearer_challenge(&headers);
        let query = format!("{path}?token={early}");
        let (status, body, _) = refusal_with_headers(try_connect(&app, &query, None).await);
        assert_eq!((status, body), (401, token_not_valid()), "{query}");
    }
}

#[tokio::test]
async fn a_query_token_works_on_every_route() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut sockets = Vec::new();
    for path in routes(&alice, &bob, room) {
        let query = format!("{path}?token={}", alice.access);
        let socket = try_connect(&app, &query, None)
            .await
            .unwrap_or_else(|err| panic!("{query}: {err}"));
        sockets.push(socket);
    }

    // Either credential that works is enough: a valid header beside a stale query token.
    let stale = format!("{}?token=garbage", ALL_ROOMS_WS);
    sockets.push(connect(&app, &stale, &alice.access).await);

    // They are real sockets of alice: each hears her room. The every-room one heard the pair's
    // room created by the seed 002 route first.
    let id = app.message(&bob, room, "hi").await;
    let [room_socket, all_socket, _pair, stale_query] = &mut sockets[..] else {
        unreachable!()
    };
    let rooms = app.get("/api/chat/rooms/", Some(&alice.access)).await;
    let pair = rooms.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|listed| listed["room_type"] == "ONE_TO_ONE")
        .and_then(|listed| listed["id"].as_i64())
        .expect("the pair's room");
    expect_room_created(&app, all_socket, &alice, pair).await;
    expect_created(room_socket, id).await;
    expect_created(all_socket, id).await;
    expect_created(stale_query, id).await;
}

#[tokio::test]
async fn a_room_that_is_not_a_number_is_404_and_the_slash_optional() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;

    let not_a_number = try_connect(&app, "/ws/chat/rooms/abc/", Some(&alice.access)).await;
    assert_eq!(refusal(not_a_number), (404, detail(NOT_FOUND)));
    // The same path without its trailing slash is served too.
    let path = room_ws(room);
    let unslashed = try_connect(&app, path.trim_end_matches('/'), Some(&alice.access)).await;
    assert!(unslashed.is_ok(), "{path} without its slash");
}

#[tokio::test]
async fn a_plain_get_without_upgrade_headers_is_400() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let not_a_handshake = detail("Expected a WebSocket handshake (Upgrade: websocket).");

    for path in [
        room_ws(room),
        ALL_ROOMS_WS.to_owned(),
        pair_ws(alice.id, bob.id),
    ] {
        let reply = app.get(&path, Some(&alice.access)).await;
        reply.expect(400, not_a_handshake.clone());
    }
    // The refusals still come first: no token, then not a participant.
    assert_no_credentials(&app.get(&room_ws(room), None).await);
    let carol = app.user("carol").await;
    app.get(&room_ws(room), Some(&carol.access))
        .await
        .expect(403, detail(FORBIDDEN));
    // A plain GET on seed 002's route creates no room.
    let rooms = app.get("/api/chat/rooms/", Some(&alice.access)).await;
    assert_eq!(rooms.body["count"], 1, "{rooms:?}");
}

#[tokio::test]
async fn connections_per_user_are_limited_with_429() {
    let Some(app) = spawn_app_with(|config| config.ws_max_connections_per_user = 2).await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let mut first = connect(&app, &room_ws(room), &alice.access).await;
    let _second = connect(&app, ALL_ROOMS_WS, &alice.access).await;

    let too_many = detail("Too many open WebSocket connections (at most 2 per user).");
    for path in [
        room_ws(room),
        ALL_ROOMS_WS.to_owned(),
        pair_ws(alice.id, bob.id),
    ] {
        let third = try_connect(&app, &path, Some(&alice.access)).await;
        assert_eq!(refusal(third), (429, too_many.clone()), "{path}");
    }
    // The limit is per user: bob is not affected.
    let _bobs = connect(&app, ALL_ROOMS_WS, &bob.access).await;
    let _bobs_too = connect(&app, &room_ws(room), &bob.access).await;

    // A closed socket frees its place (once the server has seen it go).
    first.close(None).await.expect("close sent");
    while first.next().await.is_some() {}
    let again = tokio::time::timeout(PATIENCE, async {
        loop {
            match try_connect(&app, ALL_ROOMS_WS, Some(&alice.access)).await {
                Ok(socket) => return socket,
                Err(refused) => {
                    assert_eq!(refusal(Err(refused)).0, 429);
                    tokio::task::yield_now().await;
                }
            }
        }
    })
    .await;
    assert!(again.is_ok(), "the place of a closed socket is freed");
}
