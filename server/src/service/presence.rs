//! Whether a user is online, as the people who may know it see it: the user themself and
//! those who share a room with them.

use crate::domain::time::rfc3339;
use crate::error::Error;
use crate::startup::AppState;

/// A user's presence.
#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    pub user_id: i64,
    pub online: bool,
    /// When their last WebSocket closed; `None` while online, or if never seen.
    pub last_seen_at: Option<String>,
}

/// User `user_id`'s presence, for the caller and their room-mates; anyone else gets the 404
/// of a user that does not exist, so ids reveal nothing.
pub async fn of_user(state: &AppState, caller: i64, user_id: i64) -> Result<Presence, Error> {
    // One's own presence needs no room.
    if user_id != caller && !state.store.share_a_room(caller, user_id).await? {
        return Err(Error::NotFound);
    }
    let status = state
        .presence
        .status(user_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Presence {
        user_id,
        online: status.online,
        last_seen_at: status.last_seen_at.map(rfc3339),
    })
}
