//! The spec-level checks: the document is sane, agrees with the server's source, and its
//! examples match their own schemas.

use std::collections::BTreeSet;

use contract_tests::asyncapi::{AsyncApi, Direction, SchemaFormat};
use serde_json::{Value, json};

use super::{
    ACTIONS, ALL_ROOMS, CHANNELS, CLOSINGS, DIRECT, ERROR_CODES, INVITATION_REF, MESSAGE_REF, ROOM,
    ROOM_REF, UNPOSITIONED_ANSWER, event_types, is_stored,
};

#[test]
fn the_document_is_sane_and_declares_everything_the_server_does() {
    let spec = AsyncApi::load();
    let doc = &spec.document;
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };

    check(
        doc["asyncapi"] == "2.6.0",
        format!("asyncapi is {}", doc["asyncapi"]),
    );
    let channels: BTreeSet<String> = spec.channels().into_iter().collect();
    let expected: BTreeSet<String> = CHANNELS.iter().map(|c| c.to_string()).collect();
    check(
        channels == expected,
        format!("channels are {channels:?}, expected {expected:?}"),
    );
    for problem in spec.reference_problems() {
        check(false, format!("reference: {problem}"));
    }

    // Authentication: `Authorization: Bearer` or `?token=`.
    let schemes = &doc["components"]["securitySchemes"];
    check(
        schemes["bearerAuth"]["type"] == "http" && schemes["bearerAuth"]["scheme"] == "bearer",
        "securitySchemes.bearerAuth is not http bearer".into(),
    );
    check(
        schemes["tokenQuery"]["type"] == "httpApiKey"
            && schemes["tokenQuery"]["in"] == "query"
            && schemes["tokenQuery"]["name"] == "token",
        "securitySchemes.tokenQuery is not the `token` query parameter".into(),
    );
    let servers = doc["servers"].as_object().cloned().unwrap_or_default();
    check(!servers.is_empty(), "no servers".into());
    for (name, server) in &servers {
        let schemes: BTreeSet<&str> = server["security"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|requirement| requirement.keys().map(String::as_str))
            .collect();
        check(
            schemes == BTreeSet::from(["bearerAuth", "tokenQuery"]),
            format!("server {name} accepts {schemes:?}, expected bearerAuth or tokenQuery"),
        );
        check(
            matches!(server["protocol"].as_str(), Some("ws" | "wss")),
            format!("server {name} protocol is {}", server["protocol"]),
        );
    }

    let position_schema = &doc["components"]["schemas"]["Position"];
    check(
        position_schema["type"] == "integer" && position_schema["minimum"] == 1,
        format!("components.schemas.Position is {position_schema}, not an integer from 1"),
    );
    for channel in CHANNELS {
        let item = &doc["channels"][channel];
        // Path parameters: exactly the `{names}` of the address, each an integer id.
        let in_address: BTreeSet<String> = channel
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        let declared: BTreeSet<String> = item["parameters"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        check(
            in_address == declared,
            format!("{channel}: parameters {declared:?}, the address has {in_address:?}"),
        );
        for name in &declared {
            let parameter = resolve(doc, &item["parameters"][name]);
            check(
                parameter["schema"]["type"] == "integer",
                format!("{channel}: parameter {name} is not an integer"),
            );
        }
        let ws = &resolve(doc, &item["bindings"])["ws"];
        check(
            ws["method"] == "GET"
                && ws["query"]["properties"]["token"].is_object()
                && ws["headers"]["properties"]["Authorization"].is_object(),
            format!("{channel}: the ws binding does not show `?token=` and `Authorization`"),
        );
        let since = &ws["query"]["properties"]["since"];
        check(
            since["type"] == "integer" && since["minimum"] == 0,
            format!("{channel}: the ws binding has no `?since=` (an integer from 0): {since}"),
        );

        // Server → client: every event type, named by its `type`, closed objects.
        let events = spec
            .messages(channel, Direction::ServerToClient)
            .unwrap_or_else(|err| panic!("{err}"));
        let names: BTreeSet<&str> = events.iter().map(|m| m.name.as_str()).collect();
        let sent = event_types(channel);
        check(
            names == sent,
            format!("{channel}: events {names:?}, the server sends {sent:?}"),
        );
        for event in &events {
            check(
                event.discriminator_value("type") == Some(event.name.as_str()),
                format!(
                    "{channel}: `{}` does not fix `type` to its name",
                    event.name
                ),
            );
            check(
                event.payload["additionalProperties"] == false,
                format!("{channel}: `{}` is not a closed object", event.name),
            );
            check(
                required(&event.payload).contains("type"),
                format!("{channel}: `{}` does not require `type`", event.name),
            );
            // Stored events carry their position (required but on a retry's answer);
            // ephemeral ones none, but `resync` its newest.
            let position = &event.payload["properties"]["position"];
            let requires = required(&event.payload).contains("position");
            let (declared, expected_required) = if is_stored(&event.name) {
                (
                    *position == *position_schema,
                    event.name != UNPOSITIONED_ANSWER,
                )
            } else if event.name == "resync" {
                (position["allOf"] == json!([position_schema]), true)
            } else {
                (position.is_null(), false)
            };
            check(
                declared && requires == expected_required,
                format!(
                    "{channel}: `{}` has position {position} (required: {requires}), \
                     expected {}",
                    event.name,
                    match (
                        is_stored(&event.name) || event.name == "resync",
                        expected_required
                    ) {
                        (false, _) => "none".to_owned(),
                        (true, true) => "the Position schema, required".to_owned(),
                        (true, false) => "the Position schema, optional".to_owned(),
                    }
                ),
            );
        }
        // Client → server: the two actions, named by `action`.
        let actions = spec
            .messages(channel, Direction::ClientToServer)
            .unwrap_or_else(|err| panic!("{err}"));
        let names: BTreeSet<&str> = actions.iter().map(|m| m.name.as_str()).collect();
        check(
            names == BTreeSet::from(ACTIONS),
            format!("{channel}: actions {names:?}, the server accepts {ACTIONS:?}"),
        );
        for action in &actions {
            let fields = &action.payload["properties"];
            let required = required(&action.payload);
            check(
                action.discriminator_value("action") == Some(action.name.as_str())
                    && required.contains("action"),
                format!("{channel}: `{}` does not fix `action`", action.name),
            );
            check(
                fields["chat_room"].is_object(),
                format!("{channel}: `{}` has no `chat_room`", action.name),
            );
            check(
                required.contains("chat_room") == (channel == ALL_ROOMS),
                format!(
                    "{channel}: `{}` requires chat_room: {required:?}",
                    action.name
                ),
            );
            check(
                (fields["sender"].is_object() && fields["other_user"].is_object())
                    == (channel == DIRECT),
                format!(
                    "{channel}: `{}` and seed 002's sender/other_user",
                    action.name
                ),
            );
            if action.name == "new_message" {
                check(
                    required.contains("message") && fields["client_id"].is_object(),
                    format!("{channel}: new_message needs `message` and offers `client_id`"),
                );
            }
        }
        // Close codes, in the channel's own words.
        let description = item["description"].as_str().unwrap_or_default();
        let mut closes = vec!["1001", "1002", "1009", "1011", "slow consumer"];
        if channel != ALL_ROOMS {
            closes.extend(["1000", "room deleted"]);
        }
        if channel == ROOM {
            closes.push("not a participant");
        }
        for close in closes {
            check(
                description.contains(close),
                format!("{channel}: the description does not mention `{close}`"),
            );
        }
    }

    // Every close frame of the server, in the close-code table, and nothing else.
    let info = doc["info"]["description"].as_str().unwrap_or_default();
    for (code, reason) in CLOSINGS {
        check(
            info.contains(&format!("| {code} | `{reason}` |")),
            format!("info.description has no close-code row for {code} `{reason}`"),
        );
    }
    for row in info.lines().filter(|line| line.starts_with("| 1")) {
        check(
            CLOSINGS
                .iter()
                .any(|(code, reason)| row.starts_with(&format!("| {code} | `{reason}` |"))),
            format!("info.description documents a close the server never sends: {row}"),
        );
    }

    // The error event: every code, `errors` exactly for `invalid`.
    let error = spec
        .message_for(ROOM, Direction::ServerToClient, &json!({"type": "error"}))
        .unwrap_or_else(|err| panic!("{err}"));
    let codes: BTreeSet<&str> = error.payload["properties"]["code"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    check(
        codes == BTreeSet::from(ERROR_CODES),
        format!("error codes {codes:?}, the server sends {ERROR_CODES:?}"),
    );
    check(
        error.payload["properties"]["errors"].is_object(),
        "the error event has no `errors`".into(),
    );

    // The Message inside message.created/updated is openapi.yaml's, by reference.
    check(
        spec.openapi["components"]["schemas"]["Message"].is_object(),
        "openapi.yaml has no components.schemas.Message".into(),
    );
    // So are the Room of room.created/room.updated/member.added and the Invitation of
    // invitation.*.
    check(
        spec.openapi["components"]["schemas"]["Room"].is_object()
            && spec.openapi["components"]["schemas"]["Invitation"].is_object(),
        "openapi.yaml has no components.schemas.Room or Invitation".into(),
    );
    let references = [
        ("message.created", "message", MESSAGE_REF),
        ("message.updated", "message", MESSAGE_REF),
        ("room.created", "room", ROOM_REF),
        ("room.updated", "room", ROOM_REF),
        ("member.added", "room", ROOM_REF),
        ("invitation.created", "invitation", INVITATION_REF),
        ("invitation.accepted", "invitation", INVITATION_REF),
        ("invitation.declined", "invitation", INVITATION_REF),
        ("invitation.revoked", "invitation", INVITATION_REF),
    ];
    for (ty, field, reference) in references {
        let message = spec
            .message_for(ALL_ROOMS, Direction::ServerToClient, &json!({ "type": ty }))
            .unwrap_or_else(|err| panic!("{err}"));
        check(
            message.format == SchemaFormat::OpenApi30,
            format!("`{ty}` is not in the OpenAPI 3.0 schema format"),
        );
        check(
            message.payload["properties"][field] == json!({ "$ref": reference }),
            format!(
                "`{ty}`.{field} is {}, not a reference to `{reference}`",
                message.payload["properties"][field]
            ),
        );
        check(
            required(&message.payload).contains(field),
            format!("`{ty}` does not require `{field}`"),
        );
    }

    // Why a member left: the server's reasons, and `banned` reserved for moderation.
    let removed = spec
        .message_for(
            ALL_ROOMS,
            Direction::ServerToClient,
            &json!({"type": "member.removed"}),
        )
        .unwrap_or_else(|err| panic!("{err}"));
    check(
        removed.payload["properties"]["reason"]["enum"] == json!(["left", "removed", "banned"]),
        format!(
            "member.removed reasons are {}, expected left, removed, banned",
            removed.payload["properties"]["reason"]["enum"]
        ),
    );

    assert!(
        problems.is_empty(),
        "asyncapi.yaml:\n- {}",
        problems.join("\n- ")
    );
}

#[test]
fn the_documents_examples_match_their_schemas() {
    let spec = AsyncApi::load();
    let mut failures = Vec::new();
    let mut examples = 0;
    for message in spec
        .component_messages()
        .unwrap_or_else(|err| panic!("{err}"))
    {
        if message.examples.is_empty() {
            failures.push(format!("message `{}` has no example", message.key));
        }
        for (name, payload) in &message.examples {
            examples += 1;
            let errors = spec.errors(&message, payload);
            if !errors.is_empty() {
                failures.push(format!(
                    "example `{name}` of `{}`: {payload}\n    {}",
                    message.key,
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n    ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(examples > 0, "no examples at all");
}

/// `new_message` takes the text by the same rule as REST takes `content` (one validation
/// function on the server): the same bounds and the same not-blank pattern.
#[test]
fn the_socket_bounds_message_text_as_rest_bounds_content() {
    let spec = AsyncApi::load();
    let socket = &spec.document["components"]["schemas"]["MessageText"];
    let rest = &spec.openapi["components"]["schemas"]["MessageCreate"]["properties"]["content"];
    for keyword in ["minLength", "maxLength", "pattern"] {
        assert!(rest.get(keyword).is_some(), "REST content has no {keyword}");
        assert_eq!(
            socket[keyword], rest[keyword],
            "asyncapi.yaml's MessageText {keyword} differs from openapi.yaml's content"
        );
    }
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(&Value::Null),
        None => value,
    }
}

fn required(schema: &Value) -> BTreeSet<&str> {
    schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}
