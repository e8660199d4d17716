//! The frames the server sends: [`Event`]s (`asyncapi.yaml` in the repository documents
//! them; the server's `domain/events.rs` and `realtime/events.rs` define them).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

use crate::types;

/// Something that happened in a room the subscription listens to, or to the caller.
///
/// **Stored events** are kept by the server in its event log and carry a `position`: an
/// integer that grows with commit order across the whole service. They are every variant
/// with a `position` field (and [`Other`](Event::Other) frames with one). A subscription
/// yields each of them exactly once and in position order, across reconnections: it
/// resumes the stream after the position of the last one it yielded. **Ephemeral events**
/// ([`Typing`](Event::Typing), [`Presence`](Event::Presence), [`Error`](Event::Error),
/// [`Resync`](Event::Resync)) carry none and are not replayed.
///
/// Match the variants for their payload and use [`position`](Event::position) for the
/// position of any of them, e.g. to remember where an app stopped and resume there with
/// [`Options::since`](super::Options::since):
///
/// ```
/// # use chat_sdk::realtime::Event;
/// fn handle(event: &Event, resume_after: &mut Option<i64>) {
///     match event {
///         Event::MessageCreated { message, .. } => println!("{}", message.content),
///         Event::MessageDeleted { message_id, .. } => println!("message {message_id} deleted"),
///         Event::Resync { .. } => println!("reload over REST"),
///         _ => {}
///     }
///     if let Some(position) = event.position() {
///         *resume_after = Some(position);
///     }
/// }
/// ```
///
/// Events are the same whether a change came through REST or a socket.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// `message.created`: a new message (also the acknowledgement of the caller's own
    /// `new_message`; match it by `client_id`).
    MessageCreated {
        /// The message.
        message: types::Message,
        /// Its position; `None` only for the server's answer to a `new_message` sent again
        /// with the `client_id` of a message already stored: the stored message, to the
        /// sender alone, which is not a new event (the original `message.created` has its
        /// own position).
        position: Option<i64>,
    },
    /// `message.updated`: a message's new content or read state.
    MessageUpdated {
        /// The message as it is now.
        message: types::Message,
        /// The event's position.
        position: i64,
    },
    /// `message.deleted`: a message was deleted.
    MessageDeleted {
        /// The room's id.
        chat_room: i64,
        /// The deleted message's id.
        message_id: i64,
        /// The event's position.
        position: i64,
    },
    /// `reaction.added`: a user reacted to a message with an emoji.
    ReactionAdded {
        /// Who reacted with what, to which message.
        reaction: Reaction,
        /// The event's position.
        position: i64,
    },
    /// `reaction.removed`: a user took their emoji reaction back.
    ReactionRemoved {
        /// Who took back what, from which message.
        reaction: Reaction,
        /// The event's position.
        position: i64,
    },
    /// `read`: `user_id` has read the room up to `message_id`; the room's messages up to it
    /// sent by others are now `is_read`. The ids only grow for one user: keep the highest.
    Read {
        /// The room's id.
        chat_room: i64,
        /// Who read.
        user_id: i64,
        /// Their read marker: the newest message they have read.
        message_id: i64,
        /// The event's position.
        position: i64,
    },
    /// `room.created`: a room was created with the caller among its first participants
    /// (who hear no [`MemberAdded`](Event::MemberAdded) for it). An every-room subscription
    /// hears the room's events from here on.
    RoomCreated {
        /// The room (`messages` empty, counts zero).
        room: types::Room,
        /// The event's position.
        position: i64,
    },
    /// `room.updated`: a room's name or type changed.
    RoomUpdated {
        /// The room as it is now (`messages` empty, counts zero).
        room: types::Room,
        /// The event's position.
        position: i64,
    },
    /// `room.deleted`: the room is gone. A room's subscription ends right after it, with
    /// [`RealtimeError::Closed`](super::RealtimeError::Closed) 1000 `room deleted`.
    RoomDeleted {
        /// The room's id.
        chat_room: i64,
        /// The event's position.
        position: i64,
    },
    /// `member.added`: `user_id` joined the room (added by `by`, or by accepting an
    /// invitation). When it is the caller, an every-room subscription hears the room's
    /// events from here on.
    MemberAdded {
        /// The room's id.
        chat_room: i64,
        /// Who joined.
        user_id: i64,
        /// Who added them (themselves, when they accepted an invitation).
        by: i64,
        /// The room, so that a user who was added can show it at once (`messages` empty,
        /// counts zero).
        room: types::Room,
        /// The event's position.
        position: i64,
    },
    /// `member.removed`: `user_id` left the room or was removed from it. When it is the
    /// caller, this is the last event of the room they hear; a room's subscription then ends
    /// with [`RealtimeError::Closed`](super::RealtimeError::Closed) 1008 `not a participant`.
    MemberRemoved {
        /// The room's id.
        chat_room: i64,
        /// Who left.
        user_id: i64,
        /// Who removed them (themselves, when they left).
        by: i64,
        /// Why.
        reason: Departure,
        /// The event's position.
        position: i64,
    },
    /// `invitation.created`: the caller invited someone, or was invited (every-room
    /// subscriptions only, like every invitation event).
    InvitationCreated {
        /// The invitation.
        invitation: types::Invitation,
        /// The event's position.
        position: i64,
    },
    /// `invitation.accepted`: the invitee accepted (a [`MemberAdded`](Event::MemberAdded)
    /// follows).
    InvitationAccepted {
        /// The invitation, answered.
        invitation: types::Invitation,
        /// The event's position.
        position: i64,
    },
    /// `invitation.declined`: the invitee declined.
    InvitationDeclined {
        /// The invitation, answered.
        invitation: types::Invitation,
        /// The event's position.
        position: i64,
    },
    /// `invitation.revoked`: the invitation was withdrawn before it was answered.
    InvitationRevoked {
        /// The invitation as it was (still `pending`).
        invitation: types::Invitation,
        /// The event's position.
        position: i64,
    },
    /// `typing`: another participant is typing (nobody hears their own). Ephemeral.
    Typing {
        /// The room's id.
        chat_room: i64,
        /// Who is typing.
        user_id: i64,
        /// Their username.
        username: String,
    },
    /// `presence`: a user sharing a room with the caller came online (their first socket)
    /// or went offline (their last socket closed). Ephemeral.
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
    /// `error`: the server's answer to an action it could not carry out (invalid JSON, an
    /// unknown action, a message that fails validation, ...). The connection stays open.
    /// Ephemeral.
    Error {
        /// What went wrong, for people.
        detail: String,
        /// What went wrong, for programs: `parse_error`, `unknown_action`, `invalid`,
        /// `permission_denied`, `not_found`, `conflict`, `throttled`, ...
        code: String,
        /// Field → messages, for a `new_message` that fails validation (its text is the
        /// `message` field).
        errors: Option<BTreeMap<String, Vec<String>>>,
    },
    /// `resync`: the subscription resumed from a position older than the server keeps
    /// (`reason`: `position_expired`), so some events are lost to it. Reload what is shown
    /// over REST; the stream goes on with the events after `position` (the newest one when
    /// the server said so), which is also what [`position`](Event::position) returns.
    Resync {
        /// Why: `position_expired`.
        reason: String,
        /// The position the stream goes on from.
        position: i64,
    },
    /// A frame of a `type` this SDK does not know (a newer server), as the server sent it.
    /// If it is a stored event, it has a `position` and is deduplicated like the others.
    Other(Value),
}

