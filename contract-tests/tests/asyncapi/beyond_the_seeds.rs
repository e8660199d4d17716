//! The live scenario of the events beyond the seeds (README "Beyond the seeds"): replies sent
//! as actions, `read`, `reaction.added` and `reaction.removed` on every channel of a room,
//! `presence` on every channel of a room-mate, and the `invitation.*` events on the invitee's
//! and the inviter's every-room sockets.

use std::sync::{Arc, Mutex};

use contract_tests::Server;
use serde_json::{Value, json};

use super::log::Log;
use super::rest::{Rest, User};
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
/// online, alice invites him to a room three times: he declines, she revokes, he accepts
/// (and joins: `member.added` with `by` himself). Both their every-room sockets hear every
/// `invitation.*`.
async fn presence_and_invitations(
    server: &Server,
    rest: &Rest,
    log: &Arc<Mutex<Log>>,
    cast: &Cast,
    sockets: &mut Sockets,
) {
    let carol = &cast.carol;
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

    invitations(
        server,
        rest,
        log,
        cast,
        &dave,
        &mut d_all,
        &mut sockets.b_all,
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

/// Alice invites dave to a new room of hers and bob's: declined, revoked, then accepted.
async fn invitations(
    server: &Server,
    rest: &Rest,
    log: &Arc<Mutex<Log>>,
    cast: &Cast,
    dave: &User,
    d_all: &mut Client,
    b_all: &mut Client,
) {
    let (alice, bob) = (&cast.alice, &cast.bob);
    let club = rest.room(alice, "club", &[bob.id]).await;
    let mut a_all = Client::open(
        server,
        log,
        ALL_ROOMS,
        "/ws/chat/",
        Auth::Header(&alice.token),
    )
    .await;
    let invite = move || async move {
        let (invitation, echoed) = rest
            .call_echoed(
                "POST",
                &format!("/api/chat/rooms/{club}/invitations/"),
                alice,
                json!({"user_id": dave.id}),
            )
            .await;
        (invitation["id"].as_i64().expect("invitation id"), echoed)
    };
    let (first, echoed) = invite().await;
    // `status` is the invitation's after the change (`pending` for a revoked one: it went
    // as it was).
    let hear = move |ty: &'static str, id: i64, status: &'static str| {
        move |f: &Value| {
            f["type"] == ty
                && f["invitation"]["id"] == id
                && f["invitation"]["invitee_id"] == dave.id
                && f["invitation"]["inviter_id"] == alice.id
                && f["invitation"]["status"] == status
        }
    };
    for socket in [&mut *d_all, &mut a_all] {
        let heard = socket
            .expect(
                "invitation.created",
                hear("invitation.created", first, "pending"),
            )
            .await;
        assert_eq!(
            heard["position"].as_i64(),
            echoed,
            "X-Event-Position: {heard}"
        );
    }
    rest.call(
        "POST",
        &format!("/api/invitations/{first}/decline/"),
        dave,
        Value::Null,
    )
    .await;
    for socket in [&mut *d_all, &mut a_all] {
        socket
            .expect(
                "invitation.declined",
                hear("invitation.declined", first, "declined"),
            )
            .await;
    }

    let (second, _) = invite().await;
    rest.call(
        "DELETE",
        &format!("/api/chat/rooms/{club}/invitations/{second}/"),
        alice,
        Value::Null,
    )
    .await;
    for socket in [&mut *d_all, &mut a_all] {
        socket
            .expect(
                "invitation.created",
                hear("invitation.created", second, "pending"),
            )
            .await;
        socket
            .expect(
                "invitation.revoked",
                hear("invitation.revoked", second, "pending"),
            )
            .await;
    }

    let (third, _) = invite().await;
    rest.call(
        "POST",
        &format!("/api/invitations/{third}/accept/"),
        dave,
        Value::Null,
    )
    .await;
    for socket in [&mut *d_all, &mut a_all] {
        socket
            .expect(
                "invitation.accepted",
                hear("invitation.accepted", third, "accepted"),
            )
            .await;
    }
    // The room's participants hear dave join, and so does dave.
    for socket in [&mut *d_all, &mut a_all, &mut *b_all] {
        socket
            .expect("member.added", |f| {
                f["chat_room"] == club
                    && f["user_id"] == dave.id
                    && f["by"] == dave.id
                    && f["room"]["participants"]
                        .as_array()
                        .is_some_and(|p| p.contains(&json!(dave.id)))
            })
            .await;
    }
    // Invitations are for the invitee and the inviter alone.
    b_all
        .refute("invitation.accepted", |f| f["invitation"]["id"] == third)
        .await;
    a_all.drain().await;
}
