//! The live scenarios of the event stream (API.md "The event stream"): a room's life told by
//! its stored events on every channel that hears it (`room.created`, `room.updated`,
//! `member.added`, `member.removed`, `room.deleted`), `X-Event-Position` on the writes that
//! store them, and resuming with `?since=`: a replay is what went out live, byte for byte.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use contract_tests::Server;
use serde_json::{Value, json};

use super::log::Log;
use super::rest::Rest;
use super::socket::{Auth, Client};
use super::{ALL_ROOMS, Cast, DIRECT, ROOM, Sockets};

/// A GROUP room from its creation: heard live on the every-room sockets of its first
/// participants, replayed on a one-room socket resuming from before it existed; renamed;
/// carol added (she hears the room from then on), then leaving (she hears nothing more). A
/// member who joined later replays nothing from before she joined.
pub async fn room_life(
    server: &Server,
    rest: &Rest,
    log: &Arc<Mutex<Log>>,
    cast: &Cast,
    sockets: &mut Sockets,
) {
    let (alice, bob, carol) = (&cast.alice, &cast.bob, &cast.carol);
    let Sockets { b_all, c_all, .. } = sockets;
    let before = rest.position(alice).await;
    let (created, echoed) = rest
        .call_echoed(
            "POST",
            "/api/chat/rooms/",
            alice,
            json!({"name": "project", "room_type": "GROUP", "participants": [bob.id]}),
        )
        .await;
    let project = created["id"].as_i64().expect("room id");
    let heard = b_all
        .expect("room.created", |f| f["room"]["id"] == project)
        .await;
    assert_echoed(&heard, echoed);
    // The first participants hear no `member.added`.
    b_all
        .refute("member.added", |f| f["chat_room"] == project)
        .await;

    // A one-room socket resuming from before the room existed: its creation comes first.
    let mut a_project = Client::open(
        server,
        log,
        ROOM,
        &format!("/ws/chat/rooms/{project}/?since={before}"),
        Auth::Header(&alice.token),
    )
    .await;
    let replayed = a_project.next_text().await;
    assert!(
        replayed["type"] == "room.created" && replayed["room"]["id"] == project,
        "the replay from before the room begins with its creation: {replayed}"
    );
    let mut b_project = Client::open(
        server,
        log,
        ROOM,
        &format!("/ws/chat/rooms/{project}/"),
        Auth::Query(&bob.token),
    )
    .await;

    let room_path = format!("/api/chat/rooms/{project}/");
    let messages_path = format!("/api/chat/rooms/{project}/messages/");
    let (_, echoed) = rest
        .call_echoed("PATCH", &room_path, alice, json!({"name": "project x"}))
        .await;
    for socket in [&mut a_project, &mut b_project, &mut *b_all] {
        let heard = socket
            .expect("room.updated", |f| {
                f["room"]["id"] == project && f["room"]["name"] == "project x"
            })
            .await;
        assert_echoed(&heard, echoed);
    }
    // The same name again changes nothing: nothing stored, nothing echoed.
    let (_, echoed) = rest
        .call_echoed("PATCH", &room_path, alice, json!({"name": "project x"}))
        .await;
    assert_eq!(echoed, None, "a write that changes nothing stores no event");

    let (_, echoed) = rest
        .call_echoed(
            "PATCH",
            &room_path,
            alice,
            json!({"participants": [bob.id, carol.id]}),
        )
        .await;
    for socket in [&mut a_project, &mut b_project, &mut *b_all, &mut *c_all] {
        let heard = socket
            .expect("member.added", |f| {
                f["chat_room"] == project
                    && f["user_id"] == carol.id
                    && f["by"] == alice.id
                    && f["room"]["participants"]
                        .as_array()
                        .is_some_and(|p| p.contains(&json!(carol.id)))
            })
            .await;
        assert_echoed(&heard, echoed);
    }
    // Carol's every-room socket hears the room from then on...
    rest.call(
        "POST",
        &messages_path,
        bob,
        json!({"content": "Welcome, carol"}),
    )
    .await;
    for socket in [&mut a_project, &mut b_project, &mut *b_all, &mut *c_all] {
        socket
            .expect("message.created", |f| {
                f["message"]["content"] == "Welcome, carol"
            })
            .await;
    }
    // ...until she leaves (a PATCH without herself): she hears that, then nothing more.
    rest.call(
        "PATCH",
        &room_path,
        carol,
        json!({"participants": [alice.id, bob.id]}),
    )
    .await;
    for socket in [&mut a_project, &mut b_project, &mut *b_all, &mut *c_all] {
        socket
            .expect("member.removed", |f| {
                f["chat_room"] == project
                    && f["user_id"] == carol.id
                    && f["by"] == carol.id
                    && f["reason"] == "left"
            })
            .await;
    }
    rest.call(
        "POST",
        &messages_path,
        bob,
        json!({"content": "Bye, carol"}),
    )
    .await;
    for socket in [&mut a_project, &mut b_project, &mut *b_all] {
        socket
            .expect("message.created", |f| {
                f["message"]["content"] == "Bye, carol"
            })
            .await;
    }
    c_all
        .refute("message.created", |f| f["message"]["chat_room"] == project)
        .await;

    // Carol resuming from before the room existed: of this room, only her own span.
    let mut c_again = Client::open(
        server,
        log,
        ALL_ROOMS,
        &format!("/ws/chat/?since={before}"),
        Auth::Header(&carol.token),
    )
    .await;
    let mut of_project = Vec::new();
    loop {
        let frame = c_again.next_text().await;
        if room_of(&frame) == Some(project) {
            of_project.push(frame["type"].as_str().unwrap_or_default().to_owned());
        }
        if frame["type"] == "member.removed" && frame["chat_room"] == project {
            break;
        }
    }
    assert_eq!(
        of_project,
        ["member.added", "message.created", "member.removed"],
        "carol's replay of the room she joined and left"
    );
    c_again
        .refute("message.created", |f| f["message"]["chat_room"] == project)
        .await;

    for socket in [&mut a_project, &mut b_project] {
        socket.drain().await;
    }
}

