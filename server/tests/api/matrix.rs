//! Who may call what: every operation of the checked-in `openapi.yaml`, as anonymous, an
//! outsider, a participant and the owner, against one table ([`ROWS`]); a token that is not
//! one is answered as no token. The table must name exactly the spec's operations, so a route
//! added later cannot ship without its permissions decided here, and every status it expects
//! must be one the spec documents for that operation.
//!
//! [`CASES`] calls the same operations on other targets: a room, message, invitation or user
//! that does not exist, a message of another room, other kinds of rooms, roles split apart (a
//! creator who did not send the message or did not invite), and bodies a participant would be
//! refused for, since permission is decided before the body is read.
//!
//! Every refusal (401, 403, 404) is JSON in its operation's error shape, and changes nothing:
//! the fixture reads the same before and after it. The area files test what the allowed calls
//! do; who is allowed is decided here.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::helpers::*;
use crate::realtime::try_connect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// Registered, not in the fixture room (the fixture invites them).
    Outsider,
    /// In the fixture room; neither its creator nor the fixture message's sender.
    Participant,
    /// The fixture room's creator and the fixture message's sender.
    Owner,
    /// A Bearer token that is not one: answered as [`Caller::Anonymous`] is, on every row.
    NotAToken,
}

/// The order of [`Row::expect`].
const CALLERS: [Caller; 4] = [
    Caller::Anonymous,
    Caller::Outsider,
    Caller::Participant,
    Caller::Owner,
];

const NOT_A_TOKEN: &str = "not-a-token";
const TOKEN_NOT_VALID: &str = "Given token not valid for any token type";

/// An id no room, message, invitation or user has.
const MISSING: i64 = 999_999;

/// What a path or query parameter is filled with.
#[derive(Debug, Clone, Copy)]
enum Id {
    Room,
    Message,
    Owner,
    Participant,
    /// An invitation of the room, from its owner to the outsider (see [`On`]).
    Invitation,
    /// An emoji both the owner and the participant reacted with to the message.
    Emoji,
    /// A word of the fixture message.
    Word,
    /// The caller's own user id (the owner's for those without a valid token).
    Caller,
    /// A user who shares no room with anyone.
    Loner,
    /// A message of another room of the owner and the participant, which both reacted to
    /// with [`Id::Emoji`]: visible to them, but not in the fixture room.
    ForeignMessage,
    /// [`MISSING`]: a room, message, invitation or user that does not exist.
    Missing,
    /// Sent as written.
    Text(&'static str),
}

/// The fixture message's reaction ([`Id::Emoji`]), URL-encoded.
const REACTION: &str = "%F0%9F%91%8D";

enum Body {
    Empty,
    Json(fn(&Fixture) -> Value),
    /// `{"refresh": ...}` with a refresh token nobody has used: they rotate, so each call
    /// needs its own.
    UnusedRefresh,
    /// A content type and a body sent as they are: malformed JSON, a form.
    Raw(&'static str, &'static str),
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

struct Row {
    method: &'static str,
    /// The path exactly as the spec names it.
    path: &'static str,
    params: &'static [(&'static str, Id)],
    query: &'static [(&'static str, Id)],
    body: Body,
    /// The status for each of [`CALLERS`], in that order.
    expect: [u16; 4],
}

const fn everyone(status: u16) -> [u16; 4] {
    [status; 4]
}

