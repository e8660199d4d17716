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

use super::error::ApiError;
use crate::domain::fields::{Fields, python_type};
use crate::startup::AppState;

/// A JSON request body documented as `T`, parsed on demand. `REQUIRED = false` documents the
/// body as optional: PATCH accepts no body at all (an empty update), as DRF does. `FORM = true`
/// also takes `application/x-www-form-urlencoded` (seed 000's legacy routes).
pub struct JsonBody<T, const REQUIRED: bool = true, const FORM: bool = false> {
    content_type: Option<String>,
    bytes: Result<Vec<u8>, ApiError>,
    documented_as: PhantomData<T>,
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
        decode(self.content_type.as_deref(), &self.bytes?, FORM, integers)
    }
}

/// The fields of a buffered body, as DRF's parsers read it: JSON (or, with `form`, also
/// `application/x-www-form-urlencoded`, where the `integers` fields that hold a whole number
/// become JSON numbers — a form has only text). The 415/400 otherwise. Pure: the fuzz targets
/// call it with arbitrary bytes.
pub fn decode(
    content_type: Option<&str>,
    bytes: &[u8],
    form: bool,
    integers: &[&str],
) -> Result<Fields, ApiError> {
    // DRF: no body at all is empty data, whatever the content type says.
    if bytes.is_empty() {
        return Ok(Fields::new(Map::new()));
    }
    let content_type = content_type.unwrap_or_default();
    if form && media_type(content_type).eq_ignore_ascii_case(FORM_MEDIA_TYPE) {
        return Ok(Fields::new(form_fields(bytes, integers)));
    }
    if !is_json(content_type) {
        return Err(ApiError::UnsupportedMediaType(
            media_type(content_type).to_owned(),
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
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
