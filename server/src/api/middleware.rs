//! Cross-cutting request handling: DRF-shaped bodies for every error, and paths served with
//! or without their trailing slash.

use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, Uri, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use poem_openapi::OperationId;

use super::error::{ApiError, LegacyError, drf_response};
use crate::service::events::echoed;

/// The header answering a write with the position of the event it stored.
pub const EVENT_POSITION: &str = "x-event-position";

/// Answers every write that stored an event with `X-Event-Position`, so a client can tell its
/// own change when it comes back on the stream.
pub async fn echo_position<E: Endpoint>(ep: Arc<E>, req: Request) -> Result<Response> {
    let (answer, position) = echoed(ep.call(req)).await;
    let mut response = answer?.into_response();
    if let Some(position) = position {
        response
            .headers_mut()
            .insert(EVENT_POSITION, HeaderValue::from(position));
    }
    Ok(response)
}

/// Turns every error — ours, poem's routing 404/405, poem-openapi's parameter and auth
/// errors — and every bodiless error status into the JSON body API.md gives it, and gives a
/// 405 its `Allow` header.
pub struct DrfErrors {
    allowed: Arc<AllowedMethods>,
}

impl DrfErrors {
    pub fn new(allowed: AllowedMethods) -> Self {
        Self {
            allowed: Arc::new(allowed),
        }
    }
}

impl<E: Endpoint> Middleware<E> for DrfErrors {
    type Output = DrfErrorsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        DrfErrorsEndpoint {
            inner: ep,
            allowed: self.allowed.clone(),
        }
    }
}

pub struct DrfErrorsEndpoint<E> {
    inner: E,
    allowed: Arc<AllowedMethods>,
}

impl<E: Endpoint> Endpoint for DrfErrorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let mut response = self.drf(req, &method).await;
        if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(allow) = self.allowed.for_path(&path)
        {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        if is_legacy(&path) && response.status().as_u16() >= 400 {
            response = legacy_shape(response).await;
        }
        Ok(response)
    }
}

impl<E: Endpoint> DrfErrorsEndpoint<E> {
    async fn drf(&self, req: Request, method: &Method) -> Response {
        match self.inner.call(req).await {
            Ok(output) => {
                let response = output.into_response();
                let status = response.status();
                let has_body_type = response.headers().contains_key("content-type");
                if (status.is_client_error() || status.is_server_error()) && !has_body_type {
                    let error = match status {
                        StatusCode::NOT_FOUND => ApiError::NotFound,
                        StatusCode::METHOD_NOT_ALLOWED => {
                            ApiError::MethodNotAllowed(method.to_string())
                        }
                        other => return drf_response(poem::Error::from_status(other), method),
                    };
                    return poem::error::ResponseError::as_response(&error);
                }
                response
            }
            Err(err) => {
                // Keep which operation answered (for metrics) on the replacement response.
                let operation = err.data::<OperationId>().copied();
                let mut response = drf_response(err, method);
                if let Some(operation) = operation {
                    response.set_data(operation);
                }
                response
            }
        }
    }
}

/// Seed 000's flat routes (`/chatrooms/...`, `/messages/...`) answer errors in its own shape.
fn is_legacy(path: &str) -> bool {
    matches!(segments(path).next(), Some("chatrooms" | "messages"))
}

/// A DRF error body rewritten as seed 000's `{"error": ..., "status": ...}`, headers kept.
async fn legacy_shape(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let drf: serde_json::Value = match body.into_bytes().await {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    };
    let legacy = LegacyError::from_drf(parts.status, &drf);
    let json = poem_openapi::types::ToJSON::to_json(&legacy).unwrap_or_default();
    let mut response = Response::from_parts(parts, poem::Body::from_json(json).unwrap_or_default());
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The methods each documented path answers, for the `Allow` header of a 405.
pub struct AllowedMethods {
    /// Path templates as segments (`None` for a `{parameter}`), with their `Allow` value.
    routes: Vec<(Vec<Option<String>>, HeaderValue)>,
}

impl AllowedMethods {
    pub fn from_spec(spec_json: &str) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec_json).unwrap_or_default();
        let routes = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(path, item)| {
                let mut methods: Vec<String> =
                    item.as_object()?.keys().map(|m| m.to_uppercase()).collect();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                let allow = HeaderValue::from_str(&methods.join(", ")).ok()?;
                Some((segments(path).map(template_segment).collect(), allow))
            })
            .collect();
        Self { routes }
    }

    fn for_path(&self, path: &str) -> Option<HeaderValue> {
        let wanted: Vec<&str> = segments(path).collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t.as_deref().is_none_or(|t| t == *w))
            })
            .map(|(_, allow)| allow.clone())
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn template_segment(segment: &str) -> Option<String> {
    (!segment.starts_with('{')).then(|| segment.to_owned())
}

/// Routes `/x/` as `/x`: API.md documents paths with a trailing slash and serves them without
/// one too, while poem-openapi registers its operations without it.
pub struct TrailingSlash;

impl<E: Endpoint> Middleware<E> for TrailingSlash {
    type Output = TrailingSlashEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        TrailingSlashEndpoint(ep)
    }
}

pub struct TrailingSlashEndpoint<E>(E);

impl<E: Endpoint> Endpoint for TrailingSlashEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let path = req.uri().path();
        if path.len() > 1 && path.ends_with('/') {
            let trimmed = path.trim_end_matches('/');
            let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
            let path_and_query = match req.uri().query() {
                Some(query) => format!("{trimmed}?{query}"),
                None => trimmed.to_owned(),
            };
            if let Ok(path_and_query) = path_and_query.parse() {
                let mut parts = req.uri().clone().into_parts();
                parts.path_and_query = Some(path_and_query);
                if let Ok(uri) = Uri::from_parts(parts) {
                    *req.uri_mut() = uri;
                }
            }
        }
        self.0.call(req).await
    }
}
