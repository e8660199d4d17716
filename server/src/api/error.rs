//! The one error type of the API, its Django REST Framework bodies, and how each operation
//! documents the statuses it can return.
//!
//! Handlers return `Result<T, Errors<{ E400 | E404 }>>`: the const parameter lists the error
//! statuses the operation documents (500 always), all with the single `ApiError` schema, as
//! progenitor needs one error type per operation. Errors raised before a handler runs (auth,
//! routing, bad parameters) arrive as `poem::Error` and are mapped by [`drf_response`].

use std::collections::BTreeMap;
use std::marker::PhantomData;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{Example, Type};
use poem_openapi::{ApiResponse, Object};

pub use crate::error::{Error as ApiError, FieldErrors};

/// Every error body of the API: DRF's `{"detail": ...}` (with `code` for token errors), or a
/// validation map `{"field": ["message", ...]}` with `non_field_errors` for the rest.
#[derive(Object, Debug, Clone, Default, PartialEq)]
#[oai(rename = "ApiError", example, skip_serializing_if_is_none)]
pub struct ErrorBody {
    /// Human-readable reason (every non-validation error).
    pub detail: Option<String>,
    /// Machine-readable reason, e.g. `token_not_valid`.
    pub code: Option<String>,
    /// Validation errors not tied to one field.
    pub non_field_errors: Option<Vec<String>>,
    /// With `position_expired` (410): the newest position, to go on from after reloading.
    pub position: Option<i64>,
    /// Validation errors of each request field, by field name.
    // Kept last: flatten takes the keys the fields above did not.
    #[oai(flatten)]
    pub fields: BTreeMap<String, Vec<String>>,
}

impl Example for ErrorBody {
    /// The most common error; every response shows the examples of its own status.
    fn example() -> Self {
        ApiError::NotFound.body()
    }
}

// The error's HTTP face: its status and DRF body are the API's business, not the services'.
impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::JsonParse(_) => StatusCode::BAD_REQUEST,
            Self::NotAuthenticated
            | Self::TokenNotValid
            | Self::RefreshRefused(_)
            | Self::BadCredentials
            | Self::UserNotFound => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound | Self::InvalidPage | Self::InvalidCursor => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PositionExpired(_) => StatusCode::GONE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotWebSocket => StatusCode::BAD_REQUEST,
            Self::TooManyConnections(_) | Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        match self {
            Self::Validation(fields) => {
                let mut fields = fields.clone();
                ErrorBody {
                    non_field_errors: fields.remove("non_field_errors"),
                    fields,
                    ..ErrorBody::default()
                }
            }
            other => ErrorBody {
                detail: other.detail(),
                code: other.code().map(str::to_owned),
                position: match other {
                    Self::PositionExpired(latest) => Some(*latest),
                    _ => None,
                },
                ..ErrorBody::default()
            },
        }
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        ApiError::status(self)
    }

    fn as_response(&self) -> Response {
        if let Self::Internal(err) = self {
            tracing::error!(error = %err, "internal error");
        }
        let status = self.status();
        let body = poem_openapi::types::ToJSON::to_json(&self.body()).unwrap_or_default();
        let mut response = poem::web::Json(body).with_status(status).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="api""#),
            );
        }
        // The body may be partly unread: the connection cannot carry another request.
        if let Self::PayloadTooLarge(_) = self {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Self::Throttled(wait) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*wait));
        }
        response
    }
}

/// Error statuses an operation documents, as bits of the const parameter of [`Errors`].
pub const E400: u32 = 1 << 0;
pub const E401: u32 = 1 << 1;
pub const E403: u32 = 1 << 2;
pub const E404: u32 = 1 << 3;
pub const E409: u32 = 1 << 4;
/// A stream position no longer kept.
pub const E410: u32 = 1 << 10;
pub const E413: u32 = 1 << 5;
pub const E415: u32 = 1 << 6;
/// Throttled (with `Retry-After`).
pub const E429: u32 = 1 << 8;
/// Too many open WebSocket connections (no `Retry-After`: it lasts until one closes).
pub const E429_SOCKETS: u32 = 1 << 9;
/// What every operation with a JSON request body can answer.
pub const BODY: u32 = E400 | E413 | E415;

