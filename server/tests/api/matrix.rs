//! Who may call what: every operation of the checked-in `openapi.yaml`, as anonymous, an
//! outsider, a participant and the owner, against one table. The table must name exactly the
//! spec's operations, so a route added later cannot ship without its permissions decided here,
//! and every status it expects must be one the spec documents for that operation.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::helpers::*;
use crate::realtime::try_connect;

#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    /// Registered, not in the fixture room.
    Outsider,
    /// In the fixture room; neither its creator nor the fixture message's sender.
    Participant,
    /// The fixture room's creator and the fixture message's sender.
    Owner,
}

/// The order of [`Row::expect`].
const CALLERS: [Caller; 4] = [
    Caller::Anonymous,
    Caller::Outsider,
    Caller::Participant,
    Caller::Owner,
];

/// What a path or query parameter is filled with.
#[derive(Debug, Clone, Copy)]
enum Id {
    Room,
    Message,
    Owner,
    Participant,
    /// An invitation of the room, from its owner to the outsider.
    Invitation,
    /// An emoji both the owner and the participant reacted with to the message.
    Emoji,
    /// A word of the fixture message.
    Word,
}

/// The fixture message's reaction ([`Id::Emoji`]), URL-encoded.
const REACTION: &str = "%F0%9F%91%8D";

enum Body {
    Empty,
    Json(fn(&Fixture) -> Value),
    /// `{"refresh": ...}` with a refresh token nobody has used: they rotate, so each call
    /// needs its own.
    UnusedRefresh,
}

struct Row {
    method: &'static str,
    /// The path exactly as the spec names it.
    path: &'static str,
    params: &'static [(&'static str, Id)],
    query: &'static [(&'static str, Id)],
    body: Body,
    /// The status for each of [`CALLERS`], in that order.
    expect: [u16; 4],
}

const fn everyone(status: u16) -> [u16; 4] {
    [status; 4]
}

