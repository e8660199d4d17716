//! Who is calling: tokens, passwords, the signing secret, and the Bearer security scheme.

pub mod jwt;
pub mod password;
pub mod secret;

use std::sync::Arc;

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::error::Error;
use crate::startup::AppState;

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
}

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
    let claims = state
        .tokens
        .verify(&bearer.token, jwt::TokenType::Access)
        .map_err(|_| Error::TokenNotValid)?;
    // Simple JWT looks the user up on every request, so a token of a user that does not exist
    // is refused; the name comes from memory after the first request.
    let username = state
        .store
        .username(claims.user_id)
        .await
        .map_err(Error::from)?
        .ok_or(Error::UserNotFound)?;
    // Into the `request` span (api::observe), so the request's log line says who sent it.
    tracing::Span::current().record("user_id", claims.user_id);
    Ok(CurrentUser {
        id: claims.user_id,
        username: username.to_string(),
    })
}
