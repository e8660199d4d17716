//! The error of every operation: progenitor's variants, with a message a person can read.
//!
//! progenitor's own `Error` prints an error response as `status: 404; headers: {...every
//! response header...}; value: ApiError { ... }`; this one prints `404 Not Found:
//! {"detail":"Not found."}`. The generated client returns this type (`sdk/codegen` points it
//! here), so matching `Error::ErrorResponse(e)` and reading `e.status()`, `e.detail` or
//! `e.extra["content"]` works as before.

use std::fmt;

use bytes::Bytes;
use progenitor_client::ResponseValue;

/// Why an operation failed; `E` is the operation's documented error body
/// ([`types::ApiError`](crate::types::ApiError) on every operation but the legacy routes').
pub enum Error<E = ()> {
    /// The request did not conform to the API (a builder field left out or invalid).
    InvalidRequest(String),
    /// The server could not be reached, or the connection failed.
    CommunicationError(reqwest::Error),
    /// A WebSocket upgrade the server did not complete.
    InvalidUpgrade(reqwest::Error),
    /// A documented error status, with its typed body.
    ErrorResponse(ResponseValue<E>),
    /// The body of an expected response could not be read.
    ResponseBodyError(reqwest::Error),
    /// The body of an expected response did not parse.
    InvalidResponsePayload(Bytes, serde_json::Error),
    /// A status the API does not document for this operation.
    UnexpectedResponse(reqwest::Response),
    /// A failure of the SDK's own layer (token renewal, page links).
    Custom(String),
}

impl<E> Error<E> {
    /// The response's status, if there was a response.
    pub fn status(&self) -> Option<reqwest::StatusCode> {
        match self {
            Error::InvalidRequest(_) | Error::Custom(_) | Error::InvalidResponsePayload(..) => None,
            Error::CommunicationError(e)
            | Error::InvalidUpgrade(e)
            | Error::ResponseBodyError(e) => e.status(),
            Error::ErrorResponse(rv) => Some(rv.status()),
            Error::UnexpectedResponse(r) => Some(r.status()),
        }
    }
}

impl<E> From<progenitor_client::Error<E>> for Error<E> {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::InvalidRequest(s) => Error::InvalidRequest(s),
            P::CommunicationError(e) => Error::CommunicationError(e),
            P::InvalidUpgrade(e) => Error::InvalidUpgrade(e),
            P::ErrorResponse(rv) => Error::ErrorResponse(rv),
            P::ResponseBodyError(e) => Error::ResponseBodyError(e),
            P::InvalidResponsePayload(b, e) => Error::InvalidResponsePayload(b, e),
            P::UnexpectedResponse(r) => Error::UnexpectedResponse(r),
            P::Custom(s) => Error::Custom(s),
        }
    }
}

impl<E> From<reqwest::Error> for Error<E> {
    fn from(e: reqwest::Error) -> Self {
        Error::CommunicationError(e)
    }
}

impl<E> Error<E> {
    /// Every variant but `ErrorResponse`, whose body each formatter prints its own way.
    fn fmt_other(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(s) => write!(f, "invalid request: {s}"),
            Error::CommunicationError(e) => write!(f, "communication error: {e}"),
            Error::InvalidUpgrade(e) => write!(f, "the WebSocket upgrade failed: {e}"),
            Error::ResponseBodyError(e) => write!(f, "the response body could not be read: {e}"),
            Error::InvalidResponsePayload(body, e) => write!(
                f,
                "the response body did not parse ({e}): {}",
                String::from_utf8_lossy(body)
            ),
            Error::UnexpectedResponse(r) => {
                write!(f, "undocumented response: {} from {}", r.status(), r.url())
            }
            Error::Custom(s) => f.write_str(s),
            Error::ErrorResponse(rv) => write!(f, "{}", rv.status()),
        }
    }
}

/// The body as the server sent it: `{"detail": ...}` or field → messages.
impl<E: serde::Serialize> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ErrorResponse(rv) => {
                let body = serde_json::to_string(&**rv).unwrap_or_default();
                write!(f, "{}: {body}", rv.status())
            }
            other => other.fmt_other(f),
        }
    }
}

/// As Display, with the body's Rust form: what `?` out of `main` and `{:?}` print.
impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ErrorResponse(rv) => write!(f, "{}: {:?}", rv.status(), &**rv),
            other => other.fmt_other(f),
        }
    }
}

impl<E: serde::Serialize + fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::CommunicationError(e)
            | Error::InvalidUpgrade(e)
            | Error::ResponseBodyError(e) => Some(e),
            Error::InvalidResponsePayload(_, e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_response_reads_as_its_status_and_body_without_headers() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-request-id", "3f1c".parse().expect("a header value"));
        let body: crate::types::ApiError =
            serde_json::from_value(serde_json::json!({ "detail": "Not found." }))
                .expect("an ApiError");
        let error: Error<crate::types::ApiError> = Error::ErrorResponse(ResponseValue::new(
            body,
            reqwest::StatusCode::NOT_FOUND,
            headers,
        ));
        assert_eq!(
            error.to_string(),
            r#"404 Not Found: {"detail":"Not found."}"#
        );
        let debug = format!("{error:?}");
        assert!(debug.starts_with("404 Not Found: ApiError {"), "{debug}");
        assert!(!debug.contains("x-request-id"), "{debug}");
    }
}
