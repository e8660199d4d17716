//! `POST /api/token/` and `POST /api/token/refresh/` (Simple JWT's views).

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::client_address::client_address;
use super::error::{ApiError, BODY, E401, E429, Errors};
use super::trimmed::TrimmedText;
use crate::auth::jwt::{TokenError, TokenPair, TokenType};
use crate::domain::fields::string;
use crate::domain::text;
use crate::startup::AppState;

#[derive(Object)]
#[oai(example)]
pub struct TokenObtainRequest {
    pub username: TrimmedText,
    /// Taken as sent, as at registration: only an empty one is blank.
    #[oai(validator(min_length = 1))]
    pub password: String,
}

impl Example for TokenObtainRequest {
    fn example() -> Self {
        Self {
            username: "edulite".into(),
            password: "correct-horse-battery".into(),
        }
    }
}

#[derive(Object)]
#[oai(example)]
pub struct TokenRefreshRequest {
    /// A refresh token; each one can be exchanged once (rotation).
    pub refresh: TrimmedText,
}

impl Example for TokenRefreshRequest {
    /// The refresh token of the example pair.
    fn example() -> Self {
        Self {
            refresh: EXAMPLE_REFRESH.into(),
        }
    }
}

/// An access token (short-lived, for `Authorization: Bearer`) and a refresh token.
#[derive(Object)]
#[oai(example)]
pub struct TokenPairResponse {
    pub access: String,
    pub refresh: String,
}

// The example pair: user 2's tokens as the server shapes them (HS256; `token_type`, `exp`,
// `iat`, `jti`, `user_id`; 5 minutes and 1 day), signed with a throwaway key, not a secret.
const EXAMPLE_ACCESS: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.\
    eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNjk2MTcwOTAwLCJpYXQiOjE2OTYxNzA2MDAsImp0aSI6IjBiOWU0\
    YzU3LTVkMmYtNGE4ZS05YzYxLTNmN2EyZDFlOGI0MCIsInVzZXJfaWQiOjJ9.\
    KzQVqJBKXxqFRiYR7z9Dpp9O1JDI_mv1DwDh3zIZkio";
const EXAMPLE_REFRESH: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.\
    eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTY5NjI1NzAwMCwiaWF0IjoxNjk2MTcwNjAwLCJqdGkiOiI3ZDNm\
    MWE5Mi1jNGU4LTRiNmQtYTA1Zi1lMjkxOGI3YzZkMTMiLCJ1c2VyX2lkIjoyfQ.\
    rPmIA1xHdIJuNSkQTYSS-LPlHXT9m5lKSJ8VulUVuEA";

impl Example for TokenPairResponse {
    fn example() -> Self {
        Self {
            access: EXAMPLE_ACCESS.into(),
            refresh: EXAMPLE_REFRESH.into(),
        }
    }
}

impl From<TokenPair> for TokenPairResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            access: pair.access,
            refresh: pair.refresh,
        }
    }
}

/// A username or refresh token: DRF's `CharField`, trimmed and not blank.
fn trimmed(value: &serde_json::Value) -> Result<String, String> {
    string(value).and_then(|s| text::not_blank(&s).map(str::to_owned))
}

/// A password, as sent: spaces are part of it (registration keeps them too).
fn password_as_sent(value: &serde_json::Value) -> Result<String, String> {
    match string(value)? {
        s if s.is_empty() => Err("This field may not be blank.".into()),
        s => Ok(s),
    }
}

pub struct TokensApi;

#[OpenApi(prefix_path = "/api/token", tag = "ApiTags::Auth")]
impl TokensApi {
    /// Obtain a token pair
    ///
    /// Exchanges a username and password for an access token and a refresh token. Wrong
    /// passwords are counted per username and client address: past the limit, that address
    /// gets 429 for the username, right password or not; other addresses are not affected.
    #[oai(path = "/", method = "post", operation_id = "token_obtain")]
    async fn token_obtain(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: JsonBody<TokenObtainRequest>,
    ) -> Result<Json<TokenPairResponse>, Errors<{ BODY | E401 | E429 }>> {
        let mut fields = body.fields()?;
        let username = fields.required("username", trimmed);
        let password = fields.required("password", password_as_sent);
        let (username, password) = fields.finish(username.zip(password))?;
        let address = client_address(req, &state.config.trusted_proxies);
        let attempt = state
            .throttles
            .login_attempt(&username, address)
            .await?
            .map_err(ApiError::Throttled)?;
        let user = state.store.find_user_by_username(&username).await?;
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let (true, Some(user)) = (state.passwords.verify(password, stored).await, user) else {
            // The try stays taken: a failure.
            return Err(ApiError::BadCredentials.into());
        };
        state.throttles.login_succeeded(attempt).await?;
        let pair = state
            .tokens
            .issue_pair(user.id)
            .map_err(ApiError::internal)?;
        Ok(Json(pair.into()))
    }

    /// Refresh a token pair
    ///
    /// Exchanges a refresh token for a new pair. Refresh tokens rotate: the one sent is
    /// spent, and sending it again is refused with 401.
    #[oai(path = "/refresh/", method = "post", operation_id = "token_refresh")]
    async fn token_refresh(
        &self,
        state: Data<&Arc<AppState>>,
        body: JsonBody<TokenRefreshRequest>,
    ) -> Result<Json<TokenPairResponse>, Errors<{ BODY | E401 }>> {
        let mut fields = body.fields()?;
        let refresh = fields.required("refresh", trimmed);
        let refresh = fields.finish(refresh)?;
        let claims =
            state
                .tokens
                .verify(&refresh, TokenType::Refresh)
                .map_err(|err| match err {
                    TokenError::Invalid => ApiError::RefreshRefused("Token is invalid or expired"),
                    TokenError::WrongType => ApiError::RefreshRefused("Token has wrong type"),
                })?;
        if state.store.find_user(claims.user_id).await?.is_none() {
            return Err(ApiError::UserNotFound.into());
        }
        let expires_at = claims.exp.saturating_mul(1_000_000);
        if !state
            .store
            .use_refresh_token(&claims.jti.to_string(), expires_at)
            .await?
        {
            return Err(ApiError::RefreshRefused("Token is blacklisted").into());
        }
        let pair = state
            .tokens
            .issue_pair(claims.user_id)
            .map_err(ApiError::internal)?;
        Ok(Json(pair.into()))
    }
}
