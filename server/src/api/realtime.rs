//! The WebSocket routes (API.md "Realtime"): authentication, membership and limits are
//! checked as plain HTTP before the upgrade; `asyncapi.yaml` documents the frames.

use std::sync::Arc;

use poem::web::Data;
use poem::web::websocket::{BoxWebSocketUpgraded, WebSocket, WebSocketConfig};
use poem_openapi::auth::{ApiKey, Bearer};
use poem_openapi::param::{Path, Query};
use poem_openapi::registry::Registry;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, OpenApi, SecurityScheme};

use super::ApiTags;
use super::bearer::{BearerAuth, authenticate};
use super::error::{ApiError, E400, E401, E403, E404, E429_SOCKETS, Errors};
use super::params::{BoundedInt, raw_bounded};
use crate::auth::CurrentUser;
use crate::realtime::Scope;
use crate::realtime::connection::{self, Connection};
use crate::realtime::hub::{Registration, TooManyConnections};
use crate::service::members::require_member;
use crate::service::{events, members, rooms};
use crate::startup::AppState;

/// `?token=<access token>`: browsers cannot set headers on a WebSocket handshake.
#[derive(SecurityScheme)]
#[oai(
    rename = "TokenQuery",
    ty = "api_key",
    key_name = "token",
    key_in = "query",
    checker = "authenticate_query"
)]
pub struct TokenQuery(CurrentUser);

async fn authenticate_query(req: &poem::Request, key: ApiKey) -> poem::Result<CurrentUser> {
    authenticate(req, Bearer { token: key.key }).await
}

/// Either way of presenting an access token. Written out rather than derived: the derived
/// enum reports the last scheme's failure, so a bad `?token=` without a header would read
/// "not provided" instead of `token_not_valid`.
pub enum SocketAuth {
    Query(TokenQuery),
    Header(BearerAuth),
}

impl<'a> ApiExtractor<'a> for SocketAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        TokenQuery::register(registry);
        BearerAuth::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        let mut schemes = TokenQuery::security_schemes();
        schemes.extend(BearerAuth::security_schemes());
        schemes
    }

    async fn from_request(
        req: &'a poem::Request,
        body: &mut poem::RequestBody,
        options: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        let query_token = req.uri().query().is_some_and(|query| {
            form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key == "token")
        });
        if !query_token {
            return BearerAuth::from_request(req, body, options)
                .await
                .map(Self::Header);
        }
        match TokenQuery::from_request(req, body, options.clone()).await {
            Ok(query) => Ok(Self::Query(query)),
            // Either credential that works is enough; if neither does, the query's error.
            Err(query_error) => BearerAuth::from_request(req, body, options)
                .await
                .map(Self::Header)
                .map_err(|_| query_error),
        }
    }
}

impl SocketAuth {
    fn user(self) -> CurrentUser {
        match self {
            Self::Query(TokenQuery(user)) | Self::Header(BearerAuth(user)) => user,
        }
    }
}

/// The read buffer of a socket (tungstenite's default is 128 KiB).
const IDLE_READ_BUFFER: usize = 4 * 1024;

/// A socket, or why not (400 is a request that is not a WebSocket handshake).
type Upgrade<const E: u32> = Result<BoxWebSocketUpgraded, Errors<E>>;
const ROOM_ERRORS: u32 = E400 | E401 | E403 | E404 | E429_SOCKETS;

pub struct RealtimeApi;

