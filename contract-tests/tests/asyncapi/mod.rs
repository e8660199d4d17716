//! The WebSocket protocol against `asyncapi.yaml`.
//!
//! - The document is sane and agrees with the server's source: its three channels, their
//!   parameters and authentication, every event `type`, error `code`, action and close code
//!   the server can produce, and `message.created`/`message.updated` carrying openapi.yaml's
//!   own `Message` schema by reference.
//! - Its examples match their own schemas.
//! - Against the real server binary, every event and every error code that can be provoked is
//!   provoked on every channel that declares it (`throttled` on a second server with a low message throttle);
//!   every text frame the server sends is validated against the message its `type` names on
//!   that channel, every action the test sends against the channel's action schemas (and the
//!   deliberately malformed ones must match none), and every declared message must have been
//!   seen.

mod all_rooms_channel;
mod beyond_the_seeds;
mod direct_channel;
mod document;
mod drift;
mod handshake_and_close;
mod log;
mod rest;
mod room_channel;
mod socket;
mod throttle;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use contract_tests::Server;
use contract_tests::asyncapi::AsyncApi;
use serde_json::Value;

use self::drift::the_check_catches_drift;
use self::log::{Log, check_log};
use self::rest::{Rest, User};
use self::socket::{Auth, Client};

const ROOM: &str = "/ws/chat/rooms/{room_id}/";
const ALL_ROOMS: &str = "/ws/chat/";
const DIRECT: &str = "/ws/chat/{user_id}/{other_user_id}/";
const CHANNELS: [&str; 3] = [ROOM, ALL_ROOMS, DIRECT];

/// Every `type` the server's `Event` (server/src/realtime/events.rs) serialises.
const EVENT_TYPES: [&str; 11] = [
    "message.created",
    "message.updated",
    "message.deleted",
    "typing",
    "read",
    "reaction.added",
    "reaction.removed",
    "presence",
    "invitation.created",
    "error",
    "resync",
];
/// Events only some channels carry: (type, its channels). `invitation.created` goes to the
/// invitee's every-room sockets only (they are not in the room yet).
const CHANNEL_EVENTS: [(&str, &[&str]); 1] = [("invitation.created", &[ALL_ROOMS])];

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
/// Declared events no scenario against one server can provoke, and why.
const UNREACHABLE_EVENTS: [(&str, &str); 1] = [(
    "resync",
    "sent only by the PostgreSQL bus (server/src/realtime/pg_bus.rs) when its LISTEN \
     connection was lost or a broadcast could not be published; its tests provoke both",
)];
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
const CLOSINGS: [(u16, &str); 7] = [
    (1000, "room deleted"),
    (1001, "server shutting down"),
    (1001, "no pong"),
    (1002, "protocol error"),
    (1008, "slow consumer"),
    (1008, "not a participant"),
    (1009, "frame too large"),
];
const MESSAGE_REF: &str = "./openapi.yaml#/components/schemas/Message";

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

    handshake_and_close::refusals(&server, &alice, &bob, &carol, room).await;

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
    handshake_and_close::close_frames(&server, &rest, &log, &cast, &mut sockets).await;

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
}

fn assert_field_error(frame: &Value, field: &str) {
    assert!(
        frame["errors"][field].is_array(),
        "expected `errors.{field}` in {frame}"
    );
}
