//! The main API's operations through the SDK, with typed successes and typed errors, and the
//! check that `DRIVEN` matches the spec's operations (the seed routes' are driven in
//! `legacy.rs` and `direct_messages.rs`, the routes beyond the seeds in
//! `beyond_the_seeds.rs`).

use std::collections::BTreeSet;
use std::time::Duration;

use chat_sdk::{Auth, Client, Error, types};
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::{
    ApiResult, FORBIDDEN, PASSWORD, api_error, delete_message, group, ok, one_to_one, register,
    say, start, start_with, unique, user,
};

/// Every operation the SDK suite drives; `every_operation_of_the_spec_is_driven` keeps it equal
/// to the spec's list.
/// Seed 000's `legacy` operations are driven in `legacy.rs`, seed 002's in
/// `direct_messages.rs`, those beyond the seeds in `beyond_the_seeds.rs`.
const DRIVEN: [&str; 47] = [
    "health_check",
    "readiness_check",
    "metrics",
    "token_obtain",
    "token_refresh",
    "users_register",
    "users_me",
    "users_list",
    "rooms_list",
    "rooms_create",
    "rooms_retrieve",
    "rooms_update",
    "rooms_partial_update",
    "rooms_destroy",
    "messages_list",
    "messages_create",
    "messages_retrieve",
    "messages_update",
    "messages_partial_update",
    "messages_destroy",
    "ws_room",
    "ws_all_rooms",
    "ws_direct",
    "legacy_rooms_create",
    "legacy_rooms_list",
    "legacy_rooms_update",
    "legacy_rooms_destroy",
    "legacy_messages_create",
    "legacy_messages_list",
    "legacy_messages_update",
    "legacy_messages_destroy",
    "direct_messages_list",
    "direct_messages_create",
    "rooms_read_create",
    "messages_reactions_create",
    "messages_reactions_destroy",
    "messages_replies_list",
    "messages_history_list",
    "search_list",
    "users_presence_retrieve",
    "rooms_invitations_create",
    "rooms_invitations_list",
    "rooms_invitations_destroy",
    "invitations_list",
    "invitations_accept",
    "invitations_decline",
    "events_list",
];

#[test]
fn every_operation_of_the_spec_is_driven() {
    let spec =
        std::fs::read_to_string(contract_tests::server::workspace_root().join("openapi.yaml"))
            .expect("openapi.yaml");
    let spec: serde_yaml::Value = serde_yaml::from_str(&spec).expect("YAML");
    let in_spec: BTreeSet<String> = spec["paths"]
        .as_mapping()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_mapping().expect("a path item").values())
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();
    let driven: BTreeSet<String> = DRIVEN.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        in_spec, driven,
        "add the new operations to this file and to DRIVEN"
    );
}

