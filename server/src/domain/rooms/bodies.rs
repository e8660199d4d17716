//! The bodies of the room routes, read by their own rules before the store is asked about the
//! users they name: pure, shared by `service::rooms` and the fuzz targets.

use serde_json::{Map, Value};

use super::{NewRoomPlan, RoomChange, RoomType, RuleError, direct_key, invalid, new_room_members};
use crate::domain::fields::{Draft, Fields, nullable_primary_keys, primary_key, string};
use crate::domain::text::RoomName;

/// A room to create, as `POST /api/chat/rooms/` takes it; the pair routes of seeds 000 and 002
/// build one with [`CreateRoom::direct`].
#[derive(Debug)]
pub struct CreateRoom {
    pub name: RoomName,
    pub room_type: RoomType,
    /// Who to have in the room besides the creator, who is added anyway.
    pub participants: Vec<i64>,
}

/// [`CreateRoom`] while its fields are being read: what failed is `None`.
#[derive(Debug)]
pub struct CreateRoomDraft {
    name: Option<RoomName>,
    room_type: Option<RoomType>,
    participants: Vec<i64>,
}

impl CreateRoom {
    pub fn parse(mut fields: Fields) -> Draft<CreateRoomDraft> {
        let name = fields.required("name", room_name);
        let room_type = fields.required("room_type", room_type);
        let participants = fields
            .optional("participants", nullable_primary_keys)
            .flatten()
            .unwrap_or_default();
        Draft::new(
            CreateRoomDraft {
                name,
                room_type,
                participants,
            },
            fields,
        )
    }

    /// The ONE_TO_ONE room `caller` opens with `other`, named `name` ([`direct_room_name`]).
    pub fn direct(caller: i64, other: i64, name: RoomName) -> Result<Self, RuleError> {
        if other == caller {
            return Err(invalid(
                "other_user_id",
                "A direct room needs another user.",
            ));
        }
        Ok(Self {
            name,
            room_type: RoomType::OneToOne,
            participants: vec![other],
        })
    }

    /// What to store when `creator` creates this room, or which rule it breaks.
    pub fn plan(&self, creator: i64) -> Result<NewRoomPlan, RuleError> {
        let members = new_room_members(creator, &self.participants, self.room_type)?;
        let direct_key = (self.room_type == RoomType::OneToOne)
            .then(|| direct_key(&members))
            .flatten();
        Ok(NewRoomPlan {
            members,
            direct_key,
        })
    }
}

impl CreateRoomDraft {
    /// The users the body names: each must exist (`participants`).
    pub fn user_ids(&self) -> &[i64] {
        &self.participants
    }

    /// The room, once every field was read.
    pub fn build(self) -> Option<CreateRoom> {
        Some(CreateRoom {
            name: self.name?,
            room_type: self.room_type?,
            participants: self.participants,
        })
    }
}

/// Seed 002's name for the room of a pair: both usernames. Usernames are at most 150
/// characters, room names at most 255, so the second may be cut short.
pub fn direct_room_name(me: &str, them: &str) -> String {
    format!("{me} & {them}")
        .chars()
        .take(RoomName::MAX)
        .collect()
}

/// A room update, as PUT and PATCH `/api/chat/rooms/{id}/` take it: `None` leaves that part
/// as it is.
#[derive(Debug)]
pub struct UpdateRoom {
    pub name: Option<RoomName>,
    pub change: RoomChange,
}

impl UpdateRoom {
    /// PUT (`partial = false`: `name` and `room_type` required) and PATCH. Finish the draft
    /// with `Some`: a field that failed reported its error.
    pub fn parse(mut fields: Fields, partial: bool) -> Draft<UpdateRoom> {
        let (name, room_type) = if partial {
            (
                fields.optional("name", room_name),
                fields.optional("room_type", room_type),
            )
        } else {
            (
                fields.required("name", room_name),
                fields.required("room_type", room_type),
            )
        };
        let participants = fields
            .optional("participants", nullable_primary_keys)
            .flatten();
        Draft::new(
            UpdateRoom {
                name,
                change: RoomChange {
                    room_type,
                    participants,
                },
            },
            fields,
        )
    }

