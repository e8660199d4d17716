//! The operations beyond the seeds through the SDK (README "Beyond the seeds"): read markers,
//! reactions, replies, edit history, search, mentions, presence and invitations, each with
//! its typed success and typed errors.

use std::time::Duration;

use chat_sdk::{Client, types};

use super::{ApiResult, FORBIDDEN, api_error, group, ok, one_to_one, say, start, user};

const NOT_FOUND: &str = "Not found.";

#[tokio::test]
async fn read_markers_and_mentions() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (_, carol_client) = user(&server, "carol").await;
    let room = group(&alice_client, "Reading", vec![bob.id]).await;
    let first = say(&alice_client, room.id, "Hello").await;
    let second = say(
        &alice_client,
        room.id,
        &format!("Over to you, @{}", bob.username),
    )
    .await;
    assert_eq!(first.mentions, Vec::<i64>::new());
    assert_eq!(second.mentions, [bob.id]);

    // Alice's own messages moved her marker; Bob has two to read, one mentioning him.
    assert_eq!(counts(&alice_client, room.id).await, (0, 0));
    assert_eq!(counts(&bob_client, room.id).await, (2, 1));

    async fn mark(client: &Client, room: i64, message_id: i64) -> ApiResult<types::ReadMarker> {
        client
            .rooms_read_create()
            .id(room)
            .body_map(|b| b.message_id(message_id))
            .send()
            .await
    }
    let marker = ok(mark(&bob_client, room.id, first.id).await, 200);
    assert_eq!(
        (
            marker.chat_room,
            marker.last_read_id,
            marker.unread_count,
            marker.mention_count
        ),
        (room.id, first.id, 1, 1)
    );
    let marker = ok(mark(&bob_client, room.id, second.id).await, 200);
    assert_eq!(
        (
            marker.last_read_id,
            marker.unread_count,
            marker.mention_count
        ),
        (second.id, 0, 0)
    );
    // Never backwards.
    assert_eq!(
        ok(mark(&bob_client, room.id, first.id).await, 200).last_read_id,
        second.id
    );
    assert_eq!(counts(&bob_client, room.id).await, (0, 0));
    // Read by someone else than its sender: `is_read`.
    let message = ok(
        alice_client
            .messages_retrieve()
            .room_id(room.id)
            .id(first.id)
            .send()
            .await,
        200,
    );
    assert!(message.is_read);

    // A message of another room is no message of this one; outsiders do not see the room.
    let elsewhere = group(&alice_client, "Elsewhere", vec![]).await;
    let other = say(&alice_client, elsewhere.id, "Not here").await;
    let (status, body) = api_error(mark(&bob_client, room.id, other.id).await);
    assert_eq!(status, 400);
    assert_eq!(
        body.extra["message_id"],
        [format!(
            "Invalid pk \"{}\" - object does not exist.",
            other.id
        )]
    );
    let (status, body) = api_error(mark(&carol_client, room.id, first.id).await);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some(NOT_FOUND));
    let _ = alice;
}

/// The caller's `unread_count` and `mention_count` of a room.
async fn counts(client: &Client, room: i64) -> (i64, i64) {
    let room = ok(client.rooms_retrieve().id(room).send().await, 200);
    (room.unread_count, room.mention_count)
}

#[tokio::test]
async fn reactions() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (_, carol_client) = user(&server, "carol").await;
    let room = group(&alice_client, "Reacting", vec![bob.id]).await;
    let message = say(&alice_client, room.id, "React to me").await;
    assert_eq!(message.reactions.len(), 0);

    async fn react(
        client: &Client,
        message: &types::Message,
        emoji: &str,
    ) -> ApiResult<types::Message> {
        client
            .messages_reactions_create()
            .room_id(message.chat_room)
            .id(message.id)
            .body_map(|b| b.emoji(emoji))
            .send()
            .await
    }
    let reacted = ok(react(&bob_client, &message, "👍").await, 201);
    let summary = |m: &types::Message| {
        m.reactions
            .iter()
            .map(|r| (r.emoji.clone(), r.count, r.me))
            .collect::<Vec<_>>()
    };
    assert_eq!(summary(&reacted), [("👍".to_owned(), 1, true)]);
    // Again: already there, 200 and unchanged.
    assert_eq!(
        summary(&ok(react(&bob_client, &message, "👍").await, 200)),
        summary(&reacted)
    );
    let both = ok(react(&alice_client, &message, "👍").await, 201);
    assert_eq!(summary(&both), [("👍".to_owned(), 2, true)]);

    let (status, body) = api_error(react(&bob_client, &message, "not an emoji").await);
    assert_eq!(status, 400);
    assert!(body.extra.contains_key("emoji"), "{body:?}");
    let (status, body) = api_error(react(&carol_client, &message, "👍").await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));

    async fn unreact(client: &Client, message: &types::Message) -> ApiResult<()> {
        client
            .messages_reactions_destroy()
            .room_id(message.chat_room)
            .id(message.id)
            .emoji("👍")
            .send()
            .await
    }
    ok(unreact(&bob_client, &message).await, 204);
    let (status, body) = api_error(unreact(&bob_client, &message).await);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some(NOT_FOUND));
    let (status, _) = api_error(unreact(&carol_client, &message).await);
    assert_eq!(status, 403);
    let seen = ok(
        bob_client
            .messages_retrieve()
            .room_id(room.id)
            .id(message.id)
            .send()
            .await,
        200,
    );
    assert_eq!(summary(&seen), [("👍".to_owned(), 1, false)]);
    let _ = alice;
}

