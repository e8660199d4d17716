//! Who is in a room: the membership checks every way in shares, and the participant changes
//! that sockets must follow (who hears a room).

use crate::domain::rooms::may_act_as;
use crate::error::Error;
use crate::startup::AppState;
use crate::store::{RoomRow, Store};

/// The room if the caller is in it; 404 otherwise, as if it did not exist (seed 001).
pub async fn member_room(store: &Store, room_id: i64, user_id: i64) -> Result<RoomRow, Error> {
    store
        .room_for_member(room_id, user_id)
        .await?
        .ok_or(Error::NotFound)
}

/// 403 unless the room exists and the caller is in it (seed 004).
pub async fn require_member(store: &Store, room_id: i64, user_id: i64) -> Result<(), Error> {
    if store.is_member(room_id, user_id).await? {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Seed 000 tells a missing room (404) from one the caller is not in (403).
pub async fn require_participant(state: &AppState, room_id: i64, user: i64) -> Result<(), Error> {
    if !state.store.room_exists(room_id).await? {
        return Err(Error::NotFound);
    }
    if !state.store.is_member(room_id, user).await? {
        return Err(Error::Forbidden);
    }
    Ok(())
}

/// 403 unless the caller is the user of a seed 002 pair route's URL.
pub fn act_as(caller: i64, user_in_url: i64) -> Result<(), Error> {
    if may_act_as(caller, user_in_url) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The rooms `user` is in.
pub async fn rooms_of(store: &Store, user: i64) -> Result<Vec<i64>, Error> {
    Ok(store.member_room_ids(user).await?)
}