const ID_IS_ROOM: &[(&str, Id)] = &[("id", Id::Room)];
const ROOM_ID: &[(&str, Id)] = &[("room_id", Id::Room)];
const ROOM_AND_MESSAGE: &[(&str, Id)] = &[("room_id", Id::Room), ("id", Id::Message)];
const ID_IS_MESSAGE: &[(&str, Id)] = &[("id", Id::Message)];
const NONE: &[(&str, Id)] = &[];

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Public: credentials, if sent, change nothing.
    Row { method: "GET", path: "/healthz", params: NONE, query: NONE, body: Body::Empty, expect: everyone(200) },
    Row { method: "GET", path: "/readyz", params: NONE, query: NONE, body: Body::Empty, expect: everyone(200) },
    Row { method: "GET", path: "/metrics", params: NONE, query: NONE, body: Body::Empty, expect: everyone(200) },
    Row { method: "POST", path: "/api/users/register/", params: NONE, query: NONE,
          body: Body::Json(|f| json!({"username": format!("newcomer{}", f.serial), "password": "password123"})),
          expect: everyone(201) },
    Row { method: "POST", path: "/api/token/", params: NONE, query: NONE,
          body: Body::Json(|_| json!({"username": "owner", "password": "password123"})),
          expect: everyone(200) },
    Row { method: "POST", path: "/api/token/refresh/", params: NONE, query: NONE, body: Body::UnusedRefresh, expect: everyone(200) },

    // Any signed-in user.
    Row { method: "GET", path: "/api/users/me/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    Row { method: "GET", path: "/api/users/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    // Room-mates only (the outsider shares no room with the owner until a later row's
    // accepted invitation).
    Row { method: "GET", path: "/api/users/{id}/presence/", params: &[("id", Id::Owner)], query: NONE, body: Body::Empty,
          expect: [401, 404, 200, 200] },
    Row { method: "GET", path: "/api/chat/rooms/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    Row { method: "POST", path: "/api/chat/rooms/", params: NONE, query: NONE,
          body: Body::Json(|_| json!({"name": "Team", "room_type": "GROUP"})),
          expect: [401, 201, 201, 201] },

    // A room: invisible (404) to outsiders, seed 001; deleting a GROUP room is the creator's.
    Row { method: "GET", path: "/api/chat/rooms/{id}/", params: ID_IS_ROOM, query: NONE, body: Body::Empty, expect: [401, 404, 200, 200] },
    Row { method: "PUT", path: "/api/chat/rooms/{id}/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|_| json!({"name": "Renamed", "room_type": "GROUP"})),
          expect: [401, 404, 200, 200] },
    Row { method: "PATCH", path: "/api/chat/rooms/{id}/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|_| json!({"name": "Renamed"})),
          expect: [401, 404, 200, 200] },
    Row { method: "DELETE", path: "/api/chat/rooms/{id}/", params: ID_IS_ROOM, query: NONE, body: Body::Empty, expect: [401, 404, 403, 204] },

    // A room's messages: 403 to outsiders (seed 004); editing and deleting are the sender's.
    Row { method: "GET", path: "/api/chat/rooms/{room_id}/messages/", params: ROOM_ID, query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "POST", path: "/api/chat/rooms/{room_id}/messages/", params: ROOM_ID, query: NONE,
          body: Body::Json(|_| json!({"content": "hello"})),
          expect: [401, 403, 201, 201] },
    Row { method: "GET", path: "/api/chat/rooms/{room_id}/messages/{id}/", params: ROOM_AND_MESSAGE, query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "PUT", path: "/api/chat/rooms/{room_id}/messages/{id}/", params: ROOM_AND_MESSAGE, query: NONE,
          body: Body::Json(|_| json!({"content": "edited"})),
          expect: [401, 403, 403, 200] },
    Row { method: "PATCH", path: "/api/chat/rooms/{room_id}/messages/{id}/", params: ROOM_AND_MESSAGE, query: NONE,
          body: Body::Json(|_| json!({"content": "edited"})),
          expect: [401, 403, 403, 200] },
    Row { method: "DELETE", path: "/api/chat/rooms/{room_id}/messages/{id}/", params: ROOM_AND_MESSAGE, query: NONE, body: Body::Empty,
          expect: [401, 403, 403, 204] },
    // Beyond the seeds, on a message: any participant, as reading it.
    Row { method: "POST", path: "/api/chat/rooms/{room_id}/messages/{id}/reactions/", params: ROOM_AND_MESSAGE, query: NONE,
          body: Body::Json(|_| json!({"emoji": "🎉"})),
          expect: [401, 403, 201, 201] },
    Row { method: "DELETE", path: "/api/chat/rooms/{room_id}/messages/{id}/reactions/{emoji}/",
          params: &[("room_id", Id::Room), ("id", Id::Message), ("emoji", Id::Emoji)], query: NONE, body: Body::Empty,
          expect: [401, 403, 204, 204] },
    Row { method: "GET", path: "/api/chat/rooms/{room_id}/messages/{id}/replies/", params: ROOM_AND_MESSAGE, query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "GET", path: "/api/chat/rooms/{room_id}/messages/{id}/history/", params: ROOM_AND_MESSAGE, query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    // Over the caller's own rooms: an outsider finds nothing, but may ask.
    Row { method: "GET", path: "/api/chat/search/", params: NONE, query: &[("q", Id::Word)], body: Body::Empty,
          expect: [401, 200, 200, 200] },

    // Beyond the seeds, on a room: as the room itself, 404 to outsiders.
    Row { method: "POST", path: "/api/chat/rooms/{id}/read/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|f| json!({"message_id": f.message})),
          expect: [401, 404, 200, 200] },
    Row { method: "POST", path: "/api/chat/rooms/{id}/invitations/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|f| json!({"user_id": f.spare})),
          expect: [401, 404, 201, 201] },
    Row { method: "GET", path: "/api/chat/rooms/{id}/invitations/", params: ID_IS_ROOM, query: NONE, body: Body::Empty,
          expect: [401, 404, 200, 200] },
    // Revoking: the inviter (the owner) or the room's creator.
    Row { method: "DELETE", path: "/api/chat/rooms/{id}/invitations/{invitation_id}/",
          params: &[("id", Id::Room), ("invitation_id", Id::Invitation)], query: NONE, body: Body::Empty,
          expect: [401, 404, 403, 204] },
    // The invitee's own: the fixture invites the outsider, whom anyone else asks about in vain.
    Row { method: "GET", path: "/api/invitations/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    Row { method: "POST", path: "/api/invitations/{id}/decline/", params: &[("id", Id::Invitation)], query: NONE, body: Body::Empty,
          expect: [401, 200, 404, 404] },
    // Last: accepting makes the outsider a room-mate of the owner from then on.
    Row { method: "POST", path: "/api/invitations/{id}/accept/", params: &[("id", Id::Invitation)], query: NONE, body: Body::Empty,
          expect: [401, 200, 404, 404] },

    // WebSocket upgrades: refused before the upgrade, 101 once allowed.
    Row { method: "GET", path: "/ws/chat/rooms/{room_id}/", params: ROOM_ID, query: NONE, body: Body::Empty, expect: [401, 403, 101, 101] },
    Row { method: "GET", path: "/ws/chat/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 101, 101, 101] },
    // Seed 002: only `user_id` itself may open it, not even the other user of the pair.
    Row { method: "GET", path: "/ws/chat/{user_id}/{other_user_id}/",
          params: &[("user_id", Id::Owner), ("other_user_id", Id::Participant)], query: NONE, body: Body::Empty,
          expect: [401, 403, 403, 101] },

    // Seed 000: 403 to outsiders everywhere, in its own error shape.
    Row { method: "POST", path: "/chatrooms/create", params: NONE, query: NONE,
          body: Body::Json(|f| json!({"participant1": f.owner, "participant2": f.participant})),
          expect: [401, 403, 200, 200] },
    Row { method: "GET", path: "/chatrooms/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    Row { method: "PUT", path: "/chatrooms/{id}/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|f| json!({"participant1": f.owner, "participant2": f.participant})),
          expect: [401, 403, 200, 200] },
    Row { method: "DELETE", path: "/chatrooms/{id}/", params: ID_IS_ROOM, query: NONE, body: Body::Empty, expect: [401, 403, 403, 200] },
    Row { method: "POST", path: "/messages/create", params: NONE, query: NONE,
          body: Body::Json(|f| json!({"chat_room": f.room, "content": "hello"})),
          expect: [401, 403, 200, 200] },
    Row { method: "GET", path: "/messages/", params: NONE, query: &[("chat_room", Id::Room)], body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "PUT", path: "/messages/{id}/", params: ID_IS_MESSAGE, query: NONE,
          body: Body::Json(|_| json!({"content": "edited"})),
          expect: [401, 403, 403, 200] },
    Row { method: "DELETE", path: "/messages/{id}/", params: ID_IS_MESSAGE, query: NONE, body: Body::Empty, expect: [401, 403, 403, 200] },

    // Seed 002's REST messages: as the main message routes.
    Row { method: "GET", path: "/{chat_room_id}/messages/", params: &[("chat_room_id", Id::Room)], query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "POST", path: "/{chat_room_id}/messages/", params: &[("chat_room_id", Id::Room)], query: NONE,
          body: Body::Json(|_| json!({"content": "hello"})),
          expect: [401, 403, 201, 201] },
];

/// What one row is run against: fresh for every call, so a delete or an edit never shows in
/// another call.
struct Fixture {
    room: i64,
    message: i64,
    owner: i64,
    participant: i64,
    invitation: i64,
    /// A user in no fixture room, to invite.
    spare: i64,
    /// Unique per fixture, for what must not repeat (usernames).
    serial: usize,
}

impl Fixture {
    fn id(&self, id: Id) -> String {
        match id {
            Id::Room => self.room.to_string(),
            Id::Message => self.message.to_string(),
            Id::Owner => self.owner.to_string(),
            Id::Participant => self.participant.to_string(),
            Id::Invitation => self.invitation.to_string(),
            Id::Emoji => REACTION.to_owned(),
            Id::Word => "fixture".to_owned(),
        }
    }
}

struct Users {
    owner: User,
    participant: User,
    outsider: User,
    spare: User,
}

impl Users {
    fn token(&self, caller: Caller) -> Option<&str> {
        match caller {
            Caller::Anonymous => None,
            Caller::Outsider => Some(&self.outsider.access),
            Caller::Participant => Some(&self.participant.access),
            Caller::Owner => Some(&self.owner.access),
        }
    }
}

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Every operation of the checked-in spec, by (METHOD, path).
fn spec_operations() -> BTreeMap<(String, String), Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml is readable");
    let spec: Value = serde_yaml::from_str(&text).expect("openapi.yaml parses");
    let mut operations = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if HTTP_METHODS.contains(&method.as_str()) {
                operations.insert((method.to_uppercase(), path.clone()), operation.clone());
            }
        }
    }
    operations
}