#[tokio::test]
async fn replies_and_history() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (_, carol_client) = user(&server, "carol").await;
    let room = group(&alice_client, "Threads", vec![bob.id]).await;
    let parent = say(&alice_client, room.id, "A question?").await;

    let reply = |text: &'static str, to: i64| {
        bob_client
            .messages_create()
            .room_id(room.id)
            .body_map(move |b| b.content(text).reply_to(Some(to)))
            .send()
    };
    let first = ok(reply("Yes", parent.id).await, 201);
    assert_eq!(first.reply_to, Some(parent.id));
    let preview = first.reply_preview.clone().expect("a preview");
    assert_eq!(
        (
            preview.id,
            preview.sender.as_str(),
            preview.content.as_str()
        ),
        (parent.id, alice.username.as_str(), "A question?")
    );
    let second = ok(reply("No", parent.id).await, 201);
    let (status, body) = api_error(reply("Lost", 999_999).await);
    assert_eq!(status, 400);
    assert!(body.extra.contains_key("reply_to"), "{body:?}");

    // messages_replies_list: the thread, newest first, in cursor pages.
    async fn replies(client: &Client, room: i64, id: i64) -> ApiResult<types::MessagePage> {
        client
            .messages_replies_list()
            .room_id(room)
            .id(id)
            .page_size(1)
            .send()
            .await
    }
    let page = ok(replies(&alice_client, room.id, parent.id).await, 200);
    assert_eq!(
        page.results.iter().map(|m| m.id).collect::<Vec<_>>(),
        [second.id]
    );
    assert!(page.next.is_some() && page.previous.is_none());
    let (status, body) = api_error(replies(&carol_client, room.id, parent.id).await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    let (status, _) = api_error(replies(&alice_client, room.id, 999_999).await);
    assert_eq!(status, 404);

    // messages_history_list: every content, oldest first.
    for content in ["A question, edited?", "A question, edited twice?"] {
        let edited = alice_client
            .messages_partial_update()
            .room_id(room.id)
            .id(parent.id)
            .body_map(move |b| b.content(content.parse::<types::MessagePatchContent>().ok()))
            .send()
            .await;
        ok(edited, 200);
    }
    async fn history(
        client: &Client,
        message: &types::Message,
        page: i64,
    ) -> ApiResult<types::MessageVersionPage> {
        client
            .messages_history_list()
            .room_id(message.chat_room)
            .id(message.id)
            .page(page)
            .send()
            .await
    }
    let versions = ok(history(&bob_client, &parent, 1).await, 200);
    assert_eq!(versions.count, 3);
    assert_eq!(
        versions
            .results
            .iter()
            .map(|v| (v.version, v.content.as_str()))
            .collect::<Vec<_>>(),
        [
            (1, "A question?"),
            (2, "A question, edited?"),
            (3, "A question, edited twice?")
        ]
    );
    let (status, body) = api_error(history(&bob_client, &parent, 99).await);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some("Invalid page."));
    let (status, _) = api_error(history(&carol_client, &parent, 1).await);
    assert_eq!(status, 403);
}

