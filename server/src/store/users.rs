use std::sync::Arc;

use sqlx::FromRow;

use super::{Store, is_unique_violation, json_ids, on_reads, on_writes};
use crate::domain::text::Username;
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
/// `$1` is a LIKE pattern of the lowercased search text (see [`contains_pattern`]).
macro_rules! user_match {
    () => {
        "username_folded LIKE $1 ESCAPE '\\'"
    };
}

/// A LIKE pattern matching text that contains `search` literally (LIKE's own wildcards in it
/// escaped): the one substring test both databases spell the same way.
fn contains_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Whether no username can contain `search`: a longer text (lowercasing turns one character
/// into at most three), or one with NUL (which usernames never hold, and PostgreSQL cannot
/// even compare). SQLite also refuses LIKE patterns past 50,000 bytes.
fn matches_no_username(search: &str) -> bool {
    search.contains('\0') || search.chars().count() > Username::MAX * 3
}

impl Store {
    pub async fn create_user(
        &self,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> Result<Result<UserRow, UsernameTaken>, sqlx::Error> {
        let inserted = on_writes!(self, |pool, _dialect| {
            sqlx::query_as::<_, UserRow>(concat!(
                "INSERT INTO users (username, username_folded, email, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING ",
                user_columns!()
            ))
            .bind(username)
            .bind(username.to_lowercase())
            .bind(email)
            .bind(password_hash)
            .bind(now_micros())
            .fetch_one(pool)
            .await
        });
        match inserted {
            Ok(user) => Ok(Ok(user)),
            Err(err) if is_unique_violation(&err) => Ok(Err(UsernameTaken)),
            Err(err) => Err(err),
        }
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await
        })
    }

    /// The username of user `id`, `None` once the user no longer exists. Every authenticated
    /// request asks, so answers are remembered for [`super::USERNAME_TTL`]: a user deleted in
    /// the database (no route deletes one) loses access within that long, not at once.
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
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE username = $1"
            ))
            .bind(username)
            .fetch_optional(pool)
            .await
        })
    }

    /// The ids among `ids` that name no user, in the order given.
    pub async fn missing_user_ids(&self, ids: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
        on_reads!(self, |pool, dialect| {
            sqlx::query_scalar(dialect.pick(
                "SELECT j.value FROM json_each($1) j \
                 WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = j.value) ORDER BY j.key",
                "SELECT j.value::bigint FROM json_array_elements_text($1::json) \
                 WITH ORDINALITY AS j (value, n) \
                 WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = j.value::bigint) ORDER BY j.n",
            ))
            .bind(json_ids(ids))
            .fetch_all(pool)
            .await
        })
    }

    /// How many users' usernames contain `search` (case-insensitively).
    pub async fn count_users(&self, search: &str) -> Result<i64, sqlx::Error> {
        if matches_no_username(search) {
            return Ok(0);
        }
        on_reads!(self, |pool, _dialect| {
            sqlx::query_scalar(concat!("SELECT COUNT(*) FROM users WHERE ", user_match!()))
                .bind(contains_pattern(search))
                .fetch_one(pool)
                .await
        })
    }

    /// One page of those users, by id.
    pub async fn search_users(
        &self,
        search: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(i64, String)>, sqlx::Error> {
        if matches_no_username(search) {
            return Ok(Vec::new());
        }
        on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(
                "SELECT id, username FROM users WHERE ",
                user_match!(),
                " ORDER BY id LIMIT $2 OFFSET $3"
            ))
            .bind(contains_pattern(search))
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_wildcards_in_a_search_are_literal() {
        assert_eq!(contains_pattern("Ab"), "%ab%");
        assert_eq!(contains_pattern("a%_\\"), "%a\\%\\_\\\\%");
    }
}
