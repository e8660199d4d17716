//! An example of every error body each operation documents, so Swagger UI shows the texts this
//! API really answers instead of a schema's placeholders. Every operation shares one error
//! schema (progenitor needs that), so the examples live on the responses, not the schema.
//!
//! The bodies are built by the server's own error type ([`ApiError::body`]), so their shape
//! cannot drift; the contract suite checks that each text is one the server answered with
//! that status (`contract-tests/tests/contract/mod.rs`).

use serde_json::{Map, Value, json};

use super::error::{ApiError, LegacyError};
use crate::config;
use crate::domain::invitations::ALREADY_INVITED;
use crate::domain::text;
use crate::service::messages::CLIENT_ID_CONFLICT;

/// One named example of a response body.
struct Example {
    name: &'static str,
    summary: &'static str,
    value: Value,
}

fn example(name: &'static str, summary: &'static str, error: ApiError) -> Example {
    let value = poem_openapi::types::ToJSON::to_json(&error.body()).unwrap_or_default();
    Example {
        name,
        summary,
        value,
    }
}

fn invalid(name: &'static str, summary: &'static str, fields: &[(&str, &str)]) -> Example {
    let mut errors = crate::error::FieldErrors::new();
    for (field, message) in fields {
        errors
            .entry((*field).to_owned())
            .or_default()
            .push((*message).to_owned());
    }
    example(name, summary, ApiError::Validation(errors))
}

