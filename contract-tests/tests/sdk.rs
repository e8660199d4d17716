//! The Rust SDK (`chat-sdk`) against the real server: every operation of openapi.yaml with
//! typed successes and typed errors, then the hand-written layer (sessions, page streams).

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::Duration;

use chat_sdk::{Auth, Client, Error, ResponseValue, types};
use contract_tests::Server;
use futures::TryStreamExt;

type ApiResult<T> = Result<ResponseValue<T>, Error<types::ApiError>>;

const PASSWORD: &str = "correct-horse-battery";
const FORBIDDEN: &str = "You do not have permission to perform this action.";

/// Every operation this file drives; `every_operation_of_the_spec_is_driven` keeps it equal to
/// the spec's list.
const DRIVEN: [&str; 18] = [
    "health_check",
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
];

/// The status and typed body of a documented error response.
fn typed(error: Error<types::ApiError>) -> (u16, types::ApiError) {
    match error {
        Error::ErrorResponse(response) => (response.status().as_u16(), response.into_inner()),
        other => panic!("expected a documented error response, got {other:?}"),
    }
}

fn api_error<T: Debug>(result: ApiResult<T>) -> (u16, types::ApiError) {
    match result {
        Ok(response) => panic!("expected an error, got {response:?}"),
        Err(error) => typed(error),
    }
}

fn ok<T: Debug>(result: ApiResult<T>, status: u16) -> T {
    match result {
        Ok(response) if response.status().as_u16() == status => response.into_inner(),
        other => panic!("expected {status}, got {other:?}"),
    }
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

async fn register(server: &Server, username: &str) -> types::User {
    let reply = Client::anonymous(&server.base)
        .users_register()
        .body_map(|b| b.username(username).password(PASSWORD))
        .send()
        .await;
    ok(reply, 201)
}

async fn login(server: &Server, username: &str) -> Client {
    Client::login(&server.base, username, PASSWORD)
        .await
        .expect("login")
}

/// A registered, logged-in user.
async fn user(server: &Server, prefix: &str) -> (types::User, Client) {
    let name = unique(prefix);
    let user = register(server, &name).await;
    (user, login(server, &name).await)
}

async fn group(client: &Client, name: &str, participants: Vec<i64>) -> types::Room {
    let reply = client
        .rooms_create()
        .body_map(|b| {
            b.name(name)
                .room_type(types::RoomType::Group)
                .participants(participants)
        })
        .send()
        .await;
    ok(reply, 201)
}

/// Sends a message, waiting out a 429 if the server throttles the burst.
async fn say(client: &Client, room: i64, content: &str) -> types::Message {
    loop {
        let reply = client
            .messages_create()
            .room_id(room)
            .body_map(|b| b.content(content))
            .send()
            .await;
        match reply {
            Err(e) if e.status().is_some_and(|s| s.as_u16() == 429) => {
                tokio::time::sleep(Duration::from_millis(500)).await
            }
            reply => return ok(reply, 201),
        }
    }
}

async fn one_to_one(client: &Client, pair: [i64; 2]) -> ApiResult<types::Room> {
    client
        .rooms_create()
        .body_map(|b| {
            b.name("Pair")
                .room_type(types::RoomType::OneToOne)
                .participants(pair.to_vec())
        })
        .send()
        .await
}

async fn delete_message(client: &Client, room: i64, id: i64) -> ApiResult<()> {
    client.messages_destroy().room_id(room).id(id).send().await
}

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
    let server = Server::start();
    let anonymous = Client::anonymous(&server.base);

    let health = ok(anonymous.health_check().send().await, 200);
    assert_eq!(health.status, "ok");

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
    let server = Server::start();
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
    let server = Server::start();
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

    let blank = alice_client
        .messages_create()
        .room_id(room.id)
        .body_map(|b| b.content("   "))
        .send()
        .await;
    let (status, body) = api_error(blank);
    assert_eq!(status, 400);
    assert!(body.extra.contains_key("content"), "{body:?}");
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

// --- the hand-written layer: sessions ---

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
    let server = Server::start();
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
    let server = Server::start_with(&SHORT_TTL);
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
    let server = Server::start_with(&SHORT_TTL);
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
    let server = Server::start_with(&SHORT_TTL);
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
    let server = Server::start_with(&SHORT_TTL);
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
    let server = Server::start();
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
    let server = Server::start();
    let client = Client::anonymous(&server.base);
    assert!(client.tokens().is_none());
    assert!(matches!(client.renew_tokens().await, Err(Error::Custom(_))));
    assert_eq!(api_error(client.rooms_list().send().await).0, 401);
}

// --- the hand-written layer: page streams ---

#[tokio::test]
async fn the_room_stream_walks_every_page_in_order() {
    let server = Server::start();
    let (_, client) = user(&server, "alice").await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(group(&client, &format!("Room {i}"), vec![]).await.id);
    }

    let streamed: Vec<i64> = client
        .rooms_list()
        .page_size(10)
        .messages_limit(0)
        .into_stream()
        .map_ok(|room| room.id)
        .try_collect()
        .await
        .expect("every page");
    // Most recent activity first: the newest room leads.
    created.reverse();
    assert_eq!(streamed, created);

    // limit/offset paging is followed too, from wherever the request starts.
    let rest: Vec<i64> = client
        .rooms_list()
        .limit(7)
        .offset(5)
        .into_stream()
        .map_ok(|room| room.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(rest, created[5..]);
}

#[tokio::test]
async fn the_message_stream_walks_every_cursor_page_newest_first() {
    let server = Server::start();
    let (_, client) = user(&server, "alice").await;
    let room = group(&client, "Busy", vec![]).await;
    let mut sent = Vec::new();
    for i in 0..120 {
        sent.push(say(&client, room.id, &format!("Message {i}")).await.id);
    }

    let streamed: Vec<types::Message> = client
        .messages_list()
        .room_id(room.id)
        .page_size(50)
        .into_stream()
        .try_collect()
        .await
        .expect("every page");
    let ids: Vec<i64> = streamed.iter().map(|m| m.id).collect();
    let distinct: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "no duplicates");
    let mut newest_first = sent.clone();
    newest_first.reverse();
    assert_eq!(ids, newest_first);
    assert_eq!(streamed[0].content, "Message 119");

    // With `after`, the newer messages, oldest first, across pages as well.
    let caught_up: Vec<i64> = client
        .messages_list()
        .room_id(room.id)
        .after(sent[59])
        .page_size(25)
        .into_stream()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(caught_up, sent[60..]);
}

#[tokio::test]
async fn the_user_stream_walks_every_page() {
    let server = Server::start();
    let (_, client) = user(&server, "alice").await;
    let tag = unique("crowd");
    let mut registered = Vec::new();
    for i in 0..12 {
        registered.push(register(&server, &format!("u{i}-{tag}")).await.id);
    }

    let streamed: Vec<i64> = client
        .users_list()
        .search(tag.as_str())
        .page_size(5)
        .into_stream()
        .map_ok(|u| u.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(streamed, registered);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_typed_error() {
    let server = Server::start();
    let (_, client) = user(&server, "alice").await;
    let (_, other) = user(&server, "bob").await;
    let room = group(&other, "Private", vec![]).await;
    let result: Result<Vec<types::Message>, _> = client
        .messages_list()
        .room_id(room.id)
        .into_stream()
        .try_collect()
        .await;
    let (status, body) = typed(result.expect_err("an outsider is refused"));
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
}
