//! Sending, editing and deleting messages: one path for REST, sockets and the seed routes, so
//! validation, storage, idempotency and the events that follow are the same whichever way a
//! message comes in. An event goes out only after the change is durably stored.

use super::events::{echo, event};
use super::members::require_member;
use crate::auth::CurrentUser;
use crate::domain::events::Stored;
use crate::domain::fields::{Draft, Fields};
use crate::domain::mentions;
use crate::domain::messages::{EditMessage, SendDraft, SendMessage, may_change};
use crate::domain::text::Content;
use crate::domain::time::rfc3339;
use crate::domain::views::{Message, Reaction, ReplyPreview};
use crate::error::Error;
use crate::realtime::{Broadcast, Event};
use crate::startup::AppState;
use crate::store::events::Audience;
use crate::store::{
    Announce, CreateOutcome, Extras, MessageRow, MessageWindow, NewMessage, ParentPreview, Store,
};

/// The 409 of a `client_id` sent again with a different message.
pub const CLIENT_ID_CONFLICT: &str = "client_id was already used for a different message.";

/// The outcome of a send.
pub enum Sent {
    /// Stored now (REST 201); subscribers have been told.
    Created(Message),
    /// The sender's `client_id` was already used for this content: the first message (REST
    /// 200); nobody is told again.
    Replayed(Message),
}

/// Message objects of `rows` as `viewer` sees them (`reactions[].me`); `None` for events,
/// which every subscriber shares. The one way rows become [`Message`]s.
pub async fn render(
    store: &Store,
    viewer: Option<i64>,
    rows: Vec<MessageRow>,
) -> Result<Vec<Message>, Error> {
    let extras = store.message_extras(viewer, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|row| decorated(row, &extras))
        .collect())
}

/// The row with what `extras` (fetched for a listing holding it) says of it.
pub fn decorated(row: MessageRow, extras: &Extras) -> Message {
    let is_read = row.is_read || extras.read_by_others(&row);
    let reactions = extras
        .reactions
        .get(&row.id)
        .map(|counts| {
            counts
                .iter()
                .map(|c| Reaction {
                    emoji: c.emoji.clone(),
                    count: c.count,
                    me: c.me,
                })
                .collect()
        })
        .unwrap_or_default();
    let mentions = extras.mentions.get(&row.id).cloned().unwrap_or_default();
    let reply_preview = row
        .reply_to
        .and_then(|parent| extras.parents.get(&parent))
        .cloned()
        .map(quote);
    Message {
        is_read,
        reactions,
        mentions,
        reply_preview,
        ..bare(row)
    }
}

/// The row alone: no reactions, mentions or quote (a message just stored has no reactions;
/// its sender fills in the rest).
fn bare(row: MessageRow) -> Message {
    Message {
        id: row.id,
        chat_room: row.room_id,
        sender: row.sender,
        sender_id: row.sender_id,
        content: row.content,
        created_at: rfc3339(row.created_at),
        updated_at: row.updated_at.map(rfc3339),
        is_read: row.is_read,
        client_id: row.client_id.and_then(|id| uuid::Uuid::parse_str(&id).ok()),
        reply_to: row.reply_to,
        reply_preview: None,
        reactions: Vec::new(),
        mentions: Vec::new(),
    }
}

fn quote(parent: ParentPreview) -> ReplyPreview {
    ReplyPreview {
        id: parent.id,
        sender: parent.sender,
        sender_id: parent.sender_id,
        content: parent.content,
    }
}

/// A window of a room's messages with their extras, if `caller` is in the room (403
/// otherwise); membership is checked in the same statement as the page.
pub async fn window(
    store: &Store,
    caller: i64,
    window: &MessageWindow,
) -> Result<(Vec<MessageRow>, Extras), Error> {
    store
        .member_window(caller, window)
        .await?
        .ok_or(Error::Forbidden)
}

