//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz): the parsing and validation a
//! request goes through before its handler touches the database, reachable without a server.
//! Not part of the API; the server itself uses nothing here.
//!
//! The handlers interleave body parsing with store calls (membership first, then the body,
//! then "does this user exist"), so the functions below repeat their pure steps in the same
//! order, with the store's answers passed in (`user_exists`, the room's current facts). They
//! must follow `service::messages`, `api::rooms`, `api::legacy` and `realtime::connection`
//! when those change; what they call (body parsers, `Fields`, domain types) is the real code.

use std::collections::BTreeSet;
use std::marker::PhantomData;

use serde_json::Value;
use uuid::Uuid;

use crate::api::body::JsonBody;
pub use crate::api::error::ApiError;
pub use crate::api::pagination::{Cursor, CursorCipher, Order};
use crate::domain::fields as body;
pub use crate::domain::fields::Fields;
use crate::domain::rooms::{self, RoomChange, RuleError};
pub use crate::domain::rooms::{MAX_PARTICIPANTS, RoomFacts, RoomType};
pub use crate::domain::text::{Content, RoomName};
pub use crate::realtime::{Action, Event};

/// The fields of a buffered body: `form = false` is `JsonBody::fields` (every JSON route),
/// `form = true` is seed 000's `JsonOrFormBody::fields_with_integers(integers)`.
pub fn body_fields(
    content_type: Option<&str>,
    bytes: &[u8],
    form: bool,
    integers: &[&str],
) -> Result<Fields, ApiError> {
    let content_type = content_type.map(str::to_owned);
    let bytes = Ok(bytes.to_vec());
    if form {
        JsonBody::<(), true, true> {
            content_type,
            bytes,
            documented_as: PhantomData,
        }
        .fields_with_integers(integers)
    } else {
        JsonBody::<(), true, false> {
            content_type,
            bytes,
            documented_as: PhantomData,
        }
        .fields()
    }
}

/// A message as `service::messages::send` accepts it, before it is stored.
#[derive(Debug)]
pub struct MessageInput {
    pub content: Content,
    pub is_read: bool,
    pub client_id: Option<Uuid>,
}

/// `POST .../messages/` (and a socket's `new_message`) from the body on.
pub fn message_create(
    mut fields: Fields,
    caller: i64,
    user_exists: impl Fn(i64) -> bool,
) -> Result<MessageInput, ApiError> {
    let content = fields.required("content", content);
    let is_read = fields.optional("is_read", body::boolean).unwrap_or(false);
    let client_id = fields.optional("client_id", body::nullable_uuid).flatten();
    let impersonated = check_sender(&mut fields, caller, &user_exists);
    let content = fields.finish(content)?;
    if impersonated.is_some() {
        return Err(ApiError::Forbidden);
    }
    Ok(MessageInput {
        content,
        is_read,
        client_id,
    })
}

/// A message edit as `service::messages::edit` accepts it.
#[derive(Debug)]
pub struct MessageEdit {
    pub content: Option<Content>,
    pub is_read: Option<bool>,
}

/// PUT (`partial = false`) and PATCH `.../messages/{id}/` from the body on, by the sender.
pub fn message_edit(
    mut fields: Fields,
    partial: bool,
    caller: i64,
    user_exists: impl Fn(i64) -> bool,
) -> Result<MessageEdit, ApiError> {
    let content = if partial {
        fields.optional("content", content)
    } else {
        fields.required("content", content)
    };
    let is_read = fields.optional("is_read", body::boolean);
    let impersonated = check_sender(&mut fields, caller, &user_exists);
    fields.finish(Some(()))?;
    if impersonated.is_some() {
        return Err(ApiError::Forbidden);
    }
    Ok(MessageEdit { content, is_read })
}

/// Seed 000's `POST /messages/create`: the room comes from the body, then as `message_create`.
pub fn legacy_message_create(
    mut fields: Fields,
    caller: i64,
    user_exists: impl Fn(i64) -> bool,
) -> Result<(i64, MessageInput), ApiError> {
    let Some(room_id) = fields.required("chat_room", body::primary_key) else {
        let _ = fields.required("content", body::string);
        return Err(fields.into_error());
    };
    message_create(fields, caller, user_exists).map(|message| (room_id, message))
}

