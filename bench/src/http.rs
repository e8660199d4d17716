//! The bench's HTTP client and the API calls its setup makes.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use futures::{StreamExt, TryStreamExt, stream};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const PASSWORD: &str = "chat-bench-password";

/// The base URL and one HTTP client (connection pool) for everything.
#[derive(Clone)]
pub struct Http {
    pub base: Arc<str>,
    pub client: reqwest::Client,
}

impl Http {
    /// `pool` idle connections are kept per host: at least the load's concurrency, or every
    /// request of a closed loop would open a new connection.
    pub fn new(base: &str, pool: usize) -> anyhow::Result<Http> {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(pool.max(256))
            .timeout(Duration::from_secs(60))
            .build()
            .context("the HTTP client")?;
        Ok(Http {
            base: base.into(),
            client,
        })
    }

    /// The same pool pointed at another base (a restarted server listens on a new port).
    pub fn rebased(&self, base: &str) -> Http {
        Http {
            base: base.into(),
            client: self.client.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The WebSocket base URL (`ws://...`).
    pub fn ws_base(&self) -> String {
        self.base.replacen("http", "ws", 1)
    }

    /// A setup POST; waits out 429 (`Retry-After`) a few times.
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<(StatusCode, Value)> {
        for _ in 0..10 {
            let mut request = self.client.post(self.url(path)).json(body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request
                .send()
                .await
                .with_context(|| format!("POST {path}"))?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                tokio::time::sleep(retry_after(&response)).await;
                continue;
            }
            let text = response
                .text()
                .await
                .with_context(|| format!("POST {path}: body"))?;
            let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
            return Ok((status, json));
        }
        bail!("POST {path}: still throttled (429) after 10 tries")
    }

    /// A setup GET (`url` absolute) that must answer 200 with JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        token: &str,
    ) -> anyhow::Result<T> {
        let response = self
            .client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .with_context(|| format!("GET {url}: body"))?;
        ensure!(status == StatusCode::OK, "GET {url}: {status} {text}");
        serde_json::from_str(&text).with_context(|| format!("GET {url}: unexpected body {text}"))
    }
}

fn retry_after(response: &reqwest::Response) -> Duration {
    let secs = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1);
    Duration::from_secs(secs.max(1))
}

pub struct User {
    pub id: i64,
    pub token: String,
}

/// Registers `<prefix>_<i>` for every i of `count` and logs each in once, `concurrency` at a
/// time (Argon2 makes both slow on purpose).
pub async fn register_users(
    http: &Http,
    prefix: &str,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<User>> {
    stream::iter(0..count)
        .map(|i| register(http, format!("{prefix}_{i}")))
        .buffered(concurrency)
        .try_collect()
        .await
}

pub async fn register(http: &Http, username: String) -> anyhow::Result<User> {
    let credentials = json!({"username": username, "password": PASSWORD});
    let (status, body) = http
        .post("/api/users/register/", None, &credentials)
        .await?;
    ensure!(
        status == StatusCode::CREATED,
        "register {username}: {status} {body}"
    );
    let id = body["id"]
        .as_i64()
        .with_context(|| format!("register {username}: no id in {body}"))?;
    let (status, body) = http.post("/api/token/", None, &credentials).await?;
    ensure!(
        status == StatusCode::OK,
        "token {username}: {status} {body}"
    );
    let token = body["access"]
        .as_str()
        .with_context(|| format!("token {username}: no access token in {body}"))?
        .to_owned();
    Ok(User { id, token })
}

/// A GROUP room created by `owner` with `others` as the other participants.
pub async fn create_room(
    http: &Http,
    owner: &User,
    others: &[&User],
    name: &str,
) -> anyhow::Result<i64> {
    let participants: Vec<i64> = others.iter().map(|u| u.id).collect();
    let (status, body) = http
        .post(
            "/api/chat/rooms/",
            Some(&owner.token),
            &json!({"name": name, "room_type": "GROUP", "participants": participants}),
        )
        .await?;
    ensure!(
        status == StatusCode::CREATED,
        "create room: {status} {body}"
    );
    body["id"]
        .as_i64()
        .with_context(|| format!("create room: no id in {body}"))
}
