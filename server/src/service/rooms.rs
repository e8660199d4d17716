//! A room's life: created (by every route that makes one, through [`create`]), read, changed,
//! deleted; and the room objects the routes answer with.

use std::collections::BTreeSet;

use super::PageWindow;
use super::members::require_participant;
use crate::domain::events::{Departure, Stored};
use crate::domain::fields::{Draft, Fields};
use crate::domain::rooms::{
    self, CreateRoom, CreateRoomDraft, RoomFacts, RoomPair, RoomPairDraft, RoomType, UpdateRoom,
    direct_room_name,
};
use crate::domain::text::RoomName;
use crate::domain::time::now_micros;
use crate::domain::time::rfc3339;
use crate::domain::views::{Message, Room};
use crate::error::Error;
use crate::service::messages::render;
use crate::startup::AppState;
use crate::store::events::{Audience, NewEvent};
use crate::store::{NewRoom, RoomDetail, RoomRow, RoomUpdate, Store};

// `service::invitations` and `api::invitations` still find these here.
use super::events::{echo, echo_all, event};
use super::members::member_room;

/// How many of the newest messages a room object carries unless the caller asks otherwise.
pub const DEFAULT_MESSAGES_LIMIT: i64 = 1;

/// A room as asked for: new, or the pair's ONE_TO_ONE room that already existed.
pub enum Created {
    New(Room),
    Existing(Room),
}

/// Creates the room as `caller`, who is always one of its members, or finds the ONE_TO_ONE
/// room of the pair: the one way every route makes a room. Returns its id and whether it
/// existed already.
pub async fn create(state: &AppState, caller: i64, room: CreateRoom) -> Result<(i64, bool), Error> {
    let plan = room.plan(caller)?;
    let members = &plan.members;
    // The first participants hear of it with `room.created` (no `member.added` for them).
    let frame = |id, now| {
        let view = event_room(
            id,
            room.name.as_str(),
            room.room_type,
            members,
            caller,
            now,
            now,
        );
        let audience = Audience::RoomCreated {
            room: id,
            members: members.iter().copied().collect(),
        };
        event(audience, &Stored::RoomCreated { room: &view })
    };
    let new_room = NewRoom {
        name: room.name.as_str(),
        room_type: room.room_type.as_str(),
        created_by: caller,
        members,
        direct_key: plan.direct_key.clone(),
    };
    let (id, position) = state.store.create_room(new_room, frame).await?;
    echo(position);
    Ok((id, position.is_none()))
}

/// `POST /api/chat/rooms/`: the room the body describes.
pub async fn create_from_body(
    state: &AppState,
    caller: i64,
    fields: Fields,
) -> Result<Created, Error> {
    let mut draft = CreateRoom::parse(fields);
    let missing = missing_users(&state.store, draft.body.user_ids()).await?;
    draft.reject_missing("participants", &missing);
    let room = draft.finish(CreateRoomDraft::build)?;
    let (id, existed) = create(state, caller, room).await?;
    let room = self::room(&state.store, id, DEFAULT_MESSAGES_LIMIT, caller).await?;
    Ok(if existed {
        Created::Existing(room)
    } else {
        Created::New(room)
    })
}

/// The ONE_TO_ONE room of `caller` and `other` (404 if either is no user), created (named
/// after both) if they have none.
pub async fn direct(state: &AppState, caller: i64, other: i64) -> Result<i64, Error> {
    let users = [
        state.store.find_user(caller).await?,
        state.store.find_user(other).await?,
    ];
    let [Some(me), Some(them)] = users else {
        return Err(Error::NotFound);
    };
    // Usernames cannot make an invalid room name: a failure here is a broken invariant.
    let name = RoomName::parse(&direct_room_name(&me.username, &them.username))
        .map_err(Error::internal)?;
    let room = CreateRoom::direct(caller, other, name)?;
    create(state, caller, room).await.map(|(id, _)| id)
}

/// Seed 000's `POST /chatrooms/create`: the ONE_TO_ONE room of the pair the body names, of
/// which the caller must be one (403).
pub async fn create_pair(state: &AppState, caller: i64, fields: Fields) -> Result<Room, Error> {
    let pair = pair(&state.store, fields).await?;
    let other = pair.other_than(caller).ok_or(Error::Forbidden)?;
    let id = direct(state, caller, other).await?;
    room(&state.store, id, DEFAULT_MESSAGES_LIMIT, caller).await
}

