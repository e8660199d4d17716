//! Request bodies, parsed the way a DRF serializer does, *after* the permission checks.
//!
//! DRF reads `request.data` lazily, so an outsider posting a malformed body gets 403, not 400.
//! [`JsonBody`] therefore only buffers the bytes (enforcing the size limit); the handler calls
//! [`JsonBody::fields`] once the caller may act, then pulls each field with the parsers below,
//! which collect *every* field error into one 400 body.

use std::marker::PhantomData;
use std::sync::Arc;

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::error::{ApiError, FieldErrors};
use crate::startup::AppState;

/// A JSON request body documented as `T`, parsed on demand. `REQUIRED = false` documents the
/// body as optional: PATCH accepts no body at all (an empty update), as DRF does. `FORM = true`
/// also takes `application/x-www-form-urlencoded` (seed 000's legacy routes).
pub struct JsonBody<T, const REQUIRED: bool = true, const FORM: bool = false> {
    pub(crate) content_type: Option<String>,
    pub(crate) bytes: Result<Vec<u8>, ApiError>,
    pub(crate) documented_as: PhantomData<T>,
}

/// A body seed 000's routes take as JSON or as a form.
pub type JsonOrFormBody<T> = JsonBody<T, true, true>;

const FORM_MEDIA_TYPE: &str = "application/x-www-form-urlencoded";

impl<'a, T: Type, const REQUIRED: bool, const FORM: bool> ApiExtractor<'a>
    for JsonBody<T, REQUIRED, FORM>
{
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        let mut content = vec![MetaMediaType {
            content_type: "application/json",
            schema: T::schema_ref(),
        }];
        if FORM {
            content.push(MetaMediaType {
                content_type: FORM_MEDIA_TYPE,
                schema: T::schema_ref(),
            });
        }
        Some(MetaRequest {
            description: None,
            content,
            required: REQUIRED,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let limit = request
            .data::<Arc<AppState>>()
            .ok_or_else(|| ApiError::internal("application state missing"))?
            .config
            .max_body_bytes;
        // A declared length over the limit is refused before anyone waits for the body: a
        // client announcing a terabyte would otherwise hold the request until its timeout.
        let declared = request
            .header(poem::http::header::CONTENT_LENGTH)
            .and_then(|length| length.trim().parse::<u64>().ok());
        let too_large = declared.is_some_and(|length| length > limit as u64);
        let bytes = match body.take() {
            Ok(body) if too_large => {
                discard_unless_huge(body, declared.unwrap_or_default()).await;
                Err(ApiError::PayloadTooLarge(limit))
            }
            Ok(body) => body
                .into_bytes_limit(limit)
                .await
                .map(|bytes| bytes.to_vec())
                .map_err(|err| match err {
                    poem::error::ReadBodyError::PayloadTooLarge => ApiError::PayloadTooLarge(limit),
                    other => ApiError::field(
                        "non_field_errors",
                        format!("Could not read the request body: {other}"),
                    ),
                }),
            Err(_) => Ok(Vec::new()),
        };
        Ok(Self {
            content_type: request.content_type().map(str::to_owned),
            bytes,
            documented_as: PhantomData,
        })
    }
}

/// Bodies declared up to this large are read (and thrown away) before their 413: the client is
/// still sending, and closing a socket with unread data resets it, so the client could lose
/// the answer. Anything larger is refused unread; its connection is closed after the 413.
const DISCARDED_AT_MOST: u64 = 1024 * 1024;

async fn discard_unless_huge(body: poem::Body, declared: u64) {
    if declared <= DISCARDED_AT_MOST {
        let mut rest = tokio::io::AsyncReadExt::take(body.into_async_read(), DISCARDED_AT_MOST);
        let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
    }
}

impl<T, const REQUIRED: bool, const FORM: bool> JsonBody<T, REQUIRED, FORM> {
    /// The body as a JSON object, or the 413/415/400 that DRF's parser would give.
    pub fn fields(self) -> Result<Fields, ApiError> {
        self.fields_with_integers(&[])
    }

    /// [`Self::fields`], where a form's `integers` fields that hold a whole number become JSON
    /// numbers (a form has only text; JSON bodies are taken as they are).
    pub fn fields_with_integers(self, integers: &[&str]) -> Result<Fields, ApiError> {
        let bytes = self.bytes?;
        // DRF: no body at all is empty data, whatever the content type says.
        if bytes.is_empty() {
            return Ok(Fields::new(Map::new()));
        }
        let content_type = self.content_type.unwrap_or_default();
        if FORM && media_type(&content_type).eq_ignore_ascii_case(FORM_MEDIA_TYPE) {
            return Ok(Fields::new(form_fields(&bytes, integers)));
        }
        if !is_json(&content_type) {
            let media = content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            return Err(ApiError::UnsupportedMediaType(media));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Fields::new(map)),
            Ok(other) => Err(ApiError::field(
                "non_field_errors",
                format!(
                    "Invalid data. Expected a dictionary, but got {}.",
                    python_type(&other)
                ),
            )),
            Err(err) => Err(ApiError::JsonParse(err.to_string())),
        }
    }
}

fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

fn form_fields(bytes: &[u8], integers: &[&str]) -> Map<String, Value> {
    form_urlencoded::parse(bytes)
        .map(|(key, value)| {
            let number = integers
                .contains(&key.as_ref())
                .then(|| value.trim().parse::<i64>().ok())
                .flatten();
            let value = number.map_or_else(|| Value::String(value.into_owned()), Value::from);
            (key.into_owned(), value)
        })
        .collect()
}

fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// The fields of a request body and the errors found in them so far.
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
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ApiError> {
        if !self.errors.is_empty() {
            return Err(ApiError::Validation(self.errors));
        }
        value.ok_or_else(|| ApiError::internal("a field parser returned nothing without an error"))
    }

    /// Reads the field `from` as if it were named `to` (a route's older name for it).
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(value) = self.map.remove(from) {
            self.map.insert(to.to_owned(), value);
        }
    }

    /// The 400 for the errors collected so far (a parser that gave nothing reported one).
    pub fn into_error(self) -> ApiError {
        if self.errors.is_empty() {
            return ApiError::internal("a field parser returned nothing without an error");
        }
        ApiError::Validation(self.errors)
    }

    fn parsed<T>(&mut self, key: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.error(key, message)).ok()
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
fn python_type(value: &Value) -> &'static str {
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
        let Err(ApiError::Validation(errors)) = fields.finish(content.zip(is_read)) else {
            panic!("expected a validation error");
        };
        assert_eq!(errors["content"], ["This field is required."]);
        assert_eq!(errors["is_read"], ["Must be a valid boolean."]);
    }
}
