//! Who may be invited to a room, and which invitations may still be answered.
//!
//! Any participant may invite: API.md lets every participant add people to a room, so
//! its "editors" are its participants.

use serde::Serialize;

use super::rooms::{MAX_PARTICIPANTS, RoomType, RuleError};

/// Where an invitation stands.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
}

impl InvitationStatus {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "pending" => Ok(Self::Pending),
            "accepted" => Ok(Self::Accepted),
            "declined" => Ok(Self::Declined),
            other => Err(format!("unknown invitation status {other:?}")),
        }
    }
}

/// What the invite rules look at.
pub struct InviteFacts {
    pub room_type: RoomType,
    pub inviter: i64,
    pub invitee: i64,
    pub invitee_is_participant: bool,
    pub participants: usize,
}

fn invalid(field: &'static str, message: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        field,
        message: message.into(),
    }
}

/// The 400 of a room that cannot take one more participant.
pub fn room_full() -> RuleError {
    invalid(
        "non_field_errors",
        format!("This room already has the maximum of {MAX_PARTICIPANTS} participants."),
    )
}

/// Whether `inviter` may invite `invitee` now. A duplicate pending invitation is not checked
/// here: the database refuses it (race-free).
pub fn check_invite(facts: &InviteFacts) -> Result<(), RuleError> {
    if facts.room_type == RoomType::OneToOne {
        return Err(invalid(
            "non_field_errors",
            "Only GROUP and COURSE rooms take invitations.",
        ));
    }
    if facts.invitee == facts.inviter {
        return Err(invalid("user_id", "You cannot invite yourself."));
    }
    if facts.invitee_is_participant {
        return Err(invalid("user_id", "This user is already a participant."));
    }
    if facts.participants >= MAX_PARTICIPANTS {
        return Err(room_full());
    }
    Ok(())
}

/// A pending invitation may be revoked by whoever sent it and by the room's creator.
pub fn may_revoke(caller: i64, inviter: i64, room_creator: i64) -> bool {
    caller == inviter || caller == room_creator
}

/// An invitation can be answered once.
pub fn check_answerable(status: InvitationStatus) -> Result<(), RuleError> {
    match status {
        InvitationStatus::Pending => Ok(()),
        InvitationStatus::Accepted => Err(invalid(
            "non_field_errors",
            "This invitation was already accepted.",
        )),
        InvitationStatus::Declined => Err(invalid(
            "non_field_errors",
            "This invitation was already declined.",
        )),
    }
}

pub const ALREADY_INVITED: &str = "This user already has a pending invitation to this room.";

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> InviteFacts {
        InviteFacts {
            room_type: RoomType::Group,
            inviter: 1,
            invitee: 2,
            invitee_is_participant: false,
            participants: 3,
        }
    }

    fn field_of(result: Result<(), RuleError>) -> Option<&'static str> {
        match result {
            Err(RuleError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn invite_rules() {
        assert_eq!(check_invite(&facts()), Ok(()));
        assert_eq!(
            check_invite(&InviteFacts {
                room_type: RoomType::Course,
                ..facts()
            }),
            Ok(())
        );
        let one_to_one = InviteFacts {
            room_type: RoomType::OneToOne,
            ..facts()
        };
        assert_eq!(
            field_of(check_invite(&one_to_one)),
            Some("non_field_errors")
        );
        let yourself = InviteFacts {
            invitee: 1,
            ..facts()
        };
        assert_eq!(field_of(check_invite(&yourself)), Some("user_id"));
        let member = InviteFacts {
            invitee_is_participant: true,
            ..facts()
        };
        assert_eq!(field_of(check_invite(&member)), Some("user_id"));
        let almost_full = InviteFacts {
            participants: MAX_PARTICIPANTS - 1,
            ..facts()
        };
        assert_eq!(check_invite(&almost_full), Ok(()));
        let full = InviteFacts {
            participants: MAX_PARTICIPANTS,
            ..facts()
        };
        assert_eq!(check_invite(&full), Err(room_full()));
    }

    #[test]
    fn answered_once() {
        assert_eq!(check_answerable(InvitationStatus::Pending), Ok(()));
        assert!(check_answerable(InvitationStatus::Accepted).is_err());
        assert!(check_answerable(InvitationStatus::Declined).is_err());
        assert_eq!(
            InvitationStatus::parse("declined"),
            Ok(InvitationStatus::Declined)
        );
        assert!(InvitationStatus::parse("maybe").is_err());
    }

    #[test]
    fn the_inviter_and_the_creator_may_revoke() {
        assert!(may_revoke(1, 1, 2));
        assert!(may_revoke(2, 1, 2));
        assert!(!may_revoke(3, 1, 2));
    }
}
