//! The HTTP surface: one module per OpenAPI tag, assembled into one spec and one app.

mod bearer;
pub mod body;
mod client_address;
mod direct_messages;
mod docs;
pub mod error;
mod events;
mod health;
mod history;
pub mod invitations;
mod legacy;
pub mod messages;
mod middleware;
mod observe;
pub mod pagination;
mod params;
mod payload;
mod reactions;
mod reads;
mod realtime;
mod replies;
mod rooms;
pub mod search;
mod tokens;
mod trimmed;
mod users;

use std::sync::Arc;

use poem::middleware::{CatchPanic, Cors, RequestId, ReuseId};
use poem::{Endpoint, EndpointExt, Route, get};
use poem_openapi::{OpenApiService, Tags};

use crate::startup::AppState;

#[derive(Tags)]
#[oai(rename_all = "lowercase")]
pub enum ApiTags {
    /// Liveness of the server and its database.
    Health,
    /// JSON Web Tokens: obtain a pair with a username and password, refresh it.
    Auth,
    /// Registration and user lookup.
    Users,
    /// Chat rooms the caller participates in.
    Rooms,
    /// Messages of a room, newest first, cursor-paginated.
    Messages,
    /// Full-text search over the messages of the caller's rooms.
    Search,
    /// WebSocket upgrades: events of rooms as they happen (frames in `asyncapi.yaml`).
    Realtime,
    /// Seed 000's flat routes, kept for old clients (deprecated; each names its replacement).
    Legacy,
    /// Seed 002's room messages at `/{chat_room_id}/messages/`.
    #[oai(rename = "direct-messages")]
    DirectMessages,
    /// Invitations to GROUP/COURSE rooms: participants invite, the invitee accepts or declines.
    Invitations,
}

type Apis = (
    health::HealthApi,
    tokens::TokensApi,
    users::UsersApi,
    rooms::RoomsApi,
    messages::MessagesApi,
    reads::ReadsApi,
    reactions::ReactionsApi,
    replies::RepliesApi,
    history::HistoryApi,
    search::SearchApi,
    realtime::RealtimeApi,
    events::EventsApi,
    legacy::LegacyApi,
    direct_messages::DirectMessagesApi,
    invitations::RoomInvitationsApi,
    invitations::InvitationsApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            health::HealthApi,
            tokens::TokensApi,
            users::UsersApi,
            rooms::RoomsApi,
            messages::MessagesApi,
            reads::ReadsApi,
            reactions::ReactionsApi,
            replies::RepliesApi,
            history::HistoryApi,
            search::SearchApi,
            realtime::RealtimeApi,
            events::EventsApi,
            legacy::LegacyApi,
            direct_messages::DirectMessagesApi,
            invitations::RoomInvitationsApi,
            invitations::InvitationsApi,
        ),
        "Chat API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Chat rooms and messages, Django REST Framework conventions: JSON in and out, \
         DRF-shaped errors, JWT Bearer auth (`POST /api/token/`), page-number or limit/offset \
         pagination for rooms and users, opaque cursors for messages.",
    )
}

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

/// poem-openapi's document with the paths as API.md writes them: poem-openapi drops trailing
/// slashes from operation paths, so they are put back here. Routing accepts both forms.
pub fn spec() -> Spec {
    let mut doc: serde_json::Value = serde_json::from_str(&service().spec()).unwrap_or_default();
    if let Some(paths) = doc
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    {
        for operation in paths
            .values_mut()
            .filter_map(serde_json::Value::as_object_mut)
            .flat_map(|item| item.values_mut())
        {
            describe_responses(operation);
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

/// poem-openapi leaves a plain `Json<T>` response's description empty: use the status's name.
fn describe_responses(operation: &mut serde_json::Value) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(serde_json::Value::as_object_mut)
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
/// ([`middleware::echo_position`]).
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

fn document_event_position(operation: &mut serde_json::Value) {
    let writes = operation
        .get("operationId")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|id| EVENT_WRITES.contains(&id));
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(serde_json::Value::as_object_mut)
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
fn mark_websocket(operation: &mut serde_json::Value) {
    let upgrades = operation
        .get("responses")
        .is_some_and(|responses| responses.get("101").is_some());
    if let (true, Some(operation)) = (upgrades, operation.as_object_mut()) {
        operation.insert("x-dropshot-websocket".into(), serde_json::json!({}));
    }
}

/// The OpenAPI document as YAML: what `chat-server openapi` prints and `openapi.yaml` holds.
pub fn spec_yaml() -> String {
    spec().yaml
}

/// Every route of the server.
pub fn routes(state: Arc<AppState>) -> impl Endpoint {
    let Spec { json, yaml } = spec();
    let allowed = middleware::AllowedMethods::from_spec(&json);
    let cors = cors(&state.config.cors_origins);
    let request_timeout = std::time::Duration::from_secs(state.config.request_timeout_secs.max(1));
    Route::new()
        .at(
            "/openapi.json",
            get(docs::spec.data(docs::SpecDocument::json(json))),
        )
        .at(
            "/openapi.yaml",
            get(docs::spec.data(docs::SpecDocument::yaml(yaml))),
        )
        .at("/docs", get(docs::redirect))
        .at("/docs/", get(docs::index.data(docs::config())))
        .at("/docs/*tail", get(docs::asset_file.data(docs::config())))
        .nest("/", service().with(middleware::TrailingSlash))
        .around(middleware::echo_position)
        .around(move |endpoint, request| async move {
            // A WebSocket session outlives its handshake, the only part timed here. A long
            // poll waits its own timeout (at most 30 s) on top of the request's.
            let limit = if events::is_long_poll(request.uri()) {
                request_timeout + events::MAX_WAIT
            } else {
                request_timeout
            };
            tokio::time::timeout(limit, endpoint.call(request))
                .await
                .unwrap_or_else(|_| {
                    Err(error::ApiError::Unavailable(format!(
                        "The request took longer than {} s.",
                        request_timeout.as_secs()
                    ))
                    .into())
                })
        })
        // A panic becomes a bodiless 500, which DrfErrors answers with the generic body.
        .with(CatchPanic::new())
        .with(middleware::DrfErrors::new(allowed))
        .with(observe::Observe)
        .data(state)
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .with(RequestId::default().reuse_id(ReuseId::Use))
}

/// CORS for the configured origins (`*`: any), or `None` when none are configured.
fn cors(origins: &[String]) -> Option<Cors> {
    let origins: Vec<&str> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    if origins.is_empty() {
        return None;
    }
    // Bearer tokens, not cookies: no credentials mode is needed.
    let cors = Cors::new()
        .allow_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allow_headers(["authorization", "content-type"])
        .expose_headers(["retry-after", "x-request-id", middleware::EVENT_POSITION]);
    Some(if origins.contains(&"*") {
        cors
    } else {
        cors.allow_origins(origins)
    })
}
