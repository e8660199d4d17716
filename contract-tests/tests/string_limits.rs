//! Every string the spec bounds (`minLength`, `maxLength`, `pattern`) in a request body (each
//! of its media types) or a query parameter, sent to the real server just outside its bounds,
//! padded with whitespace too, and just inside them (issue 21: the server took what the spec
//! refused, and refused what it allowed). The spec itself is the oracle: each value's verdict
//! is checked against the field's schema first, so the cases say what a client validating
//! against the spec would say. A new bounded field is covered by itself; a new operation with
//! one needs its request in [`request_for`], and the test says so.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use contract_tests::http::form_body;
use contract_tests::{Database, Operation, Server, Spec};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Whitespace at the edges of what clients' `\s` and the server's trim agree on, and where
/// they differ (U+0085, U+FEFF): a padding character, and alone a blank value when the spec's
/// pattern says so.
const EDGES: [char; 8] = [
    ' ', '\t', '\n', '\u{a0}', '\u{85}', '\u{2028}', '\u{3000}', '\u{feff}',
];

const PASSWORD: &str = "password123";

#[tokio::test]
async fn every_bounded_string_is_refused_just_outside_and_taken_just_inside() {
    check(Database::Sqlite).await;
}

/// Skips outside CI without `TEST_POSTGRES_URL` (see chat-test-support).
#[tokio::test]
async fn every_bounded_string_is_refused_just_outside_and_taken_just_inside_on_postgres() {
    check(Database::Postgres).await;
}

async fn check(database: Database) {
    let spec = Spec::load();
    let targets = targets(&spec);
    assert!(!targets.is_empty(), "the spec bounds no string at all");
    let Some(server) = Server::start_on(database, &[]).await else {
        return;
    };
    let api = Api::new(&server.base);
    let scene = Scene::new(&api).await;
    let mut failures = Vec::new();
    let mut sent = 0;
    for target in &targets {
        let Some(base) = request_for(&api, &scene, &target.op.id).await else {
            failures.push(format!(
                "{}: no request to send `{}` in; add one to request_for",
                target.op.id, target.field
            ));
            continue;
        };
        let count = cases(&spec, target, &base.value_of(target)).len();
        for n in 0..count {
            // Each case in a request of its own, around that request's own base value: names
            // the server wants unique stay so once trimmed.
            let Some(request) = request_for(&api, &scene, &target.op.id).await else {
                continue;
            };
            let mut own = cases(&spec, target, &request.value_of(target));
            let case = own.swap_remove(n);
            let spec_refuses = !spec
                .schemas
                .errors(&target.schema, &json!(case.value))
                .is_empty();
            if spec_refuses != case.refused() {
                failures.push(format!(
                    "{} `{}` = {:?} ({}): the test expects the spec to {} it",
                    target.op.id,
                    target.field,
                    shorten(&case.value),
                    case.why,
                    if case.refused() { "refuse" } else { "allow" },
                ));
                continue;
            }
            sent += 1;
            let credentials = request.credentials;
            let (status, body) = api.send(&request.with(target, &case.value)).await;
            if let Some(wrong) = case.wrong_answer(&target.field, status, &body, credentials) {
                failures.push(format!(
                    "{} `{}` ({}) = {:?} ({}): {wrong}; got {status} {body}",
                    target.op.id,
                    target.field,
                    target.place,
                    shorten(&case.value),
                    case.why,
                ));
            }
        }
    }
    eprintln!("{sent} requests for {} bounded strings", targets.len());
    assert!(
        failures.is_empty(),
        "{} strings where the server and the spec disagree on {database:?}:\n{}\n\nserver log:\n{}",
        failures.len(),
        failures.join("\n"),
        server.log()
    );
}

/// One bounded string: a property of an operation's request body, or a query parameter.
struct Target {
    op: Operation,
    place: Place,
    field: String,
    schema: Value,
}

#[derive(Clone)]
enum Place {
    Body { media_type: String },
    Query,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Body { media_type } => write!(f, "body, {media_type}"),
            Place::Query => write!(f, "query"),
        }
    }
}