impl Event {
    /// The stream position this event brings the subscription to: a stored event's own
    /// position, or for [`Resync`](Event::Resync) the position the stream goes on from.
    /// `None` for ephemeral events and for the answer to a `new_message` retried with a
    /// stored `client_id`.
    ///
    /// An app that saves the last `Some` it handled can resume there after a restart with
    /// [`Options::since`](super::Options::since), and miss nothing.
    pub fn position(&self) -> Option<i64> {
        match self {
            Event::MessageCreated { position, .. } => *position,
            Event::MessageUpdated { position, .. }
            | Event::MessageDeleted { position, .. }
            | Event::ReactionAdded { position, .. }
            | Event::ReactionRemoved { position, .. }
            | Event::Read { position, .. }
            | Event::RoomCreated { position, .. }
            | Event::RoomUpdated { position, .. }
            | Event::RoomDeleted { position, .. }
            | Event::MemberAdded { position, .. }
            | Event::MemberRemoved { position, .. }
            | Event::InvitationCreated { position, .. }
            | Event::InvitationAccepted { position, .. }
            | Event::InvitationDeclined { position, .. }
            | Event::InvitationRevoked { position, .. }
            | Event::Resync { position, .. } => Some(*position),
            Event::Typing { .. } | Event::Presence { .. } | Event::Error { .. } => None,
            Event::Other(value) => value.get("position").and_then(Value::as_i64),
        }
    }

