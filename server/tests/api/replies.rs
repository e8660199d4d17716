//! Replies: `reply_to` on send (REST and socket), `reply_preview`, what a deleted parent
//! leaves, and `GET /api/chat/rooms/{room_id}/messages/{id}/replies/`.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::realtime::{act, connect, expect_created, expect_error, next_event, room_ws};

const PARENT_TEXT: &str = "Who is coming on Friday?";

/// The group scene with alice's question in its room, the parent of the replies.
async fn scene() -> Option<(Scene, i64)> {
    let s = group_scene().await?;
    let question = s.app.message(&s.alice, s.room, PARENT_TEXT).await;
    Some((s, question))
}

fn replies_url(room: i64, id: i64) -> String {
    format!("/api/chat/rooms/{room}/messages/{id}/replies/")
}

async fn reply(app: &TestApp, user: &User, room: i64, parent: i64, content: &str) -> Reply {
    app.post(
        &messages_url(room),
        Some(&user.access),
        json!({ "content": content, "reply_to": parent }),
    )
    .await
}

async fn reply_id(app: &TestApp, user: &User, room: i64, parent: i64, content: &str) -> i64 {
    let answer = reply(app, user, room, parent, content).await;
    assert_eq!(answer.status, 201, "{answer:?}");
    answer.body["id"].as_i64().expect("id")
}

fn ids(messages: &[Value]) -> Vec<i64> {
    messages
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect()
}

fn invalid_reply_to(id: impl std::fmt::Display) -> Value {
    json!({"reply_to": [format!("Invalid pk \"{id}\" - object does not exist.")]})
}

/// The `cursor` query parameter of a `next`/`previous` link.
fn cursor_of(link: &str) -> String {
    let url = reqwest::Url::parse(link).expect("an absolute URL");
    url.query_pairs()
        .find(|(key, _)| key == "cursor")
        .map(|(_, value)| value.into_owned())
        .expect("a cursor")
}

