//! Emoji reactions, one per user per emoji. The message routes' rules apply: 403 for a room
//! the caller is not in, 404 for a message not in that room.

use super::events::{echo, event};
use super::members::require_member;
use super::messages::{find, render_one};
use crate::auth::CurrentUser;
use crate::domain::emoji;
use crate::domain::events::Stored;
use crate::domain::fields::Fields;
use crate::domain::views::Message;
use crate::error::Error;
use crate::startup::AppState;
use crate::store::Reacted;
use crate::store::events::{Audience, NewEvent};

/// What a reaction did to its message, which comes back with its reactions as the caller
/// sees them.
pub enum Added {
    /// Stored now; the room's sockets have been told.
    Created(Message),
    /// The caller had already reacted so: nothing changed, nobody is told.
    Existing(Message),
}

/// The caller reacts to message `id` of `room_id` with the emoji the body names.
pub async fn add(
    state: &AppState,
    caller: &CurrentUser,
    room_id: i64,
    id: i64,
    body: impl FnOnce() -> Result<Fields, Error>,
) -> Result<Added, Error> {
    require_member(&state.store, room_id, caller.id).await?;
    // A reaction is an event to every socket of the room: it spends the message budget. As
    // DRF: throttles after permissions, before the object is looked up.
    state
        .throttles
        .message(caller.id)
        .await?
        .map_err(Error::Throttled)?;
    let message = find(&state.store, room_id, id).await?;
    let emoji = emoji::reaction(body()?)?;
    let frame = |count| reaction(caller, room_id, message.id, emoji, count, true);
    let added = match state
        .store
        .add_reaction(message.id, caller.id, emoji, frame)
        .await?
    {
        Reacted::Done {
            added, position, ..
        } => {
            echo(position);
            added
        }
        Reacted::MessageGone => return Err(Error::NotFound),
    };
    let message = render_one(&state.store, Some(caller.id), message).await?;
    Ok(if added {
        Added::Created(message)
    } else {
        Added::Existing(message)
    })
}

/// Removes the caller's own reaction `emoji` (as the path spells it) from message `id`; 404 if
/// they had not reacted so.
pub async fn remove(
    state: &AppState,
    caller: &CurrentUser,
    room_id: i64,
    id: i64,
    emoji: &str,
) -> Result<(), Error> {
    require_member(&state.store, room_id, caller.id).await?;
    let message = find(&state.store, room_id, id).await?;
    // Nobody can have reacted with what is not an emoji: the reaction does not exist.
    let emoji = emoji::parse(emoji).map_err(|_| Error::NotFound)?;
    let frame = |count| reaction(caller, room_id, message.id, emoji, count, false);
    let (_, position) = state
        .store
        .remove_reaction(message.id, caller.id, emoji, frame)
        .await?
        .ok_or(Error::NotFound)?;
    echo(position);
    Ok(())
}

fn reaction(
    caller: &CurrentUser,
    room_id: i64,
    message_id: i64,
    emoji: &str,
    count: i64,
    added: bool,
) -> NewEvent {
    let frame = if added {
        Stored::ReactionAdded {
            chat_room: room_id,
            message_id,
            emoji,
            user_id: caller.id,
            username: &caller.username,
            count,
        }
    } else {
        Stored::ReactionRemoved {
            chat_room: room_id,
            message_id,
            emoji,
            user_id: caller.id,
            username: &caller.username,
            count,
        }
    };
    event(Audience::Room(room_id), &frame)
}