#[tokio::test]
async fn health_users_and_tokens() {
    let Some(server) = start().await else { return };
    let anonymous = Client::anonymous(&server.base);

    let health = ok(anonymous.health_check().send().await, 200);
    assert_eq!(health.status, "ok");
    let ready = ok(anonymous.readiness_check().send().await, 200);
    assert_eq!(ready.status, "ready");
    // metrics: Prometheus text, as a byte stream; the requests above are counted in it.
    let metrics = match anonymous.metrics().send().await {
        Ok(response) if response.status().as_u16() == 200 => response.into_inner_stream(),
        Ok(response) => panic!("expected 200, got {}", response.status()),
        Err(error) => panic!("expected 200, got {error:?}"),
    };
    let bytes: Vec<u8> = metrics
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .expect("the metrics body");
    let text = String::from_utf8(bytes).expect("UTF-8 text");
    assert!(
        text.lines()
            .any(|line| line == "# TYPE chat_http_requests_total counter"),
        "{text}"
    );
    assert!(
        text.lines().any(|line| {
            line.starts_with("chat_http_requests_total{")
                && line.contains(r#"operation="readiness_check""#)
        }),
        "{text}"
    );

    // users_register: 201, then DRF's field map for a taken or malformed username.
    let alice_name = unique("alice");
    let alice = register(&server, &alice_name).await;
    assert_eq!(alice.username, alice_name);
    assert_eq!(alice.email, "");
    let taken = anonymous
        .users_register()
        .body_map(|b| b.username(alice_name.as_str()).password(PASSWORD))
        .send()
        .await;
    let (status, body) = api_error(taken);
    assert_eq!(status, 400);
    assert_eq!(
        body.extra["username"],
        ["A user with that username already exists."]
    );
    let malformed = anonymous
        .users_register()
        .body_map(|b| b.username("no spaces allowed").password(PASSWORD))
        .send()
        .await;
    let (status, body) = api_error(malformed);
    assert_eq!(status, 400);
    assert!(body.extra.contains_key("username"), "{body:?}");
    assert_eq!(body.detail, None);

    // The SDK refuses what the spec forbids before sending anything.
    let short = anonymous
        .users_register()
        .body_map(|b| b.username(unique("x").as_str()).password("short"))
        .send()
        .await;
    assert!(matches!(short, Err(Error::InvalidRequest(_))), "{short:?}");

    // token_obtain: a pair, or a typed 401.
    let obtain = |password: &'static str| {
        anonymous
            .token_obtain()
            .body_map(|b| b.username(alice_name.as_str()).password(password))
            .send()
    };
    let pair = ok(obtain(PASSWORD).await, 200);
    let (status, body) = api_error(obtain("wrong-password").await);
    assert_eq!(status, 401);
    assert_eq!(
        body.detail.as_deref(),
        Some("No active account found with the given credentials")
    );

    // token_refresh rotates: the new pair works, the spent refresh token is refused.
    let refresh = |token: String| {
        anonymous
            .token_refresh()
            .body_map(|b| b.refresh(token))
            .send()
    };
    let renewed = ok(refresh(pair.refresh.clone()).await, 200);
    assert_ne!(renewed.refresh, pair.refresh);
    let (status, body) = api_error(refresh(pair.refresh.clone()).await);
    assert_eq!(status, 401);
    assert_eq!(body.code.as_deref(), Some("token_not_valid"));

    // users_me: with a token the session holds, and a typed 401 without one.
    let alice_client = Client::new(&server.base, Auth::with_tokens(renewed));
    let me = ok(alice_client.users_me().send().await, 200);
    assert_eq!(me.id, alice.id);
    let (status, body) = api_error(anonymous.users_me().send().await);
    assert_eq!(status, 401);
    assert_eq!(
        body.detail.as_deref(),
        Some("Authentication credentials were not provided.")
    );

    // users_list: search, the page envelope, and the typed 404 past the end.
    let tag = unique("tag");
    for name in ["bob", "carol"] {
        register(&server, &format!("{name}-{tag}")).await;
    }
    let page = ok(
        alice_client
            .users_list()
            .search(tag.as_str())
            .page_size(1)
            .send()
            .await,
        200,
    );
    assert_eq!((page.count, page.total_pages, page.current_page), (2, 2, 1));
    assert_eq!(page.results.len(), 1);
    assert!(page.results[0].username.ends_with(&tag));
    assert!(page.next.is_some() && page.previous.is_none());
    let (status, body) = api_error(alice_client.users_list().page(99).send().await);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some("Invalid page."));
}

