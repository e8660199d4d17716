//! What the API does, shared by every way in (REST, WebSocket actions, the seed routes):
//! handlers parse, these functions decide, store and tell the sockets.

pub mod events;
pub mod history;
pub mod invitations;
pub mod members;
pub mod messages;
pub mod presence;
pub mod reactions;
pub mod readable;
pub mod reads;
pub mod rooms;
pub mod search;

use crate::error::Error;

/// How a numbered listing picks its page once it knows how many items there are:
/// `(limit, offset)`, or the page error (out of range) the API answers.
pub type PageWindow<'a> = &'a (dyn Fn(i64) -> Result<(i64, i64), Error> + Sync);
