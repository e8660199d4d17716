//! Room changes that sockets must follow (who hears a room), and the ONE_TO_ONE room of a
//! pair as the socket routes open it.

use std::collections::BTreeSet;

use crate::api::error::ApiError;
use crate::domain::rooms::{self, RoomType};
use crate::realtime::Broadcast;
use crate::startup::AppState;
use crate::store::NewRoom;

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