/// Every bounded string of the spec, walking each operation's body schemas and parameters.
fn targets(spec: &Spec) -> Vec<Target> {
    let mut targets = Vec::new();
    for op in &spec.operations {
        let content = op.raw["requestBody"]["content"].as_object();
        for (media_type, media) in content.into_iter().flatten() {
            let schema = resolve(spec, &media["schema"]);
            for (field, property) in schema["properties"].as_object().into_iter().flatten() {
                if is_bounded_string(property) {
                    targets.push(Target {
                        op: op.clone(),
                        place: Place::Body {
                            media_type: media_type.clone(),
                        },
                        field: field.clone(),
                        schema: property.clone(),
                    });
                }
            }
        }
        let parameters = op.raw["parameters"].as_array();
        for parameter in parameters.into_iter().flatten() {
            if parameter["in"] == "query" && is_bounded_string(&parameter["schema"]) {
                targets.push(Target {
                    op: op.clone(),
                    place: Place::Query,
                    field: parameter["name"].as_str().unwrap_or_default().to_owned(),
                    schema: parameter["schema"].clone(),
                });
            }
        }
    }
    targets
}

fn resolve<'a>(spec: &'a Spec, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => reference
            .strip_prefix('#')
            .and_then(|pointer| spec.document.pointer(pointer))
            .unwrap_or(&Value::Null),
        None => schema,
    }
}

fn is_bounded_string(schema: &Value) -> bool {
    schema["type"] == "string"
        && ["minLength", "maxLength", "pattern"]
            .iter()
            .any(|keyword| schema.get(keyword).is_some())
}

impl Target {
    fn length(&self, keyword: &str) -> Option<usize> {
        self.schema[keyword]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
    }
}

/// A value to send, and what the spec says of it.
struct Case {
    value: String,
    /// `Some(max)` when only `maxLength` refuses it: the server must say that, in DRF's words.
    refusal: Option<Refusal>,
    why: String,
}

enum Refusal {
    TooLong(usize),
    Other,
}

impl Case {
    fn taken(value: String, why: impl Into<String>) -> Case {
        Case {
            value,
            refusal: None,
            why: why.into(),
        }
    }

    fn refused(&self) -> bool {
        self.refusal.is_some()
    }

    /// What is wrong with the answer, if anything. A refusal is a 400 naming the field (seed
    /// 000's `{"error": "field: ..."}` on the legacy routes); a value the spec allows is taken
    /// (2xx), or for credentials at least not refused as malformed (401: no such account).
    fn wrong_answer(
        &self,
        field: &str,
        status: u16,
        body: &Value,
        credentials: bool,
    ) -> Option<String> {
        let Some(refusal) = &self.refusal else {
            let taken = (200..300).contains(&status) || (credentials && status == 401);
            return (!taken).then(|| "the spec allows it, the server did not take it".to_owned());
        };
        let messages = match body["error"].as_str() {
            Some(legacy) => legacy
                .strip_prefix(&format!("{field}: "))
                .map(|text| vec![text.to_owned()]),
            None => body[field].as_array().map(|messages| {
                messages
                    .iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            }),
        };
        if status != 400 {
            return Some("the spec refuses it, the server answered other than 400".to_owned());
        }
        let Some(messages) = messages else {
            return Some(format!("a 400 that does not name `{field}`"));
        };
        match refusal {
            Refusal::TooLong(max) => {
                let expected = format!("Ensure this field has no more than {max} characters.");
                (!messages.contains(&expected)).then(|| format!("not DRF's {expected:?}"))
            }
            Refusal::Other => None,
        }
    }
}

/// The values just outside and just inside the target's bounds, built around `base` (a value
/// the server takes in that place). Blank is what the spec's pattern refuses, as a client's
/// validator reads it.
fn cases(spec: &Spec, target: &Target, base: &str) -> Vec<Case> {
    let mut cases = vec![Case::taken(base.to_owned(), "as the scenario sends it")];
    let pattern = target.schema.get("pattern");
    let is_blank = |text: &str| {
        pattern.is_some_and(|pattern| {
            let only_the_pattern = json!({ "type": "string", "pattern": pattern });
            !spec
                .schemas
                .errors(&only_the_pattern, &json!(text))
                .is_empty()
        })
    };
    let max = target.length("maxLength");
    if let Some(max) = max {
        cases.push(Case::taken(fit(base, max), "maxLength exactly"));
        let over = |value: String, why: String| Case {
            value,
            refusal: Some(Refusal::TooLong(max)),
            why,
        };
        cases.push(over(fit(base, max + 1), "maxLength + 1".into()));
        for edge in EDGES {
            let name = format!("U+{:04X}", u32::from(edge));
            cases.push(over(
                format!("{edge}{}", fit(base, max)),
                format!("{name} before maxLength characters"),
            ));
            cases.push(over(
                format!("{}{edge}", fit(base, max)),
                format!("{name} after maxLength characters"),
            ));
        }
    }
    if let Some(min) = target.length("minLength") {
        cases.push(Case::taken(fit(base, min), "minLength exactly"));
        if min > 0 {
            cases.push(Case {
                value: fit(base, min - 1),
                refusal: Some(Refusal::Other),
                why: "minLength - 1".into(),
            });
        }
    }
    if pattern.is_some() {
        let blanks: Vec<char> = EDGES
            .into_iter()
            .filter(|edge| is_blank(&edge.to_string()))
            .collect();
        for edge in &blanks {
            let name = format!("U+{:04X}", u32::from(*edge));
            cases.push(Case {
                value: edge.to_string(),
                refusal: Some(Refusal::Other),
                why: format!("{name} alone: blank to the pattern"),
            });
            if max.is_none_or(|max| base.chars().count() + 2 <= max) {
                cases.push(Case::taken(
                    format!("{edge}{base}{edge}"),
                    format!("{name} around it: trimmed"),
                ));
            }
        }
        cases.push(Case {
            value: blanks.iter().collect(),
            refusal: Some(Refusal::Other),
            why: "only whitespace".into(),
        });
    }
    cases
}

