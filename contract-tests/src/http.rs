//! Raw HTTP against a running server where every response is checked against the spec and
//! every (operation, status) seen is recorded. Failures are collected, not raised, so one
//! run reports all of them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::Value;

use crate::spec::Spec;
use crate::validate::{self, Exchange, Verdict, Violation};

/// What a run of checked requests found.
#[derive(Debug, Default)]
pub struct Ledger {
    /// (operationId, status) of every response whose status the operation documents.
    pub observed: BTreeSet<(String, u16)>,
    pub violations: Vec<Violation>,
    pub exchanges: usize,
    /// The texts of every error body answered, by status (see [`crate::examples`]).
    pub error_texts: BTreeMap<u16, BTreeSet<String>>,
    /// What scenarios found wrong beyond the spec's reach (a header's value, a body's
    /// text), recorded with [`ContractClient::problem`].
    pub problems: Vec<String>,
}

/// An HTTP client bound to one server whose every response goes through [`validate::check`].
pub struct ContractClient {
    base: String,
    http: reqwest::Client,
    spec: Arc<Spec>,
    /// Shared with the clients made by [`ContractClient::sharing_ledger`].
    ledger: Arc<Mutex<Ledger>>,
}

/// A response, already checked; `body` is `Null` when empty or not JSON.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: Value,
    /// The body as text (lossy UTF-8), for bodies that are not JSON.
    pub raw_body: String,
}

impl Reply {
    /// `body.id`, or 0 when the call failed (later calls then fail visibly, not by panic).
    pub fn id(&self) -> i64 {
        self.body["id"].as_i64().unwrap_or(0)
    }

    /// A string field of the body, or `""`.
    pub fn text(&self, field: &str) -> String {
        self.body[field].as_str().unwrap_or_default().to_owned()
    }
}

impl ContractClient {
    /// `base` is the server's origin, e.g. `http://127.0.0.1:4000`.
    pub fn new(base: &str, spec: Arc<Spec>) -> ContractClient {
        ContractClient {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            spec,
            ledger: Arc::new(Mutex::new(Ledger::default())),
        }
    }

    /// A client for another server (one started with other settings, e.g. low throttles)
    /// checking against the same spec and recording into this client's ledger, so that one
    /// coverage counts the responses of both.
    pub fn sharing_ledger(&self, base: &str) -> ContractClient {
        ContractClient {
            base: base.trim_end_matches('/').to_owned(),
            http: self.http.clone(),
            spec: Arc::clone(&self.spec),
            ledger: Arc::clone(&self.ledger),
        }
    }

    pub fn get(&self, path: &str) -> Call<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Call<'_> {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Call<'_> {
        self.request(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> Call<'_> {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Call<'_> {
        self.request(Method::DELETE, path)
    }

    /// `path` is relative to the server, or an absolute URL (a `next` link).
    pub fn request(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            client: self,
            method,
            url: if path.starts_with("http://") || path.starts_with("https://") {
                path.to_owned()
            } else {
                format!("{}{path}", self.base)
            },
            authorization: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Everything recorded so far, by this client and every client sharing its ledger (the
    /// ledger is emptied: what they record later starts a new one).
    pub fn finish(self) -> Ledger {
        let mut ledger = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *ledger)
    }

    /// Records something a scenario found wrong that no schema can say (a header's value, a
    /// body's text): it fails the run like a violation, and the run goes on.
    pub fn problem(&self, problem: String) {
        let mut ledger = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
        ledger.problems.push(problem);
    }

    fn record(&self, exchange: Exchange, mut verdict: Verdict, expected: u16) {
        let mut ledger = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
        ledger.exchanges += 1;
        if let Some(operation) = &verdict.operation_id
            && verdict.status_documented
        {
            ledger.observed.insert((operation.clone(), exchange.status));
        }
        if exchange.status >= 400
            && let Ok(body) = serde_json::from_slice::<Value>(&exchange.body)
        {
            ledger
                .error_texts
                .entry(exchange.status)
                .or_default()
                .extend(crate::examples::texts(&body));
        }
        if exchange.status != expected {
            verdict.problems.insert(
                0,
                format!(
                    "the scenario expected status {expected}, got {}",
                    exchange.status
                ),
            );
        }
        if !verdict.is_ok() {
            ledger.violations.push(Violation::new(exchange, verdict));
        }
    }
}

/// One request being put together.
pub struct Call<'a> {
    client: &'a ContractClient,
    method: Method,
    url: String,
    authorization: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
}

impl Call<'_> {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.authorization(&format!("Bearer {token}"))
    }

    /// Any `Authorization` header, to send malformed ones.
    pub fn authorization(mut self, value: &str) -> Self {
        self.authorization = Some(value.to_owned());
        self
    }

    /// Any other request header, e.g. those of a WebSocket handshake. The response to a
    /// handshake is read like any other: a 101's (empty) body, then the connection is dropped.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.body("application/json", body.to_string())
    }

    /// A form body with `Content-Type: application/x-www-form-urlencoded`, the fields
    /// percent-encoded in the order given.
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        self.body("application/x-www-form-urlencoded", form_body(fields))
    }

    /// Any body with any content type, to send malformed or oversized ones.
    pub fn body(mut self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.to_owned(), bytes.into()));
        self
    }

    /// Sends the request, checks the response against the spec, and records a violation if
    /// it breaks the contract or its status is not `expected`.
    pub async fn expect(self, expected: u16) -> Reply {
        let client = self.client;
        let mut request = client.http.request(self.method.clone(), &self.url);
        if let Some(authorization) = &self.authorization {
            request = request.header("authorization", authorization);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let request_body = self.body.as_ref().map(|(content_type, bytes)| {
            format!(
                "Content-Type: {content_type}\n{}",
                validate::pretty_body(bytes)
            )
        });
        if let Some((content_type, bytes)) = self.body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let mut transport_error = None;
        let (status, headers, body) = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.as_str().to_ascii_lowercase(),
                            String::from_utf8_lossy(value.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                let body = response.bytes().await.map(|bytes| bytes.to_vec());
                let body = body.unwrap_or_else(|err| {
                    transport_error = Some(format!("reading the body failed: {err}"));
                    Vec::new()
                });
                (status, headers, body)
            }
            Err(err) => {
                transport_error = Some(format!("the request failed: {err}"));
                (0, BTreeMap::new(), Vec::new())
            }
        };
        let exchange = Exchange {
            method: self.method.as_str().to_owned(),
            url: self.url,
            request_body,
            status,
            headers,
            body,
        };
        let mut verdict = validate::check(&client.spec, &exchange);
        verdict.problems.splice(0..0, transport_error);
        let reply = Reply {
            status,
            headers: exchange.headers.clone(),
            body: serde_json::from_slice(&exchange.body).unwrap_or(Value::Null),
            raw_body: String::from_utf8_lossy(&exchange.body).into_owned(),
        };
        client.record(exchange, verdict, expected);
        reply
    }
}

/// `fields` as an `application/x-www-form-urlencoded` body, in the order given.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    let encoded: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value)))
        .collect();
    encoded.join("&")
}

/// `application/x-www-form-urlencoded` encoding of one name or value: unreserved characters
/// as they are, spaces as `+`, every other byte of the UTF-8 as `%XX`.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                char::from(byte).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::form_encode;

    #[test]
    fn form_fields_are_percent_encoded() {
        assert_eq!(form_encode("chat_room"), "chat_room");
        assert_eq!(form_encode("a b&c=d+é"), "a+b%26c%3Dd%2B%C3%A9");
    }
}