fn encoded(cursor: &str) -> String {
    cursor
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The next event, past any `message.created` of `stale` (messages sent before the socket
/// connected: on PostgreSQL their events travel through NOTIFY and may arrive just after).
async fn next_fresh(socket: &mut crate::realtime::Socket, stale: &[i64]) -> Value {
    loop {
        let event = next_event(socket).await;
        let old = event["type"] == "message.created"
            && event["message"]["id"]
                .as_i64()
                .is_some_and(|id| stale.contains(&id));
        if !old {
            return event;
        }
    }
}

#[tokio::test]
async fn a_reply_names_its_parent_and_quotes_it() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let answer = reply(&s.app, &s.bob, s.room, question, "Me!").await;
    assert_eq!(answer.status, 201, "{answer:?}");
    let m = &answer.body;
    assert_eq!(m["reply_to"], question);
    assert_eq!(
        m["reply_preview"],
        json!({"id": question, "sender": "alice", "sender_id": s.alice.id, "content": PARENT_TEXT})
    );
    assert_eq!(m["content"], "Me!");
    assert_eq!(m["sender_id"], s.bob.id);
    let id = m["id"].as_i64().unwrap();
    // The same everywhere it is read.
    for viewer in [&s.alice, &s.bob] {
        s.app
            .get(&message_url(s.room, id), Some(&viewer.access))
            .await
            .expect(200, m.clone());
        let list = s.app.get(&messages_url(s.room), Some(&viewer.access)).await;
        assert_eq!(list.body["results"][0], *m);
        let detail = s
            .app
            .get(
                &format!("/api/chat/rooms/{}/", s.room),
                Some(&viewer.access),
            )
            .await;
        assert_eq!(detail.body["messages"][0], *m);
    }
    // The parent itself answers nothing.
    let parent = s
        .app
        .get(&message_url(s.room, question), Some(&s.bob.access))
        .await;
    assert_eq!(
        (&parent.body["reply_to"], &parent.body["reply_preview"]),
        (&Value::Null, &Value::Null)
    );
    // A reply may be answered in turn; one's own messages too.
    let deeper = reply(&s.app, &s.alice, s.room, id, "Great").await;
    assert_eq!(deeper.status, 201, "{deeper:?}");
    assert_eq!(
        deeper.body["reply_preview"],
        json!({"id": id, "sender": "bob", "sender_id": s.bob.id, "content": "Me!"})
    );
    let own = reply(&s.app, &s.alice, s.room, question, "Anyone?").await;
    assert_eq!(own.body["reply_preview"]["sender"], "alice");
}

#[tokio::test]
async fn the_preview_quotes_at_most_100_characters() {
    let Some((s, _)) = scene().await else { return };
    let (app, room) = (&s.app, s.room);
    let hundred = "x".repeat(100);
    let long = format!("{}yz", "y".repeat(99));
    let accented = "é".repeat(150);
    let emoji = "👍".repeat(101);
    for (text, quoted) in [
        (hundred.clone(), hundred.clone()),
        (format!("{hundred}!"), format!("{hundred}…")),
        (long.clone(), format!("{}y…", "y".repeat(99))),
        (accented, format!("{}…", "é".repeat(100))),
        (emoji, format!("{}…", "👍".repeat(100))),
    ] {
        let parent = app.message(&s.alice, room, &text).await;
        let answer = reply(app, &s.bob, room, parent, "ok").await;
        assert_eq!(answer.status, 201, "{answer:?}");
        assert_eq!(answer.body["reply_preview"]["content"], quoted.as_str());
        let id = answer.body["id"].as_i64().unwrap();
        let read = app.get(&message_url(room, id), Some(&s.alice.access)).await;
        assert_eq!(read.body["reply_preview"]["content"], quoted.as_str());
    }
}

#[tokio::test]
async fn the_preview_follows_an_edit_of_the_parent() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let id = reply_id(&s.app, &s.bob, s.room, question, "Me!").await;
    let edited = s
        .app
        .patch(
            &message_url(s.room, question),
            Some(&s.alice.access),
            json!({"content": "Who is coming on Saturday?"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    let read = s
        .app
        .get(&message_url(s.room, id), Some(&s.bob.access))
        .await;
    assert_eq!(
        read.body["reply_preview"]["content"],
        "Who is coming on Saturday?"
    );
}

#[tokio::test]
async fn reply_to_must_be_a_message_of_the_room() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let (app, room) = (&s.app, s.room);
    let other = app.room(&s.bob, "GROUP", &[&s.dave]).await;
    let elsewhere = app.message(&s.dave, other, "elsewhere").await;
    let gone = app.message(&s.alice, room, "soon gone").await;
    assert_eq!(
        app.delete(&message_url(room, gone), Some(&s.alice.access))
            .await
            .status,
        204
    );
    for id in [elsewhere, gone, elsewhere + 1000, i64::MAX, 0, -1] {
        reply(app, &s.bob, room, id, "hm")
            .await
            .expect(400, invalid_reply_to(id));
    }
    let url = messages_url(room);
    let send = |body: Value| app.post(&url, Some(&s.bob.access), body);
    for (value, kind) in [
        (json!("1"), "str"),
        (json!(1.5), "float"),
        (json!(true), "bool"),
        (json!([question]), "list"),
    ] {
        send(json!({"content": "hm", "reply_to": value}))
            .await
            .expect(
                400,
                json!({"reply_to": [format!("Incorrect type. Expected pk value, received {kind}.")]}),
            );
    }
    // With another field's error, both are reported.
    send(json!({"reply_to": elsewhere})).await.expect(
        400,
        json!({
            "content": ["This field is required."],
            "reply_to": [format!("Invalid pk \"{elsewhere}\" - object does not exist.")],
        }),
    );
    // Nothing was stored.
    let list = app.get(&url, Some(&s.bob.access)).await;
    assert_eq!(ids(list.body["results"].as_array().unwrap()), [question]);

    // null is no reply.
    let plain = send(json!({"content": "plain", "reply_to": null})).await;
    assert_eq!(plain.status, 201, "{plain:?}");
    assert_eq!(
        (&plain.body["reply_to"], &plain.body["reply_preview"]),
        (&Value::Null, &Value::Null)
    );
}

#[tokio::test]
async fn a_replayed_send_answers_the_reply_it_stored() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let body = json!({
        "content": "Me!",
        "reply_to": question,
        "client_id": "6f1c2b2e-8d7a-4c1e-9a55-0b4e2d3fa1c7",
    });
    let first = s
        .app
        .post(&messages_url(s.room), Some(&s.bob.access), body.clone())
        .await;
    assert_eq!(first.status, 201, "{first:?}");
    s.app
        .post(&messages_url(s.room), Some(&s.bob.access), body)
        .await
        .expect(200, first.body.clone());
}

#[tokio::test]
async fn deleting_the_parent_leaves_its_replies_unlinked() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let (app, room) = (&s.app, s.room);
    let r1 = reply_id(app, &s.bob, room, question, "one").await;
    let r2 = reply_id(app, &s.alice, room, question, "two").await;
    let nested = reply_id(app, &s.alice, room, r1, "nested").await;
    let mut bobs = connect(app, &room_ws(room), &s.bob.access).await;
    let deleted = app
        .delete(&message_url(room, question), Some(&s.alice.access))
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert_eq!(
        next_fresh(&mut bobs, &[question, r1, r2, nested]).await["type"],
        "message.deleted"
    );

    for id in [r1, r2] {
        let read = app.get(&message_url(room, id), Some(&s.bob.access)).await;
        assert_eq!(read.status, 200, "replies stay: {read:?}");
        assert_eq!(
            (&read.body["reply_to"], &read.body["reply_preview"]),
            (&Value::Null, &Value::Null)
        );
    }
    let list = app.get(&messages_url(room), Some(&s.bob.access)).await;
    for m in list.body["results"].as_array().unwrap() {
        if m["id"] != nested {
            assert_eq!(m["reply_to"], Value::Null, "{m}");
            assert_eq!(m["reply_preview"], Value::Null, "{m}");
        }
    }
    // A reply to a surviving reply keeps its link.
    let read = app
        .get(&message_url(room, nested), Some(&s.bob.access))
        .await;
    assert_eq!(read.body["reply_to"], r1);
    assert_eq!(read.body["reply_preview"]["content"], "one");
    // The parent's thread is gone with it; answering it is refused.
    app.get(&replies_url(room, question), Some(&s.bob.access))
        .await
        .expect(404, detail(NOT_FOUND));
    reply(app, &s.bob, room, question, "late")
        .await
        .expect(400, invalid_reply_to(question));
}