#[tokio::test]
async fn search() {
    let Some(server) = start().await else { return };
    let (_, alice_client) = user(&server, "alice").await;
    let (_, carol_client) = user(&server, "carol").await;
    let room = group(&alice_client, "Searching", vec![]).await;
    let other = group(&alice_client, "Other", vec![]).await;
    let pears = say(&alice_client, room.id, "apples and pears").await;
    let pie = say(&alice_client, room.id, "apple pie").await;
    let elsewhere = say(&alice_client, other.id, "an apple elsewhere").await;
    say(&alice_client, room.id, "nothing to see").await;

    let found = |page: types::SearchPage| {
        let mut ids: Vec<i64> = page.results.iter().map(|m| m.id).collect();
        ids.sort_unstable();
        ids
    };
    let all = ok(alice_client.search_list().q("apple").send().await, 200);
    assert_eq!(found(all), [pears.id, pie.id, elsewhere.id]);
    let in_room = ok(
        alice_client
            .search_list()
            .q("apple")
            .room(room.id)
            .send()
            .await,
        200,
    );
    assert_eq!(found(in_room), [pears.id, pie.id]);
    let first = ok(
        alice_client
            .search_list()
            .q("apple")
            .page_size(2)
            .send()
            .await,
        200,
    );
    assert_eq!(first.results.len(), 2);
    assert!(first.next.is_some() && first.previous.is_none());
    // Only the caller's rooms.
    let theirs = ok(carol_client.search_list().q("apple").send().await, 200);
    assert_eq!(theirs.results.len(), 0);

    let (status, body) = api_error(alice_client.search_list().send().await);
    assert_eq!(status, 400);
    assert_eq!(body.extra["q"], ["This field is required."]);
    let (status, body) = api_error(
        carol_client
            .search_list()
            .q("apple")
            .room(room.id)
            .send()
            .await,
    );
    assert_eq!(status, 400);
    assert!(body.extra.contains_key("room"), "{body:?}");
    let (status, body) = api_error(
        alice_client
            .search_list()
            .q("apple")
            .cursor("forged")
            .send()
            .await,
    );
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some("Invalid cursor"));
}