    /// A change of the participants alone (seed 000's `PUT /chatrooms/{id}/`, whose body was
    /// read by [`RoomPair::parse`]).
    pub fn participants(ids: Vec<i64>) -> Draft<UpdateRoom> {
        Draft::new(
            UpdateRoom {
                name: None,
                change: RoomChange {
                    room_type: None,
                    participants: Some(ids),
                },
            },
            Fields::new(Map::new()),
        )
    }

    /// The users the body names: each must exist (`participants`).
    pub fn user_ids(&self) -> &[i64] {
        self.change.participants.as_deref().unwrap_or_default()
    }
}

/// Seed 000's two participants of a room (`participant1`, `participant2`): two different
/// users.
#[derive(Debug, PartialEq, Eq)]
pub struct RoomPair {
    first: i64,
    second: i64,
}

/// [`RoomPair`] while its fields are being read.
#[derive(Debug)]
pub struct RoomPairDraft {
    first: Option<i64>,
    second: Option<i64>,
}

impl RoomPair {
    /// Both fields are required. Finish the draft with [`RoomPairDraft::build`], then check
    /// the pair with [`RoomPair::new`].
    pub fn parse(mut fields: Fields) -> Draft<RoomPairDraft> {
        let first = fields.required("participant1", primary_key);
        let second = fields.required("participant2", primary_key);
        Draft::new(RoomPairDraft { first, second }, fields)
    }

    pub fn new((first, second): (i64, i64)) -> Result<Self, RuleError> {
        if first == second {
            return Err(invalid(
                "non_field_errors",
                "A chat room needs two different participants.",
            ));
        }
        Ok(Self { first, second })
    }

    /// The other one, if `caller` is one of the pair: seed 000 lets only them open its room.
    pub fn other_than(&self, caller: i64) -> Option<i64> {
        if self.first == caller {
            Some(self.second)
        } else if self.second == caller {
            Some(self.first)
        } else {
            None
        }
    }

    pub fn ids(&self) -> Vec<i64> {
        vec![self.first, self.second]
    }
}

impl RoomPairDraft {
    /// The users the body names, each with its field: each must exist.
    pub fn users(&self) -> impl Iterator<Item = (&'static str, i64)> {
        [("participant1", self.first), ("participant2", self.second)]
            .into_iter()
            .filter_map(|(field, id)| Some((field, id?)))
    }

    pub fn build(self) -> Option<(i64, i64)> {
        self.first.zip(self.second)
    }
}

fn room_name(value: &Value) -> Result<RoomName, String> {
    string(value).and_then(|s| RoomName::parse(&s))
}

