//! The few API calls the durability tests make, with plain reqwest: they need the raw status
//! and to tell "no answer" apart from any answer.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::ledger::Stored;

const PASSWORD: &str = "durable-password";

/// A registered user and an access token (it stays valid across restarts: the secret is kept
/// beside the database).
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub access: String,
}

/// What one request got back.
#[derive(Debug, Clone)]
pub enum Answer {
    Status(StatusCode, Value),
    /// No HTTP answer at all: refused, reset, or cut off mid-response.
    NoAnswer(String),
}

/// A client of one server process. Make a new one per process: pooled connections to a
/// killed server would turn the next requests into spurious failures.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        let http = reqwest::Client::builder()
            // Long enough for a grace period, short enough that a hung server fails the test.
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        Api {
            http,
            base: base.to_owned(),
        }
    }

    pub async fn register(&self, username: &str) -> User {
        let body = json!({ "username": username, "password": PASSWORD });
        let (status, user) = self
            .send(self.http.post(self.url("/api/users/register/")).json(&body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "register {username}: {user}");
        let (status, tokens) = self
            .send(self.http.post(self.url("/api/token/")).json(&body))
            .await;
        assert_eq!(status, StatusCode::OK, "token for {username}: {tokens}");
        User {
            id: user["id"].as_i64().expect("a user id"),
            access: tokens["access"]
                .as_str()
                .expect("an access token")
                .to_owned(),
        }
    }

    /// A GROUP room of `owner` with `members`; the raw answer (rooms are writes too).
    pub async fn create_room(&self, owner: &User, members: &[i64]) -> Answer {
        let body = json!({ "name": "Durable", "room_type": "GROUP", "participants": members });
        let request = self
            .http
            .post(self.url("/api/chat/rooms/"))
            .bearer_auth(&owner.access);
        answer(request.json(&body).send().await).await
    }

    pub async fn post_message(
        &self,
        user: &User,
        room: i64,
        content: &str,
        client_id: &str,
    ) -> Answer {
        let body = json!({ "content": content, "client_id": client_id });
        let request = self
            .http
            .post(self.url(&format!("/api/chat/rooms/{room}/messages/")))
            .bearer_auth(&user.access);
        answer(request.json(&body).send().await).await
    }

    pub async fn get(&self, user: Option<&User>, path: &str) -> Answer {
        let mut request = self.http.get(self.url(path));
        if let Some(user) = user {
            request = request.bearer_auth(&user.access);
        }
        answer(request.send().await).await
    }

    /// Every message of `room`, oldest first: `after=0` and its `next` links to the end.
    pub async fn messages(&self, user: &User, room: i64) -> Vec<Stored> {
        let mut rows = Vec::new();
        let mut url = self.url(&format!(
            "/api/chat/rooms/{room}/messages/?after=0&page_size=100"
        ));
        loop {
            let (status, page) = self
                .send(self.http.get(&url).bearer_auth(&user.access))
                .await;
            assert_eq!(status, StatusCode::OK, "GET {url}: {page}");
            for message in page["results"].as_array().expect("results") {
                rows.push(Stored::from_api(message));
            }
            match page["next"].as_str() {
                Some(next) => url = next.to_owned(),
                None => return rows,
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request that must be answered.
    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        match answer(request.send().await).await {
            Answer::Status(status, body) => (status, body),
            Answer::NoAnswer(why) => panic!("no answer from {}: {why}", self.base),
        }
    }
}

async fn answer(sent: reqwest::Result<reqwest::Response>) -> Answer {
    let response = match sent {
        Ok(response) => response,
        Err(err) => return Answer::NoAnswer(format!("{err:?}")),
    };
    let status = response.status();
    match response.bytes().await {
        // A body that is not JSON is kept as a string: the checks quote it.
        Ok(bytes) => Answer::Status(
            status,
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        ),
        Err(err) => Answer::NoAnswer(format!("{status} with its body cut off: {err:?}")),
    }
}
