//! The WebSocket protocol against `asyncapi.yaml`.
//!
//! - The document is sane and agrees with the server's source: its three channels, their
//!   parameters (`since` included) and authentication, every event `type` (stored ones with a
//!   `position`, ephemeral ones without), error `code`, action and close code the server can
//!   produce, and the events carrying openapi.yaml's own `Message`, `Room` and `Invitation`
//!   schemas by reference.
//! - Its examples match their own schemas.
//! - Against the real server binary, every event and every error code that can be provoked is
//!   provoked on every channel that declares it (`throttled` on a second server with a low
//!   message throttle, `resync` on a third that keeps events for about a second); every text
//!   frame the server sends is validated against the message its `type` names on that
//!   channel, every action the test sends against the channel's action schemas (and the
//!   deliberately malformed ones must match none), and every declared message must have been
//!   seen. On every socket the positions of stored events strictly increase, and one position
//!   is one frame, byte for byte, on every socket (live or replayed).

mod all_rooms_channel;
mod beyond_the_seeds;
mod direct_channel;
mod document;
mod drift;
mod handshake_and_close;
mod log;
mod rest;
mod resync;
mod room_channel;
mod socket;
mod stream;
mod throttle;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use contract_tests::Server;
use contract_tests::asyncapi::AsyncApi;
use serde_json::Value;

use self::drift::{the_check_catches_drift, the_stream_check_catches_disorder};
use self::log::{Log, check_log};
use self::rest::{Rest, User};
use self::socket::{Auth, Client};

const ROOM: &str = "/ws/chat/rooms/{room_id}/";
const ALL_ROOMS: &str = "/ws/chat/";
const DIRECT: &str = "/ws/chat/{user_id}/{other_user_id}/";
const CHANNELS: [&str; 3] = [ROOM, ALL_ROOMS, DIRECT];

/// Every `type` the server sends: the stored events (`Stored`, server/src/domain/events.rs),
/// then the ephemeral ones (`Event`, server/src/realtime/events.rs).
const EVENT_TYPES: [&str; 19] = [
    "message.created",
    "message.updated",
    "message.deleted",
    "reaction.added",
    "reaction.removed",
    "read",
    "room.created",
    "room.updated",
    "room.deleted",
    "member.added",
    "member.removed",
    "invitation.created",
    "invitation.accepted",
    "invitation.declined",
    "invitation.revoked",
    "typing",
    "presence",
    "error",
    "resync",
];
/// The events that are never stored: no `position` (but `resync`'s, the newest), never
/// replayed.
const EPHEMERAL_EVENTS: [&str; 4] = ["typing", "presence", "error", "resync"];
/// The one stored event whose `position` may be missing: the answer to a retried
/// `new_message`, to the sender only, stores nothing.
const UNPOSITIONED_ANSWER: &str = "message.created";
/// Events only some channels carry: (type, its channels). Invitations go to the invitee's
/// and the inviter's every-room sockets only (the invitee is not in the room yet); a
/// ONE_TO_ONE room keeps its pair, so the seed 002 route hears no `member.*`.
const CHANNEL_EVENTS: [(&str, &[&str]); 6] = [
    ("member.added", &[ROOM, ALL_ROOMS]),
    ("member.removed", &[ROOM, ALL_ROOMS]),
    ("invitation.created", &[ALL_ROOMS]),
    ("invitation.accepted", &[ALL_ROOMS]),
    ("invitation.declined", &[ALL_ROOMS]),
    ("invitation.revoked", &[ALL_ROOMS]),
];

/// Whether events of type `ty` are stored (and carry a position).
fn is_stored(ty: &str) -> bool {
    EVENT_TYPES.contains(&ty) && !EPHEMERAL_EVENTS.contains(&ty)
}

/// The event types the server sends on `channel`.
fn event_types(channel: &str) -> std::collections::BTreeSet<&'static str> {
    EVENT_TYPES
        .into_iter()
        .filter(|ty| {
            CHANNEL_EVENTS
                .iter()
                .find(|(only, _)| only == ty)
                .is_none_or(|(_, channels)| channels.contains(&channel))
        })
        .collect()
}
/// Declared events no scenario can provoke, and why (none: `resync` has a server of its own
/// that keeps events for about a second).
const UNREACHABLE_EVENTS: [(&str, &str); 0] = [];
/// Every `code` of an `error` event (events.rs `from_api_error`, `Action::parse`, connection.rs).
const ERROR_CODES: [&str; 9] = [
    "parse_error",
    "unknown_action",
    "invalid",
    "permission_denied",
    "not_found",
    "conflict",
    "throttled",
    "unavailable",
    "error",
];
/// Declared codes no frame sent to a correct server can provoke today, and why.
const UNREACHABLE_CODES: [(&str, &str); 3] = [
    (
        "not_found",
        "the REST 404 (ApiError::NotFound): no action names a message or a user to look up, \
         and a room the caller cannot see is permission_denied",
    ),
    (
        "unavailable",
        "the REST 503 (ApiError::Unavailable): the database cannot store the message (disk \
         full, read-only); no frame can do that to it. contract-tests/tests/durability \
         provokes the REST 503 on a tmpfs",
    ),
    (
        "error",
        "an unexpected server failure (REST 500); no frame can cause one",
    ),
];
/// The actions `Action::parse` accepts.
const ACTIONS: [&str; 2] = ["new_message", "typing"];
/// Every close frame the server sends (realtime/hub.rs, realtime/connection.rs).
const CLOSINGS: [(u16, &str); 8] = [
    (1000, "room deleted"),
    (1001, "server shutting down"),
    (1001, "no pong"),
    (1002, "protocol error"),
    (1008, "slow consumer"),
    (1008, "not a participant"),
    (1009, "frame too large"),
    (1011, "try again later"),
];
const MESSAGE_REF: &str = "./openapi.yaml#/components/schemas/Message";
const ROOM_REF: &str = "./openapi.yaml#/components/schemas/Room";
const INVITATION_REF: &str = "./openapi.yaml#/components/schemas/Invitation";

