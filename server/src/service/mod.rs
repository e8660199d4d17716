//! What the API does, shared by every way in (REST, WebSocket actions, the seed routes):
//! handlers parse, these functions decide, store and tell the sockets.

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
