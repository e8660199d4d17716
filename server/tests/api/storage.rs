//! The database the server creates: migrated, in WAL mode, with the indexes its queries use.

use sqlx::sqlite::SqlitePoolOptions;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_database_is_created_migrated_and_in_wal_mode() {
    let Some(app) = spawn_app().await else { return };
    let url = app.data.database_url();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("database opens");

    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");

    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        applied,
        chat_server::store::SQLITE_MIGRATOR.iter().count() as i64
    );

    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for wanted in [
        "messages_by_room",
        "messages_client_id",
        "room_participants_by_user",
    ] {
        assert!(
            indexes.iter().any(|i| i == wanted),
            "{wanted} missing from {indexes:?}"
        );
    }
}

#[tokio::test]
async fn a_restart_keeps_every_user_room_and_message() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let message = app.message(&alice, room, "kept").await;

    let restarted = spawn_in(app.data.clone(), |_| {}).await;
    let reply = restarted
        .get(
            &format!("/api/chat/rooms/{room}/messages/{message}/"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(
        (reply.status, &reply.body["content"]),
        (200, &serde_json::json!("kept"))
    );
}

/// Copies the WAL into the database file and empties it, as a checkpoint at shutdown would.
async fn checkpoint(pool: &sqlx::SqlitePool) {
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(pool)
        .await
        .expect("checkpoint");
    assert_eq!(busy, 0, "the checkpoint completed");
}

/// Whether `needle` is anywhere in the database's files (the main file and any WAL).
fn on_disk(app: &TestApp, needle: &str) -> bool {
    ["chat.db", "chat.db-wal"].iter().any(|name| {
        std::fs::read(app.data.dir.path().join(name))
            .unwrap_or_default()
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    })
}

#[tokio::test]
async fn a_deleted_message_leaves_no_text_in_the_file() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let url = |id: i64| format!("/api/chat/rooms/{room}/messages/{id}/");
    // Distinctive words: in the content, the edit history and the full-text index.
    let id = app
        .message(&alice, room, "zanzibarquokka first words")
        .await;
    for content in ["zanzibarquokka second words", "marzipanwombat final words"] {
        let reply = app
            .patch(&url(id), Some(&alice.access), json!({"content": content}))
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    app.message(&alice, room, "an ordinary message that stays")
        .await;
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&app.data.database_url())
        .await
        .expect("database opens");
    checkpoint(&pool).await;
    assert!(
        on_disk(&app, "zanzibarquokka"),
        "the test looks in the right place"
    );
    assert!(on_disk(&app, "marzipanwombat"));

    let reply = app.delete(&url(id), Some(&alice.access)).await;
    assert_eq!(reply.status, 204, "{reply:?}");
    checkpoint(&pool).await;
    for gone in [
        "zanzibarquokka",
        "marzipanwombat",
        "first words",
        "final words",
    ] {
        assert!(
            !on_disk(&app, gone),
            "{gone:?} is still in the database file"
        );
    }
    assert!(on_disk(&app, "an ordinary message that stays"));
}