pub use crate::realtime::connection::{
    message_body as socket_message_fields, refusal as socket_error,
};

/// A room as `POST /api/chat/rooms/` creates it.
#[derive(Debug)]
pub struct RoomInput {
    pub name: RoomName,
    pub room_type: RoomType,
    pub members: BTreeSet<i64>,
    pub direct_key: Option<String>,
}

/// `POST /api/chat/rooms/` from the body on.
pub fn room_create(
    mut fields: Fields,
    caller: i64,
    user_exists: impl Fn(i64) -> bool,
) -> Result<RoomInput, ApiError> {
    let name = fields.required("name", room_name);
    let room_type = fields.required("room_type", room_type);
    let requested = fields
        .optional("participants", body::nullable_primary_keys)
        .flatten()
        .unwrap_or_default();
    check_users_exist(&mut fields, "participants", &requested, &user_exists);
    let (name, room_type) = fields.finish(name.zip(room_type))?;
    let members = rooms::new_room_members(caller, &requested, room_type).map_err(rule_error)?;
    let direct_key = (room_type == RoomType::OneToOne)
        .then(|| rooms::direct_key(&members))
        .flatten();
    Ok(RoomInput {
        name,
        room_type,
        members,
        direct_key,
    })
}

/// A room update as `api::rooms::update` stores it.
#[derive(Debug)]
pub struct RoomEdit {
    pub name: Option<RoomName>,
    pub room_type: Option<RoomType>,
    /// `None`: the participants stay as they are.
    pub members: Option<BTreeSet<i64>>,
}

/// PUT (`partial = false`) and PATCH `/api/chat/rooms/{id}/` from the body on, by a member.
pub fn room_update(
    mut fields: Fields,
    partial: bool,
    room: &RoomFacts<'_>,
    caller: i64,
    user_exists: impl Fn(i64) -> bool,
) -> Result<RoomEdit, ApiError> {
    let (name, new_type) = if partial {
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
    let requested = fields
        .optional("participants", body::nullable_primary_keys)
        .flatten();
    if let Some(ids) = &requested {
        check_users_exist(&mut fields, "participants", ids, &user_exists);
    }
    fields.finish(Some(()))?;
    let change = RoomChange {
        room_type: new_type,
        participants: requested,
    };
    let members = rooms::plan_update(room, caller, &change).map_err(rule_error)?;
    Ok(RoomEdit {
        name,
        room_type: new_type,
        members: change.participants.is_some().then_some(members),
    })
}

fn content(value: &Value) -> Result<Content, String> {
    body::string(value).and_then(|s| Content::parse(&s))
}

fn room_name(value: &Value) -> Result<RoomName, String> {
    body::string(value).and_then(|s| RoomName::parse(&s))
}

fn room_type(value: &Value) -> Result<RoomType, String> {
    body::string(value).and_then(|s| RoomType::parse(&s))
}

fn rule_error(err: RuleError) -> ApiError {
    match err {
        RuleError::Invalid { field, message } => ApiError::field(field, message),
        RuleError::Forbidden => ApiError::Forbidden,
    }
}

fn check_sender(
    fields: &mut Fields,
    caller: i64,
    user_exists: &impl Fn(i64) -> bool,
) -> Option<i64> {
    let sender_id = fields.optional("sender_id", body::primary_key);
    if let Some(id) = sender_id
        && !user_exists(id)
    {
        fields.error(
            "sender_id",
            format!("Invalid pk \"{id}\" - object does not exist."),
        );
    }
    sender_id.filter(|id| *id != caller)
}

fn check_users_exist(
    fields: &mut Fields,
    field: &str,
    ids: &[i64],
    user_exists: &impl Fn(i64) -> bool,
) {
    if let Some(missing) = ids.iter().find(|id| !user_exists(**id)) {
        fields.error(
            field,
            format!("Invalid pk \"{missing}\" - object does not exist."),
        );
    }
}
