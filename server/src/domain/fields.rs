//! The fields of a JSON request body, read the way a DRF serializer reads them: each field by
//! its parser, every error collected into one 400 body. Pure: the HTTP extractor
//! (`api::body`) and the socket actions hand the parsed JSON object in.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{Error, FieldErrors};

/// The fields of a request body and the errors found in them so far.
#[derive(Debug)]
pub struct Fields {
    map: Map<String, Value>,
    errors: FieldErrors,
}

impl Fields {
    pub fn new(map: Map<String, Value>) -> Self {
        Self {
            map,
            errors: FieldErrors::new(),
        }
    }

    /// A field that must be present (and not null unless `parse` accepts null).
    pub fn required<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.map.get(key) {
            None => {
                self.error(key, "This field is required.");
                None
            }
            Some(value) => self.parsed(key, parse(value)),
        }
    }

    /// A field that may be absent (`None`).
    pub fn optional<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Option<T> {
        let result = parse(self.map.get(key)?);
        self.parsed(key, result)
    }

    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors
            .entry(key.to_owned())
            .or_default()
            .push(message.into());
    }

    /// The validated value, or a 400 with every error collected.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Error> {
        if !self.errors.is_empty() {
            return Err(Error::Validation(self.errors));
        }
        value.ok_or_else(|| Error::internal("a field parser returned nothing without an error"))
    }

    /// Reads the field `from` as if it were named `to` (a route's older name for it).
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(value) = self.map.remove(from) {
            self.map.insert(to.to_owned(), value);
        }
    }

    /// The 400 for the errors collected so far (a parser that gave nothing reported one).
    pub fn into_error(self) -> Error {
        if self.errors.is_empty() {
            return Error::internal("a field parser returned nothing without an error");
        }
        Error::Validation(self.errors)
    }

    fn parsed<T>(&mut self, key: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.error(key, message)).ok()
    }
}

/// A body read by its own rules (types, lengths, choices), before the store is asked about
/// the ids it names. The operation's pure parser makes it (`SendMessage::parse`...); the
/// service, or a fuzz target with its own answers, adds what the store says with
/// [`Draft::reject_missing`]; [`Draft::finish`] gives the 400 with every error, or the body.
#[derive(Debug)]
pub struct Draft<T> {
    pub body: T,
    fields: Fields,
}

impl<T> Draft<T> {
    pub fn new(body: T, fields: Fields) -> Self {
        Self { body, fields }
    }

    /// DRF's error for an id of `field` that names nothing: `missing` are the ids the store
    /// does not know (the first is reported).
    pub fn reject_missing(&mut self, field: &str, missing: &[i64]) {
        if let Some(id) = missing.first() {
            self.reject(
                field,
                format!("Invalid pk \"{id}\" - object does not exist."),
            );
        }
    }

    pub fn reject(&mut self, field: &str, message: impl Into<String>) {
        self.fields.error(field, message);
    }

    /// The body, once nothing was rejected; `build` turns the draft into the parsed value
    /// (it gives `None` only where a field already reported an error).
    pub fn finish<U>(self, build: impl FnOnce(T) -> Option<U>) -> Result<U, Error> {
        let value = build(self.body);
        self.fields.finish(value)
    }
}

const MAY_NOT_BE_NULL: &str = "This field may not be null.";

/// A JSON string only: DRF's `CharField` would also take a number, but the contract types
/// these fields as strings and a typed client never sends one. NUL is refused as DRF's
/// `ProhibitNullCharactersValidator` does (PostgreSQL cannot store it in text either).
pub fn string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) if s.contains('\0') => Err("Null characters are not allowed.".into()),
        Value::String(s) => Ok(s.clone()),
        Value::Null => Err(MAY_NOT_BE_NULL.into()),
        _ => Err("Not a valid string.".into()),
    }
}

/// A JSON boolean only (API.md narrows DRF's `BooleanField`).
pub fn boolean(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Err(MAY_NOT_BE_NULL.into()),
        _ => Err("Must be a valid boolean.".into()),
    }
}

