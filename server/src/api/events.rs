//! `GET /api/events/`: the durable event stream over plain HTTP, with long polling, for
//! clients that cannot hold a socket (API.md "The event stream").

use std::sync::Arc;
use std::time::Duration;

use poem::web::Data;
use poem::{IntoResponse, Response};
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{Example, Type};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::bearer::BearerAuth;
use super::error::{ApiError, E400, E401, E410, Errors};
use super::params::{BoundedInt, raw_bounded};
use crate::domain::events::integer_param;
use crate::service::events::{self, DEFAULT_LIMIT, EventPage, MAX_LIMIT, MAX_TIMEOUT_SECS};
use crate::startup::AppState;

/// The path of the long poll, whose wait the server's request timeout leaves alone.
const PATH: &str = "/api/events/";
/// The longest a long poll adds to the request timeout.
pub const MAX_WAIT: Duration = Duration::from_secs(MAX_TIMEOUT_SECS.unsigned_abs());

/// Whether a request is the long poll (its time limit is the request timeout plus its wait).
pub fn is_long_poll(uri: &poem::http::Uri) -> bool {
    uri.path() == PATH || uri.path() == PATH.trim_end_matches('/')
}

/// Stored events after `since`, and where to go on from.
#[derive(Object)]
#[oai(example)]
pub struct EventsPage {
    /// The frames the sockets send (`asyncapi.yaml`), oldest first, each with its `position`.
    pub events: Vec<serde_json::Value>,
    /// Pass this as `since` next time: the last event's position, or (with fewer than
    /// `limit` events) the newest position looked at.
    pub position: i64,
}

impl Example for EventsPage {
    fn example() -> Self {
        EventsPage {
            events: vec![serde_json::json!({
                "position": 42,
                "type": "read",
                "chat_room": 1,
                "user_id": 1,
                "message_id": 15
            })],
            position: 42,
        }
    }
}

/// An [`EventsPage`] written from the stored frames as they are: byte for byte what went out
/// on the sockets.
pub struct EventsBody(EventPage);

impl Payload for EventsBody {
    const CONTENT_TYPE: &'static str = Json::<EventsPage>::CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        Json::<EventsPage>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        EventsPage::schema_ref()
    }

    fn register(registry: &mut Registry) {
        EventsPage::register(registry);
    }
}

impl IntoResponse for EventsBody {
    fn into_response(self) -> Response {
        let EventPage { events, position } = self.0;
        let size = events.iter().map(|e| e.len() + 1).sum::<usize>() + 40;
        let mut body = String::with_capacity(size);
        body.push_str("{\"events\":[");
        for (n, frame) in events.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            body.push_str(frame);
        }
        body.push_str("],\"position\":");
        body.push_str(&position.to_string());
        body.push('}');
        Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .body(body)
    }
}

impl ApiResponse for EventsBody {
    fn meta() -> MetaResponses {
        Json::<EventsPage>::meta()
    }

    fn register(registry: &mut Registry) {
        EventsPage::register(registry);
    }
}

pub struct EventsApi;

#[OpenApi(tag = "ApiTags::Realtime")]
impl EventsApi {
    /// Stored events after a position (long poll)
    ///
    /// The caller's share of the durable event stream: every stored event after `since` that
    /// the caller may see (the events of the rooms they were in at the time, and invitations
    /// to or from them), oldest first, as the sockets send them. Without `since`: no events
    /// and the newest position, a starting point. With `timeout` and nothing new, waits up to
    /// that many seconds for an event. A position older than the log keeps (see
    /// `--event-retention-hours`) is 410 with the newest position: reload over REST and go on
    /// from it.
    #[oai(path = "/api/events/", method = "get", operation_id = "events_list")]
    async fn events_list(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// A position: the `position` of the previous answer or of an event frame, or an
        /// `X-Event-Position` header. Returns the events after it (exclusive; 0: from the
        /// start; 400 if past the newest). Without it: no events, and the newest
        /// position to start from.
        since: poem_openapi::param::Query<Option<BoundedInt<0, { i64::MAX }>>>,
        /// At most this many events, 1 to 500 (default 100).
        limit: poem_openapi::param::Query<Option<BoundedInt<1, MAX_LIMIT>>>,
        /// Wait up to this many seconds (0 to 30, default 0) for an event when there is none
        /// yet (long poll); it answers as soon as one arrives.
        timeout: poem_openapi::param::Query<Option<BoundedInt<0, MAX_TIMEOUT_SECS>>>,
    ) -> Result<EventsBody, Errors<{ E400 | E401 | E410 }>> {
        let mut errors = crate::error::FieldErrors::new();
        let mut check = |name: &str, raw: Option<String>, min, max, default| match raw {
            None => Some(default),
            Some(raw) => integer_param(&raw, min, max)
                .map_err(|message| {
                    errors.insert(name.to_owned(), vec![message]);
                })
                .ok(),
        };
        let limit = check("limit", raw_bounded(limit.0), 1, MAX_LIMIT, DEFAULT_LIMIT);
        let wait = check("timeout", raw_bounded(timeout.0), 0, MAX_TIMEOUT_SECS, 0);
        let since = match events::since_format(raw_bounded(since.0).as_deref()) {
            Ok(since) => since,
            Err(ApiError::Validation(fields)) => {
                errors.extend(fields);
                None
            }
            Err(err) => return Err(err.into()),
        };
        let (Some(limit), Some(wait), true) = (limit, wait, errors.is_empty()) else {
            return Err(ApiError::Validation(errors).into());
        };
        let wait = Duration::from_secs(wait.unsigned_abs());
        let page = events::read(&state, auth.0.id, since, limit, wait).await?;
        Ok(EventsBody(page))
    }
}
