//! What can go wrong with a subscription, and which failures a reconnection can cure.

use crate::{Error, types};

/// Why a subscription could not start, ended, or could not send an action.
///
/// On the [`Subscription`](super::Subscription) stream, [`Decode`](RealtimeError::Decode)
/// is the only error after which more items follow; any other error is the last item.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RealtimeError {
    /// The WebSocket handshake failed: refused before the upgrade (401 no or invalid token,
    /// 403 not a participant, 404, 429 too many connections, 400 a `since` newer than the
    /// server's newest position) or the server was unreachable. When connecting, any failure
    /// ends up here; on a reconnection only those that retrying cannot cure (401, 403, 404,
    /// 400, a token that cannot be renewed).
    #[error("the WebSocket handshake failed: {0}")]
    Handshake(#[source] Error<types::ApiError>),
    /// Reading where the event stream stands (`GET /api/events/`), which a subscription
    /// without [`Options::since`](super::Options::since) starts from, failed: e.g. 401, or
    /// the server was unreachable. Only when connecting.
    #[error("reading the event stream's position failed: {0}")]
    Start(#[source] Error<types::ApiError>),
    /// The server closed the socket because the caller may not listen any more: 1008
    /// `not a participant`, 1000 `room deleted`.
    #[error("the server ended the subscription: {code} {reason}")]
    Closed {
        /// The WebSocket close code.
        code: u16,
        /// The close reason the server gave.
        reason: String,
    },
    /// A text frame that is not a well-formed event (e.g. a known `type` without its
    /// fields). The subscription goes on.
    #[error("a frame could not be read as an event: {source}")]
    Decode {
        /// The frame as received.
        frame: String,
        /// What was wrong with it.
        #[source]
        source: serde_json::Error,
    },
    /// The every-room subscription needs to know which room an action is for.
    #[error("actions on the every-room subscription must name their room (`chat_room`)")]
    RoomRequired,
    /// The connection dropped while the action was being written: the server may or may not
    /// have received it (a `new_message` with a `client_id` can be sent again safely).
    #[error("the connection dropped while the action was being sent")]
    Interrupted,
    /// The subscription has ended (dropped, or ended by one of the errors above).
    #[error("the subscription has ended")]
    Ended,
}

impl RealtimeError {
    /// The HTTP status of a refused handshake or position request, if that is what this is.
    pub fn status(&self) -> Option<u16> {
        match self {
            RealtimeError::Handshake(e) | RealtimeError::Start(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }
}

/// Whether a failed request may succeed if tried again later: the network, a server that is
/// restarting or overloaded, too many connections for the moment. Refusals (401, 403, 404,
/// 400) and tokens that cannot be renewed are final.
pub(crate) fn is_transient(error: &Error<types::ApiError>) -> bool {
    match error {
        Error::CommunicationError(_)
        | Error::InvalidUpgrade(_)
        | Error::ResponseBodyError(_)
        | Error::InvalidResponsePayload(..) => true,
        Error::ErrorResponse(response) => retry_status(response.status().as_u16()),
        Error::UnexpectedResponse(response) => retry_status(response.status().as_u16()),
        _ => false,
    }
}

fn retry_status(status: u16) -> bool {
    status >= 500 || matches!(status, 408 | 425 | 429)
}

/// How a close frame (or its absence) decides between reconnecting and ending.
pub(crate) fn is_final_close(code: u16, reason: &str) -> bool {
    // 1000 is only sent when the room is gone; 1008 is a policy decision, and only `slow
    // consumer` invites the client back (to resume from its position).
    code == 1000 || (code == 1008 && reason != "slow consumer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_leaving_the_room_ends_a_subscription() {
        assert!(is_final_close(1008, "not a participant"));
        assert!(is_final_close(1000, "room deleted"));
        assert!(!is_final_close(1008, "slow consumer"));
        assert!(!is_final_close(1001, "server shutting down"));
        assert!(!is_final_close(1001, "no pong"));
        assert!(!is_final_close(1011, ""));
    }

    #[test]
    fn overload_and_outages_are_retried() {
        for status in [429, 500, 502, 503, 504, 408] {
            assert!(retry_status(status), "{status}");
        }
        for status in [400, 401, 403, 404] {
            assert!(!retry_status(status), "{status}");
        }
        assert!(!is_transient(&Error::Custom("renewal refused".into())));
    }
}
