//! The messages of the document: by channel and direction, as components, and the one a
//! frame's discriminator names.

use serde_json::Value;

use super::document::inline_local_refs;
use super::{AsyncApi, Direction, Message, OPENAPI_FORMAT_PREFIX, SchemaFormat};

impl AsyncApi {
    /// The channel addresses, in document order.
    pub fn channels(&self) -> Vec<String> {
        self.document["channels"]
            .as_object()
            .map(|channels| channels.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The messages `channel` carries in `direction` (its operation's `message`, one or a
    /// `oneOf` list).
    pub fn messages(&self, channel: &str, direction: Direction) -> Result<Vec<Message>, String> {
        let operation = self
            .document
            .get("channels")
            .and_then(|c| c.get(channel))
            .ok_or_else(|| format!("no channel `{channel}`"))?
            .get(direction.operation())
            .ok_or_else(|| format!("channel `{channel}` has no `{}`", direction.operation()))?;
        let message = operation
            .get("message")
            .ok_or_else(|| format!("`{channel}` {} has no message", direction.operation()))?;
        match message.get("oneOf").and_then(Value::as_array) {
            Some(list) => list.iter().map(|m| self.message(m)).collect(),
            None => Ok(vec![self.message(message)?]),
        }
    }

    /// Every message under `components.messages`.
    pub fn component_messages(&self) -> Result<Vec<Message>, String> {
        let Some(messages) = self.document["components"]["messages"].as_object() else {
            return Ok(Vec::new());
        };
        messages
            .iter()
            .map(|(key, message)| self.build_message(key.clone(), message))
            .collect()
    }

    /// The message of `channel` and `direction` whose discriminator (`type` / `action`) is
    /// the frame's.
    pub fn message_for(
        &self,
        channel: &str,
        direction: Direction,
        frame: &Value,
    ) -> Result<Message, String> {
        let property = direction.discriminator();
        let value = frame
            .get(property)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the frame has no string `{property}`"))?;
        let mut candidates: Vec<Message> = self
            .messages(channel, direction)?
            .into_iter()
            .filter(|m| m.discriminator_value(property) == Some(value))
            .collect();
        match candidates.len() {
            1 => Ok(candidates.remove(0)),
            0 => Err(format!(
                "`{channel}` declares no {} message with `{property}: {value}`",
                direction.operation()
            )),
            n => Err(format!(
                "`{channel}` declares {n} {} messages with `{property}: {value}`",
                direction.operation()
            )),
        }
    }

    fn message(&self, value: &Value) -> Result<Message, String> {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let key = reference
                    .strip_prefix("#/components/messages/")
                    .ok_or_else(|| format!("message reference `{reference}` is not a component"))?;
                let target = self.document["components"]["messages"]
                    .get(key)
                    .ok_or_else(|| format!("message `{reference}` does not resolve"))?;
                self.build_message(key.to_owned(), target)
            }
            None => self.build_message("(inline)".to_owned(), value),
        }
    }

    fn build_message(&self, key: String, value: &Value) -> Result<Message, String> {
        let value = inline_local_refs(&self.document, value, 0)?;
        let format = match value.get("schemaFormat").and_then(Value::as_str) {
            Some(format) if format.starts_with(OPENAPI_FORMAT_PREFIX) => {
                if !format.contains("version=3.0") {
                    return Err(format!(
                        "message `{key}`: only OpenAPI 3.0 payloads are supported, not `{format}`"
                    ));
                }
                SchemaFormat::OpenApi30
            }
            None => SchemaFormat::AsyncApi,
            Some(format)
                if format.starts_with("application/vnd.aai.asyncapi")
                    || format.starts_with("application/schema+json;version=draft-07")
                    || format.starts_with("application/schema+yaml;version=draft-07") =>
            {
                SchemaFormat::AsyncApi
            }
            Some(other) => {
                return Err(format!(
                    "message `{key}`: unsupported schemaFormat `{other}`"
                ));
            }
        };
        let payload = value
            .get("payload")
            .cloned()
            .ok_or_else(|| format!("message `{key}` has no payload"))?;
        let examples = value
            .get("examples")
            .and_then(Value::as_array)
            .map(|examples| {
                examples
                    .iter()
                    .enumerate()
                    .filter_map(|(i, example)| {
                        let name = example
                            .get("name")
                            .and_then(Value::as_str)
                            .map_or_else(|| format!("#{i}"), str::to_owned);
                        Some((name, example.get("payload")?.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let name = value
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| key.clone(), str::to_owned);
        Ok(Message {
            key,
            name,
            format,
            payload,
            examples,
        })
    }
}
