//! Who is in a room and who may change it.

mod bodies;

use std::collections::BTreeSet;

use serde::Serialize;

pub use bodies::{
    CreateRoom, CreateRoomDraft, RoomPair, RoomPairDraft, UpdateRoom, direct_room_name,
};

/// The kind of a room (seed 003).
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoomType {
    OneToOne,
    Group,
    Course,
}

impl RoomType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OneToOne => "ONE_TO_ONE",
            Self::Group => "GROUP",
            Self::Course => "COURSE",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "ONE_TO_ONE" => Ok(Self::OneToOne),
            "GROUP" => Ok(Self::Group),
            "COURSE" => Ok(Self::Course),
            other => Err(format!("\"{other}\" is not a valid choice.")),
        }
    }
}

pub const MAX_PARTICIPANTS: usize = 500;

/// A broken room rule, reported on the field it concerns.
#[derive(Debug, PartialEq, Eq)]
pub enum RuleError {
    Invalid {
        field: &'static str,
        message: String,
    },
    Forbidden,
}

fn invalid(field: &'static str, message: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        field,
        message: message.into(),
    }
}

/// The participants of a new room: those asked for plus the creator, who is always one.
pub fn new_room_members(
    creator: i64,
    requested: &[i64],
    room_type: RoomType,
) -> Result<BTreeSet<i64>, RuleError> {
    check_listed(requested)?;
    let mut members: BTreeSet<i64> = requested.iter().copied().collect();
    members.insert(creator);
    check_size(&members, room_type)?;
    Ok(members)
}

/// The list as sent counts against the limit, as the contract's `maxItems` says (repeated ids
/// would otherwise pass as fewer).
fn check_listed(requested: &[i64]) -> Result<(), RuleError> {
    if requested.len() > MAX_PARTICIPANTS {
        return Err(too_many());
    }
    Ok(())
}

fn too_many() -> RuleError {
    invalid(
        "participants",
        format!("Ensure this field has no more than {MAX_PARTICIPANTS} elements."),
    )
}

fn check_size(members: &BTreeSet<i64>, room_type: RoomType) -> Result<(), RuleError> {
    if room_type == RoomType::OneToOne && members.len() != 2 {
        return Err(invalid(
            "participants",
            "A ONE_TO_ONE room has exactly two distinct participants.",
        ));
    }
    if members.len() > MAX_PARTICIPANTS {
        return Err(too_many());
    }
    Ok(())
}

/// A new room as the store takes it.
#[derive(Debug, PartialEq, Eq)]
pub struct NewRoomPlan {
    pub members: BTreeSet<i64>,
    /// Set for a ONE_TO_ONE room: its pair may have only this one.
    pub direct_key: Option<String>,
}

/// The key that makes one ONE_TO_ONE room per pair of users.
pub fn direct_key(members: &BTreeSet<i64>) -> Option<String> {
    let mut ids = members.iter();
    match (ids.next(), ids.next(), ids.next()) {
        (Some(low), Some(high), None) => Some(format!("{low}:{high}")),
        _ => None,
    }
}

/// What a room is now, as far as the update rules care.
pub struct RoomFacts<'a> {
    pub room_type: RoomType,
    pub created_by: i64,
    pub participants: &'a BTreeSet<i64>,
}

/// An update as asked for: `None` leaves that part as it is.
#[derive(Debug)]
pub struct RoomChange {
    pub room_type: Option<RoomType>,
    pub participants: Option<Vec<i64>>,
}

/// The participants after the update, or why the caller may not make it.
///
/// Any participant may rename the room and add people. Removing someone other than
/// yourself, or changing the type, is the creator's alone. A ONE_TO_ONE room keeps its
/// pair and its type, and no room becomes ONE_TO_ONE (that would bypass the one-room-per-pair
/// rule). The creator always stays a participant, as on creation: only the creator's own
/// request may leave them out of the list, and they are kept anyway.
pub fn plan_update(
    room: &RoomFacts<'_>,
    caller: i64,
    change: &RoomChange,
) -> Result<BTreeSet<i64>, RuleError> {
    let is_creator = caller == room.created_by;
    if let Some(new_type) = change.room_type.filter(|t| *t != room.room_type) {
        if room.room_type == RoomType::OneToOne || new_type == RoomType::OneToOne {
            return Err(invalid(
                "room_type",
                "The type of a ONE_TO_ONE room cannot change, and no room can become one.",
            ));
        }
        if !is_creator {
            return Err(RuleError::Forbidden);
        }
    }
    let Some(requested) = &change.participants else {
        return Ok(room.participants.clone());
    };
    check_listed(requested)?;
    let requested: BTreeSet<i64> = requested.iter().copied().collect();
    let mut members = requested.clone();
    members.insert(room.created_by);
    if room.room_type == RoomType::OneToOne {
        if &members != room.participants {
            return Err(invalid(
                "participants",
                "A ONE_TO_ONE room keeps its two participants.",
            ));
        }
        return Ok(members);
    }
    // Leaving the creator out is removing someone else too, unless the creator asks.
    let removes_others = room
        .participants
        .difference(&requested)
        .any(|removed| *removed != caller);
    if removes_others && !is_creator {
        return Err(RuleError::Forbidden);
    }
    check_size(&members, room.room_type)?;
    Ok(members)
}

