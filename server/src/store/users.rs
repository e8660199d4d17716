use std::sync::Arc;

use sqlx::FromRow;

use super::{Store, is_unique_violation, json_ids};
use crate::domain::time::now_micros;

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
}

#[derive(Debug)]
pub struct UsernameTaken;

// Statements are assembled with `concat!` so that every one is a `&'static str`.
macro_rules! user_columns {
    () => {
        "id, username, email, password_hash"
    };
}
/// `?1` is the search text, lowercased; empty matches everyone.
macro_rules! user_match {
    () => {
        "(?1 = '' OR instr(username_folded, ?1) > 0)"
    };
}

impl Store {
    pub async fn create_user(
        &self,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> Result<Result<UserRow, UsernameTaken>, sqlx::Error> {
        let inserted = sqlx::query_as::<_, UserRow>(concat!(
            "INSERT INTO users (username, username_folded, email, password_hash, created_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING ",
            user_columns!()
        ))
        .bind(username)
        .bind(username.to_lowercase())
        .bind(email)
        .bind(password_hash)
        .bind(now_micros())
        .fetch_one(&self.write)
        .await;
        match inserted {
            Ok(user) => Ok(Ok(user)),
            Err(err) if is_unique_violation(&err) => Ok(Err(UsernameTaken)),
            Err(err) => Err(err),
        }
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
        sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await
    }

    /// The username of user `id`, `None` once the user no longer exists. Every authenticated
    /// request asks, so answers are remembered for [`USERNAME_TTL`]: a user deleted in the
    /// database (no route deletes one) loses access within that long, not at once.
    pub async fn username(&self, id: i64) -> Result<Option<Arc<str>>, sqlx::Error> {
        if let Some(name) = self.usernames.get(id) {
            return Ok(Some(name));
        }
        let found = self.find_user(id).await?;
        Ok(found.map(|user| self.usernames.insert(id, &user.username)))
    }

    pub async fn find_user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<UserRow>, sqlx::Error> {
        sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username = ?"
        ))
        .bind(username)
        .fetch_optional(&self.read)
        .await
    }

    /// The ids among `ids` that name no user, in the order given.
    pub async fn missing_user_ids(&self, ids: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT j.value FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = j.value) \
             ORDER BY j.key",
        )
        .bind(json_ids(ids))
        .fetch_all(&self.read)
        .await
    }

    /// How many users' usernames contain `search` (case-insensitively).
    pub async fn count_users(&self, search: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(concat!("SELECT COUNT(*) FROM users WHERE ", user_match!()))
            .bind(search.to_lowercase())
            .fetch_one(&self.read)
            .await
    }

    /// One page of those users, by id.
    pub async fn search_users(
        &self,
        search: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(i64, String)>, sqlx::Error> {
        sqlx::query_as(concat!(
            "SELECT id, username FROM users WHERE ",
            user_match!(),
            " ORDER BY id LIMIT ?2 OFFSET ?3"
        ))
        .bind(search.to_lowercase())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await
    }
}
