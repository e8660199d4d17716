//! Who is calling: tokens, passwords, the signing secret, and the user of an access token.
//! Its HTTP face (the Bearer security scheme) is `api::bearer`.

pub mod jwt;
pub mod password;
pub mod secret;

use crate::error::Error;
use crate::store::Store;

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
}

/// The user of an access token, however it was presented (the `Authorization` header, or
/// `?token=` on the WebSocket routes: `api::bearer`).
pub async fn user_of_access_token(
    tokens: &jwt::TokenIssuer,
    store: &Store,
    token: &str,
) -> Result<CurrentUser, Error> {
    let claims = tokens
        .verify(token, jwt::TokenType::Access)
        .map_err(|_| Error::TokenNotValid)?;
    // Simple JWT looks the user up on every request, so a token of a user that does not exist
    // is refused; the name comes from memory after the first request.
    let username = store
        .username(claims.user_id)
        .await?
        .ok_or(Error::UserNotFound)?;
    // Into the `request` span (api::observe), so the request's log line says who sent it.
    tracing::Span::current().record("user_id", claims.user_id);
    Ok(CurrentUser {
        id: claims.user_id,
        username: username.to_string(),
    })
}
