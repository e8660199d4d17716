//! Every request observed once: a `request` span carrying its id (every log line of the
//! request has it), one `response` log line with status and duration, and the counters and
//! latency histogram of `GET /metrics` by operation (its `operationId`), method and status.

use std::time::{Duration, Instant};

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use poem_openapi::OperationId;
use tracing::Instrument;

pub struct Observe;

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ObserveEndpoint { inner }
    }
}

pub struct ObserveEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let method = req.method().as_str().to_owned();
        // The path only: a WebSocket handshake may carry its token in the query string. No
        // `request_id` here: poem's `RequestId` middleware wraps this in a span that has it.
        // `user_id` is filled in once the Bearer token is checked.
        let span = tracing::info_span!(
            "request",
            method = %method,
            path = %req.uri().path(),
            user_id = tracing::field::Empty,
        );
        async move {
            let started = Instant::now();
            let response = self.inner.call(req).await.map(IntoResponse::into_response);
            let elapsed = started.elapsed();
            let (status, operation) = match &response {
                Ok(response) => (response.status(), response.data::<OperationId>().copied()),
                Err(err) => (err.status(), err.data::<OperationId>().copied()),
            };
            // Paths would make a series per room and message; unrouted requests share one.
            let operation = operation.map_or("unmatched", |id| id.0);
            tracing::info!(
                status = status.as_u16(),
                operation,
                duration_ms = milliseconds(elapsed),
                "response"
            );
            let labels = [
                ("operation", operation.to_owned()),
                ("method", method),
                ("status", status.as_u16().to_string()),
            ];
            metrics::counter!("chat_http_requests_total", &labels).increment(1);
            metrics::histogram!("chat_http_request_duration_seconds", &labels)
                .record(elapsed.as_secs_f64());
            response
        }
        .instrument(span)
        .await
    }
}

/// Whole microseconds in milliseconds (`0.979`): the nearest double to a 3-decimal number
/// prints as that number, where `as_secs_f64() * 1000.0` printed `0.9794400000000001`.
fn milliseconds(elapsed: Duration) -> f64 {
    let micros = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
    f64::from(micros) / 1000.0
}