fn name(operation: &Value, method: &str, path: &str) -> String {
    let id = operation["operationId"]
        .as_str()
        .unwrap_or("(no operationId)");
    format!("{id} ({method} {path})")
}

fn is_websocket(operation: &Value) -> bool {
    operation.get("x-dropshot-websocket").is_some()
}

/// The `{name}`s of a path template.
fn placeholders(path: &str) -> BTreeSet<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Disagreements between the table and the spec, without calling the server.
fn table_problems(operations: &BTreeMap<(String, String), Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rows = BTreeSet::new();
    for row in ROWS {
        let key = (row.method.to_owned(), row.path.to_owned());
        if !rows.insert(key.clone()) {
            problems.push(format!("{} {}: two rows", row.method, row.path));
        }
        let Some(operation) = operations.get(&key) else {
            problems.push(format!(
                "{} {}: in the matrix, but openapi.yaml has no such operation",
                row.method, row.path
            ));
            continue;
        };
        let op = name(operation, row.method, row.path);
        let documented = operation["responses"].as_object().expect("responses");
        for (caller, status) in CALLERS.iter().zip(row.expect) {
            if !documented.contains_key(&status.to_string()) {
                problems.push(format!(
                    "{op}: expects {status} for {caller:?}, a status the spec does not document"
                ));
            }
        }
        let secured = operation.get("security").is_some();
        if secured != (row.expect[0] == 401) {
            problems.push(format!(
                "{op}: the spec says secured = {secured}, the matrix expects {} for anonymous",
                row.expect[0]
            ));
        }
        let filled: BTreeSet<&str> = row.params.iter().map(|(name, _)| *name).collect();
        if filled != placeholders(row.path) {
            problems.push(format!(
                "{op}: fills {filled:?}, the path has other parameters"
            ));
        }
        let declared = |name: &str| {
            operation["parameters"].as_array().is_some_and(|all| {
                all.iter()
                    .any(|p| p["in"] == "query" && p["name"].as_str() == Some(name))
            })
        };
        for (query, _) in row.query {
            if !declared(query) {
                problems.push(format!("{op}: query parameter {query} is not in the spec"));
            }
        }
    }
    for (method, path) in operations.keys() {
        if !rows.contains(&(method.clone(), path.clone())) {
            problems.push(format!(
                "{}: in openapi.yaml, but the authorization matrix has no row for it",
                name(&operations[&(method.clone(), path.clone())], method, path)
            ));
        }
    }
    problems
}

