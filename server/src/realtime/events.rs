//! The frames of the WebSocket protocol (`asyncapi.yaml` documents them): events the server
//! sends, and the actions clients send.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, FieldErrors};

/// Server → client. Events about a change are built once and sent as the same text to every
/// subscriber, whether the change came through REST or a socket.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum Event<'a> {
    #[serde(rename = "typing")]
    Typing {
        chat_room: i64,
        user_id: i64,
        username: &'a str,
    },
    /// A user came online (their first socket) or went offline (their last socket closed),
    /// to the rooms they are in.
    #[serde(rename = "presence")]
    Presence {
        user_id: i64,
        username: &'a str,
        online: bool,
        /// When their last socket closed; null while online or if never seen.
        last_seen_at: Option<String>,
    },
    #[serde(rename = "error")]
    Error {
        detail: String,
        code: &'static str,
        /// Field → messages, for a `new_message` that fails validation.
        #[serde(skip_serializing_if = "Option::is_none")]
        errors: Option<FieldErrors>,
    },
    /// The position the client resumed from is older than the log keeps: it reloads what it
    /// shows over REST, and goes on from `position` (live events follow).
    #[serde(rename = "resync")]
    Resync { reason: &'static str, position: i64 },
}

impl Event<'_> {
    pub fn error(code: &'static str, detail: impl Into<String>) -> Event<'static> {
        Event::Error {
            detail: detail.into(),
            code,
            errors: None,
        }
    }

    pub fn position_expired(latest: i64) -> Event<'static> {
        Event::Resync {
            reason: "position_expired",
            position: latest,
        }
    }

    /// The socket's form of an API error: the REST body's `detail` (or a summary of the field
    /// errors) with a stable `code`.
    pub fn from_api_error(err: &Error) -> Event<'static> {
        match err {
            Error::Validation(fields) => Event::Error {
                detail: "Invalid message.".into(),
                code: "invalid",
                errors: Some(fields.clone()),
            },
            Error::Forbidden => Event::error(
                "permission_denied",
                "You do not have permission to perform this action.",
            ),
            Error::NotFound => Event::error("not_found", "Not found."),
            Error::Conflict(detail) => Event::error("conflict", *detail),
            Error::Throttled(_) => Event::error("throttled", err.detail().unwrap_or_default()),
            Error::Unavailable(_) => Event::error("unavailable", err.detail().unwrap_or_default()),
            _ => Event::error("error", "A server error occurred."),
        }
    }

    pub fn to_text(&self) -> String {
        // Serialising plain maps, strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Client → server, after JSON parsing; what each action needs is read from its object.
pub enum Action {
    NewMessage(Map<String, Value>),
    Typing(Map<String, Value>),
}

impl Action {
    /// The action of a text frame, or the `error` event answering it.
    pub fn parse(text: &str) -> Result<Action, Event<'static>> {
        let value: Value = serde_json::from_str(text)
            .map_err(|err| Event::error("parse_error", format!("JSON parse error - {err}")))?;
        let Value::Object(fields) = value else {
            return Err(Event::error(
                "parse_error",
                "Expected a JSON object with an \"action\".",
            ));
        };
        match fields.get("action").and_then(Value::as_str) {
            Some("new_message") => Ok(Action::NewMessage(fields)),
            Some("typing") => Ok(Action::Typing(fields)),
            Some(other) => Err(Event::error(
                "unknown_action",
                format!("Unknown action \"{other}\"."),
            )),
            None => Err(Event::error(
                "unknown_action",
                "Every frame needs an \"action\": \"new_message\" or \"typing\".",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_have_their_documented_shapes() {
        let error = Event::error("unknown_action", "nope");
        assert_eq!(
            serde_json::from_str::<Value>(&error.to_text()).ok(),
            Some(json!({"type": "error", "detail": "nope", "code": "unknown_action"}))
        );
        assert_eq!(
            serde_json::from_str::<Value>(&Event::position_expired(9).to_text()).ok(),
            Some(json!({"type": "resync", "reason": "position_expired", "position": 9}))
        );
    }

    #[test]
    fn frames_that_are_not_actions_are_errors() {
        for frame in ["{", "[]", "{}", r#"{"action": "dance"}"#] {
            assert!(Action::parse(frame).is_err(), "{frame}");
        }
        assert!(matches!(
            Action::parse(r#"{"action": "typing"}"#),
            Ok(Action::Typing(_))
        ));
    }
}
