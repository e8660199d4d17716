//! Room changes that sockets must follow (who hears a room), and the ONE_TO_ONE room of a
//! pair as the socket routes open it.

use std::collections::BTreeSet;

use crate::domain::rooms::{self, RoomType};
use crate::domain::time::rfc3339;
use crate::domain::views::{Message, Room};
use crate::error::Error as ApiError;
use crate::realtime::Broadcast;
use crate::service::messages::render;
use crate::startup::AppState;
use crate::store::{NewRoom, RoomDetail, RoomRow, Store};

/// After a room was created: its members' every-room sockets start hearing it.
pub fn created(state: &AppState, room_id: i64, members: &BTreeSet<i64>) {
    members_changed(state, room_id, &BTreeSet::new(), members);
}

/// After the participants of a room changed from `before` to `after`.
pub fn members_changed(
    state: &AppState,
    room_id: i64,
    before: &BTreeSet<i64>,
    after: &BTreeSet<i64>,
) {
    let added: Vec<i64> = after.difference(before).copied().collect();
    let removed: Vec<i64> = before.difference(after).copied().collect();
    if added.is_empty() && removed.is_empty() {
        return;
    }
    state.realtime.bus.publish(Broadcast::Members {
        room_id,
        added,
        removed,
    });
}

/// After a room was deleted: its sockets close.
pub fn deleted(state: &AppState, room_id: i64) {
    state
        .realtime
        .bus
        .publish(Broadcast::RoomDeleted { room_id });
}

/// The ONE_TO_ONE room of `caller` and `other`, created (named after both) if they have none,
/// exactly as `POST /api/chat/rooms/` would.
pub async fn direct_room(state: &AppState, caller: i64, other: i64) -> Result<i64, ApiError> {
    let users = [
        state.store.find_user(caller).await?,
        state.store.find_user(other).await?,
    ];
    let [Some(me), Some(them)] = users else {
        return Err(ApiError::NotFound);
    };
    let members = rooms::new_room_members(caller, &[other], RoomType::OneToOne)
        .map_err(|_| ApiError::field("other_user_id", "A direct room needs another user."))?;
    // Usernames are at most 150 characters; room names at most 255.
    let name: String = format!("{} & {}", me.username, them.username)
        .chars()
        .take(255)
        .collect();
    let (room_id, existed) = state
        .store
        .create_room(NewRoom {
            name: &name,
            room_type: RoomType::OneToOne.as_str(),
            created_by: caller,
            members: &members,
            direct_key: rooms::direct_key(&members),
        })
        .await?;
    if !existed {
        created(state, room_id, &members);
    }
    Ok(room_id)
}

/// How many of the newest messages a room object carries unless the caller asks otherwise.
pub const DEFAULT_MESSAGES_LIMIT: i64 = 1;

/// Room objects of `details` as `viewer` sees them, the preview messages of all of them
/// rendered together.
pub async fn views(
    store: &Store,
    viewer: i64,
    mut details: Vec<RoomDetail>,
) -> Result<Vec<Room>, ApiError> {
    let lengths: Vec<usize> = details.iter().map(|d| d.messages.len()).collect();
    let rows = details
        .iter_mut()
        .flat_map(|d| std::mem::take(&mut d.messages))
        .collect();
    let mut messages = render(store, Some(viewer), rows).await?.into_iter();
    details
        .into_iter()
        .zip(lengths)
        .map(|(detail, n)| view(detail, messages.by_ref().take(n).collect()))
        .collect()
}

fn view(detail: RoomDetail, messages: Vec<Message>) -> Result<Room, ApiError> {
    Ok(Room {
        id: detail.room.id,
        room_type: room_type_of(&detail.room)?,
        name: detail.room.name,
        participants: detail.participants,
        created_by: detail.room.created_by,
        messages,
        unread_count: detail.unread_count,
        mention_count: detail.mention_count,
        created_at: rfc3339(detail.room.created_at),
        updated_at: rfc3339(detail.room.updated_at),
    })
}

/// The room object of `id` as `viewer` sees it.
pub async fn room(
    store: &Store,
    id: i64,
    messages_limit: i64,
    viewer: i64,
) -> Result<Room, ApiError> {
    let details = store.room_details(&[id], messages_limit, viewer).await?;
    views(store, viewer, details)
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// The room if the caller is in it; 404 otherwise, as if it did not exist (seed 001).
pub async fn member_room(store: &Store, room_id: i64, user_id: i64) -> Result<RoomRow, ApiError> {
    store
        .room_for_member(room_id, user_id)
        .await?
        .ok_or(ApiError::NotFound)
}

pub fn room_type_of(room: &RoomRow) -> Result<RoomType, ApiError> {
    RoomType::parse(&room.room_type).map_err(ApiError::internal)
}
