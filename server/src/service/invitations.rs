//! What sockets hear about invitations: the invitee is told at once, and joins the room's
//! events when they accept.

use std::collections::BTreeSet;

use poem_openapi::types::ToJSON;

use crate::api::invitations::Invitation;
use crate::realtime::{Broadcast, Event};
use crate::startup::AppState;

/// After an invitation was stored: the invitee's every-room sockets hear of it (they are not
/// in the room, so no room event would reach them).
pub fn created(state: &AppState, invitation: &Invitation) {
    let json = Event::InvitationCreated {
        invitation: invitation.to_json().unwrap_or_default(),
    }
    .to_text();
    state.realtime.bus.publish(Broadcast::Users {
        users: vec![invitation.invitee_id],
        json,
    });
}

/// After `user_id` accepted an invitation into `room_id`: the same membership change as
/// adding them by PATCH.
pub fn joined(state: &AppState, room_id: i64, user_id: i64) {
    super::rooms::members_changed(state, room_id, &BTreeSet::new(), &BTreeSet::from([user_id]));
}
