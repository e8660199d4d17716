//! Rules the contract itself must keep, whatever the server does: every operation named,
//! tagged and summarised; the error statuses each kind of operation can produce documented;
//! one error type and one success type per operation (progenitor needs both); examples that
//! match their own schemas; OpenAPI 3.0.x.

use std::collections::{BTreeMap, BTreeSet};

use contract_tests::{Operation, Spec};
use serde_json::Value;

const API_ERROR: &str = "#/components/schemas/ApiError";
/// Seed 000's error body, on its `legacy` operations only.
const LEGACY_ERROR: &str = "#/components/schemas/LegacyError";
/// The tag of seed 000's flat routes.
const LEGACY_TAG: &str = "legacy";
/// The first path segments whose errors the server reshapes to `LegacyError`.
const LEGACY_PREFIXES: [&str; 2] = ["/chatrooms/", "/messages/"];
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// Asserts no offender, listing all of them.
fn assert_none(rule: &str, offenders: Vec<String>) {
    assert!(
        offenders.is_empty(),
        "{rule}; {} offenders:\n  {}",
        offenders.len(),
        offenders.join("\n  ")
    );
}

/// Every operation for which `offends` has something to say.
fn offenders(offends: impl Fn(&Operation) -> Option<String>) -> Vec<String> {
    let spec = Spec::load();
    spec.operations
        .iter()
        .filter_map(|op| {
            offends(op).map(|why| format!("{} {} ({}): {why}", op.method, op.path, op.id))
        })
        .collect()
}

fn is_legacy(op: &Operation) -> bool {
    op.raw["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|tag| tag == LEGACY_TAG))
}

/// The one error schema of an operation: `LegacyError` on seed 000's routes, else `ApiError`.
fn error_schema(op: &Operation) -> &'static str {
    if is_legacy(op) {
        LEGACY_ERROR
    } else {
        API_ERROR
    }
}

fn lacks(op: &Operation, statuses: &[&str]) -> Option<String> {
    let missing: Vec<&str> = statuses
        .iter()
        .copied()
        .filter(|status| !op.responses.contains_key(*status))
        .collect();
    (!missing.is_empty()).then(|| format!("does not document {}", missing.join(", ")))
}

#[test]
fn the_spec_is_openapi_3_0() {
    let spec = Spec::load();
    let version = spec.document["openapi"].as_str().unwrap_or_default();
    assert!(
        version.starts_with("3.0."),
        "openapi: {version:?}, not 3.0.x"
    );
    assert!(!spec.operations.is_empty(), "no operations at all");
}

#[test]
fn every_operation_has_an_id_a_tag_and_a_summary() {
    let nonempty = |value: &Value| value.as_str().is_some_and(|s| !s.trim().is_empty());
    assert_none(
        "every operation needs an operationId, a tag and a summary",
        offenders(|op| {
            let mut missing = Vec::new();
            if op.id.is_empty() {
                missing.push("operationId");
            }
            if op.raw["tags"].as_array().is_none_or(Vec::is_empty) {
                missing.push("tags");
            }
            if !nonempty(&op.raw["summary"]) {
                missing.push("summary");
            }
            (!missing.is_empty()).then(|| format!("no {}", missing.join(", ")))
        }),
    );
}

#[test]
fn operation_ids_are_unique() {
    let spec = Spec::load();
    let mut seen = BTreeMap::<&str, usize>::new();
    for op in &spec.operations {
        *seen.entry(op.id.as_str()).or_default() += 1;
    }
    let repeated = seen
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(id, count)| format!("{id:?} names {count} operations"))
        .collect();
    assert_none("operationIds must be unique", repeated);
}

#[test]
fn every_operation_documents_500_and_503() {
    assert_none(
        "every operation documents its 500, and its 503 (storage unavailable, or over \
         CHAT_REQUEST_TIMEOUT_SECS)",
        offenders(|op| lacks(op, &["500", "503"])),
    );
}