#[tokio::test]
async fn a_socket_reply_is_a_posted_one() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let (app, room) = (&s.app, s.room);
    let mut alices = connect(app, &room_ws(room), &s.alice.access).await;
    let mut bobs = connect(app, &room_ws(room), &s.bob.access).await;
    act(
        &mut bobs,
        json!({"action": "new_message", "message": "Me!", "reply_to": question}),
    )
    .await;
    let event = next_fresh(&mut bobs, &[question]).await;
    assert_eq!(event["type"], "message.created", "{event}");
    let id = event["message"]["id"].as_i64().expect("id");
    let preview =
        json!({"id": question, "sender": "alice", "sender_id": s.alice.id, "content": PARENT_TEXT});
    assert_eq!(event["message"]["reply_to"], question);
    assert_eq!(event["message"]["reply_preview"], preview);
    assert_eq!(next_fresh(&mut alices, &[question]).await, event);
    let stored = app.get(&message_url(room, id), Some(&s.alice.access)).await;
    assert_eq!(stored.body, event["message"]);

    // A REST reply is announced with its preview too.
    let posted = reply(app, &s.alice, room, question, "Good").await;
    let posted_id = posted.body["id"].as_i64().unwrap();
    let heard = expect_created(&mut bobs, posted_id).await;
    assert_eq!(heard["message"], posted.body);
    expect_created(&mut alices, posted_id).await;

    // null is no reply.
    act(
        &mut bobs,
        json!({"action": "new_message", "message": "plain", "reply_to": null}),
    )
    .await;
    let plain = next_event(&mut bobs).await;
    assert_eq!(plain["message"]["reply_to"], Value::Null, "{plain}");
    assert_eq!(plain["message"]["reply_preview"], Value::Null, "{plain}");
    expect_created(&mut alices, plain["message"]["id"].as_i64().unwrap()).await;

    // Refused as REST refuses it, to the sender alone.
    let other = app.room(&s.bob, "GROUP", &[&s.dave]).await;
    let elsewhere = app.message(&s.dave, other, "elsewhere").await;
    act(
        &mut bobs,
        json!({"action": "new_message", "message": "hm", "reply_to": elsewhere}),
    )
    .await;
    let error = expect_error(&mut bobs, "invalid").await;
    assert_eq!(error["errors"], invalid_reply_to(elsewhere), "{error}");
    act(
        &mut bobs,
        json!({"action": "new_message", "message": "hm", "reply_to": "x"}),
    )
    .await;
    let error = expect_error(&mut bobs, "invalid").await;
    assert_eq!(
        error["errors"],
        json!({"reply_to": ["Incorrect type. Expected pk value, received str."]}),
        "{error}"
    );
    // Alice heard none of the refusals: the next thing she hears is this.
    let last = app.message(&s.alice, room, "last").await;
    expect_created(&mut alices, last).await;
}

