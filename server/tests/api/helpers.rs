//! `spawn_app()`: the real server on a random port with its own temporary database (SQLite in
//! tests/api, PostgreSQL in tests/api_postgres: the binary's `DATABASE`), and a small HTTP
//! vocabulary for the tests.

use std::sync::Arc;

use chat_server::config::Config;
use chat_test_support::{Database, PostgresDb, migrated_postgres_db};
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

pub struct TestApp {
    pub base: String,
    /// Sending (or dropping) it shuts the server down gracefully.
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub client: reqwest::Client,
    /// Where the server keeps its data; [`spawn_in`] starts another server on it.
    pub data: Arc<TestData>,
}

/// A test server's data: a temporary directory (the SQLite database and its generated secret)
/// and, on PostgreSQL, a database of its own. Servers restarted on it share it; it is removed
/// with the last of them.
pub struct TestData {
    pub dir: TempDir,
    pub postgres: Option<PostgresDb>,
}

impl TestData {
    /// Data on the binary's database, with no rows yet (on PostgreSQL migrated already, as a
    /// copy of a migrated template); `None` when that is PostgreSQL and none is set up
    /// outside CI (the test skips).
    pub async fn new() -> Option<Arc<TestData>> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let postgres = match crate::DATABASE {
            Database::Sqlite => None,
            Database::Postgres => Some(migrated_postgres_db().await?),
        };
        Some(Arc::new(TestData { dir, postgres }))
    }

    pub fn database_url(&self) -> String {
        match &self.postgres {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", self.dir.path().join("chat.db").display()),
        }
    }

    /// Runs `sql` with `$1` bound to `param`, as an operator would (no route does it);
    /// returns the rows affected.
    pub async fn execute(&self, sql: &'static str, param: i64) -> u64 {
        let url = self.database_url();
        let affected = match &self.postgres {
            None => {
                let db = sqlx::SqlitePool::connect(&url)
                    .await
                    .expect("database opens");
                let done = sqlx::query(sql).bind(param).execute(&db).await;
                done.map(|done| done.rows_affected())
            }
            Some(_) => {
                let db = sqlx::PgPool::connect(&url).await.expect("database opens");
                let done = sqlx::query(sql).bind(param).execute(&db).await;
                done.map(|done| done.rows_affected())
            }
        };
        affected.unwrap_or_else(|error| panic!("{sql}: {error}"))
    }
}

/// A registered user with a fresh token pair.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub access: String,
    pub refresh: String,
}

/// The response of a call: status and JSON body (`Value::Null` when there is none).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

/// A server on fresh data; `None` when the binary's database is PostgreSQL and none is set up
/// outside CI (the test skips: `let Some(app) = spawn_app().await else { return };`).
pub async fn spawn_app() -> Option<TestApp> {
    spawn_app_with(|_| {}).await
}

/// A server whose configuration `adjust` may change (token lifetimes, secret, ...).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    Some(spawn_in(TestData::new().await?, adjust).await)
}