const ID_IS_ROOM: &[(&str, Id)] = &[("id", Id::Room)];
const ROOM_ID: &[(&str, Id)] = &[("room_id", Id::Room)];
const ROOM_AND_MESSAGE: &[(&str, Id)] = &[("room_id", Id::Room), ("id", Id::Message)];
const ID_IS_MESSAGE: &[(&str, Id)] = &[("id", Id::Message)];
const NONE: &[(&str, Id)] = &[];

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Public: credentials, if sent, change nothing.
    Row { method: "GET", path: "/healthz", params: NONE, query: NONE, body: Body::Empty, expect: everyone(200) },
    Row { method: "GET", path: "/readyz", params: NONE, query: NONE, body: Body::Empty, expect: everyone(200) },
    Row { method: "GET", path: "/metrics", params: NONE, query: NONE, body: Body::Empty, expect: everyone(200) },
    Row { method: "POST", path: "/api/users/register/", params: NONE, query: NONE,
          body: Body::Json(|f| json!({"username": format!("newcomer{}", f.serial), "password": "password123"})),
          expect: everyone(201) },
    Row { method: "POST", path: "/api/token/", params: NONE, query: NONE,
          body: Body::Json(|_| json!({"username": "owner", "password": "password123"})),
          expect: everyone(200) },
    Row { method: "POST", path: "/api/token/refresh/", params: NONE, query: NONE, body: Body::UnusedRefresh, expect: everyone(200) },

    // Any signed-in user.
    Row { method: "GET", path: "/api/users/me/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    Row { method: "GET", path: "/api/users/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    // The event stream: each reads their own share of it.
    Row { method: "GET", path: "/api/events/", params: NONE, query: &[("since", Id::Text("0"))], body: Body::Empty,
          expect: [401, 200, 200, 200] },
    // Room-mates only (the outsider shares no room with the owner until a later row's
    // accepted invitation).
    Row { method: "GET", path: "/api/users/{id}/presence/", params: &[("id", Id::Owner)], query: NONE, body: Body::Empty,
          expect: [401, 404, 200, 200] },
    Row { method: "GET", path: "/api/chat/rooms/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    Row { method: "POST", path: "/api/chat/rooms/", params: NONE, query: NONE,
          body: Body::Json(|_| json!({"name": "Team", "room_type": "GROUP"})),
          expect: [401, 201, 201, 201] },

    // A room: invisible (404) to outsiders, seed 001; deleting a GROUP room is the creator's.
    Row { method: "GET", path: "/api/chat/rooms/{id}/", params: ID_IS_ROOM, query: NONE, body: Body::Empty, expect: [401, 404, 200, 200] },
    Row { method: "PUT", path: "/api/chat/rooms/{id}/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|_| json!({"name": "Renamed", "room_type": "GROUP"})),
          expect: [401, 404, 200, 200] },
    Row { method: "PATCH", path: "/api/chat/rooms/{id}/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|_| json!({"name": "Renamed"})),
          expect: [401, 404, 200, 200] },
    Row { method: "DELETE", path: "/api/chat/rooms/{id}/", params: ID_IS_ROOM, query: NONE, body: Body::Empty, expect: [401, 404, 403, 204] },

    // A room's messages: 403 to outsiders (seed 004); editing and deleting are the sender's.
    Row { method: "GET", path: "/api/chat/rooms/{room_id}/messages/", params: ROOM_ID, query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "POST", path: "/api/chat/rooms/{room_id}/messages/", params: ROOM_ID, query: NONE,
          body: Body::Json(|_| json!({"content": "hello"})),
          expect: [401, 403, 201, 201] },
    Row { method: "GET", path: "/api/chat/rooms/{room_id}/messages/{id}/", params: ROOM_AND_MESSAGE, query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "PUT", path: "/api/chat/rooms/{room_id}/messages/{id}/", params: ROOM_AND_MESSAGE, query: NONE,
          body: Body::Json(|_| json!({"content": "edited"})),
          expect: [401, 403, 403, 200] },
    Row { method: "PATCH", path: "/api/chat/rooms/{room_id}/messages/{id}/", params: ROOM_AND_MESSAGE, query: NONE,
          body: Body::Json(|_| json!({"content": "edited"})),
          expect: [401, 403, 403, 200] },
    Row { method: "DELETE", path: "/api/chat/rooms/{room_id}/messages/{id}/", params: ROOM_AND_MESSAGE, query: NONE, body: Body::Empty,
          expect: [401, 403, 403, 204] },
    // Beyond the seeds, on a message: any participant, as reading it.
    Row { method: "POST", path: "/api/chat/rooms/{room_id}/messages/{id}/reactions/", params: ROOM_AND_MESSAGE, query: NONE,
          body: Body::Json(|_| json!({"emoji": "🎉"})),
          expect: [401, 403, 201, 201] },
    Row { method: "DELETE", path: "/api/chat/rooms/{room_id}/messages/{id}/reactions/{emoji}/",
          params: &[("room_id", Id::Room), ("id", Id::Message), ("emoji", Id::Emoji)], query: NONE, body: Body::Empty,
          expect: [401, 403, 204, 204] },
    Row { method: "GET", path: "/api/chat/rooms/{room_id}/messages/{id}/replies/", params: ROOM_AND_MESSAGE, query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "GET", path: "/api/chat/rooms/{room_id}/messages/{id}/history/", params: ROOM_AND_MESSAGE, query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    // Over the caller's own rooms: an outsider finds nothing, but may ask.
    Row { method: "GET", path: "/api/chat/search/", params: NONE, query: &[("q", Id::Word)], body: Body::Empty,
          expect: [401, 200, 200, 200] },

    // Beyond the seeds, on a room: as the room itself, 404 to outsiders.
    Row { method: "POST", path: "/api/chat/rooms/{id}/read/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|f| json!({"message_id": f.message})),
          expect: [401, 404, 200, 200] },
    Row { method: "POST", path: "/api/chat/rooms/{id}/invitations/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|f| json!({"user_id": f.spare})),
          expect: [401, 404, 201, 201] },
    Row { method: "GET", path: "/api/chat/rooms/{id}/invitations/", params: ID_IS_ROOM, query: NONE, body: Body::Empty,
          expect: [401, 404, 200, 200] },
    // Revoking: the inviter (the owner) or the room's creator.
    Row { method: "DELETE", path: "/api/chat/rooms/{id}/invitations/{invitation_id}/",
          params: &[("id", Id::Room), ("invitation_id", Id::Invitation)], query: NONE, body: Body::Empty,
          expect: [401, 404, 403, 204] },
    // The invitee's own: the fixture invites the outsider, whom anyone else asks about in vain.
    Row { method: "GET", path: "/api/invitations/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    Row { method: "POST", path: "/api/invitations/{id}/decline/", params: &[("id", Id::Invitation)], query: NONE, body: Body::Empty,
          expect: [401, 200, 404, 404] },
    // Last: accepting makes the outsider a room-mate of the owner from then on.
    Row { method: "POST", path: "/api/invitations/{id}/accept/", params: &[("id", Id::Invitation)], query: NONE, body: Body::Empty,
          expect: [401, 200, 404, 404] },

    // WebSocket upgrades: refused before the upgrade, 101 once allowed.
    Row { method: "GET", path: "/ws/chat/rooms/{room_id}/", params: ROOM_ID, query: NONE, body: Body::Empty, expect: [401, 403, 101, 101] },
    Row { method: "GET", path: "/ws/chat/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 101, 101, 101] },
    // Seed 002: only `user_id` itself may open it, not even the other user of the pair.
    Row { method: "GET", path: "/ws/chat/{user_id}/{other_user_id}/",
          params: &[("user_id", Id::Owner), ("other_user_id", Id::Participant)], query: NONE, body: Body::Empty,
          expect: [401, 403, 403, 101] },

    // Seed 000: 403 to outsiders everywhere, in its own error shape.
    Row { method: "POST", path: "/chatrooms/create", params: NONE, query: NONE,
          body: Body::Json(|f| json!({"participant1": f.owner, "participant2": f.participant})),
          expect: [401, 403, 200, 200] },
    Row { method: "GET", path: "/chatrooms/", params: NONE, query: NONE, body: Body::Empty, expect: [401, 200, 200, 200] },
    Row { method: "PUT", path: "/chatrooms/{id}/", params: ID_IS_ROOM, query: NONE,
          body: Body::Json(|f| json!({"participant1": f.owner, "participant2": f.participant})),
          expect: [401, 403, 200, 200] },
    Row { method: "DELETE", path: "/chatrooms/{id}/", params: ID_IS_ROOM, query: NONE, body: Body::Empty, expect: [401, 403, 403, 200] },
    Row { method: "POST", path: "/messages/create", params: NONE, query: NONE,
          body: Body::Json(|f| json!({"chat_room": f.room, "content": "hello"})),
          expect: [401, 403, 200, 200] },
    Row { method: "GET", path: "/messages/", params: NONE, query: &[("chat_room", Id::Room)], body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "PUT", path: "/messages/{id}/", params: ID_IS_MESSAGE, query: NONE,
          body: Body::Json(|_| json!({"content": "edited"})),
          expect: [401, 403, 403, 200] },
    Row { method: "DELETE", path: "/messages/{id}/", params: ID_IS_MESSAGE, query: NONE, body: Body::Empty, expect: [401, 403, 403, 200] },

    // Seed 002's REST messages: as the main message routes.
    Row { method: "GET", path: "/{chat_room_id}/messages/", params: &[("chat_room_id", Id::Room)], query: NONE, body: Body::Empty,
          expect: [401, 403, 200, 200] },
    Row { method: "POST", path: "/{chat_room_id}/messages/", params: &[("chat_room_id", Id::Room)], query: NONE,
          body: Body::Json(|_| json!({"content": "hello"})),
          expect: [401, 403, 201, 201] },
];

/// How a case's fixture differs from the rows' one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    /// A GROUP room of the owner with the participant, the owner's message in it, which both
    /// reacted to, and the owner's invitation of the outsider.
    Fixture,
    /// The room is a COURSE room.
    Course,
    /// The room is the ONE_TO_ONE room of the owner and the participant, and has no
    /// invitation.
    OneToOne,
    /// The spare user is in the room too.
    ThirdParticipant,
    /// The message is the participant's: the owner created the room, but did not send it.
    ParticipantsMessage,
    /// The participant invited the outsider: the owner created the room, but did not invite.
    InvitedByParticipant,
    /// The spare user is the one invited: the outsider is a stranger to the invitation too.
    SpareInvited,
}

/// An operation called on another target than its row's, by the callers it is about.
struct Case {
    method: &'static str,
    path: &'static str,
    /// What the case is about; unique per operation.
    why: &'static str,
    on: On,
    params: &'static [(&'static str, Id)],
    query: &'static [(&'static str, Id)],
    body: Body,
    expect: &'static [(Caller, u16)],
}

