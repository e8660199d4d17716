//! The frames of the protocol: [`Event`]s the server sends and [`Action`]s a client sends
//! (`asyncapi.yaml` in the repository documents both).

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::types;

/// Something that happened in a room the subscription listens to.
///
/// Events sent by the server are the same whether a change came through REST or a socket.
/// After a reconnection, the messages missed in between are yielded as
/// [`MessageCreated`](Event::MessageCreated) too, so each message arrives exactly once.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// `message.created`: a new message (also the acknowledgement of the caller's own
    /// `new_message`; match it by `client_id`).
    MessageCreated(types::Message),
    /// `message.updated`: a message's new content or read state.
    MessageUpdated(types::Message),
    /// `message.deleted`: a message was deleted by its sender.
    MessageDeleted {
        /// The room's id.
        chat_room: i64,
        /// The deleted message's id.
        message_id: i64,
    },
    /// `typing`: another participant is typing (nobody hears their own).
    Typing {
        /// The room's id.
        chat_room: i64,
        /// Who is typing.
        user_id: i64,
        /// Their username.
        username: String,
    },
    /// `error`: the server's answer to an action it could not carry out (invalid JSON, an
    /// unknown action, a message that fails validation, ...). The connection stays open.
    Error {
        /// What went wrong, for people.
        detail: String,
        /// What went wrong, for programs: `parse_error`, `unknown_action`, `invalid`,
        /// `permission_denied`, `not_found`, `conflict`, ...
        code: String,
        /// Field → messages, for a `new_message` that fails validation (its text is the
        /// `message` field).
        errors: Option<BTreeMap<String, Vec<String>>>,
    },
    /// `resync`: the server may have missed events for this connection (on PostgreSQL, its
    /// link to the other instances was interrupted). Before yielding this, the subscription
    /// has already fetched the messages created meanwhile (yielded as
    /// [`MessageCreated`](Event::MessageCreated), each once); edits and deletions in between
    /// are not replayed, so refresh anything shown that they could have changed.
    Resync,
    /// A frame of a `type` this SDK does not know (a newer server), as the server sent it.
    Other(Value),
}

impl Event {
    /// The room the event is about, if it names one.
    pub fn chat_room(&self) -> Option<i64> {
        match self {
            Event::MessageCreated(m) | Event::MessageUpdated(m) => Some(m.chat_room),
            Event::MessageDeleted { chat_room, .. } | Event::Typing { chat_room, .. } => {
                Some(*chat_room)
            }
            Event::Error { .. } | Event::Resync => None,
            Event::Other(value) => value.get("chat_room").and_then(Value::as_i64),
        }
    }
}

/// The wire form of the known events; anything else becomes [`Event::Other`].
#[derive(Deserialize)]
#[serde(tag = "type")]
enum Known {
    #[serde(rename = "message.created")]
    MessageCreated { message: types::Message },
    #[serde(rename = "message.updated")]
    MessageUpdated { message: types::Message },
    #[serde(rename = "message.deleted")]
    MessageDeleted { chat_room: i64, message_id: i64 },
    #[serde(rename = "typing")]
    Typing {
        chat_room: i64,
        user_id: i64,
        username: String,
    },
    #[serde(rename = "error")]
    Error {
        detail: String,
        code: String,
        #[serde(default)]
        errors: Option<BTreeMap<String, Vec<String>>>,
    },
    #[serde(rename = "resync")]
    Resync {},
}

const KNOWN_TYPES: [&str; 6] = [
    "message.created",
    "message.updated",
    "message.deleted",
    "typing",
    "error",
    "resync",
];