const DOCUMENTED: [(u32, u16, &str); 10] = [
    (
        E400,
        400,
        "Invalid request: field errors (field → messages) or malformed JSON",
    ),
    (
        E401,
        401,
        "Missing, malformed, expired or invalid credentials",
    ),
    (E403, 403, "The caller may not do this"),
    (
        E404,
        404,
        "No such resource (or not visible to the caller), invalid page or cursor",
    ),
    (E409, 409, "Conflicts with an earlier request"),
    (
        E410,
        410,
        "The position is older than the event log keeps (`code`: `position_expired`): reload \
         state over REST and go on from the returned `position`",
    ),
    (E413, 413, "Request body too large"),
    (
        E415,
        415,
        "Request body in a media type the operation does not take",
    ),
    (
        E429,
        429,
        "Throttled: too many requests; retry after `Retry-After` seconds",
    ),
    (
        E429_SOCKETS,
        429,
        "Too many open WebSocket connections for this user; close one first",
    ),
];

/// An [`ApiError`] returned by an operation that documents the error statuses in `S`, each
/// with the body schema `B`: DRF's [`ErrorBody`], or the legacy routes' [`LegacyError`] (the
/// `DrfErrors` middleware gives the legacy routes that shape).
#[derive(Debug)]
pub struct Errors<const S: u32, B = ErrorBody>(pub ApiError, PhantomData<B>);

/// The error body of the legacy routes (`/chatrooms/...`, `/messages/...`) only.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(example)]
pub struct LegacyError {
    /// What went wrong, in words.
    pub error: String,
    /// The HTTP status code, repeated.
    pub status: u16,
}

impl Example for LegacyError {
    fn example() -> Self {
        Self::from_drf(
            StatusCode::NOT_FOUND,
            &serde_json::json!({ "detail": "Not found." }),
        )
    }
}

impl LegacyError {
    /// The legacy form of a DRF error body: `detail`, or every field's messages in one line.
    pub fn from_drf(status: StatusCode, body: &serde_json::Value) -> Self {
        let error = match body.get("detail").and_then(serde_json::Value::as_str) {
            Some(detail) => detail.to_owned(),
            None => body
                .as_object()
                .into_iter()
                .flatten()
                .flat_map(|(field, messages)| {
                    let messages = messages.as_array().cloned().unwrap_or_default();
                    messages.into_iter().map(move |message| {
                        let message = message.as_str().unwrap_or_default().to_owned();
                        if field == "non_field_errors" {
                            message
                        } else {
                            format!("{field}: {message}")
                        }
                    })
                })
                .collect::<Vec<_>>()
                .join(" "),
        };
        Self {
            error,
            status: status.as_u16(),
        }
    }
}

impl<const S: u32, B> Errors<S, B> {
    fn documents(status: StatusCode) -> bool {
        status == StatusCode::INTERNAL_SERVER_ERROR
            || status == StatusCode::SERVICE_UNAVAILABLE
            || DOCUMENTED
                .iter()
                .any(|&(bit, code, _)| S & bit != 0 && status.as_u16() == code)
    }
}

impl<const S: u32, B> From<ApiError> for Errors<S, B> {
    fn from(err: ApiError) -> Self {
        // An operation answering a status its spec does not list is a bug: loud in tests.
        debug_assert!(
            Self::documents(err.status()),
            "undocumented status for {err:?}"
        );
        if !Self::documents(err.status()) {
            tracing::error!(error = ?err, "answering with a status the operation does not document");
        }
        Self(err, PhantomData)
    }
}

impl<const S: u32, B> From<sqlx::Error> for Errors<S, B> {
    fn from(err: sqlx::Error) -> Self {
        ApiError::from(err).into()
    }
}

impl<const S: u32, B> From<Errors<S, B>> for poem::Error {
    fn from(err: Errors<S, B>) -> Self {
        poem::Error::from(err.0)
    }
}