/// Seed 000's `PUT /chatrooms/{id}/`: the room's participants become the pair the body names,
/// under the rules of a PATCH of `participants`.
pub async fn set_pair(
    state: &AppState,
    caller: i64,
    room_id: i64,
    body: impl FnOnce() -> Result<Fields, Error>,
) -> Result<Room, Error> {
    require_participant(state, room_id, caller).await?;
    let pair = pair(&state.store, body()?).await?;
    update_parsed(state, caller, room_id, || {
        Ok(UpdateRoom::participants(pair.ids()))
    })
    .await
}

/// Seed 000's two participants: both required, both existing users, two different ones.
async fn pair(store: &Store, fields: Fields) -> Result<RoomPair, Error> {
    let mut draft = RoomPair::parse(fields);
    let named: Vec<(&str, i64)> = draft.body.users().collect();
    let ids: Vec<i64> = named.iter().map(|(_, id)| *id).collect();
    let missing = missing_users(store, &ids).await?;
    for (field, id) in named {
        if missing.contains(&id) {
            draft.reject_missing(field, &[id]);
        }
    }
    Ok(RoomPair::new(draft.finish(RoomPairDraft::build)?)?)
}

/// The ids of `ids` that name no user.
async fn missing_users(store: &Store, ids: &[i64]) -> Result<Vec<i64>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(store.missing_user_ids(ids).await?)
}

/// The caller's rooms, most recent activity first, and how many there are. `known_window` is
/// the page when the request names it without the count (`page(count)` checks it again).
pub async fn list(
    store: &Store,
    caller: i64,
    known_window: Option<(i64, i64)>,
    page: PageWindow<'_>,
    messages_limit: Option<i64>,
) -> Result<(i64, Vec<Room>), Error> {
    let (limit, offset) = match known_window {
        Some(window) => window,
        None => page(store.count_rooms(caller).await?)?,
    };
    let messages_limit = messages_limit.unwrap_or(DEFAULT_MESSAGES_LIMIT);
    let (count, details) = store
        .rooms_page(caller, limit, offset, messages_limit)
        .await?;
    page(count)?;
    Ok((count, views(store, caller, details).await?))
}

/// Seed 000's room list: the caller's rooms, only those `participant` is in too if given.
pub async fn shared_with(
    store: &Store,
    caller: i64,
    participant: Option<i64>,
) -> Result<Vec<Room>, Error> {
    let ids = store.shared_room_ids(caller, participant).await?;
    let details = store
        .room_details(&ids, DEFAULT_MESSAGES_LIMIT, caller)
        .await?;
    views(store, caller, details).await
}

/// A room the caller is in (404 otherwise).
pub async fn retrieve(
    store: &Store,
    caller: i64,
    room_id: i64,
    messages_limit: Option<i64>,
) -> Result<Room, Error> {
    member_room(store, room_id, caller).await?;
    let limit = messages_limit.unwrap_or(DEFAULT_MESSAGES_LIMIT);
    room(store, room_id, limit, caller).await
}

/// PUT (`partial = false`: name and type required) and PATCH.
pub async fn update(
    state: &AppState,
    caller: i64,
    room_id: i64,
    body: impl FnOnce() -> Result<Fields, Error>,
    partial: bool,
) -> Result<Room, Error> {
    update_parsed(state, caller, room_id, || {
        body().map(|fields| UpdateRoom::parse(fields, partial))
    })
    .await
}

