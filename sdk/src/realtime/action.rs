//! The frames a client sends: [`Action`]s (`asyncapi.yaml` in the repository documents them).

use serde::Serialize;
use uuid::Uuid;

/// What a client asks the server to do over the socket.
///
/// [`Subscription`](super::Subscription) and [`Sender`](super::Sender) have a method for
/// each; this type is for sending one built elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// `new_message`: stored exactly like `POST .../messages/` (same validation; an invalid
    /// one is answered with an [`Event::Error`](super::Event::Error)); everyone in the room,
    /// the sender included, then receives its `message.created`.
    NewMessage {
        /// The text.
        message: String,
        /// Idempotency key: sending the same one again does not store a second message (the
        /// sender alone is answered with the stored message again, without a position).
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<Uuid>,
        /// The room; required on the every-room subscription, optional on a room's.
        #[serde(skip_serializing_if = "Option::is_none")]
        chat_room: Option<i64>,
        /// A message of the same room this one answers.
        #[serde(skip_serializing_if = "Option::is_none")]
        reply_to: Option<i64>,
    },
    /// `typing`: tells the room's other participants that the caller is typing.
    Typing {
        /// The room; required on the every-room subscription, optional on a room's.
        #[serde(skip_serializing_if = "Option::is_none")]
        chat_room: Option<i64>,
    },
}

impl Action {
    /// The room the action names, if any.
    pub fn chat_room(&self) -> Option<i64> {
        match self {
            Action::NewMessage { chat_room, .. } | Action::Typing { chat_room } => *chat_room,
        }
    }

    pub(crate) fn to_text(&self) -> String {
        // Strings, numbers and a UUID: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn actions_have_their_documented_shapes() {
        let id = Uuid::nil();
        let text = |action: Action| serde_json::from_str::<Value>(&action.to_text()).ok();
        assert_eq!(
            text(Action::NewMessage {
                message: "hi".into(),
                client_id: Some(id),
                chat_room: None,
                reply_to: None,
            }),
            Some(json!({"action": "new_message", "message": "hi", "client_id": id}))
        );
        assert_eq!(
            text(Action::NewMessage {
                message: "yes".into(),
                client_id: None,
                chat_room: Some(7),
                reply_to: Some(3),
            }),
            Some(json!({"action": "new_message", "message": "yes", "chat_room": 7, "reply_to": 3}))
        );
        assert_eq!(
            text(Action::Typing { chat_room: Some(7) }),
            Some(json!({"action": "typing", "chat_room": 7}))
        );
        assert_eq!(
            text(Action::Typing { chat_room: None }),
            Some(json!({"action": "typing"}))
        );
    }
}