#[tokio::test]
async fn rooms() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (carol, carol_client) = user(&server, "carol").await;

    // rooms_create: 201 with the creator added; 200 and the same room for a known pair.
    let room = group(&alice_client, "General", vec![bob.id]).await;
    assert_eq!(room.created_by, alice.id);
    assert_eq!(
        room.participants.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([alice.id, bob.id])
    );
    let pair = ok(one_to_one(&alice_client, [alice.id, bob.id]).await, 201);
    let again = ok(one_to_one(&bob_client, [bob.id, alice.id]).await, 200);
    assert_eq!(again.id, pair.id);
    assert_eq!(again.room_type, types::RoomType::OneToOne);

    let unknown = alice_client
        .rooms_create()
        .body_map(|b| {
            b.name("Ghosts")
                .room_type(types::RoomType::Group)
                .participants(vec![999_999])
        })
        .send()
        .await;
    let (status, body) = api_error(unknown);
    assert_eq!(status, 400);
    assert_eq!(
        body.extra["participants"],
        ["Invalid pk \"999999\" - object does not exist."]
    );

    // rooms_list: the caller's rooms, most recent activity first.
    let page = ok(alice_client.rooms_list().send().await, 200);
    assert_eq!(page.count, 2);
    assert_eq!(
        page.results.iter().map(|r| r.id).collect::<Vec<_>>(),
        [pair.id, room.id]
    );
    assert_eq!(ok(carol_client.rooms_list().send().await, 200).count, 0);

    // rooms_retrieve: participants only; to others the room does not exist.
    let seen = ok(bob_client.rooms_retrieve().id(room.id).send().await, 200);
    assert_eq!(seen.name, "General");
    let (status, body) = api_error(carol_client.rooms_retrieve().id(room.id).send().await);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some("Not found."));

    // rooms_update (PUT): a participant may rename; changing the type is the creator's.
    let renamed = bob_client
        .rooms_update()
        .id(room.id)
        .body_map(|b| b.name("Renamed").room_type(types::RoomType::Group))
        .send()
        .await;
    assert_eq!(ok(renamed, 200).name, "Renamed");
    let retyped = bob_client
        .rooms_update()
        .id(room.id)
        .body_map(|b| b.name("Renamed").room_type(types::RoomType::Course))
        .send()
        .await;
    let (status, body) = api_error(retyped);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));

    // rooms_partial_update (PATCH): add carol; her client now sees the room.
    let patched = alice_client
        .rooms_partial_update()
        .id(room.id)
        .body_map(|b| b.participants(vec![alice.id, bob.id, carol.id]))
        .send()
        .await;
    let patched = ok(patched, 200);
    assert!(patched.participants.contains(&carol.id));
    assert_eq!(patched.name, "Renamed");
    ok(carol_client.rooms_retrieve().id(room.id).send().await, 200);
    let outsider = carol_client
        .rooms_partial_update()
        .id(pair.id)
        .body_map(|b| b.name("Mine".parse::<types::RoomPatchName>().ok()))
        .send()
        .await;
    assert_eq!(api_error(outsider).0, 404);

    // rooms_destroy: the creator only (any member of a ONE_TO_ONE room).
    let (status, body) = api_error(bob_client.rooms_destroy().id(room.id).send().await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    ok(alice_client.rooms_destroy().id(room.id).send().await, 204);
    ok(bob_client.rooms_destroy().id(pair.id).send().await, 204);
    let (status, _) = api_error(alice_client.rooms_retrieve().id(room.id).send().await);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn messages() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (_, carol_client) = user(&server, "carol").await;
    let room = group(&alice_client, "Talk", vec![bob.id]).await;

    // messages_create: 201; the same client_id again is the same message (200), with other
    // content a 409.
    let key = uuid::Uuid::new_v4();
    let create = |content: &'static str| {
        alice_client
            .messages_create()
            .room_id(room.id)
            .body_map(move |b| b.content(content).client_id(key))
            .send()
    };
    let first = ok(create("Hello").await, 201);
    assert_eq!(first.sender, alice.username);
    assert_eq!(first.sender_id, alice.id);
    assert_eq!(first.chat_room, room.id);
    assert_eq!(first.client_id, Some(key));
    assert_eq!(first.updated_at, None);
    assert_eq!(ok(create("Hello").await, 200).id, first.id);
    let (status, body) = api_error(create("Something else").await);
    assert_eq!(status, 409);
    assert_eq!(
        body.detail.as_deref(),
        Some("client_id was already used for a different message.")
    );

    // Blank content: the spec's pattern says so, and the SDK refuses it before sending (the
    // server's 400 for it is the contract suite's).
    let blank = alice_client
        .messages_create()
        .room_id(room.id)
        .body_map(|b| b.content("\u{a0}\u{2028} "))
        .send()
        .await;
    assert!(matches!(blank, Err(Error::InvalidRequest(_))), "{blank:?}");
    let outsider = carol_client
        .messages_create()
        .room_id(room.id)
        .body_map(|b| b.content("Let me in"))
        .send()
        .await;
    let (status, body) = api_error(outsider);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));

    // messages_list: newest first; a forged cursor is a typed 404.
    let reply = say(&bob_client, room.id, "Hi Alice").await;
    let page = ok(
        alice_client.messages_list().room_id(room.id).send().await,
        200,
    );
    assert_eq!(
        page.results.iter().map(|m| m.id).collect::<Vec<_>>(),
        [reply.id, first.id]
    );
    assert_eq!((page.next, page.previous), (None, None));
    let forged = alice_client
        .messages_list()
        .room_id(room.id)
        .cursor("forged")
        .send()
        .await;
    let (status, body) = api_error(forged);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some("Invalid cursor"));

    // messages_retrieve: participants; an id from another room is a 404.
    let seen = ok(
        bob_client
            .messages_retrieve()
            .room_id(room.id)
            .id(first.id)
            .send()
            .await,
        200,
    );
    assert_eq!(seen.content, "Hello");
    let other_room = group(&alice_client, "Elsewhere", vec![]).await;
    let misplaced = alice_client
        .messages_retrieve()
        .room_id(other_room.id)
        .id(first.id)
        .send()
        .await;
    let (status, body) = api_error(misplaced);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some("Not found."));

    // messages_update (PUT) and messages_partial_update (PATCH): the sender only.
    let edited = alice_client
        .messages_update()
        .room_id(room.id)
        .id(first.id)
        .body_map(|b| b.content("Hello, edited"))
        .send()
        .await;
    let edited = ok(edited, 200);
    assert_eq!(edited.content, "Hello, edited");
    assert!(edited.updated_at.is_some());
    let not_mine = bob_client
        .messages_update()
        .room_id(room.id)
        .id(first.id)
        .body_map(|b| b.content("Hijacked"))
        .send()
        .await;
    let (status, body) = api_error(not_mine);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    let read = alice_client
        .messages_partial_update()
        .room_id(room.id)
        .id(first.id)
        .body_map(|b| b.is_read(true))
        .send()
        .await;
    let read = ok(read, 200);
    assert!(read.is_read);
    assert_eq!(read.content, "Hello, edited");
    let not_mine = bob_client
        .messages_partial_update()
        .room_id(room.id)
        .id(first.id)
        .body_map(|b| b.is_read(false))
        .send()
        .await;
    assert_eq!(api_error(not_mine).0, 403);

    // messages_destroy: the sender only; then it is gone.
    let (status, body) = api_error(delete_message(&bob_client, room.id, first.id).await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    ok(delete_message(&alice_client, room.id, first.id).await, 204);
    assert_eq!(
        api_error(delete_message(&alice_client, room.id, first.id).await).0,
        404
    );
}

