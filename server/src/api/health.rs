use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::startup::AppState;

#[derive(Object)]
pub struct Health {
    /// `ok` when the database answers, `unavailable` otherwise.
    pub status: String,
}

#[derive(ApiResponse)]
pub enum HealthResponse {
    /// The server and its database answer.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// The database does not answer.
    #[oai(status = 503)]
    Unavailable(Json<Health>),
}

pub struct HealthApi;

#[OpenApi]
impl HealthApi {
    /// Health check
    ///
    /// 200 once the database answers a query; 503 while it does not.
    #[oai(path = "/healthz", method = "get", operation_id = "health_check", tag = "ApiTags::Health")]
    async fn health_check(&self, state: Data<&Arc<AppState>>) -> HealthResponse {
        match state.store.ping().await {
            Ok(()) => HealthResponse::Ok(Json(Health { status: "ok".into() })),
            Err(err) => {
                tracing::warn!(error = %err, "health check: database unavailable");
                HealthResponse::Unavailable(Json(Health {
                    status: "unavailable".into(),
                }))
            }
        }
    }
}
