//! Liveness, readiness and metrics: what orchestrators and monitoring ask of an instance.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::error::{ApiError, Errors};
use crate::startup::AppState;

#[derive(Object)]
#[oai(example)]
pub struct Health {
    /// `ok` (liveness) or `ready` (readiness).
    pub status: String,
}

impl Example for Health {
    fn example() -> Self {
        Self {
            status: "ok".into(),
        }
    }
}

pub struct HealthApi;

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// Liveness
    ///
    /// 200 once the database answers a read; 503 while it does not. Restart the instance
    /// only if this keeps failing.
    #[oai(path = "/healthz", method = "get", operation_id = "health_check")]
    async fn health_check(&self, state: Data<&Arc<AppState>>) -> Result<Json<Health>, Errors<0>> {
        state.store.ping().await.map_err(|err| {
            tracing::warn!(error = %err, "health check: database unavailable");
            ApiError::Unavailable("The database is unavailable.".into())
        })?;
        Ok(Json(Health {
            status: "ok".into(),
        }))
    }

    /// Readiness
    ///
    /// 200 when the instance can take traffic: the database answers a read, and the writer
    /// that stores messages commits a write as large as a message's, as durably. 503 while it
    /// cannot (disk full, read-only, failing), whenever sending a message would get 503:
    /// send requests elsewhere; it recovers by itself when the disk does.
    #[oai(path = "/readyz", method = "get", operation_id = "readiness_check")]
    async fn readiness_check(
        &self,
        state: Data<&Arc<AppState>>,
    ) -> Result<Json<Health>, Errors<0>> {
        state.store.ping().await.map_err(|err| {
            tracing::warn!(error = %err, "readiness: database unavailable");
            ApiError::Unavailable("Not ready: the database does not answer.".into())
        })?;
        state.store.probe_write().await.map_err(|err| {
            tracing::warn!(error = %err, "readiness: database not writable");
            ApiError::Unavailable(
                "Not ready: the database cannot store data (disk full, read-only or failing)."
                    .into(),
            )
        })?;
        Ok(Json(Health {
            status: "ready".into(),
        }))
    }

    /// Metrics
    ///
    /// Prometheus text format: requests by operation, method and status, their latency,
    /// open WebSocket connections, realtime events delivered, database connections in use.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self, state: Data<&Arc<AppState>>) -> Result<PlainText<String>, Errors<0>> {
        // Gauges are read off their sources at scrape time instead of being kept in step.
        metrics::gauge!("chat_websocket_connections")
            .set(state.realtime.registry.connections() as f64);
        for (pool, open, idle) in state.store.pool_use() {
            let in_use = (open as usize).saturating_sub(idle);
            metrics::gauge!("chat_db_connections", "pool" => pool, "state" => "in_use")
                .set(in_use as f64);
            metrics::gauge!("chat_db_connections", "pool" => pool, "state" => "idle")
                .set(idle as f64);
        }
        Ok(PlainText(crate::telemetry::render()))
    }
}