/// The operations a throttle guards (API.md "Limits"): message creation per user on every
/// route that creates messages, token requests per username.
const THROTTLED: [&str; 4] = [
    "messages_create",
    "direct_messages_create",
    "legacy_messages_create",
    "token_obtain",
];

#[test]
fn throttled_operations_document_429_with_retry_after() {
    assert_none(
        "a throttled operation documents 429 and its Retry-After header (integer seconds)",
        offenders(|op| {
            if !THROTTLED.contains(&op.id.as_str()) {
                return None;
            }
            let header = &op.raw["responses"]["429"]["headers"]["Retry-After"];
            if !op.responses.contains_key("429") {
                Some("does not document 429".to_owned())
            } else if header["schema"]["type"] != "integer" {
                Some(format!("429's Retry-After is {header}, not an integer"))
            } else {
                None
            }
        }),
    );
}

#[test]
fn operations_with_a_request_body_document_400_413_and_415() {
    assert_none(
        "a request body can be malformed (400), too large (413) or of a media type the \
         operation does not take (415)",
        offenders(|op| lacks(op, &["400", "413", "415"]).filter(|_| op.has_request_body())),
    );
}

#[test]
fn secured_operations_document_401() {
    assert_none(
        "an operation with `security` can be refused credentials (401)",
        offenders(|op| lacks(op, &["401"]).filter(|_| op.is_secured())),
    );
}

#[test]
fn operations_with_path_parameters_document_404() {
    assert_none(
        "a path parameter can name nothing (404)",
        offenders(|op| lacks(op, &["404"]).filter(|_| op.has_path_parameters())),
    );
}

#[test]
fn every_error_response_is_the_operations_one_error_schema() {
    assert_none(
        "every 4xx/5xx body is `$ref: '#/components/schemas/ApiError'` alone, or \
         `LegacyError` alone on a `legacy` operation (progenitor takes one error type per \
         operation)",
        offenders(|op| {
            let expected = error_schema(op);
            let wrong: Vec<String> = op.raw["responses"]
                .as_object()?
                .iter()
                .filter(|(status, _)| status.starts_with('4') || status.starts_with('5'))
                .filter_map(|(status, response)| {
                    let schemas = body_schemas(response);
                    let only_expected = schemas.len() == 1
                        && schemas[0].get("$ref").and_then(Value::as_str) == Some(expected);
                    (!only_expected).then(|| format!("{status} has {schemas:?}, not {expected}"))
                })
                .collect();
            (!wrong.is_empty()).then(|| wrong.join("; "))
        }),
    );
}

/// The server gives `LegacyError` bodies by path (`/chatrooms/...`, `/messages/...`), the spec
/// by tag: the two must name the same operations, all of them deprecated.
#[test]
fn legacy_operations_are_the_deprecated_flat_routes() {
    assert_none(
        "an operation is tagged `legacy` exactly when its path starts with /chatrooms/ or \
         /messages/, and every `legacy` operation is deprecated",
        offenders(|op| {
            let on_legacy_path = LEGACY_PREFIXES
                .iter()
                .any(|prefix| op.path.starts_with(prefix));
            if is_legacy(op) != on_legacy_path {
                return Some(format!(
                    "tagged legacy: {}, on a legacy path: {on_legacy_path}",
                    is_legacy(op)
                ));
            }
            (is_legacy(op) && op.raw["deprecated"] != Value::Bool(true))
                .then(|| "a legacy operation that is not deprecated".to_owned())
        }),
    );
}

/// JSON bodies everywhere; seed 000's `legacy` operations take the same body as a form too.
#[test]
fn request_bodies_are_json_and_also_forms_on_legacy_operations_only() {
    assert_none(
        "a request body is `application/json`; a `legacy` operation's is also \
         `application/x-www-form-urlencoded`, with the same schema; nothing else",
        offenders(|op| {
            let content = op.raw.get("requestBody")?["content"].as_object();
            let media_types: BTreeSet<&str> = content
                .into_iter()
                .flatten()
                .map(|(media_type, _)| media_type.as_str())
                .collect();
            let expected: BTreeSet<&str> = if is_legacy(op) {
                [JSON, FORM].into()
            } else {
                [JSON].into()
            };
            if media_types != expected {
                return Some(format!("takes {media_types:?}, not {expected:?}"));
            }
            let schemas: BTreeSet<String> = content
                .into_iter()
                .flatten()
                .map(|(_, media)| media["schema"].to_string())
                .collect();
            (schemas.len() != 1).then(|| format!("the media types' schemas differ: {schemas:?}"))
        }),
    );
}

