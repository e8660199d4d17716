//! The live scenario of the events beyond the seeds (README "Beyond the seeds"): replies sent
//! as actions, `read`, `reaction.added` and `reaction.removed` on every channel of a room,
//! `presence` on every channel of a room-mate, and `invitation.created` on the invitee's
//! every-room socket.

use std::sync::{Arc, Mutex};

use contract_tests::Server;
use serde_json::{Value, json};

use super::log::Log;
use super::rest::Rest;
use super::socket::{Auth, Client};
use super::{ALL_ROOMS, Cast, DIRECT, Sockets, assert_field_error};

/// `👍` as it goes in a path.
const THUMBS_UP: &str = "%F0%9F%91%8D";

pub async fn beyond_the_seeds(
    server: &Server,
    rest: &Rest,
    log: &Arc<Mutex<Log>>,
    cast: &Cast,
    sockets: &mut Sockets,
) {
    replies(cast, sockets).await;
    reads_and_reactions(rest, cast, sockets).await;
    presence_and_invitations(server, rest, log, cast, sockets).await;
}

/// `reply_to` in `new_message`, on every channel.
async fn replies(cast: &Cast, sockets: &mut Sockets) {
    let (bob, room, other_room) = (&cast.bob, cast.room, cast.other_room);
    let Sockets {
        a_room,
        b_all,
        a_direct,
        ..
    } = sockets;
    a_room
        .act(json!({"action": "new_message", "message": "A question?"}))
        .await;
    let parent = a_room
        .expect("message.created", |f| {
            f["message"]["content"] == "A question?"
        })
        .await["message"]["id"]
        .clone();
    a_room
        .act(json!({"action": "new_message", "message": "Answering myself", "reply_to": parent}))
        .await;
    a_room
        .expect("message.created", |f| {
            f["message"]["reply_to"] == parent && f["message"]["reply_preview"]["id"] == parent
        })
        .await;
    b_all
        .act(json!({"action": "new_message", "chat_room": room, "message": "An answer", "reply_to": parent}))
        .await;
    b_all
        .expect("message.created", |f| {
            f["message"]["reply_to"] == parent && f["message"]["sender_id"] == bob.id
        })
        .await;
    // A reply to a message of another room is refused; a `reply_to` that is no id is
    // malformed.
    b_all
        .act(json!({"action": "new_message", "chat_room": other_room, "message": "Lost", "reply_to": parent}))
        .await;
    assert_field_error(&b_all.expect_error("invalid").await, "reply_to");
    a_room
        .malformed(json!({"action": "new_message", "message": "x", "reply_to": "abc"}))
        .await;
    assert_field_error(&a_room.expect_error("invalid").await, "reply_to");

    a_direct
        .act(json!({"action": "new_message", "message": "A direct question?"}))
        .await;
    let direct_parent = a_direct
        .expect("message.created", |f| {
            f["message"]["content"] == "A direct question?"
        })
        .await["message"]["id"]
        .clone();
    a_direct
        .act(json!({"action": "new_message", "message": "And its answer", "reply_to": direct_parent}))
        .await;
    a_direct
        .expect("message.created", |f| {
            f["message"]["reply_to"] == direct_parent
        })
        .await;
}

/// Bob reads alice's newest message of a room and reacts to it, then takes the reaction back:
/// `read`, `reaction.added` and `reaction.removed` reach every socket of the room.
async fn reads_and_reactions(rest: &Rest, cast: &Cast, sockets: &mut Sockets) {
    let (alice, bob) = (&cast.alice, &cast.bob);
    let Sockets {
        a_room,
        b_room,
        b_all,
        a_direct,
        b_direct,
        ..
    } = sockets;
    for room in [cast.room, cast.direct] {
        let room_sockets = if room == cast.direct {
            [&mut *a_direct, &mut *b_direct, &mut *b_all]
        } else {
            [&mut *a_room, &mut *b_room, &mut *b_all]
        };
        let posted = rest
            .call(
                "POST",
                &format!("/api/chat/rooms/{room}/messages/"),
                alice,
                json!({"content": "Read me, then react"}),
            )
            .await;
        let id = posted["id"].as_i64().expect("message id");
        rest.call(
            "POST",
            &format!("/api/chat/rooms/{room}/read/"),
            bob,
            json!({"message_id": id}),
        )
        .await;
        let reactions = format!("/api/chat/rooms/{room}/messages/{id}/reactions/");
        rest.call("POST", &reactions, bob, json!({"emoji": "👍"}))
            .await;
        rest.call(
            "DELETE",
            &format!("{reactions}{THUMBS_UP}/"),
            bob,
            Value::Null,
        )
        .await;
        for socket in room_sockets {
            socket
                .expect("read", |f| {
                    f["chat_room"] == room && f["user_id"] == bob.id && f["message_id"] == id
                })
                .await;
            socket
                .expect("reaction.added", |f| {
                    f["message_id"] == id && f["user_id"] == bob.id && f["count"] == 1
                })
                .await;
            socket
                .expect("reaction.removed", |f| {
                    f["message_id"] == id && f["count"] == 0
                })
                .await;
        }
    }
}

/// Dave comes online (his first socket) and goes offline (his last one): carol's sockets of
/// the rooms she shares with him hear both, on the every-room and the direct channel. While
/// online, he is invited to a room: `invitation.created` on his every-room socket.
async fn presence_and_invitations(
    server: &Server,
    rest: &Rest,
    log: &Arc<Mutex<Log>>,
    cast: &Cast,
    sockets: &mut Sockets,
) {
    let (alice, carol) = (&cast.alice, &cast.carol);
    let dave = rest.user("dave").await;
    // Carol's direct socket to dave finds or creates their ONE_TO_ONE room.
    let mut c_direct = Client::open(
        server,
        log,
        DIRECT,
        &format!("/ws/chat/{}/{}/", carol.id, dave.id),
        Auth::Header(&carol.token),
    )
    .await;
    let mut d_all = Client::open(
        server,
        log,
        ALL_ROOMS,
        "/ws/chat/",
        Auth::Query(&dave.token),
    )
    .await;
    let c_all = &mut sockets.c_all;
    for socket in [&mut *c_all, &mut c_direct] {
        socket
            .expect("presence", |f| {
                f["user_id"] == dave.id && f["online"] == true && f["last_seen_at"].is_null()
            })
            .await;
    }

    let invitation = rest
        .call(
            "POST",
            &format!("/api/chat/rooms/{}/invitations/", cast.room),
            alice,
            json!({"user_id": dave.id}),
        )
        .await;
    d_all
        .expect("invitation.created", |f| {
            f["invitation"]["id"] == invitation["id"] && f["invitation"]["invitee_id"] == dave.id
        })
        .await;
    rest.call(
        "POST",
        &format!("/api/invitations/{}/decline/", invitation["id"]),
        &dave,
        Value::Null,
    )
    .await;

    d_all.drain().await;
    drop(d_all);
    for socket in [&mut *c_all, &mut c_direct] {
        socket
            .expect("presence", |f| {
                f["user_id"] == dave.id && f["online"] == false && f["last_seen_at"].is_string()
            })
            .await;
    }
    c_direct.drain().await;
}