/// Oldest first, `limit` from `offset`, as `caller` sees them: of one room, or (`room_id`
/// None) of every room of the caller. The seed routes that page by offset check the caller's
/// place in the room first, each the way its seed answers an outsider.
pub async fn by_offset(
    store: &Store,
    caller: i64,
    room_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Message>, Error> {
    let rows = store
        .messages_by_offset(caller, room_id, limit, offset)
        .await?;
    render(store, Some(caller), rows).await
}

/// [`render`] of one row.
pub async fn render_one(
    store: &Store,
    viewer: Option<i64>,
    row: MessageRow,
) -> Result<Message, Error> {
    render(store, viewer, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::internal("a rendered message went missing"))
}

/// The message as every subscriber may see it: nobody's own reactions marked.
pub fn for_everyone(mut message: Message) -> Message {
    for reaction in &mut message.reactions {
        reaction.me = false;
    }
    message
}

/// A message of that room, or 404.
pub async fn find(store: &Store, room_id: i64, id: i64) -> Result<MessageRow, Error> {
    store
        .find_message(room_id, id)
        .await?
        .ok_or(Error::NotFound)
}

/// Sends the message of `body` as `sender` into `room_id`. The body is read only once the
/// caller is known to be in the room: an outsider's malformed body is a 403, not a 400, as DRF
/// checks permissions first.
pub async fn send(
    state: &AppState,
    sender: &CurrentUser,
    room_id: i64,
    body: impl FnOnce() -> Result<Fields, Error>,
) -> Result<Sent, Error> {
    send_parsed(state, sender, room_id, || body().map(SendMessage::parse)).await
}

/// [`send`] of a body its route has already begun to read (seed 000's names the room).
pub async fn send_parsed(
    state: &AppState,
    sender: &CurrentUser,
    room_id: i64,
    body: impl FnOnce() -> Result<Draft<SendDraft>, Error>,
) -> Result<Sent, Error> {
    let caller = sender.id;
    require_member(&state.store, room_id, caller).await?;
    // As DRF: throttles after permissions, before the body is read.
    state
        .throttles
        .message(caller)
        .await?
        .map_err(Error::Throttled)?;
    let draft = body()?;
    let sender_known = match draft.body.sender_id {
        Some(id) => state.store.missing_user_ids(&[id]).await?.is_empty(),
        None => true,
    };
    let parent = match draft.body.reply_to {
        Some(parent) => state.store.parent_preview(room_id, parent).await?,
        None => None,
    };
    let parent_found = draft.body.reply_to.is_none() || parent.is_some();
    let message = draft.check(caller, sender_known, parent_found)?;
    let mentions = mentioned(&state.store, room_id, message.content.as_str()).await?;
    let (event_parent, event_mentions) = (parent.clone(), mentions.clone());
    // Runs in the writer's transaction: the event is stored with the message.
    let announce: Announce = Box::new(move |row| {
        let message = just_stored(row.clone(), event_parent, event_mentions);
        Stored::MessageCreated { message: &message }.to_text()
    });
    let new = NewMessage {
        room_id,
        sender_id: caller,
        sender: sender.username.clone(),
        content: message.content.as_str().to_owned(),
        is_read: message.is_read,
        client_id: message.client_id.map(|id| id.to_string()),
        reply_to: message.reply_to,
        mentions: mentions.clone(),
    };
    match state.store.create_message(new, announce).await? {
        CreateOutcome::Created { row, position } => {
            echo(position);
            Ok(Sent::Created(just_stored(row, parent, mentions)))
        }
        CreateOutcome::Replayed(row) => Ok(Sent::Replayed(
            render_one(&state.store, Some(caller), row).await?,
        )),
        CreateOutcome::ClientIdConflict => Err(Error::Conflict(CLIENT_ID_CONFLICT)),
        // Changed between the membership check and the insert: as if it had been before.
        CreateOutcome::RoomGone => Err(Error::NotFound),
        CreateOutcome::NotMember => Err(Error::Forbidden),
    }
}

/// PUT (`partial = false`: `content` required) and PATCH, by the sender only; throttled with
/// message creation.
pub async fn edit(
    state: &AppState,
    caller: i64,
    room_id: i64,
    id: i64,
    body: impl FnOnce() -> Result<Fields, Error>,
    partial: bool,
) -> Result<Message, Error> {
    require_member(&state.store, room_id, caller).await?;
    // An edit is an event to every socket of the room, like a message: it spends the
    // sender's message budget. As DRF: after permissions, before the object is looked up.
    state
        .throttles
        .message(caller)
        .await?
        .map_err(Error::Throttled)?;
    let message = find(&state.store, room_id, id).await?;
    if !may_change(caller, message.sender_id) {
        return Err(Error::Forbidden);
    }
    let draft = EditMessage::parse(body()?, partial);
    let sender_known = match draft.body.sender_id {
        Some(id) => state.store.missing_user_ids(&[id]).await?.is_empty(),
        None => true,
    };
    let edit = draft.check(caller, sender_known)?;
    let mentions = match &edit.content {
        Some(content) => Some(mentioned(&state.store, room_id, content.as_str()).await?),
        None => None,
    };
    // What the edit leaves unchanged (reactions, the quoted parent) is read before it; the
    // event is made in the edit's transaction from the row as edited.
    let extras = state
        .store
        .message_extras(Some(caller), std::slice::from_ref(&message))
        .await?;
    let new_mentions = mentions.clone();
    let (row, position) = state
        .store
        .update_message(
            message.id,
            edit.content.as_ref().map(Content::as_str),
            edit.is_read,
            mentions.as_deref(),
            move |row| {
                let mut message = for_everyone(decorated(row.clone(), &extras));
                if let Some(mut mentions) = new_mentions {
                    mentions.sort_unstable();
                    message.mentions = mentions;
                }
                event(
                    Audience::Room(room_id),
                    &Stored::MessageUpdated { message: &message },
                )
                .about_message(message.id)
            },
        )
        .await?;
    echo(position);
    render_one(&state.store, Some(caller), row).await
}

/// Deletes a message, by its sender only.
pub async fn delete(state: &AppState, caller: i64, room_id: i64, id: i64) -> Result<(), Error> {
    require_member(&state.store, room_id, caller).await?;
    let message = find(&state.store, room_id, id).await?;
    if !may_change(caller, message.sender_id) {
        return Err(Error::Forbidden);
    }
    let deleted = event(
        Audience::Room(room_id),
        &Stored::MessageDeleted {
            chat_room: room_id,
            message_id: message.id,
        },
    );
    if let Some(position) = state
        .store
        .delete_message(room_id, message.id, deleted)
        .await?
    {
        echo(position);
    }
    Ok(())
}

/// `user` is typing in `room_id`, on a socket that `listening` says hears the room (the hub
/// follows membership): the room's other users' sockets are told.
pub fn typing(
    state: &AppState,
    user: &CurrentUser,
    room_id: i64,
    listening: bool,
) -> Result<(), Error> {
    if !listening {
        return Err(Error::Forbidden);
    }
    let event = Event::Typing {
        chat_room: room_id,
        user_id: user.id,
        username: &user.username,
    };
    state.realtime.bus.publish(Broadcast::Event {
        room_id,
        json: event.to_text(),
        except_user: Some(user.id),
    });
    Ok(())
}

/// A message just stored: nobody has reacted or read past it yet.
fn just_stored(row: MessageRow, parent: Option<ParentPreview>, mentions: Vec<i64>) -> Message {
    Message {
        reply_preview: row.reply_to.and(parent).map(quote),
        mentions,
        ..bare(row)
    }
}

/// The participants of the room that `content` names.
async fn mentioned(store: &Store, room_id: i64, content: &str) -> Result<Vec<i64>, Error> {
    let names = mentions::mentioned_names(content);
    Ok(store.participants_named(room_id, &names).await?)
}
