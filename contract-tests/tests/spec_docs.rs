//! What a reader of the spec (in Swagger UI, or a generated client) learns from it: an example
//! of every schema and of every response's body, a description of every parameter, typed
//! timestamps, tags in the order a developer meets them, and no jargon of how the API came to
//! be. `spec_rules` checks that the examples match their schemas; the contract suite checks
//! that the error examples' texts are ones the server answers.

use contract_tests::Spec;
use serde_json::Value;

/// Asserts no offender, listing all of them.
fn assert_none(rule: &str, offenders: Vec<String>) {
    assert!(
        offenders.is_empty(),
        "{rule}; {} offenders:\n  {}",
        offenders.len(),
        offenders.join("\n  ")
    );
}

/// The component a `$ref` names, or the schema itself.
fn resolve<'a>(spec: &'a Spec, schema: &'a Value) -> &'a Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix('#'))
        .and_then(|pointer| spec.document.pointer(pointer))
        .unwrap_or(schema)
}

#[test]
fn every_schema_has_an_example() {
    let spec = Spec::load();
    let missing = spec.document["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, schema)| schema.get("example").is_none())
        .map(|(name, _)| name.clone())
        .collect();
    assert_none("every component schema has an example", missing);
}

#[test]
fn every_response_body_has_an_example_and_every_error_its_own() {
    let spec = Spec::load();
    let mut offenders = Vec::new();
    for op in &spec.operations {
        for (status, response) in op.raw["responses"].as_object().into_iter().flatten() {
            for (media_type, media) in response["content"].as_object().into_iter().flatten() {
                let own = media.get("example").is_some()
                    || media
                        .get("examples")
                        .and_then(Value::as_object)
                        .is_some_and(|examples| !examples.is_empty());
                let schema = resolve(&spec, &media["schema"]);
                let at = format!("{} {status} {media_type}", op.id);
                // Every operation shares one error schema: its example would say nothing
                // about this status of this operation.
                if status.starts_with(['4', '5']) && !own {
                    offenders.push(format!("{at}: no example of this error"));
                } else if !own && schema.get("example").is_none() {
                    offenders.push(format!("{at}: neither the response nor its schema"));
                }
            }
        }
    }
    assert_none(
        "every response body shows an example (errors: of their own)",
        offenders,
    );
}

#[test]
fn every_parameter_is_described() {
    let spec = Spec::load();
    let offenders = spec
        .operations
        .iter()
        .flat_map(|op| {
            op.raw["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|parameter| {
                    parameter["description"]
                        .as_str()
                        .is_none_or(|text| text.trim().is_empty())
                })
                .map(|parameter| {
                    format!(
                        "{} {} ({})",
                        op.id,
                        parameter["name"].as_str().unwrap_or("?"),
                        parameter["in"].as_str().unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert_none("every parameter has a description", offenders);
}

#[test]
fn timestamps_are_date_times() {
    let spec = Spec::load();
    let mut offenders = Vec::new();
    for (name, schema) in spec.document["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        untyped_timestamps(name, schema, &mut offenders);
    }
    assert_none(
        "string properties named *_at are `format: date-time`",
        offenders,
    );
}

fn untyped_timestamps(at: &str, schema: &Value, offenders: &mut Vec<String>) {
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        if name.ends_with("_at")
            && property["type"] == "string"
            && property["format"] != "date-time"
        {
            offenders.push(format!("{at}.{name}"));
        }
        untyped_timestamps(&format!("{at}.{name}"), property, offenders);
    }
    if let Some(items) = schema.get("items") {
        untyped_timestamps(&format!("{at}[]"), items, offenders);
    }
}

#[test]
fn tags_come_in_the_order_a_developer_meets_them() {
    let spec = Spec::load();
    let tags: Vec<&str> = spec.document["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|tag| tag["name"].as_str())
        .collect();
    let position = |name: &str| tags.iter().position(|tag| *tag == name);
    // Registration is where a new user starts; the routes kept for older clients come last.
    assert_eq!(tags.first(), Some(&"users"), "{tags:?}");
    assert_eq!(
        tags[tags.len().saturating_sub(2)..],
        ["direct-messages", "legacy"],
        "{tags:?}"
    );
    for pair in [
        ["users", "auth"],
        ["auth", "rooms"],
        ["rooms", "messages"],
        ["messages", "realtime"],
        ["realtime", "search"],
    ] {
        assert!(
            position(pair[0]) < position(pair[1]),
            "{} should come before {}: {tags:?}",
            pair[0],
            pair[1]
        );
    }
}

/// "Seed" is how the API's source documents are called in the repository; a reader of the API
/// does not know them (docs/compatibility.md maps them).
#[test]
fn the_text_speaks_of_behaviour_not_of_seed_documents() {
    let spec = Spec::load();
    let mut offenders = Vec::new();
    texts(&spec.document, "openapi.yaml#", &mut offenders);
    let path = contract_tests::server::workspace_root().join("asyncapi.yaml");
    let asyncapi: Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).expect("asyncapi.yaml"))
            .expect("asyncapi.yaml parses");
    texts(&asyncapi, "asyncapi.yaml#", &mut offenders);
    assert_none("no description or summary mentions a seed", offenders);
}

fn texts(node: &Value, pointer: &str, offenders: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                let at = format!("{pointer}/{key}");
                match (key.as_str(), value) {
                    ("description" | "summary" | "title", Value::String(text))
                        if text.to_lowercase().contains("seed") =>
                    {
                        offenders.push(format!("{at}: {text}"));
                    }
                    // Examples are data, not prose.
                    ("example" | "examples", _) => {}
                    _ => texts(value, &at, offenders),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                texts(item, &format!("{pointer}/{i}"), offenders);
            }
        }
        _ => {}
    }
}

/// Only the WebSocket routes can answer "not a WebSocket handshake".
#[test]
fn only_websocket_routes_speak_of_handshakes() {
    let spec = Spec::load();
    let offenders = spec
        .operations
        .iter()
        .filter(|op| op.raw["x-dropshot-websocket"].is_null())
        .filter(|op| {
            op.raw["responses"]["400"]["description"]
                .as_str()
                .is_some_and(|text| text.contains("WebSocket"))
        })
        .map(|op| op.id.clone())
        .collect();
    assert_none(
        "a plain HTTP operation's 400 does not mention WebSocket",
        offenders,
    );
}

/// A WebSocket operation's description names every event its channel in `asyncapi.yaml`
/// sends: the reader of `openapi.yaml` learns what the socket carries without a second
/// document.
#[test]
fn websocket_operations_name_every_event_their_channel_sends() {
    let spec = Spec::load();
    let path = contract_tests::server::workspace_root().join("asyncapi.yaml");
    let asyncapi: Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).expect("asyncapi.yaml"))
            .expect("asyncapi.yaml parses");
    let mut offenders = Vec::new();
    for (channel, item) in asyncapi["channels"].as_object().into_iter().flatten() {
        let Some(op) = spec.operations.iter().find(|op| op.path == *channel) else {
            offenders.push(format!("{channel}: no operation in openapi.yaml"));
            continue;
        };
        let description = op.raw["description"].as_str().unwrap_or_default();
        let messages = item["subscribe"]["message"]["oneOf"]
            .as_array()
            .into_iter()
            .flatten();
        for reference in messages.filter_map(|m| m["$ref"].as_str()) {
            let message = reference
                .strip_prefix('#')
                .and_then(|pointer| asyncapi.pointer(pointer))
                .unwrap_or(&Value::Null);
            let ty = &message["payload"]["properties"]["type"];
            let names = ty["const"].as_str().into_iter().chain(
                ty["enum"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str),
            );
            for name in names {
                if !description.contains(&format!("`{name}`")) {
                    offenders.push(format!("{} does not name `{name}`", op.id));
                }
            }
        }
    }
    assert_none(
        "each socket's description names the events it sends",
        offenders,
    );
}
