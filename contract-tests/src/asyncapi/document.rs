//! Reading `asyncapi.yaml` and `openapi.yaml`, and resolving (and checking) their references.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::AsyncApi;
use crate::schema::{ObjectPolicy, SchemaSet};

/// The external reference prefixes that mean "a component schema of `openapi.yaml`".
const OPENAPI_REF_PREFIXES: [&str; 2] = [
    "./openapi.yaml#/components/schemas/",
    "openapi.yaml#/components/schemas/",
];
/// How deep reference inlining may go before a cycle is assumed.
const MAX_REF_DEPTH: usize = 32;

impl AsyncApi {
    /// The workspace's `asyncapi.yaml` and `openapi.yaml`.
    pub fn load() -> AsyncApi {
        let root = crate::server::workspace_root();
        AsyncApi::read(&root.join("asyncapi.yaml"), &root.join("openapi.yaml"))
    }

    pub fn read(asyncapi: &Path, openapi: &Path) -> AsyncApi {
        AsyncApi::from_documents(read_yaml(asyncapi), read_yaml(openapi))
    }

    pub fn from_documents(document: Value, openapi: Value) -> AsyncApi {
        // Closed, as the REST contract tests read openapi.yaml: a field the spec does not
        // list is a mismatch.
        let openapi_schemas = SchemaSet::new(&openapi["components"], ObjectPolicy::Closed);
        AsyncApi {
            document,
            openapi,
            openapi_schemas,
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// Local references (`#/...`) that do not resolve, and `$ref`s with sibling keywords
    /// (ignored by draft-07 and OpenAPI 3.0, so a constraint written there would be silently
    /// lost), as JSON pointers with the reason.
    pub fn reference_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        walk(&self.document, "", &mut |pointer, map| {
            let Some(reference) = map.get("$ref") else {
                return;
            };
            let Some(reference) = reference.as_str() else {
                problems.push(format!("{pointer}: `$ref` is not a string"));
                return;
            };
            if map.len() > 1 {
                let siblings: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|k| *k != "$ref")
                    .collect();
                problems.push(format!(
                    "{pointer}: `$ref` with siblings {siblings:?}, which are ignored"
                ));
            }
            if let Some(local) = reference.strip_prefix('#') {
                if self.document.pointer(local).is_none() {
                    problems.push(format!("{pointer}: `{reference}` does not resolve"));
                }
            } else if let Some(name) = openapi_component(reference) {
                if self.openapi["components"]["schemas"].get(name).is_none() {
                    problems.push(format!(
                        "{pointer}: `{reference}` is not a schema of openapi.yaml"
                    ));
                }
            } else {
                problems.push(format!(
                    "{pointer}: `{reference}` points outside this document and openapi.yaml"
                ));
            }
        });
        problems
    }
}

fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_yaml::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not YAML: {err}", path.display()))
}

/// The component name of an `openapi.yaml#/components/schemas/<name>` reference.
fn openapi_component(reference: &str) -> Option<&str> {
    OPENAPI_REF_PREFIXES
        .iter()
        .find_map(|prefix| reference.strip_prefix(prefix))
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

/// `value` with every `#/...` reference replaced by its target (siblings of `$ref` dropped,
/// as draft-07 and OpenAPI 3.0 ignore them); other references are kept as written.
pub(super) fn inline_local_refs(
    document: &Value,
    value: &Value,
    depth: usize,
) -> Result<Value, String> {
    if depth > MAX_REF_DEPTH {
        return Err("references nest too deep (a cycle?)".into());
    }
    match value {
        Value::Object(map) => {
            if let Some(local) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                let target = document
                    .pointer(local)
                    .ok_or_else(|| format!("`#{local}` does not resolve"))?;
                return inline_local_refs(document, target, depth + 1);
            }
            let mut out = Map::new();
            for (key, item) in map {
                out.insert(key.clone(), inline_local_refs(document, item, depth)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| inline_local_refs(document, item, depth))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// An OpenAPI-format payload with its `openapi.yaml` references pointed at the components
/// [`SchemaSet`](crate::schema::SchemaSet) holds (`#/components/schemas/<name>`).
pub(super) fn openapi_refs(payload: &Value, openapi: &Value) -> Result<Value, String> {
    match payload {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                let reference = reference.as_str().unwrap_or_default();
                let name = openapi_component(reference).ok_or_else(|| {
                    format!("`{reference}` is not an openapi.yaml component schema")
                })?;
                if openapi["components"]["schemas"].get(name).is_none() {
                    return Err(format!("openapi.yaml has no schema `{name}`"));
                }
                let mut out = map.clone();
                out.insert(
                    "$ref".into(),
                    Value::String(format!("#/components/schemas/{name}")),
                );
                return Ok(Value::Object(out));
            }
            let mut out = Map::new();
            for (key, item) in map {
                out.insert(key.clone(), openapi_refs(item, openapi)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| openapi_refs(item, openapi))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Calls `visit` with the JSON pointer of every object in `value`.
pub(super) fn walk(value: &Value, pointer: &str, visit: &mut dyn FnMut(&str, &Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            visit(pointer, map);
            for (key, item) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                walk(item, &format!("{pointer}/{escaped}"), visit);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{pointer}/{i}"), visit);
            }
        }
        _ => {}
    }
}