use Caller::{Anonymous, Outsider, Owner, Participant};

/// A room, message or invitation id that names nothing.
const NO_ID: &[(&str, Id)] = &[("id", Id::Missing)];
const NO_ROOM_ID: &[(&str, Id)] = &[("room_id", Id::Missing)];
const NO_ROOM_WITH_MESSAGE: &[(&str, Id)] = &[("room_id", Id::Missing), ("id", Id::Message)];
const FOREIGN_MESSAGE: &[(&str, Id)] = &[("room_id", Id::Room), ("id", Id::ForeignMessage)];
const NO_MESSAGE: &[(&str, Id)] = &[("room_id", Id::Room), ("id", Id::Missing)];
const REACTION_NO_ROOM: &[(&str, Id)] = &[
    ("room_id", Id::Missing),
    ("id", Id::Message),
    ("emoji", Id::Emoji),
];
const REACTION_FOREIGN: &[(&str, Id)] = &[
    ("room_id", Id::Room),
    ("id", Id::ForeignMessage),
    ("emoji", Id::Emoji),
];
const REACTION_NO_MESSAGE: &[(&str, Id)] = &[
    ("room_id", Id::Room),
    ("id", Id::Missing),
    ("emoji", Id::Emoji),
];
const ROOM_INVITATION: &[(&str, Id)] = &[("id", Id::Room), ("invitation_id", Id::Invitation)];

const ROOM: &str = "/api/chat/rooms/{id}/";
const MESSAGES: &str = "/api/chat/rooms/{room_id}/messages/";
const MESSAGE: &str = "/api/chat/rooms/{room_id}/messages/{id}/";
const HISTORY: &str = "/api/chat/rooms/{room_id}/messages/{id}/history/";
const REPLIES: &str = "/api/chat/rooms/{room_id}/messages/{id}/replies/";
const REACTIONS: &str = "/api/chat/rooms/{room_id}/messages/{id}/reactions/";
const REACTION_PATH: &str = "/api/chat/rooms/{room_id}/messages/{id}/reactions/{emoji}/";
const READ: &str = "/api/chat/rooms/{id}/read/";
const INVITATIONS: &str = "/api/chat/rooms/{id}/invitations/";
const INVITATION: &str = "/api/chat/rooms/{id}/invitations/{invitation_id}/";
const ACCEPT: &str = "/api/invitations/{id}/accept/";
const DECLINE: &str = "/api/invitations/{id}/decline/";
const PRESENCE: &str = "/api/users/{id}/presence/";
const LEGACY_ROOM: &str = "/chatrooms/{id}/";
const LEGACY_MESSAGE: &str = "/messages/{id}/";
const SEED_002_MESSAGES: &str = "/{chat_room_id}/messages/";