/// The creator may delete a room; so may either member of a ONE_TO_ONE room.
pub fn may_delete(room_type: RoomType, created_by: i64, caller: i64) -> bool {
    caller == created_by || room_type == RoomType::OneToOne
}

/// Seed 002's pair routes act as the user their URL names (`/ws/chat/{user_id}/...`): only
/// that user may use them.
pub fn may_act_as(caller: i64, user_in_url: i64) -> bool {
    caller == user_in_url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[i64]) -> BTreeSet<i64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn creator_is_always_a_member() {
        assert_eq!(
            new_room_members(1, &[2, 3, 2], RoomType::Group),
            Ok(set(&[1, 2, 3]))
        );
        assert_eq!(
            new_room_members(1, &[2], RoomType::OneToOne),
            Ok(set(&[1, 2]))
        );
        assert!(new_room_members(1, &[1], RoomType::OneToOne).is_err());
        assert!(new_room_members(1, &[2, 3], RoomType::OneToOne).is_err());
    }

    #[test]
    fn participant_limit() {
        let many: Vec<i64> = (2..=500).collect();
        assert!(new_room_members(1, &many, RoomType::Group).is_ok());
        let too_many: Vec<i64> = (2..=501).collect();
        assert!(new_room_members(1, &too_many, RoomType::Group).is_err());
        // Counted as sent: 501 ids are too many even when they name one user.
        assert!(new_room_members(1, &[2; 501], RoomType::Group).is_err());
    }

    #[test]
    fn direct_key_is_order_independent() {
        assert_eq!(direct_key(&set(&[7, 3])), Some("3:7".into()));
        assert_eq!(direct_key(&set(&[1, 2, 3])), None);
    }

    #[test]
    fn update_rules() {
        let members = set(&[1, 2, 3]);
        let group = RoomFacts {
            room_type: RoomType::Group,
            created_by: 1,
            participants: &members,
        };
        let change = |room_type, participants: Option<&[i64]>| RoomChange {
            room_type,
            participants: participants.map(<[i64]>::to_vec),
        };
        // Anyone adds; only the creator removes others or changes the type.
        assert_eq!(
            plan_update(&group, 2, &change(None, Some(&[1, 2, 3, 4]))),
            Ok(set(&[1, 2, 3, 4]))
        );
        assert_eq!(
            plan_update(&group, 2, &change(None, Some(&[1, 2]))),
            Err(RuleError::Forbidden)
        );
        assert_eq!(
            plan_update(&group, 1, &change(None, Some(&[1, 2]))),
            Ok(set(&[1, 2]))
        );
        assert_eq!(
            plan_update(&group, 2, &change(None, Some(&[1, 3]))),
            Ok(set(&[1, 3]))
        );
        assert_eq!(
            plan_update(&group, 2, &change(None, Some(&[2, 3]))),
            Err(RuleError::Forbidden),
            "dropping the creator"
        );
        assert_eq!(
            plan_update(&group, 2, &change(Some(RoomType::Course), None)),
            Err(RuleError::Forbidden)
        );
        assert_eq!(
            plan_update(&group, 1, &change(Some(RoomType::Course), None)),
            Ok(members.clone())
        );
        // The creator cannot be dropped.
        assert_eq!(
            plan_update(&group, 1, &change(None, Some(&[2]))),
            Ok(set(&[1, 2]))
        );

        let pair = set(&[1, 2]);
        let direct = RoomFacts {
            room_type: RoomType::OneToOne,
            created_by: 1,
            participants: &pair,
        };
        assert!(matches!(
            plan_update(&direct, 2, &change(None, Some(&[1, 2, 3]))),
            Err(RuleError::Invalid { .. })
        ));
        assert!(matches!(
            plan_update(&direct, 1, &change(Some(RoomType::Group), None)),
            Err(RuleError::Invalid { .. })
        ));
        assert_eq!(
            plan_update(&direct, 2, &change(Some(RoomType::OneToOne), Some(&[2, 1]))),
            Ok(pair.clone())
        );
    }

    #[test]
    fn delete_rules() {
        assert!(may_delete(RoomType::Group, 1, 1));
        assert!(!may_delete(RoomType::Group, 1, 2));
        assert!(may_delete(RoomType::OneToOne, 1, 2));
    }

    #[test]
    fn a_pair_route_acts_only_as_its_user() {
        assert!(may_act_as(4, 4));
        assert!(!may_act_as(4, 5));
    }
}