/// A status, a JSON body and the `WWW-Authenticate` header, from HTTP or a handshake.
struct Outcome {
    status: u16,
    body: Value,
    challenge: Option<String>,
}

async fn fixture(app: &TestApp, users: &Users, serial: usize) -> Fixture {
    let room = app.room(&users.owner, "GROUP", &[&users.participant]).await;
    let message = app.message(&users.owner, room, "fixture").await;
    for user in [&users.owner, &users.participant] {
        let reacted = app
            .post(
                &format!("/api/chat/rooms/{room}/messages/{message}/reactions/"),
                Some(&user.access),
                json!({"emoji": "👍"}),
            )
            .await;
        assert_eq!(reacted.status, 201, "{reacted:?}");
    }
    let invited = app
        .post(
            &format!("/api/chat/rooms/{room}/invitations/"),
            Some(&users.owner.access),
            json!({"user_id": users.outsider.id}),
        )
        .await;
    assert_eq!(invited.status, 201, "{invited:?}");
    Fixture {
        room,
        message,
        owner: users.owner.id,
        participant: users.participant.id,
        invitation: invited.body["id"].as_i64().expect("invitation id"),
        spare: users.spare.id,
        serial,
    }
}

async fn unused_refresh(app: &TestApp) -> String {
    let pair = app
        .post(
            "/api/token/",
            None,
            json!({"username": "owner", "password": "password123"}),
        )
        .await;
    assert_eq!(pair.status, 200, "{pair:?}");
    pair.body["refresh"].as_str().expect("refresh").to_owned()
}

