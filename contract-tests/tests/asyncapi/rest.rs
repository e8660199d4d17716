//! The REST calls the scenarios need: users with tokens, rooms, the pair's direct room, the
//! event stream's position.

use serde_json::{Value, json};

pub struct User {
    pub id: i64,
    pub token: String,
}

pub struct Rest {
    http: reqwest::Client,
    base: String,
}

impl Rest {
    pub fn new(base: &str) -> Rest {
        Rest {
            http: reqwest::Client::new(),
            base: base.to_owned(),
        }
    }

    pub async fn user(&self, name: &str) -> User {
        let password = format!("{name}-password");
        let registered = self
            .send(
                "POST",
                "/api/users/register/",
                None,
                json!({"username": name, "password": password}),
            )
            .await;
        let token = self
            .send(
                "POST",
                "/api/token/",
                None,
                json!({"username": name, "password": password}),
            )
            .await;
        User {
            id: registered["id"].as_i64().expect("user id"),
            token: token["access"].as_str().expect("access token").to_owned(),
        }
    }

    pub async fn room(&self, owner: &User, name: &str, others: &[i64]) -> i64 {
        let room = self
            .call(
                "POST",
                "/api/chat/rooms/",
                owner,
                json!({"name": name, "room_type": "GROUP", "participants": others}),
            )
            .await;
        room["id"].as_i64().expect("room id")
    }

    /// The ONE_TO_ONE room of `user` and `other` (the direct socket found or created it).
    pub async fn direct_room(&self, user: &User, other: i64) -> i64 {
        let page = self
            .call("GET", "/api/chat/rooms/?page_size=100", user, Value::Null)
            .await;
        page["results"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|room| {
                room["room_type"] == "ONE_TO_ONE"
                    && room["participants"]
                        .as_array()
                        .is_some_and(|p| p.contains(&json!(other)))
            })
            .and_then(|room| room["id"].as_i64())
            .expect("the pair's ONE_TO_ONE room")
    }

    pub async fn call(&self, method: &str, path: &str, user: &User, body: Value) -> Value {
        self.send(method, path, Some(&user.token), body).await
    }

    /// A write that must succeed: its JSON body and its `X-Event-Position` (the position of
    /// the newest event it stored, none if it stored none).
    pub async fn call_echoed(
        &self,
        method: &str,
        path: &str,
        user: &User,
        body: Value,
    ) -> (Value, Option<i64>) {
        let answer = self.request(method, path, Some(&user.token), body).await;
        answer.assert_success(method, path);
        (answer.json(), answer.position)
    }

    /// Any answer: its status and JSON body (`null` for none).
    pub async fn status(&self, method: &str, path: &str, user: &User) -> (u16, Value) {
        let answer = self
            .request(method, path, Some(&user.token), Value::Null)
            .await;
        (answer.status.as_u16(), answer.json())
    }

    /// The newest position of the event stream (`GET /api/events/` without `since`).
    pub async fn position(&self, user: &User) -> i64 {
        self.call("GET", "/api/events/", user, Value::Null).await["position"]
            .as_i64()
            .expect("the stream's position")
    }

    /// Sends a request that must succeed; its JSON body (`null` for none).
    async fn send(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Value {
        let answer = self.request(method, path, token, body).await;
        answer.assert_success(method, path);
        answer.json()
    }

    async fn request(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let position = response.headers().get("x-event-position").map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("X-Event-Position {value:?} is not an integer"))
        });
        let text = response.text().await.expect("a body");
        Answer {
            status,
            position,
            text,
        }
    }
}

/// What the server answered.
struct Answer {
    status: reqwest::StatusCode,
    position: Option<i64>,
    text: String,
}

impl Answer {
    fn assert_success(&self, method: &str, path: &str) {
        assert!(
            self.status.is_success(),
            "{method} {path} → {}: {}",
            self.status,
            self.text
        );
    }

    fn json(&self) -> Value {
        if self.text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&self.text).expect("a JSON body")
        }
    }
}