/// The realtime upgrades: a 101 whose connection carries the room's events, and the typed
/// errors of a refused handshake.
#[tokio::test]
async fn realtime() {
    // Two sockets per user, so the third is a 429.
    let Some(server) = start_with(&[("CHAT_WS_MAX_CONNECTIONS_PER_USER", "2")]).await else {
        return;
    };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (_, carol_client) = user(&server, "carol").await;
    let room = group(&alice_client, "Live", vec![bob.id]).await;

    // ws_room: the upgraded connection hears a message sent through REST.
    let mut alice_room = socket(alice_client.ws_room().room_id(room.id).send().await).await;
    let sent = say(&bob_client, room.id, "Anyone here?").await;
    let event = next_event(&mut alice_room).await;
    assert_eq!(event["type"], "message.created", "{event}");
    assert_eq!(event["message"]["id"], sent.id, "{event}");
    assert_eq!(event["message"]["content"], "Anyone here?", "{event}");
    let (status, body) = api_error(carol_client.ws_room().room_id(room.id).send().await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    let anonymous = Client::anonymous(&server.base);
    let (status, body) = api_error(anonymous.ws_room().room_id(room.id).send().await);
    assert_eq!(status, 401);
    assert_eq!(
        body.detail.as_deref(),
        Some("Authentication credentials were not provided.")
    );

    // ws_all_rooms: every room of the caller.
    let mut bob_all = socket(bob_client.ws_all_rooms().send().await).await;
    let sent = say(&alice_client, room.id, "Bob, you there?").await;
    let event = next_event(&mut bob_all).await;
    assert_eq!(event["type"], "message.created", "{event}");
    assert_eq!(event["message"]["id"], sent.id, "{event}");
    assert_eq!(event["message"]["chat_room"], room.id, "{event}");
    let (status, _) = api_error(anonymous.ws_all_rooms().send().await);
    assert_eq!(status, 401);

    // ws_direct: the caller must be `user_id`; the pair's room is created on the way.
    let mut alice_direct = socket(direct(&alice_client, alice.id, bob.id).await).await;
    let pair = ok(one_to_one(&bob_client, [bob.id, alice.id]).await, 200);
    let sent = say(&bob_client, pair.id, "Just us").await;
    let event = next_event(&mut alice_direct).await;
    assert_eq!(event["type"], "message.created", "{event}");
    assert_eq!(event["message"]["id"], sent.id, "{event}");
    assert_eq!(event["message"]["chat_room"], pair.id, "{event}");
    let (status, body) = api_error(direct(&bob_client, alice.id, bob.id).await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    let (status, body) = api_error(direct(&alice_client, alice.id, 999_999).await);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some("Not found."));
    let (status, body) = api_error(direct(&alice_client, alice.id, alice.id).await);
    assert_eq!(status, 400);
    assert!(body.extra.contains_key("other_user_id"), "{body:?}");

    // Alice holds two sockets: a third is refused until one closes.
    let (status, body) = api_error(alice_client.ws_all_rooms().send().await);
    assert_eq!(status, 429);
    assert_eq!(
        body.detail.as_deref(),
        Some("Too many open WebSocket connections (at most 2 per user).")
    );
    drop((alice_room, bob_all, alice_direct));
}

/// The throttles (API.md "Limits") as typed 429s: `Retry-After` in whole seconds and DRF's
/// text, on a server whose throttles admit one message a second per user and one failed token
/// request a minute per username and address.
#[tokio::test]
async fn throttled_requests_are_typed_429s() {
    let Some(server) = start_with(&[
        ("CHAT_MESSAGE_RATE", "1"),
        ("CHAT_MESSAGE_BURST", "1"),
        ("CHAT_TOKEN_RATE_PER_MIN", "1"),
    ])
    .await
    else {
        return;
    };
    let anonymous = Client::anonymous(&server.base);
    let name = unique("alice");
    register(&server, &name).await;

    // token_obtain: successes are free; one wrong password is the minute's one failure,
    // then the address is refused, the right password included.
    let obtain = |password: &'static str| {
        anonymous
            .token_obtain()
            .body_map(|b| b.username(name.as_str()).password(password))
            .send()
    };
    ok(obtain(PASSWORD).await, 200);
    let pair = ok(obtain(PASSWORD).await, 200);
    match obtain("wrong-password").await {
        Err(Error::ErrorResponse(e)) => assert_eq!(e.status(), 401),
        other => panic!("expected a 401, got {other:?}"),
    }
    let (retry_after, body) = throttled(obtain(PASSWORD).await);
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    assert_eq!(body.detail, Some(throttle_text(retry_after)));

    // messages_create: one message a second; the next within it is a 429.
    let alice = Client::new(&server.base, Auth::with_tokens(pair));
    let room = group(&alice, "Throttled", vec![]).await;
    let create = || {
        alice
            .messages_create()
            .room_id(room.id)
            .body_map(|b| b.content("Once a second"))
            .send()
    };
    ok(create().await, 201);
    let (retry_after, body) = throttled(create().await);
    assert_eq!(retry_after, 1);
    assert_eq!(body.detail, Some(throttle_text(1)));
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    ok(create().await, 201);
}

