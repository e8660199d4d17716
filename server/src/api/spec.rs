//! The OpenAPI document as clients read it: poem-openapi's, with what it cannot say added
//! (trailing slashes, examples of every error, timestamp formats, the order of the tags, the
//! event-position header, the WebSocket marker progenitor needs).

use serde_json::Value;

use super::{examples, service};

/// Paths documented without a trailing slash; every other path ends in `/` (API.md).
const SLASHLESS_PATHS: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/chatrooms/create",
    "/messages/create",
];

/// The OpenAPI document, as JSON and as YAML.
pub struct Spec {
    pub json: String,
    pub yaml: String,
}

/// The order of the tags in the document, which Swagger UI follows: as a developer meets them
/// (an account, rooms, messages, live updates...), the routes kept for older clients last.
const TAG_ORDER: &[&str] = &[
    "users",
    "auth",
    "rooms",
    "messages",
    "realtime",
    "search",
    "invitations",
    "health",
    "direct-messages",
    "legacy",
];

/// poem-openapi's document, completed. Its paths are put as API.md writes them: poem-openapi
/// drops trailing slashes from operation paths (routing accepts both forms).
pub fn spec() -> Spec {
    let mut doc: Value = serde_json::from_str(&service().spec()).unwrap_or_default();
    order_tags(&mut doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            type_timestamps(schema);
            give_enums_an_example(schema);
        }
    }
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut())
        {
            describe_responses(operation);
            let legacy = operation
                .get("tags")
                .and_then(Value::as_array)
                .is_some_and(|tags| tags.iter().any(|tag| tag == "legacy"));
            examples::add_error_examples(operation, legacy);
            examples::add_success_examples(operation, &schemas);
            mark_websocket(operation);
            document_event_position(operation);
        }
        *paths = std::mem::take(paths)
            .into_iter()
            .map(|(path, item)| {
                let documented = if path.ends_with('/') || SLASHLESS_PATHS.contains(&path.as_str())
                {
                    path
                } else {
                    format!("{path}/")
                };
                (documented, item)
            })
            .collect();
    }
    Spec {
        json: serde_json::to_string_pretty(&doc).unwrap_or_default(),
        yaml: serde_yaml::to_string(&doc).unwrap_or_default(),
    }
}

fn order_tags(doc: &mut Value) {
    if let Some(tags) = doc.get_mut("tags").and_then(Value::as_array_mut) {
        let rank = |tag: &Value| {
            let name = tag.get("name").and_then(Value::as_str).unwrap_or_default();
            TAG_ORDER
                .iter()
                .position(|known| *known == name)
                .unwrap_or(TAG_ORDER.len())
        };
        tags.sort_by_key(rank);
    }
}

/// Timestamps are RFC 3339 strings (`created_at`, `last_seen_at`...): say so, so that
/// generated clients type them as dates.
fn type_timestamps(schema: &mut Value) {
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            if name.ends_with("_at") && property.get("type") == Some(&Value::from("string")) {
                property["format"] = "date-time".into();
            }
            type_timestamps(property);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        type_timestamps(items);
    }
}

/// A string enum's example is its first value.
fn give_enums_an_example(schema: &mut Value) {
    let first = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|values| values.first())
        .cloned();
    if let (Some(first), None) = (first, schema.get("example")) {
        schema["example"] = first;
    }
}

/// poem-openapi leaves a plain `Json<T>` response's description empty: use the status's name.
fn describe_responses(operation: &mut Value) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        let reason = status
            .parse::<u16>()
            .ok()
            .and_then(|code| poem::http::StatusCode::from_u16(code).ok())
            .and_then(|code| code.canonical_reason());
        if let (Some(reason), Some(description)) = (reason, response.get_mut("description"))
            && description.as_str() == Some("")
        {
            *description = reason.into();
        }
    }
}

/// The writes that store events: their successes carry `X-Event-Position`
/// ([`super::middleware::echo_position`]).
const EVENT_WRITES: &[&str] = &[
    "rooms_create",
    "rooms_update",
    "rooms_partial_update",
    "rooms_destroy",
    "messages_create",
    "messages_update",
    "messages_partial_update",
    "messages_destroy",
    "rooms_read_create",
    "messages_reactions_create",
    "messages_reactions_destroy",
    "legacy_rooms_create",
    "legacy_rooms_update",
    "legacy_rooms_destroy",
    "legacy_messages_create",
    "legacy_messages_update",
    "legacy_messages_destroy",
    "direct_messages_create",
    "rooms_invitations_create",
    "rooms_invitations_destroy",
    "invitations_accept",
    "invitations_decline",
];

fn document_event_position(operation: &mut Value) {
    let writes = operation
        .get("operationId")
        .and_then(Value::as_str)
        .is_some_and(|id| EVENT_WRITES.contains(&id));
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
        .filter(|_| writes)
    else {
        return;
    };
    for (_, response) in responses
        .iter_mut()
        .filter(|(status, _)| status.starts_with('2'))
    {
        if let Some(response) = response.as_object_mut() {
            response.insert(
                "headers".into(),
                serde_json::json!({
                    "X-Event-Position": {
                        "description": "The position of the newest event this write stored \
                            (absent when it changed nothing, such as a `client_id` retry or a \
                            repeated reaction): the client can tell its own change when it \
                            comes back on the event stream (`GET /api/events/`, sockets).",
                        "schema": {"type": "integer", "format": "int64", "minimum": 1}
                    }
                }),
            );
        }
    }
}

/// progenitor sends the WebSocket handshake headers (and returns the upgraded connection)
/// only for operations carrying dropshot's extension.
fn mark_websocket(operation: &mut Value) {
    let upgrades = operation
        .get("responses")
        .is_some_and(|responses| responses.get("101").is_some());
    if !upgrades {
        return;
    }
    if let Some(description) = operation.pointer_mut("/responses/400/description") {
        *description = "Not a WebSocket handshake (a plain GET, such as Swagger UI's \
                        \"Try it out\"), or a `since` that is not a position"
            .into();
    }
    if let Some(operation) = operation.as_object_mut() {
        operation.insert("x-dropshot-websocket".into(), serde_json::json!({}));
    }
}

/// The OpenAPI document as YAML: what `chat-server openapi` prints and `openapi.yaml` holds.
pub fn spec_yaml() -> String {
    spec().yaml
}