#[test]
fn every_operation_has_one_success_body_type() {
    assert_none(
        "all 2xx responses of an operation share one body type (or all have none)",
        offenders(|op| {
            let responses = op.raw["responses"].as_object()?;
            // An upgrade's success is the bodiless 101 progenitor turns into the connection.
            if op.raw.get("x-dropshot-websocket").is_some() {
                let Some(upgrade) = responses.get("101") else {
                    return Some("a WebSocket operation documents no 101".to_owned());
                };
                return (!body_schemas(upgrade).is_empty()
                    || responses.keys().any(|s| s.starts_with('2')))
                .then(|| "a WebSocket operation answers a bodiless 101 and no 2xx".to_owned());
            }
            let success: BTreeMap<&String, Vec<&Value>> = responses
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .map(|(status, response)| (status, body_schemas(response)))
                .collect();
            if success.is_empty() {
                return Some("documents no 2xx response".to_owned());
            }
            let distinct: BTreeSet<String> = success
                .values()
                .map(|schemas| serde_json::to_string(schemas).unwrap_or_default())
                .collect();
            (distinct.len() > 1).then(|| format!("2xx bodies differ: {success:?}"))
        }),
    );
}

/// The one response whose body is not JSON, by design: (operationId, status, media type,
/// schema). Prometheus scrapes the text exposition format (`text/plain`), not JSON.
const TEXT_RESPONSES: [(&str, &str, &str, &str); 1] = [(
    "metrics",
    "200",
    "text/plain; charset=utf-8",
    r#"{"type":"string"}"#,
)];

#[test]
fn every_response_body_is_json_and_described() {
    assert_none(
        "responses need a description, and their bodies are JSON (Prometheus text aside)",
        offenders(|op| {
            let wrong: Vec<String> = op.raw["responses"]
                .as_object()?
                .iter()
                .flat_map(|(status, response)| {
                    let mut wrong = Vec::new();
                    if !response["description"].is_string() {
                        wrong.push(format!("{status} has no description"));
                    }
                    let media_types = response["content"].as_object().into_iter().flatten();
                    wrong.extend(
                        media_types
                            .filter(|(media_type, body)| {
                                !media_type.starts_with("application/json")
                                    && !TEXT_RESPONSES.iter().any(|text| {
                                        *text
                                            == (
                                                op.id.as_str(),
                                                status.as_str(),
                                                media_type.as_str(),
                                                body["schema"].to_string().as_str(),
                                            )
                                    })
                            })
                            .map(|(media_type, _)| format!("{status} is {media_type}")),
                    );
                    wrong
                })
                .collect();
            (!wrong.is_empty()).then(|| wrong.join("; "))
        }),
    );
}

#[test]
fn every_reference_resolves() {
    let spec = Spec::load();
    let mut dangling = Vec::new();
    visit(&spec.document, "", None, &mut |node, pointer, _| {
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            let target = reference
                .strip_prefix('#')
                .and_then(|path| spec.document.pointer(path));
            if target.is_none() {
                dangling.push(format!("{pointer}: {reference}"));
            }
        }
    });
    assert_none("every $ref points into the document", dangling);
}

#[test]
fn every_example_matches_its_own_schema() {
    let (examples, wrong) = example_mismatches(&Spec::load());
    assert!(examples > 0, "the spec has no examples to check");
    assert_none("every example validates against its own schema", wrong);
}