/// A server on `data` (to restart one on the same data: `spawn_in(app.data.clone(), ..)`).
pub async fn spawn_in(data: Arc<TestData>, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config {
        bind: "127.0.0.1:0".parse().expect("address"),
        database_url: data.database_url(),
        // Generated on first start, beside the SQLite file or in the PostgreSQL database.
        jwt_secret: None,
        // Throttles are off unless a test turns them on: many tests send faster than a person.
        message_rate: 0,
        token_rate_per_min: 0,
        // Hashing at the real cost was a third of the suite's time; the cost is exercised by
        // the server's unit tests, and a hash keeps its own cost.
        password_hash_memory_kib: 64,
        password_hash_passes: 1,
        ..Config::from_env()
    };
    adjust(&mut config);
    let app = chat_server::build(config).await.expect("server builds");
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        stop: Some(stop),
        base,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        data,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Any request: `token` as Bearer, `body` as JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Registers `username` (password `password123`) and obtains its tokens.
    pub async fn user(&self, username: &str) -> User {
        let registered = self
            .post(
                "/api/users/register/",
                None,
                json!({"username": username, "password": "password123"}),
            )
            .await;
        assert_eq!(
            registered.status, 201,
            "register {username}: {:?}",
            registered.body
        );
        let tokens = self
            .post(
                "/api/token/",
                None,
                json!({"username": username, "password": "password123"}),
            )
            .await;
        assert_eq!(
            tokens.status, 200,
            "token for {username}: {:?}",
            tokens.body
        );
        User {
            id: registered.body["id"].as_i64().expect("id"),
            username: username.to_owned(),
            access: tokens.body["access"].as_str().expect("access").to_owned(),
            refresh: tokens.body["refresh"].as_str().expect("refresh").to_owned(),
        }
    }

    /// Creates a room owned by `owner` with `others` in it; returns its id.
    pub async fn room(&self, owner: &User, room_type: &str, others: &[&User]) -> i64 {
        let ids: Vec<i64> = others.iter().map(|u| u.id).collect();
        let reply = self
            .post(
                "/api/chat/rooms/",
                Some(&owner.access),
                json!({"name": format!("{} room", owner.username), "room_type": room_type, "participants": ids}),
            )
            .await;
        assert!(matches!(reply.status, 200 | 201), "create room: {reply:?}");
        reply.body["id"].as_i64().expect("room id")
    }

    /// Sends `content` to `room` as `sender`; returns the message id.
    pub async fn message(&self, sender: &User, room: i64, content: &str) -> i64 {
        let reply = self
            .post(
                &format!("/api/chat/rooms/{room}/messages/"),
                Some(&sender.access),
                json!({ "content": content }),
            )
            .await;
        assert_eq!(reply.status, 201, "send message: {reply:?}");
        reply.body["id"].as_i64().expect("message id")
    }
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body read");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Self {
            status,
            body,
            headers,
        }
    }

    /// Asserts status and the exact JSON body.
    pub fn expect(&self, status: u16, body: Value) {
        assert_eq!(
            (self.status, &self.body),
            (status, &body),
            "unexpected reply: {self:?}"
        );
    }
}

/// The 401 of a request without usable credentials, with its `WWW-Authenticate` header.
pub fn assert_no_credentials(reply: &Reply) {
    reply.expect(401, detail(NO_CREDENTIALS));
    assert_eq!(
        reply
            .headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some(r#"Bearer realm="api""#),
        "WWW-Authenticate of {reply:?}"
    );
}

/// DRF's error bodies.
pub fn detail(text: &str) -> Value {
    json!({ "detail": text })
}

pub const FORBIDDEN: &str = "You do not have permission to perform this action.";
pub const NOT_FOUND: &str = "Not found.";
pub const NO_CREDENTIALS: &str = "Authentication credentials were not provided.";

/// RFC 3339 UTC with microseconds, as DRF renders timestamps.
pub fn is_drf_timestamp(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 27
            && s.ends_with('Z')
            && chrono::DateTime::parse_from_rfc3339(s).is_ok()
            && s.as_bytes()[19] == b'.'
    })
}

/// Follows `next` (or `previous`) links from `first` to the end, collecting `results`.
pub async fn walk(app: &TestApp, token: &str, first: &str, link: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut url = Some(first.to_owned());
    while let Some(current) = url {
        let reply = app.get(&current, Some(token)).await;
        assert_eq!(reply.status, 200, "page {current}: {reply:?}");
        items.extend(
            reply.body["results"]
                .as_array()
                .expect("results")
                .iter()
                .cloned(),
        );
        pages += 1;
        assert!(pages < 1000, "pagination does not end");
        url = reply.body[link].as_str().map(str::to_owned);
    }
    (items, pages)
}

/// A GROUP room of alice (creator), bob and carol; dave outside it.
pub struct Scene {
    pub app: TestApp,
    pub alice: User,
    pub bob: User,
    pub carol: User,
    pub dave: User,
    pub room: i64,
}

pub async fn group_scene() -> Option<Scene> {
    let app = spawn_app().await?;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let room = app.room(&alice, "GROUP", &[&bob, &carol]).await;
    Some(Scene {
        app,
        alice,
        bob,
        carol,
        dave,
        room,
    })
}

pub fn messages_url(room: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/")
}

pub fn message_url(room: i64, id: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/{id}/")
}