/// serde_json's own words for a body cut short, as the server reports it.
fn malformed_json() -> Example {
    let reason = serde_json::from_str::<Value>(r#"{"content": "Hi"#)
        .err()
        .map(|err| err.to_string())
        .unwrap_or_default();
    example(
        "malformed_json",
        "The body is not JSON",
        ApiError::JsonParse(reason),
    )
}

const REQUIRED: &str = "This field is required.";
const BLANK: &str = "This field may not be blank.";
const NOT_INTEGER: &str = "A valid integer is required.";

/// The 400 examples of an operation: its request's own field errors.
fn bad_request(operation: &str) -> Vec<Example> {
    let page_size = || {
        invalid(
            "page_size",
            "A query parameter that is not a number",
            &[("page_size", NOT_INTEGER)],
        )
    };
    let blank_content = || {
        invalid(
            "blank_content",
            "Empty or whitespace-only content",
            &[("content", BLANK)],
        )
    };
    match operation {
        "token_obtain" => vec![invalid(
            "missing_fields",
            "A field left out or empty",
            &[("password", REQUIRED), ("username", BLANK)],
        )],
        "token_refresh" => vec![invalid(
            "missing_refresh",
            "No refresh token",
            &[("refresh", REQUIRED)],
        )],
        "users_register" => vec![
            invalid(
                "username_taken",
                "The username is taken",
                &[("username", "A user with that username already exists.")],
            ),
            Example {
                name: "password_too_short",
                summary: "The password is too short",
                value: json!({ "password": [format!(
                    "This password is too short. It must contain at least {} characters.",
                    text::Password::MIN
                )] }),
            },
        ],
        "users_list" | "messages_history_list" | "rooms_invitations_list" | "invitations_list" => {
            vec![page_size()]
        }
        "rooms_list" | "rooms_retrieve" => vec![invalid(
            "messages_limit",
            "`messages_limit` above its maximum",
            &[(
                "messages_limit",
                "Ensure this value is less than or equal to 50.",
            )],
        )],
        "rooms_create" | "rooms_update" => vec![invalid(
            "missing_fields",
            "A blank name and no room type",
            &[("name", BLANK), ("room_type", REQUIRED)],
        )],
        "rooms_partial_update" => vec![invalid(
            "bad_room_type",
            "A room type that does not exist",
            &[("room_type", "\"PRIVATE\" is not a valid choice.")],
        )],
        "messages_list" | "messages_replies_list" => vec![invalid(
            "after",
            "`after` that is not a message id",
            &[("after", NOT_INTEGER)],
        )],
        "messages_create" => vec![
            blank_content(),
            invalid(
                "client_id",
                "A `client_id` that is not a UUID",
                &[("client_id", "Must be a valid UUID.")],
            ),
            malformed_json(),
        ],
        "messages_update" | "legacy_messages_update" => vec![invalid(
            "missing_content",
            "No content",
            &[("content", REQUIRED)],
        )],
        "messages_partial_update" => vec![invalid(
            "is_read",
            "`is_read` that is not a boolean",
            &[("is_read", "Must be a valid boolean.")],
        )],
        "rooms_read_create" => vec![invalid(
            "missing_message_id",
            "No message id",
            &[("message_id", REQUIRED)],
        )],
        "messages_reactions_create" => {
            vec![invalid("missing_emoji", "No emoji", &[("emoji", REQUIRED)])]
        }
        "search_list" => vec![
            invalid("missing_q", "No query", &[("q", REQUIRED)]),
            invalid(
                "no_words",
                "A query without letters or digits",
                &[("q", "Enter at least one word (letters or digits).")],
            ),
        ],
        "ws_room" | "ws_all_rooms" | "ws_direct" => vec![
            example(
                "not_websocket",
                "A plain GET, not a WebSocket handshake",
                ApiError::NotWebSocket,
            ),
            invalid(
                "since",
                "`since` that is not a position",
                &[("since", NOT_INTEGER)],
            ),
        ],
        "events_list" => vec![invalid(
            "since",
            "`since` that is not a position",
            &[("since", NOT_INTEGER)],
        )],
        "legacy_rooms_create" | "legacy_rooms_update" => vec![invalid(
            "missing_participant",
            "A participant left out",
            &[("participant2", REQUIRED)],
        )],
        "legacy_rooms_list" => vec![invalid(
            "participant",
            "`participant` that is not a user id",
            &[("participant", NOT_INTEGER)],
        )],
        "legacy_messages_create" | "direct_messages_create" => vec![blank_content()],
        "legacy_messages_list" => vec![invalid(
            "limit",
            "`limit` that is not a number",
            &[("limit", NOT_INTEGER)],
        )],
        "direct_messages_list" => vec![invalid(
            "limit",
            "`limit` that is not a number",
            &[("limit", NOT_INTEGER)],
        )],
        "rooms_invitations_create" => vec![
            invalid(
                "already_participant",
                "The user is in the room already",
                &[("user_id", "This user is already a participant.")],
            ),
            invalid(
                "already_invited",
                "The user has a pending invitation",
                &[("user_id", ALREADY_INVITED)],
            ),
        ],
        "invitations_accept" | "invitations_decline" => vec![invalid(
            "answered",
            "The invitation was answered before",
            &[("non_field_errors", "This invitation was already declined.")],
        )],
        _ => vec![malformed_json()],
    }
}

/// Operations whose 404 may also mean a page number past the end.
const PAGE_NUMBERED: &[&str] = &[
    "users_list",
    "rooms_list",
    "messages_history_list",
    "rooms_invitations_list",
    "invitations_list",
];

/// Operations whose 404 may also mean a cursor the server did not issue.
const CURSOR_PAGED: &[&str] = &["messages_list", "messages_replies_list", "search_list"];

/// Every example of `operation`'s error `status`.
fn error_examples(operation: &str, status: u16) -> Vec<Example> {
    match status {
        400 => bad_request(operation),
        401 => match operation {
            "token_obtain" => vec![example(
                "bad_credentials",
                "Wrong username or password",
                ApiError::BadCredentials,
            )],
            "token_refresh" => vec![
                example(
                    "expired",
                    "An expired or forged refresh token",
                    ApiError::RefreshRefused("Token is invalid or expired"),
                ),
                example(
                    "wrong_type",
                    "An access token where the refresh token goes",
                    ApiError::RefreshRefused("Token has wrong type"),
                ),
            ],
            _ => vec![
                example(
                    "no_token",
                    "No `Authorization` header (or `?token=`)",
                    ApiError::NotAuthenticated,
                ),
                example(
                    "token_not_valid",
                    "An expired, forged or refresh token",
                    ApiError::TokenNotValid,
                ),
            ],
        },
        403 => vec![example(
            "forbidden",
            "Not a participant (or not the sender, or not the creator)",
            ApiError::Forbidden,
        )],
        404 => {
            let mut examples = vec![example(
                "not_found",
                "No such resource, or not one the caller may see",
                ApiError::NotFound,
            )];
            if PAGE_NUMBERED.contains(&operation) {
                examples.push(example(
                    "invalid_page",
                    "A page number past the last page",
                    ApiError::InvalidPage,
                ));
            }
            if CURSOR_PAGED.contains(&operation) {
                examples.push(example(
                    "invalid_cursor",
                    "A cursor this server did not issue for this list",
                    ApiError::InvalidCursor,
                ));
            }
            examples
        }
        409 => vec![example(
            "client_id_reused",
            "The `client_id` names another message",
            ApiError::Conflict(CLIENT_ID_CONFLICT),
        )],
        410 => vec![example(
            "position_expired",
            "`since` is older than the log keeps",
            ApiError::PositionExpired(51_234),
        )],
        413 => vec![example(
            "too_large",
            "Over the body limit (`CHAT_MAX_BODY_BYTES`)",
            ApiError::PayloadTooLarge(config::DEFAULT_MAX_BODY_BYTES),
        )],
        415 => vec![example(
            "unsupported",
            "A body that is not JSON",
            ApiError::UnsupportedMediaType("text/plain".into()),
        )],
        429 if operation.starts_with("ws_") => vec![example(
            "too_many_sockets",
            "Too many sockets open for this user",
            ApiError::TooManyConnections(config::DEFAULT_WS_MAX_CONNECTIONS_PER_USER),
        )],
        429 => vec![example(
            "throttled",
            "Too many requests; see `Retry-After`",
            ApiError::Throttled(2),
        )],
        500 => vec![example(
            "server_error",
            "An unexpected failure",
            ApiError::Internal(String::new()),
        )],
        503 => vec![example(
            "unavailable",
            "Storage that cannot be used right now",
            crate::error::Error::storage_unavailable(),
        )],
        _ => Vec::new(),
    }
}

/// An excerpt of `GET /metrics` (Prometheus' text format), as a fresh server answers it.
const METRICS_EXAMPLE: &str = "\
# HELP chat_http_requests_total HTTP requests answered, by operation (operationId, `unmatched` for unrouted paths), method and status.
# TYPE chat_http_requests_total counter
chat_http_requests_total{operation=\"messages_create\",method=\"POST\",status=\"201\"} 1042
chat_http_requests_total{operation=\"messages_list\",method=\"GET\",status=\"200\"} 3178

# HELP chat_websocket_connections WebSocket connections open on this instance.
# TYPE chat_websocket_connections gauge
chat_websocket_connections 12

# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 56205312
";

/// Examples of success bodies no schema example covers: the metrics text, and lists answered
/// as a bare array (their items' schema has the example).
pub fn add_success_examples(operation: &mut Value, schemas: &Map<String, Value>) {
    let metrics = operation.get("operationId").and_then(Value::as_str) == Some("metrics");
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if !status.starts_with('2') {
            continue;
        }
        let Some(media) = response
            .get_mut("content")
            .and_then(Value::as_object_mut)
            .and_then(|content| content.values_mut().next())
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if metrics {
            media.insert("example".into(), METRICS_EXAMPLE.into());
            continue;
        }
        let item = media
            .get("schema")
            .filter(|schema| schema.get("type") == Some(&Value::from("array")))
            .and_then(|schema| schema.pointer("/items/$ref"))
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
            .and_then(|name| schemas.get(name))
            .and_then(|schema| schema.get("example"))
            .cloned();
        if let Some(item) = item {
            media.insert("example".into(), Value::Array(vec![item]));
        }
    }
}

/// Puts the examples of each error response of `operation` on its media type; on the legacy
/// routes, in their `{"error", "status"}` form.
pub fn add_error_examples(operation: &mut Value, legacy: bool) {
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        let Some(status) = status.parse::<u16>().ok().filter(|s| *s >= 400) else {
            continue;
        };
        let examples: Map<String, Value> = error_examples(&id, status)
            .into_iter()
            .map(|example| {
                let value = if legacy {
                    let status = poem::http::StatusCode::from_u16(status)
                        .unwrap_or(poem::http::StatusCode::BAD_REQUEST);
                    let legacy = LegacyError::from_drf(status, &example.value);
                    poem_openapi::types::ToJSON::to_json(&legacy).unwrap_or_default()
                } else {
                    example.value
                };
                (
                    example.name.to_owned(),
                    json!({ "summary": example.summary, "value": value }),
                )
            })
            .collect();
        if examples.is_empty() {
            continue;
        }
        if let Some(media) = response
            .get_mut("content")
            .and_then(Value::as_object_mut)
            .and_then(|content| content.values_mut().next())
            .and_then(Value::as_object_mut)
        {
            media.insert("examples".into(), Value::Object(examples));
        }
    }
}
