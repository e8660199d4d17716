//! Swagger UI at `/docs/`, from utoipa-swagger-ui's vendored assets (Swagger UI 5.32, newer
//! than the 5.17 poem-openapi embeds, and configurable: the Bearer token given to
//! "Authorize" is persisted across reloads). It reads the spec from `/openapi.json`, which
//! poem-openapi generates: there is one source of the spec.

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Redirect};
use poem::{IntoResponse, Response, handler};
use utoipa_swagger_ui::Config;

pub fn config() -> Arc<Config<'static>> {
    Arc::new(
        Config::from("/openapi.json")
            .persist_authorization(true)
            .display_operation_id(true)
            .try_it_out_enabled(true),
    )
}

/// A rendering of the OpenAPI document, served as it is.
#[derive(Clone)]
pub struct SpecDocument {
    content_type: &'static str,
    body: Arc<str>,
}

impl SpecDocument {
    pub fn json(body: String) -> Self {
        Self {
            content_type: "application/json; charset=utf-8",
            body: body.into(),
        }
    }

    pub fn yaml(body: String) -> Self {
        Self {
            content_type: "application/yaml; charset=utf-8",
            body: body.into(),
        }
    }
}

#[handler]
pub fn spec(document: Data<&SpecDocument>) -> Response {
    Response::builder()
        .content_type(document.content_type)
        .body(document.body.to_string())
}

/// `/docs` → `/docs/`, so the page's relative asset links resolve under `/docs/`.
#[handler]
pub fn redirect() -> Redirect {
    Redirect::permanent("/docs/")
}

#[handler]
pub fn index(config: Data<&Arc<Config<'static>>>) -> Response {
    asset("", config.0.clone())
}

#[handler]
pub fn asset_file(Path(tail): Path<String>, config: Data<&Arc<Config<'static>>>) -> Response {
    asset(&tail, config.0.clone())
}

fn asset(tail: &str, config: Arc<Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(tail, config) {
        Ok(Some(swagger_file)) => {
            let mut response = Response::builder()
                .content_type(swagger_file.content_type)
                .body(swagger_file.bytes.to_vec());
            if swagger_file.gzpipped {
                response.headers_mut().insert(
                    header::CONTENT_ENCODING,
                    header::HeaderValue::from_static("gzip"),
                );
            }
            response
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(err) => {
            tracing::error!(error = %err, "serving Swagger UI");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