/// The statuses of the outsider, the participant and the owner.
const fn every_signed_in(outsider: u16, participant: u16, owner: u16) -> [(Caller, u16); 3] {
    [
        (Outsider, outsider),
        (Participant, participant),
        (Owner, owner),
    ]
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Rooms: a room that does not exist is as one the caller is not in (seed 001).
    Case { method: "GET", path: ROOM, why: "no such room", on: On::Fixture, params: NO_ID, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    Case { method: "PUT", path: ROOM, why: "no such room", on: On::Fixture, params: NO_ID, query: NONE,
           body: Body::Json(|_| json!({"name": "Team", "room_type": "GROUP"})), expect: &[(Owner, 404)] },
    Case { method: "PATCH", path: ROOM, why: "no such room", on: On::Fixture, params: NO_ID, query: NONE,
           body: Body::Json(|_| json!({"name": "Team", "room_type": "GROUP"})), expect: &[(Owner, 404)] },
    Case { method: "DELETE", path: ROOM, why: "no such room", on: On::Fixture, params: NO_ID, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    // Permission before validation: an outsider learns nothing from a body's errors.
    Case { method: "PUT", path: ROOM, why: "an invalid body", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({"name": "", "room_type": "X", "participants": 5})), expect: &[(Outsider, 404)] },
    Case { method: "PATCH", path: ROOM, why: "an invalid body", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({"name": "", "room_type": "X", "participants": 5})), expect: &[(Outsider, 404)] },
    Case { method: "PUT", path: ROOM, why: "malformed JSON", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Raw(JSON, "{not json"), expect: &[(Outsider, 404)] },
    Case { method: "PATCH", path: ROOM, why: "malformed JSON", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Raw(JSON, "{not json"), expect: &[(Outsider, 404)] },
    // Removing others and changing a GROUP or COURSE room's type are the creator's; anyone
    // may leave, and the creator always stays.
    Case { method: "PUT", path: ROOM, why: "removing another participant", on: On::ThirdParticipant, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|f| json!({"name": "Team", "room_type": "GROUP", "participants": [f.owner, f.participant]})),
           expect: &every_signed_in(404, 403, 200) },
    Case { method: "PATCH", path: ROOM, why: "removing another participant", on: On::ThirdParticipant, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|f| json!({"participants": [f.owner, f.participant]})),
           expect: &every_signed_in(404, 403, 200) },
    Case { method: "PUT", path: ROOM, why: "leaving the creator out", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|f| json!({"name": "Team", "room_type": "GROUP", "participants": [f.participant]})),
           expect: &every_signed_in(404, 403, 200) },
    Case { method: "PATCH", path: ROOM, why: "leaving the creator out", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|f| json!({"participants": [f.participant]})),
           expect: &every_signed_in(404, 403, 200) },
    Case { method: "PUT", path: ROOM, why: "leaving the participant out", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|f| json!({"name": "Team", "room_type": "GROUP", "participants": [f.owner]})),
           expect: &every_signed_in(404, 200, 200) },
    Case { method: "PATCH", path: ROOM, why: "leaving the participant out", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|f| json!({"participants": [f.owner]})),
           expect: &every_signed_in(404, 200, 200) },
    Case { method: "PUT", path: ROOM, why: "changing the type", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({"name": "Team", "room_type": "COURSE"})),
           expect: &every_signed_in(404, 403, 200) },
    Case { method: "PATCH", path: ROOM, why: "changing the type", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({"room_type": "COURSE"})),
           expect: &every_signed_in(404, 403, 200) },
    // Deleting: the creator's, or either member's of a ONE_TO_ONE room.
    Case { method: "DELETE", path: ROOM, why: "a COURSE room", on: On::Course, params: ID_IS_ROOM, query: NONE, body: Body::Empty,
           expect: &every_signed_in(404, 403, 204) },
    Case { method: "DELETE", path: ROOM, why: "a ONE_TO_ONE room", on: On::OneToOne, params: ID_IS_ROOM, query: NONE, body: Body::Empty,
           expect: &every_signed_in(404, 204, 204) },

    // Messages: a room that does not exist is as one the caller is not in (seed 004); a
    // message of another room, or none, is not in this one.
    Case { method: "GET", path: MESSAGES, why: "no such room", on: On::Fixture, params: NO_ROOM_ID, query: NONE, body: Body::Empty,
           expect: &[(Outsider, 403)] },
    Case { method: "POST", path: MESSAGES, why: "no such room", on: On::Fixture, params: NO_ROOM_ID, query: NONE,
           body: Body::Json(|_| json!({"content": "x"})), expect: &[(Outsider, 403)] },
    Case { method: "POST", path: MESSAGES, why: "malformed JSON", on: On::Fixture, params: ROOM_ID, query: NONE,
           body: Body::Raw(JSON, "{nope"), expect: &[(Outsider, 403)] },
    Case { method: "POST", path: MESSAGES, why: "a reply to a message of another room", on: On::Fixture, params: ROOM_ID, query: NONE,
           body: Body::Json(|f| json!({"content": "x", "reply_to": f.foreign_message()})), expect: &[(Outsider, 403)] },
    Case { method: "GET", path: MESSAGE, why: "no such room", on: On::Fixture, params: NO_ROOM_WITH_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Outsider, 403)] },
    Case { method: "PUT", path: MESSAGE, why: "no such room", on: On::Fixture, params: NO_ROOM_WITH_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"content": "x"})), expect: &[(Outsider, 403)] },
    Case { method: "PATCH", path: MESSAGE, why: "no such room", on: On::Fixture, params: NO_ROOM_WITH_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"content": "x"})), expect: &[(Outsider, 403)] },
    Case { method: "DELETE", path: MESSAGE, why: "no such room", on: On::Fixture, params: NO_ROOM_WITH_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Outsider, 403)] },
    Case { method: "GET", path: MESSAGE, why: "a message of another room", on: On::Fixture, params: FOREIGN_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    Case { method: "PATCH", path: MESSAGE, why: "a message of another room", on: On::Fixture, params: FOREIGN_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"content": "x"})), expect: &[(Owner, 404)] },
    Case { method: "DELETE", path: MESSAGE, why: "a message of another room", on: On::Fixture, params: FOREIGN_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    Case { method: "GET", path: MESSAGE, why: "no such message", on: On::Fixture, params: NO_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    Case { method: "PATCH", path: MESSAGE, why: "no such message", on: On::Fixture, params: NO_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"content": "x"})), expect: &[(Owner, 404)] },
    Case { method: "DELETE", path: MESSAGE, why: "no such message", on: On::Fixture, params: NO_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    // Editing and deleting are the sender's, not the room creator's.
    Case { method: "PUT", path: MESSAGE, why: "the participant's message", on: On::ParticipantsMessage, params: ROOM_AND_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"content": "edited"})), expect: &every_signed_in(403, 200, 403) },
    Case { method: "PATCH", path: MESSAGE, why: "the participant's message", on: On::ParticipantsMessage, params: ROOM_AND_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"content": "edited"})), expect: &every_signed_in(403, 200, 403) },
    Case { method: "DELETE", path: MESSAGE, why: "the participant's message", on: On::ParticipantsMessage, params: ROOM_AND_MESSAGE, query: NONE,
           body: Body::Empty, expect: &every_signed_in(403, 204, 403) },
    Case { method: "GET", path: HISTORY, why: "no such room", on: On::Fixture, params: NO_ROOM_WITH_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Owner, 403)] },
    // An outsider learns nothing, not even that the message is elsewhere.
    Case { method: "GET", path: HISTORY, why: "a message of another room", on: On::Fixture, params: FOREIGN_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Outsider, 403), (Owner, 404)] },
    Case { method: "GET", path: HISTORY, why: "no such message", on: On::Fixture, params: NO_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    Case { method: "GET", path: REPLIES, why: "a garbage cursor", on: On::Fixture, params: ROOM_AND_MESSAGE, query: &[("cursor", Id::Text("garbage"))],
           body: Body::Empty, expect: &[(Outsider, 403)] },
    Case { method: "GET", path: REPLIES, why: "an after id", on: On::Fixture, params: ROOM_AND_MESSAGE, query: &[("after", Id::Text("1"))],
           body: Body::Empty, expect: &[(Outsider, 403)] },
    Case { method: "GET", path: REPLIES, why: "no such room", on: On::Fixture, params: NO_ROOM_WITH_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Participant, 403)] },
    Case { method: "GET", path: REPLIES, why: "a message of another room", on: On::Fixture, params: FOREIGN_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Participant, 404)] },
    Case { method: "GET", path: REPLIES, why: "no such message", on: On::Fixture, params: NO_MESSAGE, query: NONE, body: Body::Empty,
           expect: &[(Participant, 404)] },
    Case { method: "POST", path: REACTIONS, why: "no emoji", on: On::Fixture, params: ROOM_AND_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({})), expect: &[(Outsider, 403)] },
    Case { method: "POST", path: REACTIONS, why: "not an emoji", on: On::Fixture, params: ROOM_AND_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"emoji": "a"})), expect: &[(Outsider, 403)] },
    Case { method: "POST", path: REACTIONS, why: "no such room", on: On::Fixture, params: NO_ROOM_WITH_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"emoji": "👍"})), expect: &[(Participant, 403)] },
    Case { method: "POST", path: REACTIONS, why: "a message of another room", on: On::Fixture, params: FOREIGN_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"emoji": "👍"})), expect: &[(Participant, 404)] },
    Case { method: "POST", path: REACTIONS, why: "no such message", on: On::Fixture, params: NO_MESSAGE, query: NONE,
           body: Body::Json(|_| json!({"emoji": "👍"})), expect: &[(Participant, 404)] },
    Case { method: "DELETE", path: REACTION_PATH, why: "no such room", on: On::Fixture, params: REACTION_NO_ROOM, query: NONE, body: Body::Empty,
           expect: &[(Participant, 403)] },
    Case { method: "DELETE", path: REACTION_PATH, why: "a message of another room", on: On::Fixture, params: REACTION_FOREIGN, query: NONE,
           body: Body::Empty, expect: &[(Participant, 404)] },
    Case { method: "DELETE", path: REACTION_PATH, why: "no such message", on: On::Fixture, params: REACTION_NO_MESSAGE, query: NONE,
           body: Body::Empty, expect: &[(Participant, 404)] },
    Case { method: "GET", path: "/api/chat/search/", why: "no q", on: On::Fixture, params: NONE, query: NONE, body: Body::Empty,
           expect: &[(Anonymous, 401)] },

    // Read markers, invitations: as the room itself, whatever the body.
    Case { method: "POST", path: READ, why: "no message_id", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({})), expect: &[(Anonymous, 401), (Outsider, 404)] },
    Case { method: "POST", path: READ, why: "a message_id that is not one", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({"message_id": "x"})), expect: &[(Outsider, 404)] },
    Case { method: "POST", path: READ, why: "no such room", on: On::Fixture, params: NO_ID, query: NONE,
           body: Body::Json(|f| json!({"message_id": f.message})), expect: &[(Owner, 404)] },
    Case { method: "POST", path: READ, why: "no such room and no message_id", on: On::Fixture, params: NO_ID, query: NONE,
           body: Body::Json(|_| json!({})), expect: &[(Owner, 404)] },
    Case { method: "POST", path: READ, why: "no such room and a message_id that is not one", on: On::Fixture, params: NO_ID, query: NONE,
           body: Body::Json(|_| json!({"message_id": "x"})), expect: &[(Owner, 404)] },
    Case { method: "POST", path: INVITATIONS, why: "a stranger to the invitation", on: On::SpareInvited, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|f| json!({"user_id": f.spare})), expect: &[(Outsider, 404)] },
    Case { method: "POST", path: INVITATIONS, why: "a user_id that is not one", on: On::SpareInvited, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({"user_id": "x"})), expect: &[(Outsider, 404)] },
    Case { method: "POST", path: INVITATIONS, why: "no user_id", on: On::SpareInvited, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({})), expect: &[(Outsider, 404)] },
    Case { method: "POST", path: INVITATIONS, why: "no such room", on: On::Fixture, params: NO_ID, query: NONE,
           body: Body::Json(|f| json!({"user_id": f.spare})), expect: &[(Owner, 404)] },
    Case { method: "GET", path: INVITATIONS, why: "a stranger to the invitation", on: On::SpareInvited, params: ID_IS_ROOM, query: NONE,
           body: Body::Empty, expect: &[(Outsider, 404)] },
    // Revoking: the inviter or the room's creator, each without being the other.
    Case { method: "DELETE", path: INVITATION, why: "a stranger to the invitation", on: On::SpareInvited, params: ROOM_INVITATION, query: NONE,
           body: Body::Empty, expect: &[(Outsider, 404)] },
    Case { method: "DELETE", path: INVITATION, why: "invited by the participant", on: On::InvitedByParticipant, params: ROOM_INVITATION, query: NONE,
           body: Body::Empty, expect: &every_signed_in(404, 204, 204) },
    // Answering: the invitee's alone, not the inviter's or the creator's.
    Case { method: "POST", path: ACCEPT, why: "invited by the participant", on: On::InvitedByParticipant, params: &[("id", Id::Invitation)], query: NONE,
           body: Body::Empty, expect: &every_signed_in(200, 404, 404) },
    Case { method: "POST", path: DECLINE, why: "invited by the participant", on: On::InvitedByParticipant, params: &[("id", Id::Invitation)], query: NONE,
           body: Body::Empty, expect: &every_signed_in(200, 404, 404) },
    Case { method: "POST", path: ACCEPT, why: "a stranger to the invitation", on: On::SpareInvited, params: &[("id", Id::Invitation)], query: NONE,
           body: Body::Empty, expect: &[(Outsider, 404)] },
    Case { method: "POST", path: DECLINE, why: "a stranger to the invitation", on: On::SpareInvited, params: &[("id", Id::Invitation)], query: NONE,
           body: Body::Empty, expect: &[(Outsider, 404)] },
    Case { method: "POST", path: ACCEPT, why: "no such invitation", on: On::Fixture, params: &[("id", Id::Missing)], query: NONE,
           body: Body::Empty, expect: &[(Outsider, 404)] },
    Case { method: "POST", path: DECLINE, why: "no such invitation", on: On::Fixture, params: &[("id", Id::Missing)], query: NONE,
           body: Body::Empty, expect: &[(Outsider, 404)] },
    Case { method: "POST", path: ACCEPT, why: "invitation 0", on: On::Fixture, params: &[("id", Id::Text("0"))], query: NONE,
           body: Body::Empty, expect: &[(Outsider, 404)] },
    Case { method: "POST", path: DECLINE, why: "invitation 0", on: On::Fixture, params: &[("id", Id::Text("0"))], query: NONE,
           body: Body::Empty, expect: &[(Outsider, 404)] },

    // Users: anyone about themselves, room-mates about each other, nobody about the rest.
    Case { method: "GET", path: PRESENCE, why: "the caller", on: On::Fixture, params: &[("id", Id::Caller)], query: NONE, body: Body::Empty,
           expect: &every_signed_in(200, 200, 200) },
    Case { method: "GET", path: PRESENCE, why: "a user sharing no room", on: On::Fixture, params: &[("id", Id::Loner)], query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    Case { method: "GET", path: PRESENCE, why: "no such user", on: On::Fixture, params: &[("id", Id::Missing)], query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    Case { method: "GET", path: "/api/users/", why: "a search", on: On::Fixture, params: NONE, query: &[("search", Id::Text("a"))], body: Body::Empty,
           expect: &[(Anonymous, 401)] },

    // WebSockets.
    Case { method: "GET", path: "/ws/chat/rooms/{room_id}/", why: "no such room", on: On::Fixture, params: NO_ROOM_ID, query: NONE, body: Body::Empty,
           expect: &[(Owner, 403)] },
    Case { method: "GET", path: "/ws/chat/{user_id}/{other_user_id}/", why: "no such other user", on: On::Fixture, 
           params: &[("user_id", Id::Owner), ("other_user_id", Id::Missing)], query: NONE, body: Body::Empty, expect: &[(Owner, 404)] },

    // Seed 000: permission before validation, a group's members as in the main routes.
    Case { method: "PUT", path: LEGACY_ROOM, why: "no participants", on: On::Fixture, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|_| json!({})), expect: &[(Outsider, 403)] },
    Case { method: "PUT", path: LEGACY_ROOM, why: "removing another participant", on: On::ThirdParticipant, params: ID_IS_ROOM, query: NONE,
           body: Body::Json(|f| json!({"participant1": f.owner, "participant2": f.participant})),
           expect: &every_signed_in(403, 403, 200) },
    Case { method: "PUT", path: LEGACY_ROOM, why: "no such room", on: On::Fixture, params: NO_ID, query: NONE,
           body: Body::Json(|f| json!({"participant1": f.owner, "participant2": f.participant})), expect: &[(Owner, 404)] },
    Case { method: "DELETE", path: LEGACY_ROOM, why: "no such room", on: On::Fixture, params: NO_ID, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },
    Case { method: "POST", path: "/messages/create", why: "no such room", on: On::Fixture, params: NONE, query: NONE,
           body: Body::Json(|_| json!({"chat_room": MISSING, "content": "hi"})), expect: &[(Owner, 404)] },
    Case { method: "GET", path: "/messages/", why: "no such room", on: On::Fixture, params: NONE, query: &[("chat_room", Id::Missing)],
           body: Body::Empty, expect: &[(Owner, 404)] },
    Case { method: "PUT", path: LEGACY_MESSAGE, why: "a form", on: On::Fixture, params: ID_IS_MESSAGE, query: NONE,
           body: Body::Raw(FORM, "content=bob%27s+words"), expect: &[(Participant, 403)] },
    Case { method: "PUT", path: LEGACY_MESSAGE, why: "no such message", on: On::Fixture, params: NO_ID, query: NONE,
           body: Body::Json(|_| json!({"content": "hi"})), expect: &[(Owner, 404)] },
    Case { method: "DELETE", path: LEGACY_MESSAGE, why: "no such message", on: On::Fixture, params: NO_ID, query: NONE, body: Body::Empty,
           expect: &[(Owner, 404)] },

    // Seed 002's REST messages.
    Case { method: "GET", path: SEED_002_MESSAGES, why: "no such room", on: On::Fixture, params: &[("chat_room_id", Id::Missing)], query: NONE,
           body: Body::Empty, expect: &[(Outsider, 403)] },
    Case { method: "POST", path: SEED_002_MESSAGES, why: "no such room", on: On::Fixture, params: &[("chat_room_id", Id::Missing)], query: NONE,
           body: Body::Json(|_| json!({"content": "let me in"})), expect: &[(Outsider, 403)] },
    Case { method: "POST", path: SEED_002_MESSAGES, why: "no content", on: On::Fixture, params: &[("chat_room_id", Id::Room)], query: NONE,
           body: Body::Json(|_| json!({})), expect: &[(Outsider, 403)] },
    Case { method: "POST", path: SEED_002_MESSAGES, why: "no such room and no content", on: On::Fixture, params: &[("chat_room_id", Id::Missing)],
           query: NONE, body: Body::Json(|_| json!({})), expect: &[(Outsider, 403)] },
];