#[tokio::test]
async fn presence() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (carol, carol_client) = user(&server, "carol").await;
    group(&alice_client, "Present", vec![bob.id]).await;

    async fn presence(client: &Client, id: i64) -> ApiResult<types::UserPresence> {
        client.users_presence_retrieve().id(id).send().await
    }
    let before = ok(presence(&alice_client, bob.id).await, 200);
    assert_eq!((before.user_id, before.online), (bob.id, false));
    ok(presence(&alice_client, alice.id).await, 200);

    // Online while a socket is held (the handshake records it), offline with a time after.
    let held = bob_client.ws_all_rooms().send().await;
    assert!(
        held.as_ref().is_ok_and(|r| r.status().as_u16() == 101),
        "{held:?}"
    );
    let online = ok(presence(&alice_client, bob.id).await, 200);
    assert!(online.online && online.last_seen_at.is_none(), "{online:?}");
    drop(held);
    let mut seen = online;
    for _ in 0..50 {
        seen = ok(presence(&alice_client, bob.id).await, 200);
        if !seen.online {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!seen.online && seen.last_seen_at.is_some(), "{seen:?}");

    // Nobody else's: not a room-mate, or no such user.
    for id in [carol.id, 999_999] {
        let (status, body) = api_error(presence(&alice_client, id).await);
        assert_eq!(status, 404);
        assert_eq!(body.detail.as_deref(), Some(NOT_FOUND));
    }
    let (status, _) = api_error(presence(&carol_client, bob.id).await);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn invitations() {
    let Some(server) = start().await else { return };
    let (alice, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let (carol, carol_client) = user(&server, "carol").await;
    let (dave, dave_client) = user(&server, "dave").await;
    let (erin, _) = user(&server, "erin").await;
    let room = group(&alice_client, "Inviting", vec![bob.id]).await;

    async fn invite(client: &Client, room: i64, user: i64) -> ApiResult<types::Invitation> {
        client
            .rooms_invitations_create()
            .id(room)
            .body_map(|b| b.user_id(user))
            .send()
            .await
    }
    let to_carol = ok(invite(&alice_client, room.id, carol.id).await, 201);
    assert_eq!(
        (to_carol.chat_room, to_carol.inviter_id, to_carol.invitee_id),
        (room.id, alice.id, carol.id)
    );
    assert_eq!(to_carol.status, types::InvitationStatus::Pending);
    assert_eq!(to_carol.responded_at, None);
    let to_dave = ok(invite(&bob_client, room.id, dave.id).await, 201);
    let to_erin = ok(invite(&bob_client, room.id, erin.id).await, 201);
    // Invited already; a participant; a ONE_TO_ONE room; an outsider's room.
    let (status, body) = api_error(invite(&alice_client, room.id, carol.id).await);
    assert_eq!(status, 400);
    assert!(body.extra.contains_key("user_id"), "{body:?}");
    let (status, _) = api_error(invite(&alice_client, room.id, bob.id).await);
    assert_eq!(status, 400);
    let pair = ok(one_to_one(&alice_client, [alice.id, bob.id]).await, 201);
    let (status, _) = api_error(invite(&alice_client, pair.id, carol.id).await);
    assert_eq!(status, 400);
    let (status, body) = api_error(invite(&carol_client, room.id, dave.id).await);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some(NOT_FOUND));

    // rooms_invitations_list: the room's pending invitations, oldest first.
    let pending = ok(
        alice_client
            .rooms_invitations_list()
            .id(room.id)
            .send()
            .await,
        200,
    );
    assert_eq!(
        pending.results.iter().map(|i| i.id).collect::<Vec<_>>(),
        [to_carol.id, to_dave.id, to_erin.id]
    );
    let (status, _) = api_error(
        carol_client
            .rooms_invitations_list()
            .id(room.id)
            .send()
            .await,
    );
    assert_eq!(status, 404);

    // rooms_invitations_destroy: the inviter or the room's creator; other participants 403.
    async fn revoke(client: &Client, room: i64, id: i64) -> ApiResult<()> {
        client
            .rooms_invitations_destroy()
            .id(room)
            .invitation_id(id)
            .send()
            .await
    }
    let (status, body) = api_error(revoke(&bob_client, room.id, to_carol.id).await);
    assert_eq!(status, 403);
    assert_eq!(body.detail.as_deref(), Some(FORBIDDEN));
    ok(revoke(&alice_client, room.id, to_erin.id).await, 204);
    let (status, _) = api_error(revoke(&alice_client, room.id, to_erin.id).await);
    assert_eq!(status, 404);

    // invitations_list: the invitee's own.
    let mine = ok(carol_client.invitations_list().send().await, 200);
    assert_eq!(
        mine.results.iter().map(|i| i.id).collect::<Vec<_>>(),
        [to_carol.id]
    );
    let (status, body) = api_error(carol_client.invitations_list().page(2).send().await);
    assert_eq!(status, 404);
    assert_eq!(body.detail.as_deref(), Some("Invalid page."));

    // invitations_accept: the room, with the invitee in it; only once, only one's own.
    let (status, _) = api_error(
        dave_client
            .invitations_accept()
            .id(to_carol.id)
            .send()
            .await,
    );
    assert_eq!(status, 404);
    let joined = ok(
        carol_client
            .invitations_accept()
            .id(to_carol.id)
            .send()
            .await,
        200,
    );
    assert_eq!(joined.id, room.id);
    assert!(joined.participants.contains(&carol.id));
    let (status, body) = api_error(
        carol_client
            .invitations_accept()
            .id(to_carol.id)
            .send()
            .await,
    );
    assert_eq!(status, 400);
    assert_eq!(
        body.non_field_errors,
        ["This invitation was already accepted."]
    );

    // invitations_decline: the invitation, answered.
    let declined = ok(
        dave_client
            .invitations_decline()
            .id(to_dave.id)
            .send()
            .await,
        200,
    );
    assert_eq!(declined.status, types::InvitationStatus::Declined);
    assert!(declined.responded_at.is_some());
    let (status, _) = api_error(
        dave_client
            .invitations_decline()
            .id(to_dave.id)
            .send()
            .await,
    );
    assert_eq!(status, 400);
    let (status, _) = api_error(
        carol_client
            .invitations_decline()
            .id(to_dave.id)
            .send()
            .await,
    );
    assert_eq!(status, 404);
    let (status, _) = api_error(dave_client.rooms_retrieve().id(room.id).send().await);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_event_stream() {
    let env = [("CHAT_EVENT_RETENTION_HOURS", "0.0003")];
    let Some(server) = super::start_with(&env).await else {
        return;
    };
    let (_, alice_client) = user(&server, "alice").await;
    let (bob, bob_client) = user(&server, "bob").await;
    let room = group(&alice_client, "Streaming", vec![bob.id]).await;

    let start = ok(bob_client.events_list().send().await, 200);
    assert!(start.events.is_empty());
    let sent = alice_client
        .messages_create()
        .room_id(room.id)
        .body_map(|b| b.content("on the stream"))
        .send()
        .await
        .expect("sent");
    let echoed: i64 = sent
        .headers()
        .get("x-event-position")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("X-Event-Position");
    let page = ok(
        bob_client
            .events_list()
            .since(start.position)
            .limit(10)
            .send()
            .await,
        200,
    );
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0]["type"], "message.created");
    assert_eq!(page.events[0]["position"], echoed);
    assert_eq!(page.events[0]["message"]["id"], sent.id);
    assert_eq!(page.position, echoed);

    let (status, body) = api_error(bob_client.events_list().limit(501).send().await);
    assert_eq!(status, 400);
    assert!(body.extra.contains_key("limit"), "{body:?}");
    let (status, _) = api_error(Client::anonymous(&server.base).events_list().send().await);
    assert_eq!(status, 401);

    // About a second later the message's event is pruned: resuming from before it is 410.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let (status, body) = loop {
        match bob_client.events_list().since(0).send().await {
            Ok(_) => {
                assert!(std::time::Instant::now() < deadline, "nothing was pruned");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            err => break api_error(err),
        }
    };
    assert_eq!(status, 410);
    assert_eq!(body.code.as_deref(), Some("position_expired"));
    assert_eq!(body.position, Some(echoed));
}
