//! `asyncapi.yaml` (AsyncAPI 2.6) read as data: its channels, the messages each carries in
//! each direction, and validation of WebSocket frames against their payload schemas.
//!
//! Payloads come in two schema formats:
//! - the default AsyncAPI Schema (JSON Schema draft-07 with extras): validated as draft-07,
//!   after inlining the document's own `#/...` references;
//! - `application/vnd.oai.openapi;version=3.0.0`: OpenAPI 3.0 dialect, whose `$ref`s point at
//!   `./openapi.yaml#/components/schemas/...`. Those go through [`crate::schema`], exactly as
//!   the REST contract tests validate response bodies, against `openapi.yaml`'s own schemas, so
//!   the REST `Message` and the one inside `message.created` cannot drift apart.

mod document;
mod messages;
mod validation;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::Validator;
use serde_json::Value;

use crate::schema::SchemaSet;

const OPENAPI_FORMAT_PREFIX: &str = "application/vnd.oai.openapi";

/// Which way a frame travels, and the AsyncAPI 2.x operation that documents it (2.x describes
/// what *clients* may do: they `subscribe` to what the server sends and `publish` actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    ServerToClient,
    ClientToServer,
}

impl Direction {
    pub fn operation(self) -> &'static str {
        match self {
            Direction::ServerToClient => "subscribe",
            Direction::ClientToServer => "publish",
        }
    }

    /// The property whose value names the message: `type` for events, `action` for actions.
    pub fn discriminator(self) -> &'static str {
        match self {
            Direction::ServerToClient => "type",
            Direction::ClientToServer => "action",
        }
    }
}

/// The schema dialect of a message's payload (its `schemaFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaFormat {
    AsyncApi,
    OpenApi30,
}

/// One message of the document.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its key under `components.messages`, or `(inline)` for one written in a channel.
    pub key: String,
    /// Its `name` (the event `type` or the action), `key` if it has none.
    pub name: String,
    pub format: SchemaFormat,
    /// The payload schema with the document's own `#/...` references inlined (external
    /// `openapi.yaml` references are kept).
    pub payload: Value,
    /// `examples[].payload`, by example name (or index).
    pub examples: Vec<(String, Value)>,
}

impl Message {
    /// The value the payload fixes for `property` (`const`, or an `enum` of one).
    pub fn discriminator_value(&self, property: &str) -> Option<&str> {
        let schema = self.payload.get("properties")?.get(property)?;
        if let Some(value) = schema.get("const") {
            return value.as_str();
        }
        match schema.get("enum")?.as_array()?.as_slice() {
            [only] => only.as_str(),
            _ => None,
        }
    }
}

/// A frame that does not match the document, with everything needed to see why.
#[derive(Debug, Clone)]
pub struct FrameMismatch {
    pub channel: String,
    pub direction: Direction,
    pub frame: String,
    /// The message it was checked against, if one could be chosen.
    pub message: Option<String>,
    pub errors: Vec<String>,
}

impl std::fmt::Display for FrameMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} frame on {} does not match {}:",
            match self.direction {
                Direction::ServerToClient => "server → client",
                Direction::ClientToServer => "client → server",
            },
            self.channel,
            self.message
                .as_deref()
                .map_or("any declared message".to_owned(), |m| format!(
                    "message `{m}`"
                )),
        )?;
        writeln!(f, "  frame: {}", self.frame)?;
        for error in &self.errors {
            writeln!(f, "  - {error}")?;
        }
        Ok(())
    }
}

/// The parsed `asyncapi.yaml`, with `openapi.yaml` for the schemas it references.
pub struct AsyncApi {
    pub document: Value,
    pub openapi: Value,
    openapi_schemas: SchemaSet,
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn documents() -> AsyncApi {
        let asyncapi = json!({
            "asyncapi": "2.6.0",
            "channels": {
                "/ws/": {
                    "subscribe": {"message": {"oneOf": [
                        {"$ref": "#/components/messages/Wrapped"},
                        {"$ref": "#/components/messages/Plain"},
                    ]}},
                },
            },
            "components": {
                "messages": {
                    "Wrapped": {
                        "name": "wrapped",
                        "schemaFormat": "application/vnd.oai.openapi;version=3.0.0",
                        "payload": {
                            "type": "object",
                            "required": ["type", "item"],
                            "additionalProperties": false,
                            "properties": {
                                "type": {"type": "string", "enum": ["wrapped"]},
                                "item": {"$ref": "./openapi.yaml#/components/schemas/Item"},
                            },
                        },
                    },
                    "Plain": {
                        "name": "plain",
                        "payload": {
                            "type": "object",
                            "required": ["type", "id"],
                            "additionalProperties": false,
                            "properties": {
                                "type": {"const": "plain"},
                                "id": {"$ref": "#/components/schemas/Id"},
                                "key": {"type": "string", "format": "uuid"},
                            },
                        },
                    },
                },
                "schemas": {"Id": {"type": "integer", "minimum": 1}},
            },
        });
        let openapi = json!({"components": {"schemas": {"Item": {
            "type": "object",
            "required": ["at"],
            "properties": {"at": {"type": "string", "nullable": true}},
        }}}});
        AsyncApi::from_documents(asyncapi, openapi)
    }

    #[test]
    fn frames_are_checked_against_the_message_their_type_names() {
        let spec = documents();
        let check = |text: &str| spec.check_frame("/ws/", Direction::ServerToClient, text);
        assert_eq!(
            check(r#"{"type":"wrapped","item":{"at":null}}"#).ok(),
            Some("wrapped".into())
        );
        assert_eq!(
            check(r#"{"type":"plain","id":3}"#).ok(),
            Some("plain".into())
        );
        // openapi.yaml's schema is closed and `nullable` understood; local refs are inlined.
        assert!(check(r#"{"type":"wrapped","item":{"at":null,"extra":1}}"#).is_err());
        assert!(check(r#"{"type":"plain","id":0}"#).is_err());
        assert!(check(r#"{"type":"plain","id":1,"key":"not-a-uuid"}"#).is_err());
        assert!(
            check(r#"{"type":"plain","id":1,"key":"6f1c2b2e-8d7a-4c1e-9a55-0b4e2d3fa1c7"}"#)
                .is_ok()
        );
        let unknown = check(r#"{"type":"other"}"#).expect_err("undeclared");
        assert_eq!(unknown.message, None);
        assert!(check("{").is_err());
    }

    #[test]
    fn references_are_checked() {
        let spec = documents();
        assert!(
            spec.reference_problems().is_empty(),
            "{:?}",
            spec.reference_problems()
        );
        let mut broken = spec.document.clone();
        broken["components"]["schemas"]["Bad"] = json!({"$ref": "#/nowhere", "description": "x"});
        let broken = AsyncApi::from_documents(broken, spec.openapi.clone());
        assert_eq!(broken.reference_problems().len(), 2);
    }
}
