//! Rules with no HTTP and no SQL in them: validated values, permission and membership rules.

pub mod emoji;
pub mod events;
pub mod fields;
pub mod invitations;
pub mod mentions;
pub mod messages;
pub mod reads;
pub mod rooms;
pub mod search;
pub mod text;
pub mod time;
pub mod views;
