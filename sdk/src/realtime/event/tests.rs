use serde_json::{Value, json};

use super::*;

fn message(id: i64) -> Value {
    json!({
        "id": id, "chat_room": 7, "sender": "alice", "sender_id": 1, "content": "hi",
        "created_at": "2024-01-01T00:00:00.000000Z", "updated_at": null, "is_read": false,
        "reply_to": null, "reply_preview": null, "reactions": [], "mentions": [],
    })
}

fn room(id: i64) -> Value {
    json!({
        "id": id, "name": "Live", "room_type": "GROUP", "participants": [1, 2],
        "created_by": 1, "messages": [], "unread_count": 0, "mention_count": 0,
        "created_at": "2024-01-01T00:00:00.000000Z", "updated_at": "2024-01-01T00:00:00.000000Z",
    })
}

fn invitation() -> Value {
    json!({
        "id": 4, "chat_room": 7, "room_name": "Live", "room_type": "GROUP",
        "inviter_id": 1, "inviter": "alice", "invitee_id": 3, "invitee": "carol",
        "status": "pending", "created_at": "2024-01-01T00:00:00.000000Z", "responded_at": null,
    })
}

fn event(value: Value) -> Event {
    serde_json::from_value(value).expect("an event")
}

#[test]
fn message_events_are_typed_with_their_position() {
    let created = event(json!({"position": 41, "type": "message.created", "message": message(3)}));
    assert!(matches!(
        &created,
        Event::MessageCreated { message, position: Some(41) }
            if message.id == 3 && message.content == "hi"
    ));
    assert_eq!(
        (created.chat_room(), created.position()),
        (Some(7), Some(41))
    );
    let updated = event(json!({"position": 42, "type": "message.updated", "message": message(3)}));
    assert!(matches!(updated, Event::MessageUpdated { message, position: 42 } if message.id == 3));
    let deleted = event(json!({
        "position": 43, "type": "message.deleted", "chat_room": 7, "message_id": 3,
    }));
    assert!(matches!(
        deleted,
        Event::MessageDeleted {
            chat_room: 7,
            message_id: 3,
            position: 43
        }
    ));
}

#[test]
fn a_retried_message_is_answered_without_a_position() {
    let again = event(json!({"type": "message.created", "message": message(3)}));
    assert!(matches!(
        &again,
        Event::MessageCreated { position: None, .. }
    ));
    assert_eq!(again.position(), None);
}

#[test]
fn reads_and_reactions_are_typed() {
    assert!(matches!(
        event(json!({
            "position": 5, "type": "read", "chat_room": 7, "user_id": 2, "message_id": 9,
        })),
        Event::Read {
            chat_room: 7,
            user_id: 2,
            message_id: 9,
            position: 5
        }
    ));
    let reaction = json!({
        "position": 6, "type": "reaction.removed", "chat_room": 7, "message_id": 9,
        "emoji": "👍", "user_id": 2, "username": "bob", "count": 0,
    });
    let removed = event(reaction);
    assert!(matches!(
        &removed,
        Event::ReactionRemoved {
            reaction: Reaction {
                chat_room: 7,
                message_id: 9,
                count: 0,
                ..
            },
            position: 6
        }
    ));
    assert_eq!(removed.chat_room(), Some(7));
}

#[test]
fn rooms_and_members_are_typed() {
    let created = event(json!({"position": 1, "type": "room.created", "room": room(7)}));
    assert!(
        matches!(&created, Event::RoomCreated { room, position: 1 } if room.participants == [1, 2])
    );
    assert_eq!(created.chat_room(), Some(7));
    let updated = event(json!({"position": 2, "type": "room.updated", "room": room(7)}));
    assert!(matches!(updated, Event::RoomUpdated { position: 2, .. }));
    let added = event(json!({
        "position": 3, "type": "member.added", "chat_room": 7, "user_id": 2, "by": 1,
        "room": room(7),
    }));
    assert!(matches!(
        &added,
        Event::MemberAdded { chat_room: 7, user_id: 2, by: 1, room, position: 3 } if room.id == 7
    ));
    for (reason, expected) in [
        ("left", Departure::Left),
        ("removed", Departure::Removed),
        ("banned", Departure::Banned),
        ("kicked", Departure::Other("kicked".into())),
    ] {
        let removed = event(json!({
            "position": 4, "type": "member.removed", "chat_room": 7, "user_id": 2, "by": 1,
            "reason": reason,
        }));
        let Event::MemberRemoved {
            reason: departure,
            position: 4,
            ..
        } = removed
        else {
            panic!("expected member.removed, got {removed:?}");
        };
        assert_eq!(departure, expected);
        assert_eq!(departure.as_str(), reason);
    }
    let deleted = event(json!({"position": 5, "type": "room.deleted", "chat_room": 7}));
    assert!(matches!(
        deleted,
        Event::RoomDeleted {
            chat_room: 7,
            position: 5
        }
    ));
}