/// [`update`] of a body its route has read its own way (seed 000's pair).
async fn update_parsed(
    state: &AppState,
    caller: i64,
    room_id: i64,
    body: impl FnOnce() -> Result<Draft<UpdateRoom>, Error>,
) -> Result<Room, Error> {
    // Membership first: an outsider's malformed body is a 404, not a 400.
    let room = member_room(&state.store, room_id, caller).await?;
    let mut draft = body()?;
    let missing = missing_users(&state.store, draft.body.user_ids()).await?;
    draft.reject_missing("participants", &missing);
    let update = draft.finish(Some)?;

    let current: BTreeSet<i64> = state.store.room_members(room_id).await?;
    let facts = RoomFacts {
        room_type: room_type_of(&room)?,
        created_by: room.created_by,
        participants: &current,
    };
    let members = rooms::plan_update(&facts, caller, &update.change)?;
    let new_members = update.change.participants.is_some();
    let now = now_micros();
    let name = update
        .name
        .as_ref()
        .map_or(room.name.as_str(), RoomName::as_str);
    let room_type = update.change.room_type.unwrap_or(facts.room_type);
    let after = if new_members { &members } else { &current };
    let view = event_room(
        room_id,
        name,
        room_type,
        after,
        room.created_by,
        room.created_at,
        now,
    );
    let mut events = Vec::new();
    if name != room.name || room_type != facts.room_type {
        let updated = Stored::RoomUpdated { room: &view };
        events.push(event(Audience::Room(room_id), &updated));
    }
    for user in current.difference(after) {
        let reason = if *user == caller {
            Departure::Left
        } else {
            Departure::Removed
        };
        let removed = Stored::MemberRemoved {
            chat_room: room_id,
            user_id: *user,
            by: caller,
            reason,
        };
        let audience = Audience::MemberRemoved {
            room: room_id,
            user: *user,
        };
        events.push(event(audience, &removed));
    }
    for user in after.difference(&current) {
        events.push(member_added(&view, *user, caller));
    }
    let positions = state
        .store
        .update_room(
            room_id,
            RoomUpdate {
                updated_at: now,
                name: update.name.as_ref().map(RoomName::as_str),
                room_type: update.change.room_type.map(RoomType::as_str),
                members: new_members.then_some(&members),
            },
            &events,
        )
        .await?;
    echo_all(&positions);
    self::room(&state.store, room_id, DEFAULT_MESSAGES_LIMIT, caller).await
}

/// Deletes a room the caller is in (404 otherwise), if they may (403 otherwise); its sockets
/// close.
pub async fn delete(state: &AppState, caller: i64, room_id: i64) -> Result<(), Error> {
    let room = member_room(&state.store, room_id, caller).await?;
    if !rooms::may_delete(room_type_of(&room)?, room.created_by, caller) {
        return Err(Error::Forbidden);
    }
    let deleted = Stored::RoomDeleted { chat_room: room.id };
    let deleted = event(Audience::RoomDeleted(room.id), &deleted);
    if let Some(position) = state.store.delete_room(room.id, deleted).await? {
        echo(position);
    }
    Ok(())
}

/// Room objects of `details` as `viewer` sees them, the preview messages of all of them
/// rendered together.
pub async fn views(
    store: &Store,
    viewer: i64,
    mut details: Vec<RoomDetail>,
) -> Result<Vec<Room>, Error> {
    let lengths: Vec<usize> = details.iter().map(|d| d.messages.len()).collect();
    let rows = details
        .iter_mut()
        .flat_map(|d| std::mem::take(&mut d.messages))
        .collect();
    let mut messages = render(store, Some(viewer), rows).await?.into_iter();
    details
        .into_iter()
        .zip(lengths)
        .map(|(detail, n)| view(detail, messages.by_ref().take(n).collect()))
        .collect()
}

fn view(detail: RoomDetail, messages: Vec<Message>) -> Result<Room, Error> {
    Ok(Room {
        id: detail.room.id,
        room_type: room_type_of(&detail.room)?,
        name: detail.room.name,
        participants: detail.participants,
        created_by: detail.room.created_by,
        messages,
        unread_count: detail.unread_count,
        mention_count: detail.mention_count,
        created_at: rfc3339(detail.room.created_at),
        updated_at: rfc3339(detail.room.updated_at),
    })
}

/// The room object of `id` as `viewer` sees it.
pub async fn room(store: &Store, id: i64, messages_limit: i64, viewer: i64) -> Result<Room, Error> {
    let details = store.room_details(&[id], messages_limit, viewer).await?;
    views(store, viewer, details)
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// `member.added`: `user` joined `room` (as they see it now), by `by`'s doing.
pub fn member_added(room: &Room, user: i64, by: i64) -> NewEvent {
    let added = Stored::MemberAdded {
        chat_room: room.id,
        user_id: user,
        by,
        room,
    };
    let audience = Audience::MemberAdded {
        room: room.id,
        user,
    };
    event(audience, &added)
}

/// A room as its events show it: the same for every participant, so without the newest
/// messages and with no unread or mention counts (those are each reader's own).
pub fn event_room(
    id: i64,
    name: &str,
    room_type: RoomType,
    participants: &BTreeSet<i64>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
) -> Room {
    Room {
        id,
        name: name.to_owned(),
        room_type,
        participants: participants.iter().copied().collect(),
        created_by,
        messages: Vec::new(),
        unread_count: 0,
        mention_count: 0,
        created_at: rfc3339(created_at),
        updated_at: rfc3339(updated_at),
    }
}

pub fn room_type_of(room: &RoomRow) -> Result<RoomType, Error> {
    RoomType::parse(&room.room_type).map_err(Error::internal)
}
