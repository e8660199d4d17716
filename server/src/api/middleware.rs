//! Cross-cutting request handling: DRF-shaped bodies for every error, and paths served with
//! or without their trailing slash.

use poem::http::{StatusCode, Uri};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use super::error::{ApiError, drf_response};

/// Turns every error — ours, poem's routing 404/405, poem-openapi's parameter and auth
/// errors — and every bodiless error status into the JSON body API.md gives it.
pub struct DrfErrors;

impl<E: Endpoint> Middleware<E> for DrfErrors {
    type Output = DrfErrorsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        DrfErrorsEndpoint(ep)
    }
}

pub struct DrfErrorsEndpoint<E>(E);

impl<E: Endpoint> Endpoint for DrfErrorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let method = req.method().clone();
        match self.0.call(req).await {
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
                        other => return Ok(drf_response(poem::Error::from_status(other), &method)),
                    };
                    return Ok(poem::error::ResponseError::as_response(&error));
                }
                Ok(response)
            }
            Err(err) => Ok(drf_response(err, &method)),
        }
    }
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