#[test]
fn invitation_events_are_typed() {
    for (kind, position) in [
        ("invitation.created", 1),
        ("invitation.accepted", 2),
        ("invitation.declined", 3),
        ("invitation.revoked", 4),
    ] {
        let told = event(json!({"position": position, "type": kind, "invitation": invitation()}));
        let invitation = match &told {
            Event::InvitationCreated { invitation, .. } if kind == "invitation.created" => {
                invitation
            }
            Event::InvitationAccepted { invitation, .. } if kind == "invitation.accepted" => {
                invitation
            }
            Event::InvitationDeclined { invitation, .. } if kind == "invitation.declined" => {
                invitation
            }
            Event::InvitationRevoked { invitation, .. } if kind == "invitation.revoked" => {
                invitation
            }
            other => panic!("{kind}: got {other:?}"),
        };
        assert_eq!((invitation.id, invitation.invitee_id), (4, 3));
        assert_eq!(
            (told.chat_room(), told.position()),
            (Some(7), Some(position))
        );
    }
}

#[test]
fn ephemeral_events_have_no_position() {
    let typing = event(json!({"type": "typing", "chat_room": 7, "user_id": 2, "username": "bob"}));
    assert!(matches!(
        &typing,
        Event::Typing { chat_room: 7, user_id: 2, username } if username == "bob"
    ));
    let offline = event(json!({
        "type": "presence", "user_id": 2, "username": "bob", "online": false,
        "last_seen_at": "2026-11-21T10:00:00.000000Z",
    }));
    assert!(matches!(
        &offline,
        Event::Presence {
            online: false,
            last_seen_at: Some(_),
            ..
        }
    ));
    let invalid = event(json!({
        "type": "error", "detail": "Invalid message.", "code": "invalid",
        "errors": {"message": ["This field may not be blank."]},
    }));
    assert!(matches!(
        &invalid,
        Event::Error { code, errors: Some(errors), .. }
            if code == "invalid" && errors["message"] == ["This field may not be blank."]
    ));
    let plain = event(json!({"type": "error", "detail": "nope", "code": "unknown_action"}));
    assert!(matches!(plain, Event::Error { errors: None, .. }));
    for told in [typing, offline, invalid] {
        assert_eq!(told.position(), None, "{told:?}");
    }
}

#[test]
fn resync_says_where_the_stream_goes_on() {
    let resync = event(json!({"type": "resync", "reason": "position_expired", "position": 90}));
    assert!(matches!(
        &resync,
        Event::Resync { reason, position: 90 } if reason == "position_expired"
    ));
    assert_eq!((resync.position(), resync.chat_room()), (Some(90), None));
}

#[test]
fn unknown_frames_are_kept_whole() {
    for frame in [
        json!({"type": "user.updated", "position": 8, "user": {"id": 2}}),
        json!({"no": "type"}),
        json!([1, 2]),
    ] {
        assert!(matches!(event(frame.clone()), Event::Other(kept) if kept == frame));
    }
    let newer = event(json!({"position": 9, "type": "member.updated", "chat_room": 7}));
    assert_eq!((newer.chat_room(), newer.position()), (Some(7), Some(9)));
    assert_eq!(event(json!({"type": "soon"})).position(), None);
}

#[test]
fn a_known_event_without_its_fields_is_an_error() {
    for broken in [
        json!({"position": 1, "type": "message.created", "message": {"id": 1}}),
        // Stored events carry their position.
        json!({"type": "message.deleted", "chat_room": 7, "message_id": 3}),
        json!({"position": "7", "type": "room.deleted", "chat_room": 7}),
        json!({"type": "resync", "reason": "position_expired"}),
    ] {
        assert!(
            serde_json::from_value::<Event>(broken.clone()).is_err(),
            "{broken}"
        );
    }
}