impl<const S: u32, B: Send> IntoResponse for Errors<S, B> {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self.0)
    }
}

impl<const S: u32, B: Type + Send> ApiResponse for Errors<S, B> {
    fn meta() -> MetaResponses {
        let error = |bit: u32, status: u16, description: &'static str| MetaResponse {
            description,
            status: Some(status),
            status_range: None,
            content: vec![MetaMediaType {
                content_type: "application/json; charset=utf-8",
                schema: B::schema_ref(),
            }],
            headers: match (status, bit) {
                (401, _) => vec![MetaHeader {
                    name: "WWW-Authenticate".into(),
                    description: Some("Always `Bearer realm=\"api\"`".into()),
                    required: true,
                    deprecated: false,
                    schema: String::schema_ref(),
                }],
                (429, E429) => vec![MetaHeader {
                    name: "Retry-After".into(),
                    description: Some("Whole seconds until the throttle admits the request".into()),
                    required: true,
                    deprecated: false,
                    schema: u64::schema_ref(),
                }],
                _ => vec![],
            },
        };
        let mut responses: Vec<MetaResponse> = DOCUMENTED
            .iter()
            .filter(|(bit, _, _)| S & bit != 0)
            .map(|&(bit, status, description)| error(bit, status, description))
            .collect();
        responses.push(error(
            0,
            500,
            "Unexpected server error (never with internal details)",
        ));
        responses.push(error(
            0,
            503,
            "The database cannot be used right now (disk full, read-only, failing), or the \
             request took longer than the server allows; nothing was changed, retry later",
        ));
        MetaResponses { responses }
    }

    fn register(registry: &mut Registry) {
        B::register(registry);
    }
}

/// Maps any error that reached the top of the app to its DRF response: ours keep their body,
/// poem's and poem-openapi's own (routing, auth header, parameters, content type) get the
/// body API.md gives for their status.
pub fn drf_response(err: poem::Error, method: &poem::http::Method) -> Response {
    use poem::error::{MethodNotAllowedError, NotFoundError};
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
    };

    if err.is::<ApiError>() {
        return err.into_response();
    }
    let api_error = if err.is::<NotFoundError>() || err.is::<ParsePathError>() {
        ApiError::NotFound
    } else if err.is::<MethodNotAllowedError>() {
        ApiError::MethodNotAllowed(method.to_string())
    } else if err.is::<AuthorizationError>() {
        ApiError::NotAuthenticated
    } else if let Some(param) = err.downcast_ref::<ParseParamError>() {
        ApiError::field(param.name, param_message(&param.reason))
    } else if let Some(ContentTypeError::NotSupported { content_type }) = err.downcast_ref() {
        ApiError::UnsupportedMediaType(content_type.clone())
    } else if err.is::<ContentTypeError>() {
        ApiError::UnsupportedMediaType(String::new())
    } else {
        match err.status() {
            StatusCode::NOT_FOUND => ApiError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed(method.to_string()),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(0),
            StatusCode::UNAUTHORIZED => ApiError::NotAuthenticated,
            status if status.is_server_error() => ApiError::internal(&err),
            status => {
                tracing::debug!(%status, error = %err, "request rejected");
                ApiError::field("non_field_errors", "Invalid request.")
            }
        }
    };
    poem::error::ResponseError::as_response(&api_error)
}

/// DRF's words for a query parameter poem-openapi could not parse or validate.
fn param_message(reason: &str) -> String {
    if let Some(rule) = reason.strip_prefix("verification failed. ") {
        if let Some(max) = rule
            .strip_prefix("maximum(")
            .and_then(|r| r.split(',').next())
        {
            return format!("Ensure this value is less than or equal to {max}.");
        }
        if let Some(min) = rule
            .strip_prefix("minimum(")
            .and_then(|r| r.split(',').next())
        {
            return format!("Ensure this value is greater than or equal to {min}.");
        }
    }
    if reason.contains("integer") {
        "A valid integer is required.".into()
    } else if reason.contains("boolean") {
        "Must be a valid boolean.".into()
    } else {
        "This value is not valid.".into()
    }
}