/// How long a test waits for a frame that should come.
const PATIENCE: Duration = Duration::from_secs(5);
/// How long a socket must stay silent to count as drained.
const QUIET: Duration = Duration::from_millis(300);

/// The users and rooms of the live scenario.
struct Cast {
    alice: User,
    bob: User,
    carol: User,
    /// A GROUP room of alice and bob.
    room: i64,
    /// Another GROUP room of alice and bob.
    other_room: i64,
    /// The ONE_TO_ONE room of alice and bob.
    direct: i64,
}

/// The sockets of the live scenario, each named for its user and channel.
struct Sockets {
    a_room: Client,
    b_room: Client,
    b_all: Client,
    c_all: Client,
    a_direct: Client,
    b_direct: Client,
}

#[tokio::test]
async fn every_frame_the_server_sends_matches_asyncapi() {
    let spec = AsyncApi::load();
    let server = Server::start();
    let rest = Rest::new(&server.base);
    let log = Arc::new(Mutex::new(Log::default()));

    let alice = rest.user("alice").await;
    let bob = rest.user("bob").await;
    let carol = rest.user("carol").await;
    let room = rest.room(&alice, "general", &[bob.id]).await;
    let other_room = rest.room(&alice, "random", &[bob.id]).await;

    handshake_and_close::refusals(&server, &rest, &alice, &bob, &carol, room).await;

    let a_room = Client::open(
        &server,
        &log,
        ROOM,
        &format!("/ws/chat/rooms/{room}/"),
        Auth::Header(&alice.token),
    )
    .await;
    let b_room = Client::open(
        &server,
        &log,
        ROOM,
        &format!("/ws/chat/rooms/{room}/"),
        Auth::Query(&bob.token),
    )
    .await;
    let b_all = Client::open(
        &server,
        &log,
        ALL_ROOMS,
        "/ws/chat/",
        Auth::Header(&bob.token),
    )
    .await;
    let c_all = Client::open(
        &server,
        &log,
        ALL_ROOMS,
        "/ws/chat/",
        Auth::Query(&carol.token),
    )
    .await;
    let a_direct = Client::open(
        &server,
        &log,
        DIRECT,
        &format!("/ws/chat/{}/{}/", alice.id, bob.id),
        Auth::Header(&alice.token),
    )
    .await;
    let b_direct = Client::open(
        &server,
        &log,
        DIRECT,
        &format!("/ws/chat/{}/{}/", bob.id, alice.id),
        Auth::Query(&bob.token),
    )
    .await;
    let direct = rest.direct_room(&alice, bob.id).await;
    let cast = Cast {
        alice,
        bob,
        carol,
        room,
        other_room,
        direct,
    };
    let mut sockets = Sockets {
        a_room,
        b_room,
        b_all,
        c_all,
        a_direct,
        b_direct,
    };

    room_channel::rest_changes(&rest, &cast, &mut sockets).await;
    room_channel::one_room_socket(&cast, &mut sockets).await;
    all_rooms_channel::every_room_socket(&cast, &mut sockets).await;
    direct_channel::direct_socket(&rest, &cast, &mut sockets).await;
    beyond_the_seeds::beyond_the_seeds(&server, &rest, &log, &cast, &mut sockets).await;
    stream::room_life(&server, &rest, &log, &cast, &mut sockets).await;
    stream::direct_room_life(&server, &rest, &log, &cast).await;
    handshake_and_close::close_frames(&server, &rest, &log, &cast, &mut sockets).await;
    stream::resume(&server, &log, &cast, &mut sockets).await;

    // Whatever else is still on its way is recorded too.
    for socket in [
        &mut sockets.a_room,
        &mut sockets.b_room,
        &mut sockets.b_all,
        &mut sockets.c_all,
        &mut sockets.a_direct,
        &mut sockets.b_direct,
    ] {
        socket.drain().await;
    }
    drop(server);
    throttle::throttled_on_every_channel(&log).await;
    resync::resync_on_every_channel(&log).await;

    let log = log.lock().unwrap_or_else(|e| e.into_inner());
    let report = check_log(&spec, &log);
    println!("{}", report.summary);
    assert!(
        report.failures.is_empty(),
        "{} problem(s):\n\n{}\n\n{}",
        report.failures.len(),
        report.failures.join("\n"),
        report.summary
    );
    the_check_catches_drift(&spec, &log);
    the_stream_check_catches_disorder(&spec, &log);
}

fn assert_field_error(frame: &Value, field: &str) {
    assert!(
        frame["errors"][field].is_array(),
        "expected `errors.{field}` in {frame}"
    );
}