#[OpenApi(tag = "ApiTags::Realtime")]
impl RealtimeApi {
    /// Events of one room (WebSocket)
    ///
    /// Upgrades to a WebSocket that carries every change of the room as a JSON event.
    /// Participants only (403). Connect with a WebSocket client, the token in the query
    /// string: `new WebSocket("ws://127.0.0.1:8000/ws/chat/rooms/1/?token=<access>")`
    /// (Swagger UI's "Try it out" sends a plain GET, which gets 400).
    ///
    /// Stored events, each with its `position`: `message.created`, `message.updated`,
    /// `message.deleted`, `reaction.added`, `reaction.removed`, `read`, `room.created`,
    /// `room.updated`, `room.deleted`, `member.added`, `member.removed`. Ephemeral ones, never
    /// replayed: `typing`, `presence`, `error`, `resync`. The client sends
    /// `{"action": "new_message", "message": "..."}` (stored like a POST; its
    /// `message.created` is the acknowledgement) and `{"action": "typing"}`. With `since`, the
    /// room's stored events after it come first. Every frame, with examples:
    /// [the AsyncAPI page](/docs/asyncapi/).
    #[oai(
        path = "/ws/chat/rooms/:room_id/",
        method = "get",
        operation_id = "ws_room"
    )]
    async fn ws_room(
        &self,
        auth: SocketAuth,
        state: Data<&Arc<AppState>>,
        /// The room's id.
        room_id: Path<i64>,
        /// Resume after this position (an event frame's `position`, an `X-Event-Position`
        /// header, or the `position` of `GET /api/events/`; 400 if past the newest):
        /// the room's stored events after it come first, then live ones. A position older than
        /// the log keeps gets one `resync` frame instead.
        since: Query<Option<BoundedInt<0, { i64::MAX }>>>,
        ws: poem::Result<WebSocket>,
    ) -> Upgrade<ROOM_ERRORS> {
        let user = auth.user();
        require_member(&state.store, room_id.0, user.id).await?;
        let since = events::since(&state.store, raw_bounded(since.0).as_deref()).await?;
        let registration = register(&state, &user, Scope::Room(room_id.0), &ws).await?;
        let since = connection::go_live_now(&state, &registration, since).await?;
        accept(&state, ws, user, registration, None, since)
    }

    /// Events of every room of the caller (WebSocket)
    ///
    /// Like the one-room socket for all the caller's rooms, following membership changes
    /// (a room is heard from its `room.created` or `member.added` on, up to its
    /// `member.removed` or `room.deleted`); actions name their room with `chat_room`. Connect
    /// with `new WebSocket("ws://127.0.0.1:8000/ws/chat/?token=<access>")`.
    ///
    /// Stored events, each with its `position`: `message.created`, `message.updated`,
    /// `message.deleted`, `reaction.added`, `reaction.removed`, `read`, `room.created`,
    /// `room.updated`, `room.deleted`, `member.added`, `member.removed`, and the caller's
    /// `invitation.created`, `invitation.accepted`, `invitation.declined`,
    /// `invitation.revoked`. Ephemeral ones, never replayed: `typing`, `presence`, `error`,
    /// `resync`. Every frame, with examples: [the AsyncAPI page](/docs/asyncapi/).
    #[oai(path = "/ws/chat/", method = "get", operation_id = "ws_all_rooms")]
    async fn ws_all_rooms(
        &self,
        auth: SocketAuth,
        state: Data<&Arc<AppState>>,
        /// Resume after this position (an event frame's `position`, an `X-Event-Position`
        /// header, or the `position` of `GET /api/events/`; 400 if past the newest):
        /// the stored events after it that the caller may see come first, then live ones. A
        /// position older than the log keeps gets one `resync` frame instead.
        since: Query<Option<BoundedInt<0, { i64::MAX }>>>,
        ws: poem::Result<WebSocket>,
    ) -> Upgrade<{ E400 | E401 | E429_SOCKETS }> {
        let user = auth.user();
        let since = events::since(&state.store, raw_bounded(since.0).as_deref()).await?;
        let registration = register(&state, &user, Scope::AllRooms, &ws).await?;
        let since = connection::go_live_now(&state, &registration, since).await?;
        accept(&state, ws, user, registration, None, since)
    }

    /// Chat with one user (WebSocket)
    ///
    /// The one-to-one chat route keyed by the two users' ids. The caller must be `user_id`;
    /// the ONE_TO_ONE room of the pair is found or created, and the socket carries its events
    /// as the room's socket does: `message.created`, `message.updated`, `message.deleted`,
    /// `reaction.added`, `reaction.removed`, `read`, `room.created`, `room.updated`,
    /// `room.deleted`, `member.added`, `member.removed` (stored, with a `position`), `typing`,
    /// `presence`, `error`, `resync` (ephemeral). Actions may also name `sender` (the
    /// caller), `chat_room` (that room) and `other_user` (`other_user_id`). Connect with
    /// `new WebSocket("ws://127.0.0.1:8000/ws/chat/1/2/?token=<access>")`; every frame:
    /// [the AsyncAPI page](/docs/asyncapi/).
    #[oai(
        path = "/ws/chat/:user_id/:other_user_id/",
        method = "get",
        operation_id = "ws_direct"
    )]
    async fn ws_direct(
        &self,
        auth: SocketAuth,
        state: Data<&Arc<AppState>>,
        /// The caller's own user id (403 otherwise).
        user_id: Path<i64>,
        /// The other user's id (404 if there is no such user).
        other_user_id: Path<i64>,
        /// Resume after this position (an event frame's `position`, an `X-Event-Position`
        /// header, or the `position` of `GET /api/events/`; 400 if past the newest):
        /// the pair room's stored events after it come first, then live ones. A position older
        /// than the log keeps gets one `resync` frame instead.
        since: Query<Option<BoundedInt<0, { i64::MAX }>>>,
        ws: poem::Result<WebSocket>,
    ) -> Upgrade<ROOM_ERRORS> {
        let user = auth.user();
        members::act_as(user.id, user_id.0)?;
        let since = events::since(&state.store, raw_bounded(since.0).as_deref()).await?;
        if ws.is_err() {
            // Nothing to create for a request that cannot become a socket.
            return Err(ApiError::NotWebSocket.into());
        }
        let room = rooms::direct(&state, user.id, other_user_id.0).await?;
        let registration = register(&state, &user, Scope::Room(room), &ws).await?;
        let since = connection::go_live_now(&state, &registration, since).await?;
        accept(&state, ws, user, registration, Some(other_user_id.0), since)
    }
}