fn room_type(value: &Value) -> Result<RoomType, String> {
    string(value).and_then(|s| RoomType::parse(&s))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;
    use crate::error::Error;

    fn fields(value: Value) -> Fields {
        Fields::new(value.as_object().cloned().unwrap_or_default())
    }

    fn errors<T: std::fmt::Debug>(result: Result<T, Error>) -> crate::error::FieldErrors {
        match result {
            Err(Error::Validation(errors)) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_create_reports_every_field_error_at_once() {
        let draft = CreateRoom::parse(fields(json!({"name": " ", "participants": "1"})));
        let errors = errors(draft.finish(CreateRoomDraft::build));
        assert_eq!(errors["name"], ["This field may not be blank."]);
        assert_eq!(errors["room_type"], ["This field is required."]);
        assert_eq!(
            errors["participants"],
            ["Expected a list of items but got type \"str\"."]
        );
    }

    fn name(raw: &str) -> RoomName {
        let Ok(name) = RoomName::parse(raw) else {
            panic!("{raw:?} is a valid room name");
        };
        name
    }

    #[test]
    fn a_create_names_its_users_and_plans_its_members() {
        let body = json!({"name": " General ", "room_type": "GROUP", "participants": [3, 2, 3]});
        let mut draft = CreateRoom::parse(fields(body.clone()));
        assert_eq!(draft.body.user_ids(), [3, 2, 3]);
        draft.reject_missing("participants", &[]);
        let Ok(room) = draft.finish(CreateRoomDraft::build) else {
            panic!("a valid body");
        };
        assert_eq!(room.name.as_str(), "General");
        assert_eq!(
            room.plan(1).map(|plan| (plan.members, plan.direct_key)),
            Ok((BTreeSet::from([1, 2, 3]), None))
        );

        let mut draft = CreateRoom::parse(fields(body));
        draft.reject_missing("participants", &[3]);
        let errors = errors(draft.finish(CreateRoomDraft::build));
        assert_eq!(
            errors["participants"],
            ["Invalid pk \"3\" - object does not exist."]
        );
    }

    #[test]
    fn null_participants_are_none_given() {
        let draft = CreateRoom::parse(fields(
            json!({"name": "a", "room_type": "GROUP", "participants": null}),
        ));
        assert!(draft.body.user_ids().is_empty());
        let draft = UpdateRoom::parse(fields(json!({"participants": null})), true);
        assert_eq!(draft.body.change.participants, None);
    }

    #[test]
    fn a_direct_room_is_the_pair_and_keyed_by_it() {
        let plan = CreateRoom::direct(2, 1, name("b & a")).and_then(|room| room.plan(2));
        assert_eq!(
            plan.map(|plan| (plan.members, plan.direct_key)),
            Ok((BTreeSet::from([1, 2]), Some("1:2".into())))
        );
        assert!(matches!(
            CreateRoom::direct(1, 1, name("a & a")),
            Err(RuleError::Invalid {
                field: "other_user_id",
                ..
            })
        ));
    }

    #[test]
    fn a_direct_room_is_named_after_both_within_the_limit() {
        assert_eq!(direct_room_name("ann", "bob"), "ann & bob");
        let long = direct_room_name(&"a".repeat(150), &"b".repeat(150));
        assert_eq!(long.chars().count(), RoomName::MAX);
        assert!(RoomName::parse(&long).is_ok());
    }

    #[test]
    fn put_requires_what_patch_leaves_out() {
        let put = UpdateRoom::parse(fields(json!({})), false);
        let errors = errors(put.finish(Some));
        assert_eq!(errors["name"], ["This field is required."]);
        assert_eq!(errors["room_type"], ["This field is required."]);

        let patch = UpdateRoom::parse(fields(json!({"participants": [2, 4]})), true);
        assert_eq!(patch.body.user_ids(), [2, 4]);
        let update = patch.finish(Some).map_err(|e| e.to_string());
        assert_eq!(
            update.map(|u| (u.name, u.change.room_type, u.change.participants)),
            Ok((None, None, Some(vec![2, 4])))
        );
    }

    #[test]
    fn a_pair_is_two_different_users_and_the_caller_is_one() {
        let draft = RoomPair::parse(fields(json!({"participant1": 1, "participant2": "x"})));
        assert_eq!(
            draft.body.users().collect::<Vec<_>>(),
            [("participant1", 1)]
        );
        let errors = errors(draft.finish(RoomPairDraft::build));
        assert_eq!(
            errors["participant2"],
            ["Incorrect type. Expected pk value, received str."]
        );

        assert!(matches!(
            RoomPair::new((2, 2)),
            Err(RuleError::Invalid {
                field: "non_field_errors",
                ..
            })
        ));
        let pair = RoomPair::new((2, 5));
        assert_eq!(pair.as_ref().map(|p| p.other_than(2)), Ok(Some(5)));
        assert_eq!(pair.as_ref().map(|p| p.other_than(5)), Ok(Some(2)));
        assert_eq!(pair.as_ref().map(|p| p.other_than(1)), Ok(None));
        assert_eq!(pair.map(|p| p.ids()), Ok(vec![2, 5]));
    }
}
