//! Rules with no HTTP and no SQL in them: validated values, permission and membership rules.

pub mod invitations;
pub mod rooms;
pub mod text;
pub mod time;