/// What one row or case is run against: fresh for every call, so a delete or an edit never
/// shows in another call.
struct Fixture {
    room: i64,
    message: i64,
    owner: i64,
    participant: i64,
    invitation: Option<i64>,
    /// A user in no fixture room, to invite.
    spare: i64,
    loner: i64,
    /// For the cases: another room of the owner and the participant, and its message
    /// ([`Id::ForeignMessage`]).
    elsewhere: Option<(i64, i64)>,
    /// Unique per fixture, for what must not repeat (usernames).
    serial: usize,
}

impl Fixture {
    fn foreign_message(&self) -> i64 {
        self.elsewhere.expect("a case's fixture").1
    }

    fn id(&self, id: Id, caller: i64) -> String {
        match id {
            Id::Room => self.room.to_string(),
            Id::Message => self.message.to_string(),
            Id::Owner => self.owner.to_string(),
            Id::Participant => self.participant.to_string(),
            Id::Invitation => self
                .invitation
                .expect("a fixture with an invitation")
                .to_string(),
            Id::Emoji => REACTION.to_owned(),
            Id::Word => "fixture".to_owned(),
            Id::Caller => caller.to_string(),
            Id::Loner => self.loner.to_string(),
            Id::ForeignMessage => self.foreign_message().to_string(),
            Id::Missing => MISSING.to_string(),
            Id::Text(text) => text.to_owned(),
        }
    }
}