/// DRF's throttle text for `seconds`.
fn throttle_text(seconds: u64) -> String {
    match seconds {
        1 => "Request was throttled. Expected available in 1 second.".to_owned(),
        n => format!("Request was throttled. Expected available in {n} seconds."),
    }
}

/// The `Retry-After` seconds and typed body of a 429.
fn throttled<T: std::fmt::Debug>(result: ApiResult<T>) -> (u64, types::ApiError) {
    match result {
        Err(Error::ErrorResponse(response)) if response.status().as_u16() == 429 => {
            let header = response.headers().get("retry-after").cloned();
            let seconds = header
                .as_ref()
                .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("Retry-After is {header:?}, not whole seconds"));
            (seconds, response.into_inner())
        }
        other => panic!("expected a typed 429, got {other:?}"),
    }
}

/// ws_direct as `client`, for the pair `user_id`, `other_user_id`.
async fn direct(client: &Client, user_id: i64, other_user_id: i64) -> ApiResult<reqwest::Upgraded> {
    client
        .ws_direct()
        .user_id(user_id)
        .other_user_id(other_user_id)
        .send()
        .await
}

/// The WebSocket over a 101's upgraded connection.
async fn socket(upgrade: ApiResult<reqwest::Upgraded>) -> WebSocketStream<reqwest::Upgraded> {
    let upgraded = match upgrade {
        Ok(response) if response.status().as_u16() == 101 => response.into_inner(),
        Ok(response) => panic!("expected 101, got {}", response.status()),
        Err(error) => panic!("expected 101, got {error:?}"),
    };
    WebSocketStream::from_raw_socket(upgraded, Role::Client, None).await
}

/// The next event the server sends (pings are skipped).
async fn next_event(socket: &mut WebSocketStream<reqwest::Upgraded>) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("an event within 10 s")
            .expect("the socket stays open")
            .expect("a readable frame");
        match frame {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected an event, got {other:?}"),
        }
    }
}
