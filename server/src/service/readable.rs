//! A message a caller may read: where the routes under one message (its replies, its
//! versions) start.

use super::members::require_member;
use super::messages::find;
use crate::error::Error;
use crate::store::Store;

/// A message of a room the caller is in. Only [`message`] makes one, so a service taking it
/// knows the caller was checked.
#[derive(Debug)]
pub struct Readable {
    id: i64,
}

impl Readable {
    pub fn id(&self) -> i64 {
        self.id
    }
}

/// Message `id` of `room_id` as `caller` may read it: 403 unless they are in the room, as on
/// the room's messages (seed 004), then 404 unless the message is there.
pub async fn message(store: &Store, caller: i64, room_id: i64, id: i64) -> Result<Readable, Error> {
    require_member(store, room_id, caller).await?;
    let message = find(store, room_id, id).await?;
    Ok(Readable { id: message.id })
}