/// A ONE_TO_ONE room from its creation by a seed 002 socket to its deletion: the socket that
/// created it, resuming from before, hears `room.created` first; finding it again stores
/// nothing; renamed (`room.updated`) and deleted (`room.deleted`, then 1000) on both sides.
pub async fn direct_room_life(server: &Server, rest: &Rest, log: &Arc<Mutex<Log>>, cast: &Cast) {
    let alice = &cast.alice;
    let erin = rest.user("erin").await;
    let before = rest.position(alice).await;
    let mut e_direct = Client::open(
        server,
        log,
        DIRECT,
        &format!("/ws/chat/{}/{}/?since={before}", erin.id, alice.id),
        Auth::Query(&erin.token),
    )
    .await;
    let created = e_direct.next_text().await;
    assert!(
        created["type"] == "room.created" && created["room"]["room_type"] == "ONE_TO_ONE",
        "a direct socket that created its room, resuming from before, hears the creation \
         first: {created}"
    );
    let pair = created["room"]["id"].as_i64().expect("room id");
    let mut a_pair = Client::open(
        server,
        log,
        DIRECT,
        &format!("/ws/chat/{}/{}/?since={before}", alice.id, erin.id),
        Auth::Header(&alice.token),
    )
    .await;
    let replayed = a_pair.next_text().await;
    assert_eq!(
        replayed, created,
        "the pair's room was found again, not created"
    );
    assert_eq!(
        rest.position(alice).await,
        created["position"].as_i64().expect("position"),
        "finding the pair's room again stores nothing"
    );

    let (_, echoed) = rest
        .call_echoed(
            "PATCH",
            &format!("/api/chat/rooms/{pair}/"),
            &erin,
            json!({"name": "erin and alice"}),
        )
        .await;
    for socket in [&mut e_direct, &mut a_pair] {
        let heard = socket
            .expect("room.updated", |f| {
                f["room"]["id"] == pair && f["room"]["name"] == "erin and alice"
            })
            .await;
        assert_echoed(&heard, echoed);
    }
    let (_, echoed) = rest
        .call_echoed(
            "DELETE",
            &format!("/api/chat/rooms/{pair}/"),
            &erin,
            Value::Null,
        )
        .await;
    for socket in [&mut e_direct, &mut a_pair] {
        let heard = socket
            .expect("room.deleted", |f| f["chat_room"] == pair)
            .await;
        assert_echoed(&heard, echoed);
        assert_eq!(
            socket.expect_close().await,
            Some((1000, "room deleted".into()))
        );
    }
}