impl<'de> Deserialize<'de> for Event {
    /// A known `type` must have its documented fields; any other frame (a new event type, or
    /// no `type` at all) is kept whole as [`Event::Other`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let known = value
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|ty| KNOWN_TYPES.contains(&ty));
        if !known {
            return Ok(Event::Other(value));
        }
        Ok(
            match Known::deserialize(value).map_err(de::Error::custom)? {
                Known::MessageCreated { message } => Event::MessageCreated(message),
                Known::MessageUpdated { message } => Event::MessageUpdated(message),
                Known::MessageDeleted {
                    chat_room,
                    message_id,
                } => Event::MessageDeleted {
                    chat_room,
                    message_id,
                },
                Known::Typing {
                    chat_room,
                    user_id,
                    username,
                } => Event::Typing {
                    chat_room,
                    user_id,
                    username,
                },
                Known::Error {
                    detail,
                    code,
                    errors,
                } => Event::Error {
                    detail,
                    code,
                    errors,
                },
                Known::Resync {} => Event::Resync,
            },
        )
    }
}

/// What a client asks the server to do over the socket.
///
/// [`Subscription`](super::Subscription) and [`Sender`](super::Sender) have a method for
/// each; this type is for sending one built elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// `new_message`: stored exactly like `POST .../messages/` (same validation; an invalid
    /// one is answered with an [`Event::Error`]); everyone in the room, the sender included,
    /// then receives its `message.created`.
    NewMessage {
        /// The text.
        message: String,
        /// Idempotency key: sending the same one again does not store a second message.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<Uuid>,
        /// The room; required on the every-room subscription, optional on a room's.
        #[serde(skip_serializing_if = "Option::is_none")]
        chat_room: Option<i64>,
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
    use serde_json::json;

    use super::*;

    fn message(id: i64) -> Value {
        json!({
            "id": id, "chat_room": 7, "sender": "alice", "sender_id": 1, "content": "hi",
            "created_at": "2024-01-01T00:00:00.000000Z", "updated_at": null, "is_read": false,
        })
    }

    fn event(value: Value) -> Event {
        serde_json::from_value(value).expect("an event")
    }

    #[test]
    fn known_events_are_typed() {
        let created = event(json!({"type": "message.created", "message": message(3)}));
        assert!(matches!(&created, Event::MessageCreated(m) if m.id == 3 && m.content == "hi"));
        assert_eq!(created.chat_room(), Some(7));
        let updated = event(json!({"type": "message.updated", "message": message(3)}));
        assert!(matches!(updated, Event::MessageUpdated(m) if m.id == 3));
        assert!(matches!(
            event(json!({"type": "message.deleted", "chat_room": 7, "message_id": 3})),
            Event::MessageDeleted {
                chat_room: 7,
                message_id: 3
            }
        ));
        assert!(matches!(
            event(json!({"type": "typing", "chat_room": 7, "user_id": 2, "username": "bob"})),
            Event::Typing { chat_room: 7, user_id: 2, username } if username == "bob"
        ));
        let invalid = event(json!({
            "type": "error", "detail": "Invalid message.", "code": "invalid",
            "errors": {"message": ["This field may not be blank."]},
        }));
        assert!(matches!(
            invalid,
            Event::Error { code, errors: Some(errors), .. }
                if code == "invalid" && errors["message"] == ["This field may not be blank."]
        ));
        let plain = event(json!({"type": "error", "detail": "nope", "code": "unknown_action"}));
        assert!(matches!(plain, Event::Error { errors: None, .. }));
    }

    #[test]
    fn unknown_frames_are_kept_whole() {
        for frame in [
            json!({"type": "room.renamed", "chat_room": 7, "name": "New"}),
            json!({"no": "type"}),
            json!([1, 2]),
        ] {
            assert!(matches!(event(frame.clone()), Event::Other(kept) if kept == frame));
        }
        assert_eq!(
            event(json!({"type": "room.renamed", "chat_room": 7})).chat_room(),
            Some(7)
        );
    }

    #[test]
    fn a_known_event_without_its_fields_is_an_error() {
        let broken = json!({"type": "message.created", "message": {"id": 1}});
        assert!(serde_json::from_value::<Event>(broken).is_err());
    }

    #[test]
    fn actions_have_their_documented_shapes() {
        let id = Uuid::nil();
        let text = |action: Action| serde_json::from_str::<Value>(&action.to_text()).ok();
        assert_eq!(
            text(Action::NewMessage {
                message: "hi".into(),
                client_id: Some(id),
                chat_room: None
            }),
            Some(json!({"action": "new_message", "message": "hi", "client_id": id}))
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