/// DRF `PrimaryKeyRelatedField`, with its messages, narrowed to JSON integers as the contract
/// types ids.
pub fn primary_key(value: &Value) -> Result<i64, String> {
    let incorrect = || {
        format!(
            "Incorrect type. Expected pk value, received {}.",
            python_type(value)
        )
    };
    match value {
        Value::Number(n) => n.as_i64().ok_or_else(incorrect),
        Value::Null => Err(MAY_NOT_BE_NULL.into()),
        _ => Err(incorrect()),
    }
}

/// DRF `PrimaryKeyRelatedField(allow_null=True)`.
pub fn nullable_primary_key(value: &Value) -> Result<Option<i64>, String> {
    match value {
        Value::Null => Ok(None),
        other => primary_key(other).map(Some),
    }
}

/// DRF `PrimaryKeyRelatedField(many=True)`.
pub fn primary_keys(value: &Value) -> Result<Vec<i64>, String> {
    match value {
        Value::Array(items) => items.iter().map(primary_key).collect(),
        Value::Null => Err(MAY_NOT_BE_NULL.into()),
        other => Err(format!(
            "Expected a list of items but got type \"{}\".",
            python_type(other)
        )),
    }
}

/// `primary_keys`, where `null` means "not given": a generated client can only tell an empty
/// list from an absent one when the field is nullable.
pub fn nullable_primary_keys(value: &Value) -> Result<Option<Vec<i64>>, String> {
    match value {
        Value::Null => Ok(None),
        other => primary_keys(other).map(Some),
    }
}

/// DRF `UUIDField(allow_null=True)`.
pub fn nullable_uuid(value: &Value) -> Result<Option<Uuid>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Uuid::parse_str(s.trim())
            .map(Some)
            .map_err(|_| "Must be a valid UUID.".into()),
        _ => Err("Must be a valid UUID.".into()),
    }
}

/// The name Python gives the JSON value's type, as DRF's messages quote it.
pub fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strings_are_json_strings_only() {
        assert_eq!(string(&json!("42")), Ok("42".into()));
        assert_eq!(string(&json!(42)), Err("Not a valid string.".into()));
        assert_eq!(string(&json!(true)), Err("Not a valid string.".into()));
        assert_eq!(
            string(&json!("a\u{0}b")),
            Err("Null characters are not allowed.".into())
        );
        assert_eq!(string(&json!(null)), Err(MAY_NOT_BE_NULL.into()));
    }

    #[test]
    fn booleans_are_json_booleans_only() {
        assert_eq!(boolean(&json!(false)), Ok(false));
        assert_eq!(boolean(&json!(1)), Err("Must be a valid boolean.".into()));
        assert_eq!(
            boolean(&json!("true")),
            Err("Must be a valid boolean.".into())
        );
    }

    #[test]
    fn primary_keys_follow_drf() {
        assert_eq!(primary_keys(&json!([1, 2])), Ok(vec![1, 2]));
        assert_eq!(
            primary_keys(&json!([1, "2"])),
            Err("Incorrect type. Expected pk value, received str.".into())
        );
        assert_eq!(
            primary_keys(&json!("1")),
            Err("Expected a list of items but got type \"str\".".into())
        );
        assert_eq!(
            primary_keys(&json!([1, "x"])),
            Err("Incorrect type. Expected pk value, received str.".into())
        );
        assert_eq!(
            primary_key(&json!(true)),
            Err("Incorrect type. Expected pk value, received bool.".into())
        );
    }

    #[test]
    fn every_error_is_collected() {
        let mut fields = Fields::new(
            json!({"is_read": 5})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let content = fields.required("content", string);
        let is_read = fields.optional("is_read", boolean);
        let Err(Error::Validation(errors)) = fields.finish(content.zip(is_read)) else {
            panic!("expected a validation error");
        };
        assert_eq!(errors["content"], ["This field is required."]);
        assert_eq!(errors["is_read"], ["Must be a valid boolean."]);
    }
}