#[tokio::test]
async fn replies_are_listed_newest_first_and_paginated() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let (app, room) = (&s.app, s.room);
    let other_parent = app.message(&s.bob, room, "another question").await;
    let mut thread = Vec::new();
    for i in 0..5 {
        thread.push(
            reply_id(
                app,
                if i % 2 == 0 { &s.bob } else { &s.alice },
                room,
                question,
                &format!("answer {i}"),
            )
            .await,
        );
        app.message(&s.alice, room, &format!("chatter {i}")).await;
        reply_id(app, &s.bob, room, other_parent, &format!("elsewhere {i}")).await;
    }
    // A reply to a reply is in the reply's thread, not the parent's.
    reply_id(app, &s.alice, room, thread[0], "nested").await;
    let newest_first: Vec<i64> = thread.iter().rev().copied().collect();

    let all = app
        .get(&replies_url(room, question), Some(&s.bob.access))
        .await;
    assert_eq!(all.status, 200, "{all:?}");
    assert_eq!(all.body["next"], Value::Null);
    assert_eq!(all.body["previous"], Value::Null);
    let results = all.body["results"].as_array().unwrap();
    assert_eq!(ids(results), newest_first);
    for m in results {
        assert_eq!(m["reply_to"], question);
        assert_eq!(m["reply_preview"]["content"], PARENT_TEXT);
    }

    // page_size=2: three pages, no gaps, no repeats; back again with `previous`.
    let first = format!("{}?page_size=2", replies_url(room, question));
    let (walked, pages) = walk(app, &s.alice.access, &first, "next").await;
    assert_eq!(ids(&walked), newest_first);
    assert_eq!(pages, 3);
    let mut last = app.get(&first, Some(&s.alice.access)).await;
    while let Some(next) = last.body["next"].as_str().map(str::to_owned) {
        assert!(
            next.starts_with(&format!("{}{}?", app.base, replies_url(room, question))),
            "{next}"
        );
        last = app.get(&next, Some(&s.alice.access)).await;
    }
    assert_eq!(ids(last.body["results"].as_array().unwrap()), [thread[0]]);
    let previous = last.body["previous"].as_str().expect("previous").to_owned();
    let (back, _) = walk(app, &s.alice.access, &previous, "previous").await;
    let mut back = ids(&back);
    back.sort_unstable();
    assert_eq!(back, thread[1..]);

    // after=: the newer replies, oldest first.
    let after = app
        .get(
            &format!(
                "{}?after={}&page_size=2",
                replies_url(room, question),
                thread[1]
            ),
            Some(&s.bob.access),
        )
        .await;
    assert_eq!(after.status, 200, "{after:?}");
    assert_eq!(ids(after.body["results"].as_array().unwrap()), thread[2..4]);
    let (caught_up, _) = walk(
        app,
        &s.bob.access,
        &format!(
            "{}?after={}&page_size=2",
            replies_url(room, question),
            thread[1]
        ),
        "next",
    )
    .await;
    assert_eq!(ids(&caught_up), thread[2..]);
    app.get(
        &format!("{}?after={}", replies_url(room, question), thread[4]),
        Some(&s.bob.access),
    )
    .await
    .expect(200, json!({"next": null, "previous": null, "results": []}));

    // A message nobody answered has an empty thread.
    let lonely = app.message(&s.alice, room, "lonely").await;
    app.get(&replies_url(room, lonely), Some(&s.bob.access))
        .await
        .expect(200, json!({"next": null, "previous": null, "results": []}));
    // Reactions in a thread are the viewer's.
    let reacted = app
        .post(
            &format!("/api/chat/rooms/{room}/messages/{}/reactions/", thread[4]),
            Some(&s.bob.access),
            json!({"emoji": "👍"}),
        )
        .await;
    assert_eq!(reacted.status, 201, "{reacted:?}");
    for (viewer, me) in [(&s.alice, false), (&s.bob, true)] {
        let page = app
            .get(&replies_url(room, question), Some(&viewer.access))
            .await;
        assert_eq!(
            page.body["results"][0]["reactions"],
            json!([{"emoji": "👍", "count": 1, "me": me}])
        );
    }
}

