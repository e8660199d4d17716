//! The bodies of the room routes, from bytes to a room (or a change to one) or a 4xx:
//! `JsonBody::fields`, the pure parsers `CreateRoom::parse`/`UpdateRoom::parse` with the
//! store's answers from `common`, and the membership rules of `domain::rooms` against a room
//! whose facts the input picks, in the order `service::rooms` calls them.
//!
//! Input: one selector byte, then the body. `selector % 3` is the route (`ROUTES`),
//! `selector / 3 % 5` the Content-Type (`common::CONTENT_TYPES`), `selector / 15 % 3` the type
//! of the room being updated, and `selector / 45 % 2` whether the caller created it.

#![no_main]

mod common;

use std::collections::BTreeSet;

use chat_server::api::body;
use chat_server::domain::fields::{Draft, Fields};
use chat_server::domain::rooms::{
    CreateRoom, CreateRoomDraft, MAX_PARTICIPANTS, NewRoomPlan, RoomFacts, RoomType, UpdateRoom,
    plan_update,
};
use chat_server::domain::text::RoomName;
use chat_server::error::Error;
use common::{CALLER, CONTENT_TYPES, assert_clean_text, assert_client_error, user_exists};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// `POST /api/chat/rooms/`
    Create,
    /// `PUT /api/chat/rooms/{id}/`
    Update,
    /// `PATCH /api/chat/rooms/{id}/`
    PartialUpdate,
}

const ROUTES: [Route; 3] = [Route::Create, Route::Update, Route::PartialUpdate];
const ROOM_TYPES: [RoomType; 3] = [RoomType::OneToOne, RoomType::Group, RoomType::Course];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let selector = usize::from(selector);
    let route = ROUTES[selector % 3];
    let content_type = CONTENT_TYPES[selector / 3 % CONTENT_TYPES.len()];
    let room_type = ROOM_TYPES[selector / 15 % 3];
    let created_by = if selector / 45 % 2 == 0 { CALLER } else { 2 };

    let fields = match body::decode(content_type, body, false, &[]) {
        Ok(fields) => fields,
        Err(err) => {
            assert_client_error(&err);
            assert!(!body.is_empty(), "an empty body is empty data: {err:?}");
            return;
        }
    };
    let outcome = if route == Route::Create {
        create(fields).map(|(room, plan)| {
            assert_clean(&room.name);
            assert!(plan.members.contains(&CALLER), "creator left out");
            assert!(plan.members.len() <= MAX_PARTICIPANTS);
            assert!(plan.members.iter().copied().all(user_exists));
            let direct = room.room_type == RoomType::OneToOne;
            assert_eq!(direct, plan.direct_key.is_some());
            assert!(!direct || plan.members.len() == 2);
        })
    } else {
        let participants: BTreeSet<i64> = if room_type == RoomType::OneToOne {
            BTreeSet::from([1, 2])
        } else {
            BTreeSet::from([1, 2, 3])
        };
        let room = RoomFacts {
            room_type,
            created_by,
            participants: &participants,
        };
        let partial = route == Route::PartialUpdate;
        update(fields, partial, &room).map(|(edit, members)| {
            let new_type = edit.change.room_type;
            assert!(partial || (edit.name.is_some() && new_type.is_some()));
            edit.name.iter().for_each(assert_clean);
            let changes_type = new_type.is_some_and(|t| t != room_type);
            assert!(
                !changes_type || CALLER == created_by,
                "a member changed the type"
            );
            assert!(
                !changes_type
                    || (room_type != RoomType::OneToOne && new_type != Some(RoomType::OneToOne)),
                "a ONE_TO_ONE type change was accepted"
            );
            let Some(members) = edit.change.participants.is_some().then_some(members) else {
                return;
            };
            assert!(members.contains(&created_by), "creator removed");
            assert!(members.len() <= MAX_PARTICIPANTS);
            if room_type == RoomType::OneToOne {
                assert_eq!(members, participants, "a ONE_TO_ONE pair changed");
            }
            if CALLER != created_by {
                let removed = participants.difference(&members).any(|id| *id != CALLER);
                assert!(!removed, "a member removed someone else");
            }
        })
    };
    if let Err(err) = outcome {
        assert_client_error(&err);
    }
});

/// `service::rooms::create_from_body` from the body on, up to what it stores.
fn create(fields: Fields) -> Result<(CreateRoom, NewRoomPlan), Error> {
    let mut draft = CreateRoom::parse(fields);
    reject_missing_users(&mut draft, CreateRoomDraft::user_ids);
    let room = draft.finish(CreateRoomDraft::build)?;
    let plan = room.plan(CALLER)?;
    Ok((room, plan))
}

/// `service::rooms::update` (PUT and PATCH) from the body on, by a participant: the update
/// and the participants after it.
fn update(
    fields: Fields,
    partial: bool,
    room: &RoomFacts<'_>,
) -> Result<(UpdateRoom, BTreeSet<i64>), Error> {
    let mut draft = UpdateRoom::parse(fields, partial);
    reject_missing_users(&mut draft, UpdateRoom::user_ids);
    let edit = draft.finish(Some)?;
    let members = plan_update(room, CALLER, &edit.change)?;
    Ok((edit, members))
}

/// What `missing_user_ids` would answer about the `participants` the draft names.
fn reject_missing_users<T>(draft: &mut Draft<T>, ids: impl Fn(&T) -> &[i64]) {
    let missing: Vec<i64> = ids(&draft.body)
        .iter()
        .copied()
        .filter(|id| !user_exists(*id))
        .collect();
    draft.reject_missing("participants", &missing);
}

fn assert_clean(name: &RoomName) {
    assert_clean_text(name.as_str(), RoomName::MAX);
}
