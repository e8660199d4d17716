//! Read markers: a participant's place in a room, moved forward only; the room hears each move.

use super::events::{echo, event};
use crate::domain::events::Stored;
use crate::domain::fields::Fields;
use crate::domain::reads::{marked_message, no_such_message};
use crate::error::Error;
use crate::startup::AppState;
use crate::store::events::Audience;
use crate::store::{MarkRead, ReadState};

/// The caller's read state in a room.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadMarker {
    pub chat_room: i64,
    /// The newest message the caller has read; 0 before the first.
    pub last_read_id: i64,
    /// Messages after it.
    pub unread_count: i64,
    /// Of those, the ones that mention the caller.
    pub mention_count: i64,
}

/// Moves the caller's marker in `room_id` forward to the message the body names, and tells
/// the room's sockets when it moved.
pub async fn mark(
    state: &AppState,
    caller: i64,
    room_id: i64,
    body: impl FnOnce() -> Result<Fields, Error>,
) -> Result<ReadMarker, Error> {
    // Membership first: an outsider's malformed body is a 404, not a 400.
    if !state.store.is_member(room_id, caller).await? {
        return Err(Error::NotFound);
    }
    let message_id = marked_message(body()?)?;
    let frame = |message_id| {
        let read = Stored::Read {
            chat_room: room_id,
            user_id: caller,
            message_id,
        };
        event(Audience::Room(room_id), &read)
    };
    match state
        .store
        .mark_read(room_id, caller, message_id, frame)
        .await?
    {
        MarkRead::Marked {
            position,
            state: read,
        } => {
            echo(position);
            Ok(marker(room_id, read))
        }
        MarkRead::NoSuchMessage => Err(no_such_message(message_id)),
    }
}

fn marker(chat_room: i64, read: ReadState) -> ReadMarker {
    ReadMarker {
        chat_room,
        last_read_id: read.last_read_id,
        unread_count: read.unread_count,
        mention_count: read.mention_count,
    }
}