/// `base` cut or padded at the front to exactly `chars` characters (the end of an email or a
/// word stays as it was).
fn fit(base: &str, chars: usize) -> String {
    let len = base.chars().count();
    if len >= chars {
        base.chars().take(chars).collect()
    } else {
        format!("{}{base}", "a".repeat(chars - len))
    }
}

fn shorten(value: &str) -> String {
    let len = value.chars().count();
    if len <= 24 {
        return value.to_owned();
    }
    let head: String = value.chars().take(12).collect();
    let tail: String = value.chars().skip(len - 12).collect();
    format!("{head}…{tail} ({len} characters)")
}

/// A request that the server takes as it is.
struct Request {
    method: Method,
    path: String,
    token: Option<String>,
    body: Map<String, Value>,
    query: BTreeMap<String, String>,
    /// The request is a sign-in: a value the spec allows may name no account (401).
    credentials: bool,
}

impl Request {
    fn new(method: Method, path: String, token: &str, body: Value) -> Request {
        Request {
            method,
            path,
            token: (!token.is_empty()).then(|| token.to_owned()),
            body: body.as_object().cloned().unwrap_or_default(),
            query: BTreeMap::new(),
            credentials: false,
        }
    }

    fn value_of(&self, target: &Target) -> String {
        match &target.place {
            Place::Body { .. } => self.body[&target.field]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            Place::Query => self.query.get(&target.field).cloned().unwrap_or_default(),
        }
    }

    /// This request with `value` in the target's place, in its media type.
    fn with(mut self, target: &Target, value: &str) -> Sendable {
        let media_type = match &target.place {
            Place::Body { media_type } => {
                self.body.insert(target.field.clone(), json!(value));
                Some(media_type.clone())
            }
            Place::Query => {
                self.query.insert(target.field.clone(), value.to_owned());
                None
            }
        };
        Sendable {
            request: self,
            media_type,
        }
    }
}

