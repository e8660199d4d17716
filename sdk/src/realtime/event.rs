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
    /// `read`: `user_id` has read the room up to `message_id`; the room's messages up to it
    /// sent by others are now `is_read`. The ids only grow for one user: keep the highest.
    Read {
        /// The room's id.
        chat_room: i64,
        /// Who read.
        user_id: i64,
        /// Their read marker: the newest message they have read.
        message_id: i64,
    },
    /// `reaction.added`: `user_id` reacted to a message with `emoji`.
    ReactionAdded(Reaction),
    /// `reaction.removed`: `user_id` took their `emoji` reaction back.
    ReactionRemoved(Reaction),
    /// `presence`: a user sharing a room with the caller came online (their first socket)
    /// or went offline (their last socket closed).
    Presence {
        /// Whose presence changed.
        user_id: i64,
        /// Their username.
        username: String,
        /// Whether they now hold a socket.
        online: bool,
        /// When their last socket closed (RFC 3339); `None` while online.
        last_seen_at: Option<String>,
    },
    /// `invitation.created`: the caller was invited to a room (every-room subscriptions only).
    InvitationCreated(types::Invitation),
    /// A frame of a `type` this SDK does not know (a newer server), as the server sent it.
    Other(Value),
}

impl Event {
    /// The room the event is about, if it names one.
    pub fn chat_room(&self) -> Option<i64> {
        match self {
            Event::MessageCreated(m) | Event::MessageUpdated(m) => Some(m.chat_room),
            Event::MessageDeleted { chat_room, .. }
            | Event::Typing { chat_room, .. }
            | Event::Read { chat_room, .. } => Some(*chat_room),
            Event::ReactionAdded(r) | Event::ReactionRemoved(r) => Some(r.chat_room),
            Event::InvitationCreated(invitation) => Some(invitation.chat_room),
            Event::Error { .. } | Event::Resync | Event::Presence { .. } => None,
            Event::Other(value) => value.get("chat_room").and_then(Value::as_i64),
        }
    }
}

/// A reaction event's fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Reaction {
    /// The room's id.
    pub chat_room: i64,
    /// The message reacted to.
    pub message_id: i64,
    /// The emoji.
    pub emoji: String,
    /// Who reacted (or took it back).
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// How many users now react to the message with this emoji.
    pub count: i64,
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
    #[serde(rename = "read")]
    Read {
        chat_room: i64,
        user_id: i64,
        message_id: i64,
    },
    #[serde(rename = "reaction.added")]
    ReactionAdded(Reaction),
    #[serde(rename = "reaction.removed")]
    ReactionRemoved(Reaction),
    #[serde(rename = "presence")]
    Presence {
        user_id: i64,
        username: String,
        online: bool,
        last_seen_at: Option<String>,
    },
    #[serde(rename = "invitation.created")]
    InvitationCreated { invitation: types::Invitation },
}

const KNOWN_TYPES: [&str; 11] = [
    "message.created",
    "message.updated",
    "message.deleted",
    "typing",
    "error",
    "resync",
    "read",
    "reaction.added",
    "reaction.removed",
    "presence",
    "invitation.created",
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
                Known::Read {
                    chat_room,
                    user_id,
                    message_id,
                } => Event::Read {
                    chat_room,
                    user_id,
                    message_id,
                },
                Known::ReactionAdded(reaction) => Event::ReactionAdded(reaction),
                Known::ReactionRemoved(reaction) => Event::ReactionRemoved(reaction),
                Known::Presence {
                    user_id,
                    username,
                    online,
                    last_seen_at,
                } => Event::Presence {
                    user_id,
                    username,
                    online,
                    last_seen_at,
                },
                Known::InvitationCreated { invitation } => Event::InvitationCreated(invitation),
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
    use serde_json::json;

    use super::*;

    fn message(id: i64) -> Value {
        json!({
            "id": id, "chat_room": 7, "sender": "alice", "sender_id": 1, "content": "hi",
            "created_at": "2024-01-01T00:00:00.000000Z", "updated_at": null, "is_read": false,
            "reply_to": null, "reply_preview": null, "reactions": [], "mentions": [],
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
    fn events_beyond_the_seeds_are_typed() {
        assert!(matches!(
            event(json!({"type": "read", "chat_room": 7, "user_id": 2, "message_id": 9})),
            Event::Read {
                chat_room: 7,
                user_id: 2,
                message_id: 9
            }
        ));
        let reaction = json!({
            "type": "reaction.removed", "chat_room": 7, "message_id": 9, "emoji": "👍",
            "user_id": 2, "username": "bob", "count": 0,
        });
        assert!(matches!(
            event(reaction),
            Event::ReactionRemoved(Reaction {
                chat_room: 7,
                message_id: 9,
                count: 0,
                ..
            })
        ));
        let offline = event(json!({
            "type": "presence", "user_id": 2, "username": "bob", "online": false,
            "last_seen_at": "2026-11-21T10:00:00.000000Z",
        }));
        assert!(matches!(
            offline,
            Event::Presence {
                online: false,
                last_seen_at: Some(_),
                ..
            }
        ));
        assert_eq!(
            event(
                json!({"type": "presence", "user_id": 2, "username": "bob", "online": true,
                         "last_seen_at": null})
            )
            .chat_room(),
            None
        );
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
