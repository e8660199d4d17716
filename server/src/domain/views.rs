//! What the API answers with, as plain data: the services build these, the sockets send them
//! as they are (serde), and `api` gives each its documented OpenAPI object. A field added here
//! must be added to its `api` object too (the object's `From` stops compiling otherwise), and
//! both must serialise alike (`api::payload`'s tests compare them).

use serde::Serialize;
use uuid::Uuid;

use super::invitations::InvitationStatus;
use super::rooms::RoomType;

/// A message as a reader sees it: see `api::messages::Message` for each field's meaning.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Message {
    pub id: i64,
    pub chat_room: i64,
    pub sender: String,
    pub sender_id: i64,
    pub content: String,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub is_read: bool,
    pub client_id: Option<Uuid>,
    pub reply_to: Option<i64>,
    pub reply_preview: Option<ReplyPreview>,
    pub reactions: Vec<Reaction>,
    pub mentions: Vec<i64>,
}

/// One emoji on a message, with how many chose it and whether the viewer did.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    pub me: bool,
}

/// A reply's quote of the message it answers.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ReplyPreview {
    pub id: i64,
    pub sender: String,
    pub sender_id: i64,
    pub content: String,
}

/// A room as one of its participants sees it.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Room {
    pub id: i64,
    pub name: String,
    pub room_type: RoomType,
    pub participants: Vec<i64>,
    pub created_by: i64,
    pub messages: Vec<Message>,
    pub unread_count: i64,
    pub mention_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// An invitation into a room, as its inviter and invitee see it.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: i64,
    pub chat_room: i64,
    pub room_name: String,
    pub room_type: RoomType,
    pub inviter_id: i64,
    pub inviter: String,
    pub invitee_id: i64,
    pub invitee: String,
    pub status: InvitationStatus,
    pub created_at: String,
    pub responded_at: Option<String>,
}