struct Sendable {
    request: Request,
    media_type: Option<String>,
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(base: &str) -> Api {
        Api {
            base: base.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, sendable: &Sendable) -> (u16, Value) {
        let request = &sendable.request;
        let mut call = self
            .http
            .request(
                request.method.clone(),
                format!("{}{}", self.base, request.path),
            )
            .query(&request.query);
        if let Some(token) = &request.token {
            call = call.bearer_auth(token);
        }
        call = match sendable.media_type.as_deref() {
            Some("application/x-www-form-urlencoded") => {
                let texts: Vec<(&str, String)> = request
                    .body
                    .iter()
                    .map(|(name, value)| {
                        let text = value
                            .as_str()
                            .map_or_else(|| value.to_string(), str::to_owned);
                        (name.as_str(), text)
                    })
                    .collect();
                let fields: Vec<(&str, &str)> = texts
                    .iter()
                    .map(|(name, text)| (*name, text.as_str()))
                    .collect();
                call.header("content-type", "application/x-www-form-urlencoded")
                    .body(form_body(&fields))
            }
            Some(media_type) => call
                .header("content-type", media_type)
                .body(Value::Object(request.body.clone()).to_string()),
            None => call,
        };
        let response = call.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        let request = Request::new(Method::POST, path.to_owned(), token, body);
        let (status, reply) = self
            .send(&Sendable {
                request,
                media_type: Some("application/json".into()),
            })
            .await;
        assert!(
            (200..300).contains(&status),
            "POST {path}: {status} {reply}"
        );
        reply
    }
}

/// A user with a room and a message of their own, and the account the token requests use.
struct Scene {
    owner: String,
    room: i64,
    message: i64,
    holder: &'static str,
    /// Requests made so far.
    requests: AtomicUsize,
}

impl Scene {
    async fn new(api: &Api) -> Scene {
        let holder = "holder";
        api.post(
            "/api/users/register/",
            "",
            json!({ "username": holder, "password": PASSWORD }),
        )
        .await;
        let owner = api
            .post(
                "/api/token/",
                "",
                json!({ "username": holder, "password": PASSWORD }),
            )
            .await["access"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let room = api
            .post(
                "/api/chat/rooms/",
                &owner,
                json!({ "name": "limits", "room_type": "GROUP" }),
            )
            .await["id"]
            .as_i64()
            .unwrap_or_default();
        let message = api
            .post(
                &format!("/api/chat/rooms/{room}/messages/"),
                &owner,
                json!({ "content": "first" }),
            )
            .await["id"]
            .as_i64()
            .unwrap_or_default();
        Scene {
            owner,
            room,
            message,
            holder,
            requests: AtomicUsize::new(0),
        }
    }
}

/// A request of `operation` that the server takes, with its bounded strings at ordinary
/// values, unique ones where the server wants names unique.
async fn request_for(api: &Api, scene: &Scene, operation: &str) -> Option<Request> {
    let n = scene.requests.fetch_add(1, Ordering::Relaxed);
    let token = scene.owner.as_str();
    let room = scene.room;
    let message = format!("/api/chat/rooms/{room}/messages/{}/", scene.message);
    let request = match operation {
        "token_obtain" => Request {
            credentials: true,
            ..Request::new(
                Method::POST,
                "/api/token/".into(),
                "",
                json!({ "username": scene.holder, "password": PASSWORD }),
            )
        },
        "token_refresh" => {
            let pair = api
                .post(
                    "/api/token/",
                    "",
                    json!({ "username": scene.holder, "password": PASSWORD }),
                )
                .await;
            Request {
                credentials: true,
                ..Request::new(
                    Method::POST,
                    "/api/token/refresh/".into(),
                    "",
                    json!({ "refresh": pair["refresh"] }),
                )
            }
        }
        "users_register" => Request::new(
            Method::POST,
            "/api/users/register/".into(),
            "",
            json!({ "username": format!("u{n}"), "password": PASSWORD, "email": format!("u{n}@example.com") }),
        ),
        "rooms_create" => Request::new(
            Method::POST,
            "/api/chat/rooms/".into(),
            token,
            json!({ "name": format!("room {n}"), "room_type": "GROUP" }),
        ),
        "rooms_update" => Request::new(
            Method::PUT,
            format!("/api/chat/rooms/{room}/"),
            token,
            json!({ "name": format!("room {n}"), "room_type": "GROUP" }),
        ),
        "rooms_partial_update" => Request::new(
            Method::PATCH,
            format!("/api/chat/rooms/{room}/"),
            token,
            json!({ "name": format!("room {n}") }),
        ),
        "messages_create" => Request::new(
            Method::POST,
            format!("/api/chat/rooms/{room}/messages/"),
            token,
            json!({ "content": format!("message {n}") }),
        ),
        "messages_update" => Request::new(
            Method::PUT,
            message,
            token,
            json!({ "content": format!("edit {n}") }),
        ),
        "messages_partial_update" => Request::new(
            Method::PATCH,
            message,
            token,
            json!({ "content": format!("edit {n}") }),
        ),
        "messages_reactions_create" => Request::new(
            Method::POST,
            format!("{message}reactions/"),
            token,
            json!({ "emoji": "👍" }),
        ),
        "direct_messages_create" => Request::new(
            Method::POST,
            format!("/{room}/messages/"),
            token,
            json!({ "content": format!("message {n}") }),
        ),
        "legacy_messages_create" => Request::new(
            Method::POST,
            "/messages/create".into(),
            token,
            json!({ "chat_room": room, "content": format!("message {n}") }),
        ),
        "legacy_messages_update" => Request::new(
            Method::PUT,
            format!("/messages/{}/", scene.message),
            token,
            json!({ "content": format!("edit {n}") }),
        ),
        "search_list" => Request {
            query: [("q".to_owned(), "apple".to_owned())].into(),
            ..Request::new(Method::GET, "/api/chat/search/".into(), token, json!({}))
        },
        _ => return None,
    };
    Some(request)
}
