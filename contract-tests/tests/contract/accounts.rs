//! Health, tokens and users.

use contract_tests::ContractClient;
use reqwest::Method;
use serde_json::json;

use super::support::{body_errors, register, unauthenticated};

pub async fn health(api: &ContractClient) {
    api.get("/healthz").expect(200).await;
    api.get("/readyz").expect(200).await;
    api.get("/readyz").expect(200).await;
    let metrics = api.get("/metrics").expect(200).await;
    for problem in prometheus_problems(&metrics.raw_body) {
        api.problem(format!("GET /metrics: {problem}"));
    }
}

/// What keeps `text` from being Prometheus' text exposition format with the request counter
/// in it, and the requests just made (two readiness checks) among its samples.
fn prometheus_problems(text: &str) -> Vec<String> {
    let mut problems: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter(|line| !is_sample(line))
        .map(|line| format!("not a Prometheus sample line: {line:?}"))
        .collect();
    if !text
        .lines()
        .any(|line| line == "# TYPE chat_http_requests_total counter")
    {
        problems.push("no `# TYPE chat_http_requests_total counter`".to_owned());
    }
    let ready = text.lines().find(|line| {
        line.starts_with("chat_http_requests_total{")
            && line.contains(r#"operation="readiness_check""#)
            && line.contains(r#"status="200""#)
    });
    match ready.and_then(|line| line.rsplit(' ').next()?.parse::<f64>().ok()) {
        Some(count) if count >= 2.0 => {}
        _ => problems.push(format!(
            "chat_http_requests_total does not count the two readiness checks: {ready:?}"
        )),
    }
    problems
}

/// `name{label="value",...} value` or `name value`, with an optional timestamp.
fn is_sample(line: &str) -> bool {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(name_end);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let rest = match rest.strip_prefix('{') {
        Some(labels) => match labels.rfind('}') {
            Some(end) => &labels[end + 1..],
            None => return false,
        },
        None => rest,
    };
    let mut fields = rest.split_whitespace();
    let value = fields.next().is_some_and(|value| {
        value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value)
    });
    let timestamp = fields.next().is_none_or(|ts| ts.parse::<i64>().is_ok());
    value && timestamp && fields.next().is_none() && rest.starts_with(' ')
}

pub async fn tokens(api: &ContractClient) {
    let alice = register(api, "token_alice").await;

    let obtain = "/api/token/";
    let wrong = json!({ "username": "token_alice", "password": "not-the-password" });
    api.post(obtain).json(&wrong).expect(401).await;
    let stranger = json!({ "username": "nobody_at_all", "password": "password123" });
    api.post(obtain).json(&stranger).expect(401).await;
    let no_password = json!({ "username": "token_alice" });
    api.post(obtain).json(&no_password).expect(400).await;
    api.post(obtain)
        .body("application/json", b"[1, 2]".to_vec())
        .expect(400)
        .await;
    body_errors(api, Method::POST, obtain, None).await;

    let refresh = "/api/token/refresh/";
    let rotated = api
        .post(refresh)
        .json(&json!({ "refresh": alice.refresh }))
        .expect(200)
        .await;
    // Rotation: the token just exchanged is spent.
    api.post(refresh)
        .json(&json!({ "refresh": alice.refresh }))
        .expect(401)
        .await;
    api.post(refresh)
        .json(&json!({ "refresh": alice.access }))
        .expect(401)
        .await;
    api.post(refresh)
        .json(&json!({ "refresh": "not.a.jwt" }))
        .expect(401)
        .await;
    api.post("/api/token/refresh")
        .json(&json!({ "refresh": rotated.text("refresh") }))
        .expect(200)
        .await;
    api.post(refresh).json(&json!({})).expect(400).await;
    body_errors(api, Method::POST, refresh, None).await;
}

pub async fn users(api: &ContractClient) {
    let bob = register(api, "users_bob").await;
    register(api, "users_carol").await;

    let signup = "/api/users/register/";
    let with_email = json!({
        "username": "users_erin", "password": "password123", "email": "erin@example.com"
    });
    api.post(signup).json(&with_email).expect(201).await;
    for invalid in [
        json!({ "username": "users_bob", "password": "password123" }),
        json!({ "username": "not allowed!", "password": "password123" }),
        json!({ "username": "users_dave", "password": "short" }),
        json!({ "password": "password123" }),
    ] {
        api.post(signup).json(&invalid).expect(400).await;
    }
    body_errors(api, Method::POST, signup, None).await;

    let me = "/api/users/me/";
    api.get(me).bearer(&bob.access).expect(200).await;
    api.get("/api/users/me")
        .bearer(&bob.access)
        .expect(200)
        .await;
    // A refresh token is not an access token.
    api.get(me).bearer(&bob.refresh).expect(401).await;
    unauthenticated(api, Method::GET, me, None).await;

    let list = "/api/users/";
    for query in [
        "",
        "?search=users_",
        "?search=USERS_&page_size=1",
        "?search=users_&page=2&page_size=1",
        "?limit=1&offset=1",
        "?search=nobody-has-this-name",
    ] {
        api.get(&format!("{list}{query}"))
            .bearer(&bob.access)
            .expect(200)
            .await;
    }
    for query in ["?page=999", "?page=abc"] {
        api.get(&format!("{list}{query}"))
            .bearer(&bob.access)
            .expect(404)
            .await;
    }
    // The contract types these as integers.
    for query in ["?page_size=abc", "?limit=1&offset=x"] {
        api.get(&format!("{list}{query}"))
            .bearer(&bob.access)
            .expect(400)
            .await;
    }
    unauthenticated(api, Method::GET, list, None).await;
}

/// The metrics check must refuse what is not Prometheus text.
#[test]
fn the_metrics_check_knows_prometheus_text() {
    let good = "# TYPE chat_http_requests_total counter\n\
        chat_http_requests_total{operation=\"readiness_check\",method=\"GET\",status=\"200\"} 2\n\
        \n\
        # TYPE chat_websocket_connections gauge\n\
        chat_websocket_connections 0\n\
        chat_http_request_duration_seconds_bucket{le=\"+Inf\"} 1 1700000000000\n";
    assert_eq!(prometheus_problems(good), Vec::<String>::new());
    for bad in [
        "{\"status\": \"ok\"}",
        "chat_websocket_connections",
        "chat_websocket_connections zero",
        "chat{le=\"1\" 2",
        "9lives 1",
    ] {
        assert!(!is_sample(bad), "{bad:?} passed as a sample");
    }
    let uncounted = good.replace("} 2", "} 1");
    assert_eq!(prometheus_problems(&uncounted).len(), 1, "{uncounted}");
}
