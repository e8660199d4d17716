//! The HTTP surface: one module per OpenAPI tag, assembled into one spec and one app.

mod asyncapi;
mod bearer;
pub mod body;
mod client_address;
mod cors;
mod direct_messages;
mod docs;
pub mod error;
mod events;
mod examples;
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
mod spec;
mod tokens;
mod trimmed;
mod users;

use std::sync::Arc;

use poem::middleware::{CatchPanic, RequestId, ReuseId};
use poem::{Endpoint, EndpointExt, Route, get};
use poem_openapi::{OpenApiService, Tags};

use crate::startup::AppState;
pub use spec::{Spec, spec, spec_yaml};

/// The tags, in the order a developer meets them (the document lists them so: `spec::TAG_ORDER`).
#[derive(Tags)]
#[oai(rename_all = "lowercase")]
pub enum ApiTags {
    /// Start here: register an account, then see yourself and other users.
    Users,
    /// JSON Web Tokens: a username and password give an access and a refresh token; send the
    /// access token as `Authorization: Bearer <access>`, refresh it before it expires.
    Auth,
    /// Chat rooms the caller participates in: ONE_TO_ONE, GROUP and COURSE rooms, read markers.
    Rooms,
    /// Messages of a room, newest first in cursor pages, with reactions, replies, mentions and
    /// edit history.
    Messages,
    /// Live updates: WebSocket routes that stream every change as an event, and the same
    /// events over HTTP (`GET /api/events/`, a long poll). Frames: `/asyncapi.yaml`, rendered
    /// at `/docs/asyncapi/`.
    Realtime,
    /// Full-text search over the messages of the caller's rooms.
    Search,
    /// Invitations to GROUP/COURSE rooms: participants invite, the invitee accepts or declines.
    Invitations,
    /// Liveness, readiness and metrics, for operators and load balancers.
    Health,
    /// A room's messages at `/{chat_room_id}/messages/`, paged with `limit`/`offset`: the
    /// routes of one-to-one chat clients of an earlier version of this API.
    #[oai(rename = "direct-messages")]
    DirectMessages,
    /// The flat routes of the first version of this API (`/chatrooms/...`, `/messages/...`),
    /// kept for old clients: deprecated, each names its replacement; errors are
    /// `{"error", "status"}`.
    Legacy,
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
        "Chat rooms and messages over REST, with live updates over WebSocket.\n\n\
         **Start here:** register (`POST /api/users/register/`), get a token pair \
         (`POST /api/token/`), press **Authorize** and paste the `access` token; then create a \
         room (`POST /api/chat/rooms/`), send a message and list them.\n\n\
         JSON in and out. Errors follow Django REST Framework: `{\"detail\": \"...\"}`, or \
         field → messages (`{\"content\": [\"This field may not be blank.\"]}`); every \
         response below shows its examples. Rooms and users come in numbered pages \
         (`page`, `page_size`, or `limit`/`offset`), messages in cursor pages (follow `next`).\n\n\
         **Live updates:** the WebSocket routes (tag `realtime`) stream every change as an \
         event; their frames are described in [the AsyncAPI document](/docs/asyncapi/) \
         ([`asyncapi.yaml`](/asyncapi.yaml)). `GET /api/events/` gives the same events over \
         plain HTTP.",
    )
}

/// Every route of the server.
pub fn routes(state: Arc<AppState>) -> impl Endpoint {
    let Spec { json, yaml } = spec();
    let bundled_asyncapi = docs::BundledAsyncApi(
        serde_json::from_str(&json)
            .map_err(|err| err.to_string())
            .and_then(|openapi| asyncapi::bundle(docs::ASYNCAPI_DOCUMENT, &openapi))
            .unwrap_or_else(|err| {
                // Checked by a unit test; the page then reports it instead of the server.
                tracing::error!(error = %err, "bundling asyncapi.yaml for /docs/asyncapi/");
                serde_json::json!({ "error": err }).to_string()
            })
            .into(),
    );
    let allowed = middleware::AllowedMethods::from_spec(&json);
    let cors = cors::policy(&state.config.cors_origins);
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
        .at("/asyncapi.yaml", get(docs::asyncapi_document))
        .at("/docs", get(docs::redirect))
        .at("/docs/", get(docs::index))
        .at("/docs/asyncapi", get(docs::asyncapi_redirect))
        .at("/docs/asyncapi/", get(docs::asyncapi_page))
        .at(
            "/docs/asyncapi/:file",
            get(docs::asyncapi_asset.data(bundled_asyncapi)),
        )
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
