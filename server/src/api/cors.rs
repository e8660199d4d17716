//! CORS for browser apps served from other origins (`--cors-origins`). poem's `Cors` answers
//! preflights and adds the headers; around it, a request from an origin not on the list is
//! served as if it had no `Origin` (the browser then keeps the answer from the page, which is
//! what protects users, while a server-side client that happens to send `Origin` is not
//! refused), and every answer says it varies by `Origin`, so that no shared cache hands one
//! origin's answer to another.

use std::sync::Arc;

use poem::http::{HeaderValue, header};
use poem::middleware::{Cors, CorsEndpoint};
use poem::{Endpoint, EndpointExt, IntoResponse, Middleware, Request, Response, Result};

use super::middleware::EVENT_POSITION;

/// The configured origins, or `None` when none are (CORS off).
pub fn policy(origins: &[String]) -> Option<CorsPolicy> {
    let origins: Vec<String> = origins
        .iter()
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(CorsPolicy {
        any: origins.iter().any(|o| o == "*"),
        origins: Arc::new(origins),
    })
}

#[derive(Clone, Default)]
pub struct CorsPolicy {
    any: bool,
    origins: Arc<Vec<String>>,
}

impl CorsPolicy {
    fn allows(&self, origin: &HeaderValue) -> bool {
        self.any
            || origin
                .to_str()
                .is_ok_and(|origin| self.origins.iter().any(|allowed| allowed == origin))
    }

    /// poem's CORS for the policy's origins.
    fn cors(&self) -> Cors {
        // Bearer tokens, not cookies: no credentials mode is needed. `x-request-id` lets an
        // app correlate its requests with the server's logs; `www-authenticate` says why a
        // 401 happened.
        let cors = Cors::new()
            .allow_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
            .allow_headers(["authorization", "content-type", "x-request-id"])
            .expose_headers([
                "retry-after",
                "x-request-id",
                "www-authenticate",
                EVENT_POSITION,
            ]);
        if self.any {
            cors
        } else {
            let origins = Arc::clone(&self.origins);
            cors.allow_origins_fn(move |origin| origins.iter().any(|allowed| allowed == origin))
        }
    }

    /// Runs the request through `endpoint` (poem's `Cors` and the app): an `Origin` not on
    /// the list is taken off first, and the answer varies by `Origin`.
    async fn screen<E: Endpoint>(&self, endpoint: &E, mut req: Request) -> Result<Response> {
        if req
            .headers()
            .get(header::ORIGIN)
            .is_some_and(|origin| !self.allows(origin))
        {
            req.headers_mut().remove(header::ORIGIN);
        }
        let mut response = endpoint.call(req).await?.into_response();
        if !self.any {
            response
                .headers_mut()
                .insert(header::VARY, HeaderValue::from_static("origin"));
        }
        Ok(response)
    }
}

/// Applied only when origins are configured: without them no request pays for a layer.
impl<E: Endpoint> Middleware<E> for CorsPolicy {
    type Output = Screened<CorsEndpoint<E>>;

    fn transform(&self, endpoint: E) -> Self::Output {
        Screened {
            policy: self.clone(),
            inner: endpoint.with(self.cors()),
        }
    }
}

pub struct Screened<E> {
    policy: CorsPolicy,
    inner: E,
}

impl<E: Endpoint> Endpoint for Screened<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        self.policy.screen(&self.inner, req).await
    }
}