struct Users {
    owner: User,
    participant: User,
    outsider: User,
    spare: User,
    loner: User,
}

impl Users {
    fn token(&self, caller: Caller) -> Option<&str> {
        match caller {
            Caller::Anonymous => None,
            Caller::NotAToken => Some(NOT_A_TOKEN),
            Caller::Outsider => Some(&self.outsider.access),
            Caller::Participant => Some(&self.participant.access),
            Caller::Owner => Some(&self.owner.access),
        }
    }

    /// The caller's user id; the owner's for those without a valid token.
    fn id(&self, caller: Caller) -> i64 {
        match caller {
            Caller::Outsider => self.outsider.id,
            Caller::Participant => self.participant.id,
            Caller::Anonymous | Caller::NotAToken | Caller::Owner => self.owner.id,
        }
    }
}

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Every operation of the checked-in spec, by (METHOD, path).
fn spec_operations() -> BTreeMap<(String, String), Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml is readable");
    let spec: Value = serde_yaml::from_str(&text).expect("openapi.yaml parses");
    let mut operations = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if HTTP_METHODS.contains(&method.as_str()) {
                operations.insert((method.to_uppercase(), path.clone()), operation.clone());
            }
        }
    }
    operations
}

fn name(operation: &Value, method: &str, path: &str) -> String {
    let id = operation["operationId"]
        .as_str()
        .unwrap_or("(no operationId)");
    format!("{id} ({method} {path})")
}

fn is_websocket(operation: &Value) -> bool {
    operation.get("x-dropshot-websocket").is_some()
}

/// The `{name}`s of a path template.
fn placeholders(path: &str) -> BTreeSet<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// A row or a case, as it is run.
struct Check<'a> {
    method: &'a str,
    path: &'a str,
    /// Empty for a row.
    why: &'a str,
    on: On,
    params: &'a [(&'a str, Id)],
    query: &'a [(&'a str, Id)],
    body: &'a Body,
    expect: Vec<(Caller, u16)>,
}

impl Check<'_> {
    fn from_row(row: &Row) -> Check<'_> {
        let mut expect: Vec<(Caller, u16)> = CALLERS.into_iter().zip(row.expect).collect();
        expect.push((Caller::NotAToken, row.expect[0]));
        Check {
            method: row.method,
            path: row.path,
            why: "",
            on: On::Fixture,
            params: row.params,
            query: row.query,
            body: &row.body,
            expect,
        }
    }

    fn from_case(case: &Case) -> Check<'_> {
        Check {
            method: case.method,
            path: case.path,
            why: case.why,
            on: case.on,
            params: case.params,
            query: case.query,
            body: &case.body,
            expect: case.expect.to_vec(),
        }
    }

    fn label(&self, operation: &Value) -> String {
        let op = name(operation, self.method, self.path);
        if self.why.is_empty() {
            op
        } else {
            format!("{op} [{}]", self.why)
        }
    }
}