async fn call(
    app: &TestApp,
    row: &Row,
    websocket: bool,
    fixture: &Fixture,
    token: Option<&str>,
) -> Result<Outcome, String> {
    let mut url = row.path.to_owned();
    for (name, id) in row.params {
        url = url.replace(&format!("{{{name}}}"), &fixture.id(*id));
    }
    let query: Vec<String> = row
        .query
        .iter()
        .map(|(name, id)| format!("{name}={}", fixture.id(*id)))
        .collect();
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    if websocket {
        return match try_connect(app, &url, token).await {
            Ok(mut socket) => {
                let _ = socket.close(None).await;
                Ok(Outcome {
                    status: 101,
                    body: Value::Null,
                    challenge: None,
                })
            }
            Err(WsError::Http(response)) => Ok(Outcome {
                status: response.status().as_u16(),
                body: response
                    .body()
                    .as_deref()
                    .and_then(|bytes| serde_json::from_slice(bytes).ok())
                    .unwrap_or(Value::Null),
                challenge: response
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            }),
            Err(other) => Err(format!("handshake of {url} failed: {other}")),
        };
    }
    let body = match &row.body {
        Body::Empty => None,
        Body::Json(build) => Some(build(fixture)),
        Body::UnusedRefresh => Some(json!({"refresh": unused_refresh(app).await})),
    };
    let method = Method::from_bytes(row.method.as_bytes()).expect("method");
    let reply = app.call(method, &url, token, body).await;
    Ok(Outcome {
        status: reply.status,
        challenge: reply
            .headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: reply.body,
    })
}

/// The body an authorization refusal must have, in the error shape the spec gives it.
fn refusal_body(operation: &Value, status: u16) -> Option<Value> {
    let text = match status {
        401 => NO_CREDENTIALS,
        403 => FORBIDDEN,
        404 => NOT_FOUND,
        _ => return None,
    };
    let schema = &operation["responses"][status.to_string()]["content"]["application/json; charset=utf-8"]
        ["schema"]["$ref"];
    Some(if schema == "#/components/schemas/LegacyError" {
        json!({"error": text, "status": status})
    } else {
        detail(text)
    })
}

#[tokio::test]
async fn every_operation_answers_each_caller_as_the_matrix_says() {
    let operations = spec_operations();
    let mut problems = table_problems(&operations);

    let Some(app) = spawn_app().await else { return };
    let users = Users {
        owner: app.user("owner").await,
        participant: app.user("participant").await,
        outsider: app.user("outsider").await,
        spare: app.user("spare").await,
    };
    let mut serial = 0;
    for row in ROWS {
        let Some(operation) = operations.get(&(row.method.to_owned(), row.path.to_owned())) else {
            continue;
        };
        let op = name(operation, row.method, row.path);
        for (caller, expected) in CALLERS.into_iter().zip(row.expect) {
            serial += 1;
            let fixture = fixture(&app, &users, serial).await;
            let outcome = match call(
                &app,
                row,
                is_websocket(operation),
                &fixture,
                users.token(caller),
            )
            .await
            {
                Ok(outcome) => outcome,
                Err(failure) => {
                    problems.push(format!("{op} as {caller:?}: {failure}"));
                    continue;
                }
            };
            if outcome.status != expected {
                problems.push(format!(
                    "{op} as {caller:?}: expected {expected}, got {} {}",
                    outcome.status, outcome.body
                ));
                continue;
            }
            if let Some(body) = refusal_body(operation, expected)
                && outcome.body != body
            {
                problems.push(format!(
                    "{op} as {caller:?}: {expected} with body {}, expected {body}",
                    outcome.body
                ));
            }
            if expected == 401 && outcome.challenge.as_deref() != Some(r#"Bearer realm="api""#) {
                problems.push(format!(
                    "{op} as {caller:?}: 401 with WWW-Authenticate {:?}",
                    outcome.challenge
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "authorization matrix ({} rows × {} callers):\n  {}",
        ROWS.len(),
        CALLERS.len(),
        problems.join("\n  ")
    );
}
