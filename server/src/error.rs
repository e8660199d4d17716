//! The one error type of the product, below the HTTP layer: every way in (REST, sockets, the
//! seed routes) reports failures with it, and `api::error` maps it to statuses and DRF bodies.

use std::collections::BTreeMap;
use std::fmt;

use crate::domain::rooms::RuleError;

/// Field name → messages, as a DRF serializer reports validation errors.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("malformed JSON: {0}")]
    JsonParse(String),
    #[error("authentication credentials were not provided")]
    NotAuthenticated,
    #[error("token not valid")]
    TokenNotValid,
    /// A refresh token that cannot be exchanged; the detail says why (Simple JWT's texts).
    #[error("refresh token refused: {0}")]
    RefreshRefused(&'static str),
    #[error("bad credentials")]
    BadCredentials,
    #[error("the token's user does not exist")]
    UserNotFound,
    #[error("permission denied")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid page")]
    InvalidPage,
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("method {0} not allowed")]
    MethodNotAllowed(String),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("request body too large")]
    PayloadTooLarge(usize),
    #[error("unsupported media type {0:?}")]
    UnsupportedMediaType(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("not a WebSocket handshake")]
    NotWebSocket,
    #[error("too many WebSocket connections")]
    TooManyConnections(usize),
    /// Over a throttle; the client may try again after this many seconds.
    #[error("throttled for {0} s")]
    Throttled(u64),
    /// A stream position older than the log keeps; the newest position, to go on from.
    #[error("position expired")]
    PositionExpired(i64),
    /// Anything unexpected: logged in full, answered with a generic body.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn internal(err: impl fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }

    /// Storage that cannot be used right now: a 503 the client may retry.
    pub fn storage_unavailable() -> Self {
        Self::Unavailable(STORAGE_UNAVAILABLE.into())
    }

    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    /// What the client reads about it (DRF's texts); `None` for validation errors, which
    /// speak per field.
    pub fn detail(&self) -> Option<String> {
        let text = match self {
            Self::Validation(_) => return None,
            Self::JsonParse(reason) => format!("JSON parse error - {reason}"),
            Self::NotAuthenticated => "Authentication credentials were not provided.".into(),
            Self::TokenNotValid => "Given token not valid for any token type".into(),
            Self::RefreshRefused(why) => (*why).to_owned(),
            Self::BadCredentials => "No active account found with the given credentials".into(),
            Self::UserNotFound => "User not found".into(),
            Self::Forbidden => "You do not have permission to perform this action.".into(),
            Self::NotFound => "Not found.".into(),
            Self::InvalidPage => "Invalid page.".into(),
            Self::InvalidCursor => "Invalid cursor".into(),
            Self::MethodNotAllowed(method) => format!("Method \"{method}\" not allowed."),
            Self::Conflict(why) => (*why).to_owned(),
            Self::PayloadTooLarge(limit) => {
                format!("Request body is larger than the limit of {limit} bytes.")
            }
            Self::UnsupportedMediaType(media) => {
                format!("Unsupported media type \"{media}\" in request.")
            }
            Self::Unavailable(why) => why.clone(),
            Self::NotWebSocket => "Expected a WebSocket handshake (Upgrade: websocket).".into(),
            Self::TooManyConnections(limit) => {
                format!("Too many open WebSocket connections (at most {limit} per user).")
            }
            // DRF's `Throttled` text.
            Self::Throttled(1) => "Request was throttled. Expected available in 1 second.".into(),
            Self::Throttled(wait) => {
                format!("Request was throttled. Expected available in {wait} seconds.")
            }
            Self::PositionExpired(_) => "This position is no longer kept; reload and start \
                                         from the returned position."
                .into(),
            Self::Internal(_) => "A server error occurred.".into(),
        };
        Some(text)
    }

    /// Simple JWT's machine-readable reason, on token errors only.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Self::TokenNotValid | Self::RefreshRefused(_) => Some("token_not_valid"),
            Self::UserNotFound => Some("user_not_found"),
            Self::PositionExpired(_) => Some("position_expired"),
            _ => None,
        }
    }
}

impl From<RuleError> for Error {
    fn from(err: RuleError) -> Self {
        match err {
            RuleError::Invalid { field, message } => Self::field(field, message),
            RuleError::Forbidden => Self::Forbidden,
        }
    }
}

impl From<sqlx::Error> for Error {
    /// Storage that cannot be used right now (disk full, read-only, I/O failing, locked too
    /// long, pool exhausted) is a 503 the client may retry; anything else is a bug (500).
    /// Either way the SQLite text stays in the log.
    fn from(err: sqlx::Error) -> Self {
        if crate::store::storage_unavailable(&err) {
            tracing::error!(error = %err, "storage unavailable");
            Self::storage_unavailable()
        } else {
            Self::internal(err)
        }
    }
}

const STORAGE_UNAVAILABLE: &str = "The database cannot be used right now (disk full, read-only or failing); nothing was changed. Try again later.";
