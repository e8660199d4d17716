//! The database the server creates: migrated, in WAL mode, with the indexes its queries use.

use sqlx::sqlite::SqlitePoolOptions;

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
