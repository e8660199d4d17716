//! The security schemes of the documented operations: how a request presents its access token.

use std::sync::Arc;

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::auth::{CurrentUser, user_of_access_token};
use crate::error::Error;
use crate::startup::AppState;

/// `Authorization: Bearer <access token>` (a JWT from `POST /api/token/`).
#[derive(SecurityScheme)]
#[oai(
    rename = "BearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "authenticate"
)]
pub struct BearerAuth(pub CurrentUser);

/// The user of an access token (also for `?token=` on the WebSocket routes).
pub async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    let state = req
        .data::<Arc<AppState>>()
        .ok_or_else(|| Error::internal("application state missing"))?;
    Ok(user_of_access_token(&state.tokens, &state.store, &bearer.token).await?)
}