/// Every long-lived socket of the scenario, replayed from just before the first stored event
/// it heard: a new socket on the same route with `?since=` sends exactly the stored frames the
/// live one received, byte for byte, in the same order (no gap, no duplicate, nothing else),
/// but for the events that held the text of a message deleted since (a deleted message leaves
/// no text behind).
pub async fn resume(server: &Server, log: &Arc<Mutex<Log>>, cast: &Cast, sockets: &mut Sockets) {
    let (alice, bob) = (&cast.alice, &cast.bob);
    let Sockets {
        a_room,
        b_all,
        a_direct,
        ..
    } = sockets;
    let routes = [
        (
            a_room,
            ROOM,
            format!("/ws/chat/rooms/{}/", cast.room),
            Auth::Header(&alice.token),
        ),
        (
            b_all,
            ALL_ROOMS,
            "/ws/chat/".to_owned(),
            Auth::Query(&bob.token),
        ),
        (
            a_direct,
            DIRECT,
            format!("/ws/chat/{}/{}/", alice.id, bob.id),
            Auth::Header(&alice.token),
        ),
    ];
    for (live, channel, path, auth) in routes {
        live.drain().await;
        let heard = live.stored_between(0, i64::MAX);
        let deleted: BTreeSet<i64> = heard
            .iter()
            .map(|(_, text)| parse(text))
            .filter(|frame| frame["type"] == "message.deleted")
            .filter_map(|frame| frame["message_id"].as_i64())
            .collect();
        let expected: Vec<(i64, String)> = heard
            .into_iter()
            .filter(|(_, text)| {
                let frame = parse(text);
                let of_message = matches!(
                    frame["type"].as_str(),
                    Some("message.created" | "message.updated")
                );
                !(of_message
                    && frame["message"]["id"]
                        .as_i64()
                        .is_some_and(|id| deleted.contains(&id)))
            })
            .cloned()
            .collect();
        let (Some((first, _)), Some((last, last_text))) = (expected.first(), expected.last())
        else {
            panic!("{path}: no stored event heard");
        };
        let ty = parse(last_text)["type"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let since = first - 1;
        let mut again =
            Client::open(server, log, channel, &format!("{path}?since={since}"), auth).await;
        again.expect(&ty, |f| f["position"] == *last).await;
        let replayed: Vec<(i64, String)> = again
            .stored_between(since, *last)
            .into_iter()
            .cloned()
            .collect();
        let difference = expected
            .iter()
            .map(Some)
            .chain(std::iter::repeat(None))
            .zip(replayed.iter().map(Some).chain(std::iter::repeat(None)))
            .take(expected.len().max(replayed.len()))
            .find(|(live, replay)| live != replay);
        assert!(
            difference.is_none(),
            "{path}?since={since} replayed {} stored events, the live socket heard {} (deleted \
             messages aside); the first difference:\n  live:     {:?}\n  replayed: {:?}",
            replayed.len(),
            expected.len(),
            difference.and_then(|(live, _)| live),
            difference.and_then(|(_, replay)| replay),
        );
        again.drain().await;
    }
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_default()
}

/// The room an event is about.
fn room_of(frame: &Value) -> Option<i64> {
    frame["chat_room"]
        .as_i64()
        .or_else(|| frame["room"]["id"].as_i64())
        .or_else(|| frame["message"]["chat_room"].as_i64())
}

/// A write's `X-Event-Position` is the position of the event it stored.
fn assert_echoed(frame: &Value, echoed: Option<i64>) {
    assert!(
        echoed.is_some() && frame["position"].as_i64() == echoed,
        "X-Event-Position {echoed:?}, the event: {frame}"
    );
}
