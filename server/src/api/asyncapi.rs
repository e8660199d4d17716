//! `asyncapi.yaml` made whole for the AsyncAPI page: its payloads point into `openapi.yaml`
//! (`./openapi.yaml#/components/schemas/Message`), which the renderer in the browser cannot
//! follow, so the schemas they name (and those these name in turn) are copied into the
//! document's own `components.schemas` and the references made local. They are OpenAPI 3.0
//! schemas, which the AsyncAPI parser mostly takes (see [`to_json_schema`]). `/asyncapi.yaml`
//! stays as checked in, for tools that resolve relative references themselves.

use serde_json::{Map, Value};

/// What a reference into the OpenAPI document starts with.
const OPENAPI_REF: &str = "./openapi.yaml#";
const SCHEMAS: &str = "#/components/schemas/";

/// The AsyncAPI document (YAML) as one JSON document, given the OpenAPI document (JSON).
pub fn bundle(asyncapi_yaml: &str, openapi: &Value) -> Result<String, String> {
    let mut document: Value = serde_yaml::from_str(asyncapi_yaml)
        .map_err(|err| format!("asyncapi.yaml does not parse: {err}"))?;
    let mut wanted = Vec::new();
    localise(&mut document, &mut wanted);
    let openapi_schemas = openapi
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("the OpenAPI document has no schemas")?;
    let mut copied = Map::new();
    while let Some(name) = wanted.pop() {
        if copied.contains_key(&name) {
            continue;
        }
        let schema = openapi_schemas
            .get(&name)
            .ok_or_else(|| format!("asyncapi.yaml refers to {name}, which openapi.yaml lacks"))?;
        refs_into(schema, &mut wanted);
        copied.insert(name, to_json_schema(schema.clone()));
    }
    let schemas = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("asyncapi.yaml has no components.schemas")?;
    for (name, schema) in copied {
        if schemas.insert(name.clone(), schema).is_some() {
            return Err(format!("{name} is a schema of both documents"));
        }
    }
    serde_json::to_string(&document).map_err(|err| err.to_string())
}

/// An OpenAPI 3.0 schema as the AsyncAPI parser takes it: it knows `nullable` only beside a
/// `type` and has no `null` type, so a nullable reference becomes "it, or the value null";
/// it fails on `example` (the REST documentation shows those).
fn to_json_schema(schema: Value) -> Value {
    match schema {
        Value::Object(mut map) => {
            map.remove("example");
            for (key, value) in map.iter_mut() {
                if !matches!(key.as_str(), "enum" | "default") {
                    *value = to_json_schema(value.take());
                }
            }
            if map.get("type").is_none() && map.remove("nullable") == Some(Value::Bool(true)) {
                let description = map.remove("description");
                let mut either = serde_json::json!({
                    "anyOf": [Value::Object(map), { "enum": [null] }]
                });
                if let Some(description) = description {
                    either["description"] = description;
                }
                return either;
            }
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(to_json_schema).collect()),
        other => other,
    }
}

/// Makes every reference into the OpenAPI document local, noting the schemas it names.
fn localise(node: &mut Value, wanted: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(pointer) = reference.strip_prefix(OPENAPI_REF)
            {
                let local = format!("#{pointer}");
                if let Some(name) = local.strip_prefix(SCHEMAS) {
                    wanted.push(name.to_owned());
                }
                *reference = local;
            }
            map.values_mut().for_each(|value| localise(value, wanted));
        }
        Value::Array(items) => items.iter_mut().for_each(|item| localise(item, wanted)),
        _ => {}
    }
}

/// The component schemas `node` refers to.
fn refs_into(node: &Value, wanted: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix(SCHEMAS))
            {
                wanted.push(name.to_owned());
            }
            map.values().for_each(|value| refs_into(value, wanted));
        }
        Value::Array(items) => items.iter().for_each(|item| refs_into(item, wanted)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_document_refers_only_to_itself() {
        let openapi: Value =
            serde_json::from_str(&crate::api::spec().json).expect("the spec is JSON");
        let bundled =
            bundle(super::super::docs::ASYNCAPI_DOCUMENT, &openapi).expect("asyncapi.yaml bundles");
        assert!(
            !bundled.contains(OPENAPI_REF),
            "an external reference is left"
        );
        let document: Value = serde_json::from_str(&bundled).expect("JSON");
        let mut dangling = Vec::new();
        let mut names = Vec::new();
        refs_into(&document, &mut names);
        for name in names {
            if document
                .pointer(&format!("/components/schemas/{name}"))
                .is_none()
            {
                dangling.push(name);
            }
        }
        assert!(dangling.is_empty(), "dangling: {dangling:?}");
        // Message refers to Reaction and ReplyPreview: copied along, as JSON Schema.
        assert!(
            document
                .pointer("/components/schemas/ReplyPreview")
                .is_some()
        );
        let preview = document
            .pointer("/components/schemas/Message/properties/reply_preview")
            .expect("Message.reply_preview");
        assert_eq!(
            preview["anyOf"][1],
            serde_json::json!({ "enum": [null] }),
            "{preview}"
        );
    }
}
