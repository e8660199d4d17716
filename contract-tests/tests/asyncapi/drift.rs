//! The mutation checks: the recorded frames against deliberately broken documents.

use contract_tests::asyncapi::AsyncApi;
use serde_json::{Value, json};

use super::log::{Log, check_log};

/// The same frames against deliberately wrong documents must fail, naming the message: the
/// validation is not vacuous, and a change to openapi.yaml's Message reaches the events.
pub fn the_check_catches_drift(spec: &AsyncApi, log: &Log) {
    /// Changes (asyncapi.yaml, openapi.yaml) as parsed.
    type Mutation = fn(&mut Value, &mut Value);
    let mutants: [(&str, &str, Mutation); 6] = [
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
