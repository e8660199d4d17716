//! What the SDK tests share: the server on the parent module's database (`super::DATABASE`),
//! users, rooms and messages made through the SDK, and the checks of its typed results.

use std::fmt::Debug;
use std::time::Duration;

use chat_sdk::{Client, Error, ResponseValue, types};
use contract_tests::Server;

pub type ApiResult<T> = Result<ResponseValue<T>, Error<types::ApiError>>;
/// What a seed 000 (`legacy`) operation returns: its errors are `LegacyError`s.
pub type LegacyResult<T> = Result<ResponseValue<T>, Error<types::LegacyError>>;

pub const PASSWORD: &str = "correct-horse-battery";
pub const FORBIDDEN: &str = "You do not have permission to perform this action.";

/// The status and typed body (`ApiError`, or `LegacyError` on seed 000's routes) of a
/// documented error response.
pub fn typed<E: Debug>(error: Error<E>) -> (u16, E) {
    match error {
        Error::ErrorResponse(response) => (response.status().as_u16(), response.into_inner()),
        other => panic!("expected a documented error response, got {other:?}"),
    }
}

pub fn api_error<T: Debug, E: Debug>(result: Result<ResponseValue<T>, Error<E>>) -> (u16, E) {
    match result {
        Ok(response) => panic!("expected an error, got {response:?}"),
        Err(error) => typed(error),
    }
}

pub fn ok<T: Debug, E: Debug>(result: Result<ResponseValue<T>, Error<E>>, status: u16) -> T {
    match result {
        Ok(response) if response.status().as_u16() == status => response.into_inner(),
        other => panic!("expected {status}, got {other:?}"),
    }
}

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

pub async fn register(server: &Server, username: &str) -> types::User {
    let reply = Client::anonymous(&server.base)
        .users_register()
        .body_map(|b| b.username(username).password(PASSWORD))
        .send()
        .await;
    ok(reply, 201)
}

pub async fn login(server: &Server, username: &str) -> Client {
    Client::login(&server.base, username, PASSWORD)
        .await
        .expect("login")
}

/// A registered, logged-in user.
pub async fn user(server: &Server, prefix: &str) -> (types::User, Client) {
    let name = unique(prefix);
    let user = register(server, &name).await;
    (user, login(server, &name).await)
}

pub async fn group(client: &Client, name: &str, participants: Vec<i64>) -> types::Room {
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
pub async fn say(client: &Client, room: i64, content: &str) -> types::Message {
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

pub async fn one_to_one(client: &Client, pair: [i64; 2]) -> ApiResult<types::Room> {
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

pub async fn delete_message(client: &Client, room: i64, id: i64) -> ApiResult<()> {
    client.messages_destroy().room_id(room).id(id).send().await
}

/// The server on the parent module's database; `None` when that is PostgreSQL and none is set up
/// outside CI (the test skips).
pub async fn start() -> Option<Server> {
    start_with(&[]).await
}

/// [`start`] with extra environment (`JWT_ACCESS_TTL_SECS`, ...).
pub async fn start_with(env: &[(&str, &str)]) -> Option<Server> {
    Server::start_on(super::DATABASE, env).await
}