/// Registers the connection with the hub before the upgrade, pending: it counts against the
/// user's limit and the user reads as online once the socket is open, and it goes live after
/// its replay (`connection::go_live`). A request that cannot become a socket is not registered (it
/// would make its user online for a moment), but still hears 429 first, as one that can.
async fn register(
    state: &AppState,
    user: &CurrentUser,
    scope: Scope,
    ws: &poem::Result<WebSocket>,
) -> Result<Registration, ApiError> {
    let too_many =
        |TooManyConnections| ApiError::TooManyConnections(state.config.ws_max_connections_per_user);
    let registry = &state.realtime.registry;
    if ws.is_err() {
        registry.check_limit(user.id).map_err(too_many)?;
        return Err(ApiError::NotWebSocket);
    }
    let registration = registry
        .register_pending(user.id, scope)
        .map_err(too_many)?;
    state.presence.settled().await;
    Ok(registration)
}

/// Completes the upgrade and hands the socket to its connection task.
fn accept<const E: u32>(
    state: &Arc<AppState>,
    ws: poem::Result<WebSocket>,
    user: CurrentUser,
    registration: Registration,
    other_user: Option<i64>,
    since: Option<i64>,
) -> Upgrade<E> {
    let ws = ws.map_err(|_| ApiError::NotWebSocket)?;
    let scope = registration.scope();
    let max = state.realtime.settings.max_frame_bytes;
    // tungstenite reads into a 128 KiB buffer by default, allocated per socket: most sockets
    // idle and frames are small, so 4 KiB (grown as a frame needs) keeps idle sockets cheap.
    let config = WebSocketConfig::default()
        .read_buffer_size(IDLE_READ_BUFFER)
        .max_frame_size(Some(max))
        .max_message_size(Some(max));
    let conn = Connection {
        state: Arc::clone(state),
        user,
        scope,
        other_user,
        since,
        registration,
    };
    Ok(ws
        .config(config)
        .on_upgrade(move |socket| connection::run(socket, conn))
        .boxed())
}