/// The example check itself finds examples at every level: schema, property, parameter,
/// media type (`example` and `examples`), and ignores a property merely named `example`.
#[test]
fn the_example_check_looks_everywhere() {
    let document = serde_json::json!({
        "openapi": "3.0.0",
        "paths": { "/things/{id}/": { "get": {
            "parameters": [{ "name": "id", "in": "path", "schema": { "type": "integer" },
                             "example": "one" }],
            "responses": { "200": { "description": "OK", "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Thing" },
                "example": { "id": 1, "note": null },
                "examples": { "bad": { "value": { "id": "1" } } }
            } } } }
        } } },
        "components": { "schemas": { "Thing": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": { "type": "integer", "example": 7 },
                "note": { "type": "string", "nullable": true, "example": 5 },
                "example": { "type": "string" }
            },
            "example": { "id": 2, "extra": true }
        } } }
    });
    let (examples, wrong) = example_mismatches(&Spec::from_document(document));
    assert_eq!(examples, 6, "{wrong:#?}");
    let wrong = wrong.join("\n");
    for expected in [
        "/paths/~1things~1{id}~1/get/parameters/0/example",
        "/content/application~1json/examples/bad/value",
        "/components/schemas/Thing/properties/note/example",
        "/components/schemas/Thing/example",
    ] {
        assert!(
            wrong.contains(expected),
            "{expected} not reported in:\n{wrong}"
        );
    }
    assert_eq!(wrong.matches("example: ").count(), 4, "{wrong}");
}

/// How many examples the spec has, and a description of each that fails its schema.
fn example_mismatches(spec: &Spec) -> (usize, Vec<String>) {
    let mut examples = 0;
    let mut wrong = Vec::new();
    visit(
        &spec.document,
        "",
        None,
        &mut |node, pointer, in_name_map| {
            if in_name_map {
                return;
            }
            // A parameter, header or media type carries its schema under `schema`; anything else
            // with an `example` is a schema itself.
            let schema = node.get("schema").unwrap_or(node);
            let mut samples: Vec<(String, &Value)> = Vec::new();
            if let Some(example) = node.get("example") {
                samples.push((format!("{pointer}/example"), example));
            }
            if let Some(named) = node.get("examples").and_then(Value::as_object)
                && node.get("schema").is_some()
            {
                for (name, example) in named {
                    if let Some(value) = example.get("value") {
                        samples.push((format!("{pointer}/examples/{}/value", escape(name)), value));
                    }
                }
            }
            for (at, example) in samples {
                examples += 1;
                let errors = spec.schemas.errors(schema, example);
                if !errors.is_empty() {
                    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    wrong.push(format!(
                        "{at}:\n      {}\n    example: {example}",
                        errors.join("\n      ")
                    ));
                }
            }
        },
    );
    (examples, wrong)
}

/// The schemas of a response's bodies (one per media type).
fn body_schemas(response: &Value) -> Vec<&Value> {
    response["content"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, media)| &media["schema"])
        .collect()
}

/// Calls `f` on every object of `node` with its JSON pointer and whether it is a map from
/// names to things (`properties`, `schemas`, ...), whose keys are names, not keywords.
/// Example values are data, not spec, and are not entered.
fn visit(node: &Value, pointer: &str, key: Option<&str>, f: &mut impl FnMut(&Value, &str, bool)) {
    let name_map = matches!(
        key,
        Some(
            "properties"
                | "patternProperties"
                | "schemas"
                | "paths"
                | "responses"
                | "content"
                | "headers"
                | "securitySchemes"
                | "examples"
                | "$defs"
                | "definitions"
        )
    );
    match node {
        Value::Object(map) => {
            f(node, pointer, name_map);
            for (child_key, child) in map {
                if !name_map
                    && matches!(
                        child_key.as_str(),
                        "example" | "examples" | "enum" | "default"
                    )
                {
                    continue;
                }
                let child_pointer = format!("{pointer}/{}", escape(child_key));
                let child_key = if name_map {
                    None
                } else {
                    Some(child_key.as_str())
                };
                visit(child, &child_pointer, child_key, f);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                visit(item, &format!("{pointer}/{index}"), None, f);
            }
        }
        _ => {}
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