#[tokio::test]
async fn thread_cursors_and_list_cursors_are_not_interchangeable() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let (app, room) = (&s.app, s.room);
    let sibling = app.message(&s.alice, room, "another question").await;
    for i in 0..3 {
        reply_id(app, &s.bob, room, question, &format!("answer {i}")).await;
        reply_id(app, &s.bob, room, sibling, &format!("other {i}")).await;
    }
    let invalid = detail("Invalid cursor");
    let list = app
        .get(
            &format!("{}?page_size=2", messages_url(room)),
            Some(&s.bob.access),
        )
        .await;
    let list_cursor = cursor_of(list.body["next"].as_str().expect("next"));
    let thread = app
        .get(
            &format!("{}?page_size=2", replies_url(room, question)),
            Some(&s.bob.access),
        )
        .await;
    let thread_cursor = cursor_of(thread.body["next"].as_str().expect("next"));

    // Each works where it came from.
    let ok = app
        .get(
            &format!(
                "{}?page_size=2&cursor={}",
                replies_url(room, question),
                encoded(&thread_cursor)
            ),
            Some(&s.bob.access),
        )
        .await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body["results"].as_array().unwrap().len(), 1);

    app.get(
        &format!(
            "{}?cursor={}",
            replies_url(room, question),
            encoded(&list_cursor)
        ),
        Some(&s.bob.access),
    )
    .await
    .expect(404, invalid.clone());
    app.get(
        &format!("{}?cursor={}", messages_url(room), encoded(&thread_cursor)),
        Some(&s.bob.access),
    )
    .await
    .expect(404, invalid.clone());
    // Nor is one thread's cursor another's.
    app.get(
        &format!(
            "{}?cursor={}",
            replies_url(room, sibling),
            encoded(&thread_cursor)
        ),
        Some(&s.bob.access),
    )
    .await
    .expect(404, invalid.clone());
    app.get(
        &format!("{}?cursor=garbage", replies_url(room, question)),
        Some(&s.bob.access),
    )
    .await
    .expect(404, invalid);
}

#[tokio::test]
async fn the_thread_route_validates_its_query_and_takes_only_get() {
    let Some((s, question)) = scene().await else {
        return;
    };
    let (app, room) = (&s.app, s.room);
    reply_id(app, &s.bob, room, question, "Me!").await;
    app.get(
        &format!("{}?after=abc", replies_url(room, question)),
        Some(&s.bob.access),
    )
    .await
    .expect(400, json!({"after": ["A valid integer is required."]}));
    app.get(
        &format!("{}?page_size=abc", replies_url(room, question)),
        Some(&s.bob.access),
    )
    .await
    .expect(400, json!({"page_size": ["A valid integer is required."]}));
    let posted = app
        .post(
            &replies_url(room, question),
            Some(&s.bob.access),
            json!({"content": "x"}),
        )
        .await;
    posted.expect(405, detail("Method \"POST\" not allowed."));
}

#[tokio::test]
async fn replying_while_the_parent_is_deleted_links_only_if_it_survived() {
    let Some((s, _)) = scene().await else { return };
    let (app, room) = (&s.app, s.room);
    for round in 0..5 {
        let parent = app.message(&s.alice, room, &format!("round {round}")).await;
        let replying = futures::future::join_all((0..6).map(|i| {
            reply(
                app,
                &s.bob,
                room,
                parent,
                if i % 2 == 0 { "a" } else { "b" },
            )
        }));
        let url = message_url(room, parent);
        let deleting = app.delete(&url, Some(&s.alice.access));
        let (replies, deleted) = tokio::join!(replying, deleting);
        assert_eq!(deleted.status, 204, "{deleted:?}");
        for answer in replies {
            match answer.status {
                201 => {
                    // Stored, linked or not; as read back now, never linked to a ghost.
                    let id = answer.body["id"].as_i64().unwrap();
                    let linked = &answer.body["reply_to"];
                    assert!(
                        (linked == &json!(parent)) == answer.body["reply_preview"].is_object(),
                        "{answer:?}"
                    );
                    let read = app.get(&message_url(room, id), Some(&s.bob.access)).await;
                    assert_eq!(read.body["reply_to"], Value::Null, "{read:?}");
                    assert_eq!(read.body["reply_preview"], Value::Null, "{read:?}");
                }
                400 => answer.expect(400, invalid_reply_to(parent)),
                _ => panic!("round {round}: {answer:?}"),
            }
        }
    }
}
