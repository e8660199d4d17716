//! Registration, the caller's own profile, and user search.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::bearer::BearerAuth;
use super::body::JsonBody;
use super::error::{ApiError, BODY, E400, E401, E404, Errors};
use super::pagination::{PageParams, PageRequest, RequestUrl, numbered_page};
use super::params::{LenientInt, raw};
use super::trimmed::TrimmedText;
use crate::domain::fields::string;
use crate::domain::text::{Email, Password, Username};
use crate::service::presence;
use crate::startup::AppState;
use crate::store::UserRow;

#[derive(Object)]
#[oai(example)]
pub struct RegisterRequest {
    /// 1–150 letters, digits and `@.+-_`.
    pub username: TrimmedText<{ Username::MAX }>,
    /// At least 8 characters, taken as sent (not trimmed).
    #[oai(validator(min_length = 8, max_length = 4096))]
    pub password: String,
    /// Optional; `null`, blank or left out: no email. Trimmed; at most 254 characters as sent.
    #[oai(nullable, validator(max_length = 254))]
    pub email: Option<String>,
}

impl Example for RegisterRequest {
    fn example() -> Self {
        Self {
            username: "edulite".into(),
            password: "correct-horse-battery".into(),
            email: Some("edulite@example.com".into()),
        }
    }
}

#[derive(Object)]
#[oai(example)]
pub struct User {
    pub id: i64,
    pub username: String,
    /// Empty when none was given.
    pub email: String,
}

impl Example for User {
    /// The account the example registration creates.
    fn example() -> Self {
        Self {
            id: 2,
            username: "edulite".into(),
            email: "edulite@example.com".into(),
        }
    }
}

impl From<UserRow> for User {
    fn from(user: UserRow) -> Self {
        Self {
            id: user.id,
            username: user.username,
            email: user.email,
        }
    }
}

#[derive(Object, serde::Serialize)]
#[oai(example)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
}

impl Example for UserSummary {
    fn example() -> Self {
        Self {
            id: 2,
            username: "edulite".into(),
        }
    }
}

numbered_page!(
    UserPage,
    UserSummary,
    "A page of users (the room list's page-number envelope).",
    example = ("/api/users/?search=edu", 1)
);

/// Whether a user holds a WebSocket open right now.
#[derive(Object)]
#[oai(example)]
pub struct UserPresence {
    pub user_id: i64,
    /// True while the user has at least one WebSocket open (on any instance).
    pub online: bool,
    /// When their last WebSocket closed; null while online, or if not seen since presence
    /// was first recorded.
    #[oai(nullable)]
    pub last_seen_at: Option<String>,
}

impl Example for UserPresence {
    fn example() -> Self {
        Self {
            user_id: 2,
            online: false,
            last_seen_at: Some("2023-10-01T14:41:07.215930Z".into()),
        }
    }
}

impl From<presence::Presence> for UserPresence {
    fn from(view: presence::Presence) -> Self {
        Self {
            user_id: view.user_id,
            online: view.online,
            last_seen_at: view.last_seen_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum Registered {
    #[oai(status = 201)]
    Created(Json<User>),
}

pub struct UsersApi;

#[OpenApi(prefix_path = "/api/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// Register a user
    ///
    /// Creates an account; obtain tokens for it with `POST /api/token/`.
    #[oai(path = "/register/", method = "post", operation_id = "users_register")]
    async fn users_register(
        &self,
        state: Data<&Arc<AppState>>,
        body: JsonBody<RegisterRequest>,
    ) -> Result<Registered, Errors<BODY>> {
        let mut fields = body.fields()?;
        let username = fields.required("username", |v| string(v).and_then(|s| Username::parse(&s)));
        let password = fields.required("password", |v| string(v).and_then(|s| Password::parse(&s)));
        let email = fields
            .optional("email", |v| match v {
                serde_json::Value::Null => Ok(Email::none()),
                v => string(v).and_then(|s| Email::parse(&s)),
            })
            .unwrap_or_else(Email::none);
        let (username, password) = fields.finish(username.zip(password))?;
        let hash = state
            .passwords
            .hash(password.into_inner())
            .await
            .map_err(ApiError::internal)?;
        let user = state
            .store
            .create_user(username.as_str(), email.as_str(), &hash)
            .await?
            .map_err(|_| {
                ApiError::field("username", "A user with that username already exists.")
            })?;
        Ok(Registered::Created(Json(user.into())))
    }

    /// The caller's own account
    #[oai(path = "/me/", method = "get", operation_id = "users_me")]
    async fn users_me(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
    ) -> Result<Json<User>, Errors<E401>> {
        let user = state
            .store
            .find_user(auth.0.id)
            .await?
            .ok_or(ApiError::UserNotFound)?;
        Ok(Json(user.into()))
    }

    /// A user's presence
    ///
    /// Whether the user is online (holds a WebSocket open) and when they were last seen. Only
    /// for the caller and users who share a room with the caller: 404 for anyone else, as for
    /// a user that does not exist.
    #[oai(
        path = "/:id/presence/",
        method = "get",
        operation_id = "users_presence_retrieve"
    )]
    async fn users_presence_retrieve(
        &self,
        auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        /// The user's id.
        id: Path<i64>,
    ) -> Result<Json<UserPresence>, Errors<{ E401 | E404 }>> {
        Ok(Json(
            presence::of_user(&state, auth.0.id, id.0).await?.into(),
        ))
    }

    /// Search users
    ///
    /// Users whose username contains `search` (case-insensitive), by id, paginated like the
    /// room list (`page`/`page_size` or `limit`/`offset`).
    #[oai(path = "/", method = "get", operation_id = "users_list")]
    #[allow(clippy::too_many_arguments)]
    async fn users_list(
        &self,
        _auth: BearerAuth,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Only users whose username contains this text, ignoring case; without it, every
        /// user.
        search: Query<Option<String>>,
        /// Page number, from 1 (default 1), or `last`. A page past the end, or text that is
        /// not a page number, is 404 `Invalid page.`. When given, `limit` and `offset` are
        /// ignored.
        page: Query<Option<LenientInt>>,
        /// Users per page in the page-number style (ignored when `limit` or `offset` is given
        /// without `page`): default 10, at most 100 (a larger value counts as 100, zero or
        /// less as the default).
        page_size: Query<Option<i64>>,
        /// Users per page in the limit/offset style, used when `page` is absent: default 10,
        /// at most 100 (a larger value counts as 100, zero or less as the default).
        limit: Query<Option<i64>>,
        /// How many users to skip in the limit/offset style: default 0 (a negative value
        /// counts as 0).
        offset: Query<Option<i64>>,
    ) -> Result<Json<UserPage>, Errors<{ E400 | E401 | E404 }>> {
        let pages = PageRequest::parse(&PageParams {
            page: raw(page.0),
            page_size: page_size.0,
            limit: limit.0,
            offset: offset.0,
        })?;
        let search = search.0.unwrap_or_default();
        let count = state.store.count_users(&search).await?;
        let (limit, offset) = pages.window(count)?;
        let users = state.store.search_users(&search, limit, offset).await?;
        let results = users
            .into_iter()
            .map(|(id, username)| UserSummary { id, username })
            .collect();
        Ok(Json(UserPage::new(
            pages.links(count, &RequestUrl::of(req)),
            results,
        )))
    }
}
