use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::error::{ApiError, E503, Errors};
use crate::startup::AppState;

#[derive(Object)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

pub struct HealthApi;

#[OpenApi]
impl HealthApi {
    /// Health check
    ///
    /// 200 once the database answers a query; 503 while it does not.
    #[oai(
        path = "/healthz",
        method = "get",
        operation_id = "health_check",
        tag = "ApiTags::Health"
    )]
    async fn health_check(
        &self,
        state: Data<&Arc<AppState>>,
    ) -> Result<Json<Health>, Errors<E503>> {
        state.store.ping().await.map_err(|err| {
            tracing::warn!(error = %err, "health check: database unavailable");
            ApiError::Unavailable("The database is unavailable.".into())
        })?;
        Ok(Json(Health {
            status: "ok".into(),
        }))
    }
}
