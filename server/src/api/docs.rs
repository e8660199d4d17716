//! The documentation pages. Swagger UI at `/docs/`, from utoipa-swagger-ui's vendored assets
//! (Swagger UI 5.32, newer than the 5.17 poem-openapi embeds) with our own page and start-up
//! script (`server/assets/swagger-ui/`: the title, the persisted token, "Try it out" on a
//! WebSocket route). It reads the spec from `/openapi.json`, which poem-openapi generates: there
//! is one source of the spec. The AsyncAPI document of the sockets is served as checked in, and
//! rendered at `/docs/asyncapi/` by the vendored AsyncAPI React bundle
//! (`server/assets/asyncapi/`).

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Redirect};
use poem::{IntoResponse, Response, handler};
use utoipa_swagger_ui::Config;

/// utoipa's configuration only renders its own start-up script, which ours replaces.
pub fn config() -> Arc<Config<'static>> {
    Arc::new(Config::from("/openapi.json"))
}

const SWAGGER_PAGE: &str = include_str!("../../assets/swagger-ui/index.html");
const SWAGGER_INITIALIZER: &str = include_str!("../../assets/swagger-ui/swagger-initializer.js");
pub const ASYNCAPI_DOCUMENT: &str = include_str!("../../../asyncapi.yaml");
const ASYNCAPI_PAGE: &str = include_str!("../../assets/asyncapi/index.html");
const ASYNCAPI_BUNDLE_GZ: &[u8] = include_bytes!("../../assets/asyncapi/asyncapi-standalone.js.gz");
const ASYNCAPI_CSS: &str = include_str!("../../assets/asyncapi/default.min.css");

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
pub fn index() -> Response {
    html(SWAGGER_PAGE)
}

#[handler]
pub fn asset_file(Path(tail): Path<String>, config: Data<&Arc<Config<'static>>>) -> Response {
    match tail.as_str() {
        "" | "index.html" => html(SWAGGER_PAGE),
        "swagger-initializer.js" => Response::builder()
            .content_type("text/javascript; charset=utf-8")
            .body(SWAGGER_INITIALIZER),
        _ => asset(&tail, config.0.clone()),
    }
}

/// `asyncapi.yaml` as checked in; its payloads refer to `./openapi.yaml`, served beside it.
#[handler]
pub fn asyncapi_document() -> Response {
    Response::builder()
        .content_type("application/yaml; charset=utf-8")
        .body(ASYNCAPI_DOCUMENT)
}

/// `/docs/asyncapi` → `/docs/asyncapi/`, for the page's relative asset links.
#[handler]
pub fn asyncapi_redirect() -> Redirect {
    Redirect::permanent("/docs/asyncapi/")
}

#[handler]
pub fn asyncapi_page() -> Response {
    html(ASYNCAPI_PAGE)
}

/// The page's copy of the document: whole, in JSON (see `api::asyncapi`).
#[derive(Clone)]
pub struct BundledAsyncApi(pub Arc<str>);

#[handler]
pub fn asyncapi_asset(Path(file): Path<String>, bundled: Data<&BundledAsyncApi>) -> Response {
    match file.as_str() {
        "asyncapi.json" => Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(bundled.0.0.to_string()),
        "asyncapi-standalone.js" => Response::builder()
            .content_type("text/javascript; charset=utf-8")
            .header(header::CONTENT_ENCODING, "gzip")
            .body(ASYNCAPI_BUNDLE_GZ),
        "default.min.css" => Response::builder()
            .content_type("text/css; charset=utf-8")
            .body(ASYNCAPI_CSS),
        "" | "index.html" => html(ASYNCAPI_PAGE),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn html(page: &'static str) -> Response {
    Response::builder()
        .content_type("text/html; charset=utf-8")
        .body(page)
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