/// Disagreements between the tables and the spec, without calling the server.
fn table_problems(operations: &BTreeMap<(String, String), Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rows = BTreeSet::new();
    for row in ROWS {
        if !rows.insert((row.method.to_owned(), row.path.to_owned())) {
            problems.push(format!("{} {}: two rows", row.method, row.path));
        }
    }
    for (method, path) in operations.keys() {
        if !rows.contains(&(method.clone(), path.clone())) {
            problems.push(format!(
                "{}: in openapi.yaml, but the authorization matrix has no row for it",
                name(&operations[&(method.clone(), path.clone())], method, path)
            ));
        }
    }
    let mut cases = BTreeSet::new();
    for case in CASES {
        if !cases.insert((case.method, case.path, case.why)) {
            problems.push(format!(
                "{} {} [{}]: two cases",
                case.method, case.path, case.why
            ));
        }
        if case.on == On::OneToOne
            && case
                .params
                .iter()
                .any(|(_, id)| matches!(id, Id::Invitation))
        {
            problems.push(format!(
                "{} {} [{}]: a ONE_TO_ONE room has no invitation",
                case.method, case.path, case.why
            ));
        }
    }
    let checks = ROWS
        .iter()
        .map(Check::from_row)
        .chain(CASES.iter().map(Check::from_case));
    for check in checks {
        let Some(operation) = operations.get(&(check.method.to_owned(), check.path.to_owned()))
        else {
            problems.push(format!(
                "{} {}: in the matrix, but openapi.yaml has no such operation",
                check.method, check.path
            ));
            continue;
        };
        let op = check.label(operation);
        let documented = operation["responses"].as_object().expect("responses");
        let secured = operation.get("security").is_some();
        for (caller, status) in &check.expect {
            if !documented.contains_key(&status.to_string()) {
                problems.push(format!(
                    "{op}: expects {status} for {caller:?}, a status the spec does not document"
                ));
            }
            if matches!(caller, Caller::Anonymous) && secured != (*status == 401) {
                problems.push(format!(
                    "{op}: the spec says secured = {secured}, the matrix expects {status} for anonymous"
                ));
            }
        }
        let filled: BTreeSet<&str> = check.params.iter().map(|(name, _)| *name).collect();
        if filled != placeholders(check.path) {
            problems.push(format!(
                "{op}: fills {filled:?}, the path has other parameters"
            ));
        }
        let declared = |name: &str| {
            operation["parameters"].as_array().is_some_and(|all| {
                all.iter()
                    .any(|p| p["in"] == "query" && p["name"].as_str() == Some(name))
            })
        };
        for (query, _) in check.query {
            if !declared(query) {
                problems.push(format!("{op}: query parameter {query} is not in the spec"));
            }
        }
    }
    problems
}

/// A status, a JSON body and the headers a refusal is judged by, from HTTP or a handshake.
struct Outcome {
    status: u16,
    body: Value,
    challenge: Option<String>,
    content_type: Option<String>,
}

/// `user` reacts 👍 to `message`.
async fn react(app: &TestApp, user: &User, room: i64, message: i64) {
    let reacted = app
        .post(
            &format!("/api/chat/rooms/{room}/messages/{message}/reactions/"),
            Some(&user.access),
            json!({"emoji": "👍"}),
        )
        .await;
    assert_eq!(reacted.status, 201, "{reacted:?}");
}

async fn invite(app: &TestApp, by: &User, room: i64, user: &User) -> i64 {
    let invited = app
        .post(
            &format!("/api/chat/rooms/{room}/invitations/"),
            Some(&by.access),
            json!({"user_id": user.id}),
        )
        .await;
    assert_eq!(invited.status, 201, "{invited:?}");
    invited.body["id"].as_i64().expect("invitation id")
}

async fn fixture(app: &TestApp, users: &Users, check: &Check<'_>, serial: usize) -> Fixture {
    let on = check.on;
    let room_type = match on {
        On::Course => "COURSE",
        On::OneToOne => "ONE_TO_ONE",
        _ => "GROUP",
    };
    let mut members = vec![&users.participant];
    if on == On::ThirdParticipant {
        members.push(&users.spare);
    }
    let room = app.room(&users.owner, room_type, &members).await;
    let sender = match on {
        On::ParticipantsMessage => &users.participant,
        _ => &users.owner,
    };
    let message = app.message(sender, room, "fixture").await;
    for user in [&users.owner, &users.participant] {
        react(app, user, room, message).await;
    }
    // Only the cases name it: the rows, run most often, go without.
    let elsewhere = match check.why.is_empty() {
        true => None,
        false => {
            let other_room = app.room(&users.owner, "GROUP", &[&users.participant]).await;
            let foreign_message = app.message(&users.owner, other_room, "elsewhere").await;
            for user in [&users.owner, &users.participant] {
                react(app, user, other_room, foreign_message).await;
            }
            Some((other_room, foreign_message))
        }
    };
    let invitation = match on {
        On::OneToOne => None,
        On::InvitedByParticipant => {
            Some(invite(app, &users.participant, room, &users.outsider).await)
        }
        On::SpareInvited => Some(invite(app, &users.owner, room, &users.spare).await),
        _ => Some(invite(app, &users.owner, room, &users.outsider).await),
    };
    Fixture {
        room,
        message,
        owner: users.owner.id,
        participant: users.participant.id,
        invitation,
        spare: users.spare.id,
        loner: users.loner.id,
        elsewhere,
        serial,
    }
}

/// What the fixture looks like to its users: a refusal must leave it so.
async fn snapshot(app: &TestApp, users: &Users, f: &Fixture) -> Vec<(u16, Value)> {
    let room = |id: i64| format!("/api/chat/rooms/{id}/?messages_limit=50");
    let mut reads = vec![
        (room(f.room), &users.owner),
        (room(f.room), &users.participant),
        (
            format!("/api/chat/rooms/{}/invitations/", f.room),
            &users.owner,
        ),
        ("/api/invitations/".to_owned(), &users.outsider),
        ("/api/invitations/".to_owned(), &users.spare),
        ("/api/chat/rooms/?page_size=1".to_owned(), &users.owner),
        (
            "/api/chat/rooms/?page_size=1".to_owned(),
            &users.participant,
        ),
    ];
    if let Some((other_room, _)) = f.elsewhere {
        reads.push((room(other_room), &users.owner));
    }
    join_all(reads.iter().map(|(path, user)| async move {
        let reply = app.get(path, Some(&user.access)).await;
        // A room list's first room: only the count tells whether one was added.
        let body = if path.contains("page_size") {
            reply.body["count"].clone()
        } else {
            reply.body
        };
        (reply.status, body)
    }))
    .await
}

