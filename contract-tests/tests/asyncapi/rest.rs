//! The REST calls the scenarios need: users with tokens, rooms, the pair's direct room.

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

    /// Sends a request that must succeed; its JSON body (`null` for none).
    async fn send(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert!(status.is_success(), "{method} {path} → {status}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("a JSON body")
        }
    }
}
