//! The mutation checks: the recorded frames against deliberately broken documents.

use contract_tests::asyncapi::AsyncApi;
use serde_json::{Value, json};

use super::log::{Heard, Log, check_log};

/// The same frames against deliberately wrong documents must fail, naming the message: the
/// validation is not vacuous, and a change to openapi.yaml's Message, Room or Invitation
/// reaches the events.
pub fn the_check_catches_drift(spec: &AsyncApi, log: &Log) {
    /// Changes (asyncapi.yaml, openapi.yaml) as parsed.
    type Mutation = fn(&mut Value, &mut Value);
    let mutants: [(&str, &str, Mutation); 10] = [
        (
            "openapi.yaml's Message requires a new field",
            "does not match message `message.updated`",
            |_, openapi| {
                let message = &mut openapi["components"]["schemas"]["Message"];
                message["properties"]["edited_by"] = json!({"type": "string"});
                message["required"]
                    .as_array_mut()
                    .expect("required")
                    .push(json!("edited_by"));
            },
        ),
        (
            "openapi.yaml's Message loses a field (closed objects)",
            "does not match message `message.created`",
            |_, openapi| {
                let message = &mut openapi["components"]["schemas"]["Message"];
                message["properties"]
                    .as_object_mut()
                    .expect("properties")
                    .remove("is_read");
                message["required"] = json!([
                    "id",
                    "chat_room",
                    "sender",
                    "sender_id",
                    "content",
                    "created_at"
                ]);
            },
        ),
        (
            "typing loses `username`",
            "does not match message `typing`",
            |asyncapi, _| {
                let typing = &mut asyncapi["components"]["messages"]["Typing"]["payload"];
                typing["properties"]
                    .as_object_mut()
                    .expect("properties")
                    .remove("username");
                typing["required"] = json!(["type", "chat_room", "user_id"]);
            },
        ),
        (
            "the error codes lose `conflict`",
            "does not match message `error`",
            |asyncapi, _| {
                let codes = &mut asyncapi["components"]["messages"]["Error"]["payload"]["properties"]
                    ["code"]["enum"];
                codes
                    .as_array_mut()
                    .expect("enum")
                    .retain(|c| c != "conflict");
            },
        ),
        (
            "the error codes lose `throttled` (the low-throttle server's frames count too)",
            r#""code":"throttled""#,
            |asyncapi, _| {
                let codes = &mut asyncapi["components"]["messages"]["Error"]["payload"]["properties"]
                    ["code"]["enum"];
                codes
                    .as_array_mut()
                    .expect("enum")
                    .retain(|c| c != "throttled");
            },
        ),
        (
            "openapi.yaml's Invitation loses `room_name` (closed objects)",
            "does not match message `invitation.created`",
            |_, openapi| {
                let invitation = &mut openapi["components"]["schemas"]["Invitation"];
                invitation["properties"]
                    .as_object_mut()
                    .expect("properties")
                    .remove("room_name");
                invitation["required"]
                    .as_array_mut()
                    .expect("required")
                    .retain(|field| field != "room_name");
            },
        ),
        (
            "message.deleted loses `position` (closed objects)",
            "does not match message `message.deleted`",
            |asyncapi, _| {
                let deleted = &mut asyncapi["components"]["messages"]["MessageDeleted"]["payload"];
                deleted["properties"]
                    .as_object_mut()
                    .expect("properties")
                    .remove("position");
                deleted["required"] = json!(["type", "chat_room", "message_id"]);
            },
        ),
        (
            "resync goes back to its old shape, `{type, detail}`",
            "does not match message `resync`",
            |asyncapi, _| {
                asyncapi["components"]["messages"]["Resync"]["payload"] = json!({
                    "type": "object",
                    "required": ["type", "detail"],
                    "additionalProperties": false,
                    "properties": {
                        "type": {"type": "string", "const": "resync"},
                        "detail": {"type": "string"},
                    },
                });
            },
        ),
        (
            "openapi.yaml's Room loses `mention_count` (closed objects)",
            "does not match message `room.created`",
            |_, openapi| {
                let room = &mut openapi["components"]["schemas"]["Room"];
                room["properties"]
                    .as_object_mut()
                    .expect("properties")
                    .remove("mention_count");
                room["required"]
                    .as_array_mut()
                    .expect("required")
                    .retain(|field| field != "mention_count");
            },
        ),
        (
            "member.removed's reasons lose `left`",
            "does not match message `member.removed`",
            |asyncapi, _| {
                asyncapi["components"]["messages"]["MemberRemoved"]["payload"]["properties"]["reason"]
                    ["enum"] = json!(["removed", "banned"]);
            },
        ),
    ];
    for (what, expected, mutate) in mutants {
        let (mut asyncapi, mut openapi) = (spec.document.clone(), spec.openapi.clone());
        mutate(&mut asyncapi, &mut openapi);
        let report = check_log(&AsyncApi::from_documents(asyncapi, openapi), log);
        assert!(
            report.failures.iter().any(|f| f.contains(expected)),
            "with {what}, the recorded frames should fail with \"{expected}\"; got:\n{}",
            report.failures.join("\n")
        );
    }
}

/// The stream checks are not vacuous either: the recorded frames with one of them tampered
/// with must fail, naming the broken promise.
pub fn the_stream_check_catches_disorder(spec: &AsyncApi, log: &Log) {
    let find = |ty: &str| {
        log.received
            .iter()
            .find(|heard| heard.text.contains(&format!(r#""type":"{ty}","#)))
            .unwrap_or_else(|| panic!("no `{ty}` was recorded"))
            .clone()
    };
    let read = find("read");
    let created = find("room.created");
    let tampered: [(&str, Heard, &str); 3] = [
        (
            "a stored event heard twice on one socket",
            read.clone(),
            "must strictly increase",
        ),
        (
            "one position sent as another text (on another socket)",
            Heard {
                socket: format!("{} (tampered)", read.socket),
                text: read.text.replacen(r#","chat_room""#, r#", "chat_room""#, 1),
                ..read.clone()
            },
            "is two different frames",
        ),
        (
            "a room with one reader's unread count",
            Heard {
                socket: format!("{} (tampered)", created.socket),
                text: created
                    .text
                    .replacen(r#""unread_count":0"#, r#""unread_count":1"#, 1),
                ..created.clone()
            },
            "is one reader's",
        ),
    ];
    for (what, extra, expected) in tampered {
        let mut received = log.received.clone();
        received.push(extra);
        let tampered = Log {
            received,
            ..Log::default()
        };
        let report = check_log(spec, &tampered);
        assert!(
            report.failures.iter().any(|f| f.contains(expected)),
            "with {what}, the recorded frames should fail with \"{expected}\"; got:\n{}",
            report.failures.join("\n")
        );
    }
}
