//! OpenAPI 3.0 schemas turned into JSON Schema 2020-12, and validation of JSON against them.
//!
//! OpenAPI 3.0's schema dialect is not JSON Schema: `nullable: true` has no JSON Schema
//! meaning (a validator would ignore it and reject every `null`), `exclusiveMinimum` is a
//! boolean, siblings of `$ref` are ignored, and `example` is not a keyword. The conversion
//! below translates those, keeps everything that means the same in both (`required`,
//! `additionalProperties`, `format`, bounds, `enum`), and points `$ref`s at `$defs` so each
//! schema is validated as one self-contained document, with nothing fetched from anywhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

const COMPONENT_PREFIX: &str = "#/components/schemas/";
const DEFS_PREFIX: &str = "#/$defs/";

/// How objects without `additionalProperties` are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectPolicy {
    /// As JSON Schema reads them: any undocumented property is allowed.
    AsDocumented,
    /// Only documented properties: a field the spec does not list is a mismatch, since a
    /// client generated from the spec would silently drop it.
    Closed,
}

/// One reason a JSON value does not match a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer into the instance (`""` is the whole value).
    pub instance_path: String,
    /// JSON pointer into the converted schema that failed.
    pub schema_path: String,
    pub message: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.instance_path.is_empty() {
            "(the whole body)"
        } else {
            &self.instance_path
        };
        write!(f, "at {at}: {} [schema {}]", self.message, self.schema_path)
    }
}

/// The spec's `components.schemas`, converted, with compiled validators cached by schema.
pub struct SchemaSet {
    policy: ObjectPolicy,
    defs: Value,
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

impl SchemaSet {
    /// `components` is the spec's `components` object (its `schemas` are the `$ref` targets).
    pub fn new(components: &Value, policy: ObjectPolicy) -> SchemaSet {
        let defs = components
            .get("schemas")
            .and_then(Value::as_object)
            .map(|schemas| {
                schemas
                    .iter()
                    .map(|(name, schema)| (name.clone(), to_json_schema(schema, policy)))
                    .collect::<Map<_, _>>()
            })
            .unwrap_or_default();
        SchemaSet {
            policy,
            defs: Value::Object(defs),
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// Every way `instance` fails the OpenAPI `schema`; empty when it matches. A schema that
    /// does not compile is reported as an error too, so a broken spec cannot pass silently.
    pub fn errors(&self, schema: &Value, instance: &Value) -> Vec<SchemaError> {
        let validator = match self.validator(schema) {
            Ok(validator) => validator,
            Err(message) => {
                return vec![SchemaError {
                    instance_path: String::new(),
                    schema_path: String::new(),
                    message: format!("the schema does not compile: {message}"),
                }];
            }
        };
        validator
            .iter_errors(instance)
            .map(|error| SchemaError {
                instance_path: error.instance_path().to_string(),
                schema_path: error.schema_path().to_string(),
                message: error.to_string(),
            })
            .collect()
    }

    /// The JSON Schema document `schema` is validated with: the converted schema plus every
    /// component under `$defs`.
    pub fn document(&self, schema: &Value) -> Value {
        let converted = to_json_schema(schema, self.policy);
        let mut document = match converted {
            Value::Object(map) => map,
            // `true`/`false` schemas: wrap so `$defs` has somewhere to live.
            other => Map::from_iter([("allOf".to_owned(), json!([other]))]),
        };
        document.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        document.insert("$defs".into(), self.defs.clone());
        Value::Object(document)
    }

    fn validator(&self, schema: &Value) -> Result<Arc<Validator>, String> {
        let key = schema.to_string();
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(validator) = compiled.get(&key) {
            return Ok(Arc::clone(validator));
        }
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&self.document(schema))
            .map_err(|error| error.to_string())?;
        let validator = Arc::new(validator);
        compiled.insert(key, Arc::clone(&validator));
        Ok(validator)
    }
}

/// One OpenAPI 3.0 schema as JSON Schema 2020-12 (`$ref`s pointing into `#/$defs/`).
pub fn to_json_schema(schema: &Value, policy: ObjectPolicy) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    let nullable = map.get("nullable") == Some(&Value::Bool(true));

    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        // OpenAPI 3.0 ignores the siblings of `$ref`; JSON Schema 2020-12 would apply them.
        let target = json!({ "$ref": rewrite_ref(reference) });
        return if nullable { or_null(target) } else { target };
    }

    let mut out = Map::new();
    for (keyword, value) in map {
        let converted = match keyword.as_str() {
            // OpenAPI-only keywords with no validation meaning (`nullable` is handled below).
            "nullable" | "example" | "discriminator" | "xml" | "externalDocs" => continue,
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                Value::Object(map_values(value, policy))
            }
            "items" | "not" | "additionalProperties" | "propertyNames" | "contains" => {
                to_json_schema(value, policy)
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => Value::Array(
                value
                    .as_array()
                    .map(|schemas| schemas.iter().map(|s| to_json_schema(s, policy)).collect())
                    .unwrap_or_default(),
            ),
            _ => value.clone(),
        };
        out.insert(keyword.clone(), converted);
    }

    translate_exclusive_bound(&mut out, "exclusiveMinimum", "minimum");
    translate_exclusive_bound(&mut out, "exclusiveMaximum", "maximum");

    let is_object = out.get("type") == Some(&json!("object"));
    let composed = ["allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| out.contains_key(*k));
    if policy == ObjectPolicy::Closed
        && is_object
        && !composed
        && !out.contains_key("additionalProperties")
    {
        // `allOf` parts cannot be closed one by one without rejecting each other's fields,
        // hence only plain objects.
        out.insert("additionalProperties".into(), Value::Bool(false));
    }

    if nullable {
        return make_nullable(out);
    }
    Value::Object(out)
}

fn map_values(value: &Value, policy: ObjectPolicy) -> Map<String, Value> {
    value
        .as_object()
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, s)| (name.clone(), to_json_schema(s, policy)))
                .collect()
        })
        .unwrap_or_default()
}

fn rewrite_ref(reference: &str) -> String {
    match reference.strip_prefix(COMPONENT_PREFIX) {
        Some(name) => format!("{DEFS_PREFIX}{name}"),
        None => reference.to_owned(),
    }
}

/// OpenAPI 3.0 (like draft 4) writes `minimum: 0, exclusiveMinimum: true`; 2020-12 writes
/// `exclusiveMinimum: 0`.
fn translate_exclusive_bound(schema: &mut Map<String, Value>, exclusive: &str, bound: &str) {
    match schema.get(exclusive) {
        Some(Value::Bool(true)) => {
            schema.remove(exclusive);
            if let Some(limit) = schema.remove(bound) {
                schema.insert(exclusive.to_owned(), limit);
            }
        }
        Some(Value::Bool(false)) => {
            schema.remove(exclusive);
        }
        _ => {}
    }
}

/// `nullable: true` → `null` is allowed as well as what the schema says.
fn make_nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(enumeration) = schema.get_mut("enum").and_then(Value::as_array_mut)
        && !enumeration.contains(&Value::Null)
    {
        enumeration.push(Value::Null);
    }
    match schema.get("type").cloned() {
        Some(Value::String(single)) => {
            schema.insert("type".into(), json!([single, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(mut several)) => {
            if !several.contains(&json!("null")) {
                several.push(json!("null"));
            }
            schema.insert("type".into(), Value::Array(several));
            Value::Object(schema)
        }
        // Without a `type` (e.g. only `allOf`), `null` has to be an alternative.
        _ => or_null(Value::Object(schema)),
    }
}

fn or_null(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}