async fn unused_refresh(app: &TestApp) -> String {
    let pair = app
        .post(
            "/api/token/",
            None,
            json!({"username": "owner", "password": "password123"}),
        )
        .await;
    assert_eq!(pair.status, 200, "{pair:?}");
    pair.body["refresh"].as_str().expect("refresh").to_owned()
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn call(
    app: &TestApp,
    check: &Check<'_>,
    websocket: bool,
    fixture: &Fixture,
    token: Option<&str>,
    caller_id: i64,
) -> Result<Outcome, String> {
    let mut url = check.path.to_owned();
    for (name, id) in check.params {
        url = url.replace(&format!("{{{name}}}"), &fixture.id(*id, caller_id));
    }
    let query: Vec<String> = check
        .query
        .iter()
        .map(|(name, id)| format!("{name}={}", fixture.id(*id, caller_id)))
        .collect();
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    if websocket {
        return match try_connect(app, &url, token).await {
            Ok(mut socket) => {
                let _ = socket.close(None).await;
                Ok(Outcome {
                    status: 101,
                    body: Value::Null,
                    challenge: None,
                    content_type: None,
                })
            }
            Err(WsError::Http(response)) => Ok(Outcome {
                status: response.status().as_u16(),
                body: response
                    .body()
                    .as_deref()
                    .and_then(|bytes| serde_json::from_slice(bytes).ok())
                    .unwrap_or(Value::Null),
                challenge: header(response.headers(), "www-authenticate"),
                content_type: header(response.headers(), "content-type"),
            }),
            Err(other) => Err(format!("handshake of {url} failed: {other}")),
        };
    }
    let method = Method::from_bytes(check.method.as_bytes()).expect("method");
    let reply = match check.body {
        Body::Empty => app.call(method, &url, token, None).await,
        Body::Json(build) => app.call(method, &url, token, Some(build(fixture))).await,
        Body::UnusedRefresh => {
            let body = json!({"refresh": unused_refresh(app).await});
            app.call(method, &url, token, Some(body)).await
        }
        Body::Raw(content_type, text) => {
            let mut request = app
                .client
                .request(method, app.url(&url))
                .header("content-type", *content_type)
                .body(*text);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            Reply::from(request.send().await.expect("request sent")).await
        }
    };
    Ok(Outcome {
        status: reply.status,
        challenge: header(&reply.headers, "www-authenticate"),
        content_type: header(&reply.headers, "content-type"),
        body: reply.body,
    })
}

/// The body an authorization refusal must have, in the error shape the spec gives it.
fn refusal_body(operation: &Value, status: u16, caller: Caller) -> Option<Value> {
    let text = match (status, caller) {
        (401, Caller::NotAToken) => TOKEN_NOT_VALID,
        (401, _) => NO_CREDENTIALS,
        (403, _) => FORBIDDEN,
        (404, _) => NOT_FOUND,
        _ => return None,
    };
    let schema = &operation["responses"][status.to_string()]["content"]["application/json; charset=utf-8"]
        ["schema"]["$ref"];
    Some(
        match (schema == "#/components/schemas/LegacyError", caller) {
            (true, _) => json!({"error": text, "status": status}),
            (false, Caller::NotAToken) => json!({"detail": text, "code": "token_not_valid"}),
            (false, _) => detail(text),
        },
    )
}

/// What is wrong with `outcome` as the answer `expected` to `caller`.
fn judge(operation: &Value, caller: Caller, expected: u16, outcome: &Outcome) -> Option<String> {
    if outcome.status != expected {
        return Some(format!(
            "expected {expected}, got {} {}",
            outcome.status, outcome.body
        ));
    }
    let body = refusal_body(operation, expected, caller)?;
    if outcome.body != body {
        return Some(format!(
            "{expected} with body {}, expected {body}",
            outcome.body
        ));
    }
    if !outcome
        .content_type
        .as_deref()
        .is_some_and(|value| value.starts_with("application/json"))
    {
        return Some(format!(
            "{expected} with Content-Type {:?}",
            outcome.content_type
        ));
    }
    if expected == 401 && outcome.challenge.as_deref() != Some(r#"Bearer realm="api""#) {
        return Some(format!("401 with WWW-Authenticate {:?}", outcome.challenge));
    }
    None
}

#[tokio::test]
async fn every_operation_answers_each_caller_as_the_matrix_says() {
    let operations = spec_operations();
    let mut problems = table_problems(&operations);

    let Some(app) = spawn_app().await else { return };
    let users = Users {
        owner: app.user("owner").await,
        participant: app.user("participant").await,
        outsider: app.user("outsider").await,
        spare: app.user("spare").await,
        loner: app.user("loner").await,
    };
    // The rows first: their last one makes the outsider a room-mate of the owner.
    let checks: Vec<Check> = ROWS
        .iter()
        .map(Check::from_row)
        .chain(CASES.iter().map(Check::from_case))
        .collect();
    let mut calls = 0;
    for check in &checks {
        let Some(operation) = operations.get(&(check.method.to_owned(), check.path.to_owned()))
        else {
            continue;
        };
        let op = check.label(operation);
        for &(caller, expected) in &check.expect {
            calls += 1;
            let fixture = fixture(&app, &users, check, calls).await;
            // A plain GET cannot change anything; a handshake may (seed 002's creates a room).
            let may_write = check.method != "GET" || is_websocket(operation);
            let before = match may_write && matches!(expected, 401 | 403 | 404) {
                true => Some(snapshot(&app, &users, &fixture).await),
                false => None,
            };
            let token = users.token(caller);
            let outcome = call(
                &app,
                check,
                is_websocket(operation),
                &fixture,
                token,
                users.id(caller),
            )
            .await;
            match outcome {
                Err(failure) => problems.push(format!("{op} as {caller:?}: {failure}")),
                Ok(outcome) => {
                    if let Some(problem) = judge(operation, caller, expected, &outcome) {
                        problems.push(format!("{op} as {caller:?}: {problem}"));
                    } else if let Some(before) = before
                        && snapshot(&app, &users, &fixture).await != before
                    {
                        problems.push(format!(
                            "{op} as {caller:?}: the refusal changed the fixture"
                        ));
                    }
                }
            }
            if check.on == On::OneToOne {
                // The pair has one such room: the next fixture needs it gone.
                app.delete(
                    &format!("/api/chat/rooms/{}/", fixture.room),
                    Some(&users.owner.access),
                )
                .await;
            }
        }
    }
    assert!(
        problems.is_empty(),
        "authorization matrix ({} rows × {} callers, {} cases; {calls} calls):\n  {}",
        ROWS.len(),
        CALLERS.len() + 1,
        CASES.len(),
        problems.join("\n  ")
    );
}
