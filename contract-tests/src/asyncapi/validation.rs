//! Validating frames and payloads against their message's schema, in either schema format.

use std::sync::Arc;

use jsonschema::{Draft, Validator};
use serde_json::Value;

use super::document::{openapi_refs, walk};
use super::{AsyncApi, Direction, FrameMismatch, Message, OPENAPI_FORMAT_PREFIX, SchemaFormat};
use crate::schema::SchemaError;

impl AsyncApi {
    /// Checks one frame (its text as sent) against the message its discriminator names;
    /// returns that message's name.
    pub fn check_frame(
        &self,
        channel: &str,
        direction: Direction,
        text: &str,
    ) -> Result<String, FrameMismatch> {
        let mismatch = |message: Option<String>, errors: Vec<String>| FrameMismatch {
            channel: channel.to_owned(),
            direction,
            frame: text.to_owned(),
            message,
            errors,
        };
        let frame: Value = serde_json::from_str(text)
            .map_err(|err| mismatch(None, vec![format!("not JSON: {err}")]))?;
        let message = self
            .message_for(channel, direction, &frame)
            .map_err(|err| mismatch(None, vec![err]))?;
        let errors = self.errors(&message, &frame);
        if errors.is_empty() {
            Ok(message.name)
        } else {
            Err(mismatch(
                Some(message.name),
                errors.iter().map(ToString::to_string).collect(),
            ))
        }
    }

    /// Every way `instance` fails `message`'s payload; empty when it matches.
    pub fn errors(&self, message: &Message, instance: &Value) -> Vec<SchemaError> {
        let whole = |text: String| {
            vec![SchemaError {
                instance_path: String::new(),
                schema_path: String::new(),
                message: text,
            }]
        };
        match message.format {
            SchemaFormat::OpenApi30 => match openapi_refs(&message.payload, &self.openapi) {
                Ok(payload) => self.openapi_schemas.errors(&payload, instance),
                Err(err) => whole(err),
            },
            SchemaFormat::AsyncApi => match self.draft7_validator(&message.payload) {
                Ok(validator) => validator
                    .iter_errors(instance)
                    .map(|error| SchemaError {
                        instance_path: error.instance_path().to_string(),
                        schema_path: error.schema_path().to_string(),
                        message: error.to_string(),
                    })
                    .collect(),
                Err(err) => whole(err),
            },
        }
    }

    fn draft7_validator(&self, payload: &Value) -> Result<Arc<Validator>, String> {
        let mut remaining = Vec::new();
        walk(payload, "", &mut |pointer, map| {
            if let Some(reference) = map.get("$ref") {
                remaining.push(format!("{pointer}: {reference}"));
            }
        });
        if !remaining.is_empty() {
            return Err(format!(
                "an AsyncAPI-format payload may only reference this document (an OpenAPI schema \
                 needs `schemaFormat: {OPENAPI_FORMAT_PREFIX};version=3.0.0`): {remaining:?}"
            ));
        }
        let key = payload.to_string();
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(validator) = compiled.get(&key) {
            return Ok(Arc::clone(validator));
        }
        let validator = jsonschema::options()
            .with_draft(Draft::Draft7)
            .should_validate_formats(true)
            // Draft-07 has no `uuid` format; AsyncAPI tools check it as later drafts do.
            .with_format("uuid", is_uuid)
            .build(payload)
            .map_err(|error| format!("the payload schema does not compile: {error}"))?;
        let validator = Arc::new(validator);
        compiled.insert(key, Arc::clone(&validator));
        Ok(validator)
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}