    /// The room the event is about, if it names one.
    pub fn chat_room(&self) -> Option<i64> {
        match self {
            Event::MessageCreated { message, .. } | Event::MessageUpdated { message, .. } => {
                Some(message.chat_room)
            }
            Event::MessageDeleted { chat_room, .. }
            | Event::Read { chat_room, .. }
            | Event::RoomDeleted { chat_room, .. }
            | Event::MemberAdded { chat_room, .. }
            | Event::MemberRemoved { chat_room, .. }
            | Event::Typing { chat_room, .. } => Some(*chat_room),
            Event::ReactionAdded { reaction, .. } | Event::ReactionRemoved { reaction, .. } => {
                Some(reaction.chat_room)
            }
            Event::RoomCreated { room, .. } | Event::RoomUpdated { room, .. } => Some(room.id),
            Event::InvitationCreated { invitation, .. }
            | Event::InvitationAccepted { invitation, .. }
            | Event::InvitationDeclined { invitation, .. }
            | Event::InvitationRevoked { invitation, .. } => Some(invitation.chat_room),
            Event::Error { .. } | Event::Resync { .. } | Event::Presence { .. } => None,
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

/// Why a member left a room ([`Event::MemberRemoved`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(from = "String")]
#[non_exhaustive]
pub enum Departure {
    /// `left`: they removed themselves.
    Left,
    /// `removed`: another participant removed them.
    Removed,
    /// `banned`: they were banned from the room.
    Banned,
    /// A reason this SDK does not know (a newer server), as sent.
    Other(String),
}

impl Departure {
    /// The reason as the server writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Departure::Left => "left",
            Departure::Removed => "removed",
            Departure::Banned => "banned",
            Departure::Other(reason) => reason,
        }
    }
}

impl From<String> for Departure {
    fn from(reason: String) -> Departure {
        match reason.as_str() {
            "left" => Departure::Left,
            "removed" => Departure::Removed,
            "banned" => Departure::Banned,
            _ => Departure::Other(reason),
        }
    }
}

/// The wire form of the known events without their `position` (read apart, as every stored
/// event has it); anything else becomes [`Event::Other`].
#[derive(Deserialize)]
#[serde(tag = "type")]
enum Known {
    #[serde(rename = "message.created")]
    MessageCreated { message: types::Message },
    #[serde(rename = "message.updated")]
    MessageUpdated { message: types::Message },
    #[serde(rename = "message.deleted")]
    MessageDeleted { chat_room: i64, message_id: i64 },
    #[serde(rename = "reaction.added")]
    ReactionAdded(Reaction),
    #[serde(rename = "reaction.removed")]
    ReactionRemoved(Reaction),
    #[serde(rename = "read")]
    Read {
        chat_room: i64,
        user_id: i64,
        message_id: i64,
    },
    #[serde(rename = "room.created")]
    RoomCreated { room: types::Room },
    #[serde(rename = "room.updated")]
    RoomUpdated { room: types::Room },
    #[serde(rename = "room.deleted")]
    RoomDeleted { chat_room: i64 },
    #[serde(rename = "member.added")]
    MemberAdded {
        chat_room: i64,
        user_id: i64,
        by: i64,
        room: types::Room,
    },
    #[serde(rename = "member.removed")]
    MemberRemoved {
        chat_room: i64,
        user_id: i64,
        by: i64,
        reason: Departure,
    },
    #[serde(rename = "invitation.created")]
    InvitationCreated { invitation: types::Invitation },
    #[serde(rename = "invitation.accepted")]
    InvitationAccepted { invitation: types::Invitation },
    #[serde(rename = "invitation.declined")]
    InvitationDeclined { invitation: types::Invitation },
    #[serde(rename = "invitation.revoked")]
    InvitationRevoked { invitation: types::Invitation },
    #[serde(rename = "typing")]
    Typing {
        chat_room: i64,
        user_id: i64,
        username: String,
    },
    #[serde(rename = "presence")]
    Presence {
        user_id: i64,
        username: String,
        online: bool,
        last_seen_at: Option<String>,
    },
    #[serde(rename = "error")]
    Error {
        detail: String,
        code: String,
        #[serde(default)]
        errors: Option<BTreeMap<String, Vec<String>>>,
    },
    #[serde(rename = "resync")]
    Resync { reason: String, position: i64 },
}

const KNOWN_TYPES: [&str; 19] = [
    "message.created",
    "message.updated",
    "message.deleted",
    "reaction.added",
    "reaction.removed",
    "read",
    "room.created",
    "room.updated",
    "room.deleted",
    "member.added",
    "member.removed",
    "invitation.created",
    "invitation.accepted",
    "invitation.declined",
    "invitation.revoked",
    "typing",
    "presence",
    "error",
    "resync",
];

impl<'de> Deserialize<'de> for Event {
    /// A known `type` must have its documented fields, a stored one its `position`; any
    /// other frame (a new event type, or no `type` at all) is kept whole as
    /// [`Event::Other`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let known = value
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|ty| KNOWN_TYPES.contains(&ty));
        if !known {
            return Ok(Event::Other(value));
        }
        let position = match value.get("position") {
            None | Some(Value::Null) => None,
            Some(position) => Some(
                position
                    .as_i64()
                    .ok_or_else(|| de::Error::custom("`position` is not an integer"))?,
            ),
        };
        let stored = || position.ok_or_else(|| de::Error::missing_field("position"));
        Ok(
            match Known::deserialize(value).map_err(de::Error::custom)? {
                Known::MessageCreated { message } => Event::MessageCreated { message, position },
                Known::MessageUpdated { message } => Event::MessageUpdated {
                    message,
                    position: stored()?,
                },
                Known::MessageDeleted {
                    chat_room,
                    message_id,
                } => Event::MessageDeleted {
                    chat_room,
                    message_id,
                    position: stored()?,
                },
                Known::ReactionAdded(reaction) => Event::ReactionAdded {
                    reaction,
                    position: stored()?,
                },
                Known::ReactionRemoved(reaction) => Event::ReactionRemoved {
                    reaction,
                    position: stored()?,
                },
                Known::Read {
                    chat_room,
                    user_id,
                    message_id,
                } => Event::Read {
                    chat_room,
                    user_id,
                    message_id,
                    position: stored()?,
                },
                Known::RoomCreated { room } => Event::RoomCreated {
                    room,
                    position: stored()?,
                },
                Known::RoomUpdated { room } => Event::RoomUpdated {
                    room,
                    position: stored()?,
                },
                Known::RoomDeleted { chat_room } => Event::RoomDeleted {
                    chat_room,
                    position: stored()?,
                },
                Known::MemberAdded {
                    chat_room,
                    user_id,
                    by,
                    room,
                } => Event::MemberAdded {
                    chat_room,
                    user_id,
                    by,
                    room,
                    position: stored()?,
                },
                Known::MemberRemoved {
                    chat_room,
                    user_id,
                    by,
                    reason,
                } => Event::MemberRemoved {
                    chat_room,
                    user_id,
                    by,
                    reason,
                    position: stored()?,
                },
                Known::InvitationCreated { invitation } => Event::InvitationCreated {
                    invitation,
                    position: stored()?,
                },
                Known::InvitationAccepted { invitation } => Event::InvitationAccepted {
                    invitation,
                    position: stored()?,
                },
                Known::InvitationDeclined { invitation } => Event::InvitationDeclined {
                    invitation,
                    position: stored()?,
                },
                Known::InvitationRevoked { invitation } => Event::InvitationRevoked {
                    invitation,
                    position: stored()?,
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
                Known::Error {
                    detail,
                    code,
                    errors,
                } => Event::Error {
                    detail,
                    code,
                    errors,
                },
                Known::Resync { reason, position } => Event::Resync { reason, position },
            },
        )
    }
}

#[cfg(test)]
mod tests;
