//! The frames of stored events (API.md "The event stream"): what the log keeps and every
//! socket and `GET /api/events/` sends, byte for byte (the position is put in front when
//! sent). `asyncapi.yaml` documents each one.

use serde::Serialize;

use super::views::{Invitation, Message, Room};

/// Why a member left a room (`member.removed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Departure {
    /// They removed themselves.
    Left,
    /// Another participant removed them.
    Removed,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum Stored<'a> {
    #[serde(rename = "message.created")]
    MessageCreated { message: &'a Message },
    #[serde(rename = "message.updated")]
    MessageUpdated { message: &'a Message },
    #[serde(rename = "message.deleted")]
    MessageDeleted { chat_room: i64, message_id: i64 },
    /// `count`: how many users now react to the message with `emoji`.
    #[serde(rename = "reaction.added")]
    ReactionAdded {
        chat_room: i64,
        message_id: i64,
        emoji: &'a str,
        user_id: i64,
        username: &'a str,
        count: i64,
    },
    #[serde(rename = "reaction.removed")]
    ReactionRemoved {
        chat_room: i64,
        message_id: i64,
        emoji: &'a str,
        user_id: i64,
        username: &'a str,
        count: i64,
    },
    /// `user_id` has read the room up to `message_id` (their read marker moved forward).
    #[serde(rename = "read")]
    Read {
        chat_room: i64,
        user_id: i64,
        message_id: i64,
    },
    #[serde(rename = "room.created")]
    RoomCreated { room: &'a Room },
    #[serde(rename = "room.updated")]
    RoomUpdated { room: &'a Room },
    #[serde(rename = "room.deleted")]
    RoomDeleted { chat_room: i64 },
    #[serde(rename = "member.added")]
    MemberAdded {
        chat_room: i64,
        user_id: i64,
        by: i64,
        room: &'a Room,
    },
    #[serde(rename = "member.removed")]
    MemberRemoved {
        chat_room: i64,
        user_id: i64,
        by: i64,
        reason: Departure,
    },
    #[serde(rename = "invitation.created")]
    InvitationCreated { invitation: &'a Invitation },
    #[serde(rename = "invitation.accepted")]
    InvitationAccepted { invitation: &'a Invitation },
    #[serde(rename = "invitation.declined")]
    InvitationDeclined { invitation: &'a Invitation },
    #[serde(rename = "invitation.revoked")]
    InvitationRevoked { invitation: &'a Invitation },
}

impl Stored<'_> {
    /// The frame's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MessageCreated { .. } => "message.created",
            Self::MessageUpdated { .. } => "message.updated",
            Self::MessageDeleted { .. } => "message.deleted",
            Self::ReactionAdded { .. } => "reaction.added",
            Self::ReactionRemoved { .. } => "reaction.removed",
            Self::Read { .. } => "read",
            Self::RoomCreated { .. } => "room.created",
            Self::RoomUpdated { .. } => "room.updated",
            Self::RoomDeleted { .. } => "room.deleted",
            Self::MemberAdded { .. } => "member.added",
            Self::MemberRemoved { .. } => "member.removed",
            Self::InvitationCreated { .. } => "invitation.created",
            Self::InvitationAccepted { .. } => "invitation.accepted",
            Self::InvitationDeclined { .. } => "invitation.declined",
            Self::InvitationRevoked { .. } => "invitation.revoked",
        }
    }

    pub fn to_text(&self) -> String {
        // Views, strings and numbers always serialise.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A non-negative integer query parameter (`since`, `limit`, `timeout`) within `min..=max`, as
/// DRF's `IntegerField` checks it: the message to answer under its name otherwise.
pub fn integer_param(raw: &str, min: i64, max: i64) -> Result<i64, String> {
    let value: i64 = raw
        .trim()
        .parse()
        .map_err(|_| "A valid integer is required.".to_owned())?;
    if value < min {
        return Err(format!(
            "Ensure this value is greater than or equal to {min}."
        ));
    }
    if value > max {
        return Err(format!("Ensure this value is less than or equal to {max}."));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_names_the_frame() {
        let read = Stored::Read {
            chat_room: 1,
            user_id: 2,
            message_id: 3,
        };
        assert_eq!(
            read.to_text(),
            r#"{"type":"read","chat_room":1,"user_id":2,"message_id":3}"#
        );
        assert!(read.to_text().contains(read.kind()));
    }

    #[test]
    fn integer_params_are_checked_like_drf() {
        assert_eq!(integer_param("7", 0, 10), Ok(7));
        assert_eq!(
            integer_param("x", 0, 10),
            Err("A valid integer is required.".into())
        );
        assert_eq!(
            integer_param("-1", 0, 10),
            Err("Ensure this value is greater than or equal to 0.".into())
        );
        assert_eq!(
            integer_param("11", 0, 10),
            Err("Ensure this value is less than or equal to 10.".into())
        );
    }
}
