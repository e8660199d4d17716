//! `/readyz` and a message send agree on whether the database can store data: a load
//! balancer that sees "ready" must not be sending traffic to an instance whose sends get 503.
//! SQLite: the database on a small tmpfs, filled up (needs root to mount: skipped without it,
//! a failure under `CI=true`). PostgreSQL: the database made read-only.

use std::time::Duration;

use chat_test_support::Database;
use chat_test_support::tmpfs::Tmpfs;
use serde_json::json;

use crate::helpers::*;

/// A text as long as an ordinary long message (a few database pages with its index entries).
fn long_text(n: usize) -> String {
    format!("message {n}: {}", "lorem ipsum dolor sit amet ".repeat(150))
}

async fn send(app: &TestApp, user: &User, room: i64, n: usize) -> Reply {
    app.post(
        &messages_url(room),
        Some(&user.access),
        json!({ "content": long_text(n) }),
    )
    .await
}

#[tokio::test]
async fn readiness_and_message_sends_agree_when_the_database_cannot_store() {
    match crate::DATABASE {
        Database::Sqlite => full_disk().await,
        Database::Postgres => read_only_database().await,
    }
}

async fn full_disk() {
    let Some(data) = TestData::new().await else {
        return;
    };
    let Some(tmpfs) = Tmpfs::mount_or_skip(data.dir.path(), "4m", "readiness (full disk)") else {
        return;
    };
    let app = spawn_in(data.clone(), |_| {}).await;
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    for n in 0..40 {
        assert_eq!(send(&app, &alice, room, n).await.status, 201);
    }
    // As SQLite does every thousand pages: the log is copied into the database and written
    // again from its start, so the disk can fill up while the log file still has room.
    let url = data.database_url();
    let db = sqlx::SqlitePool::connect(&url)
        .await
        .expect("database opens");
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(&db)
        .await
        .expect("checkpoint");
    db.close().await;

    let (filler, _) = tmpfs.fill("filler");
    let mut stored = 0;
    let refused = loop {
        let reply = send(&app, &alice, room, 100 + stored).await;
        match reply.status {
            201 => stored += 1,
            503 => break reply,
            _ => panic!("a send on a full disk: {reply:?}"),
        }
        assert!(stored < 500, "the disk never filled up");
    };
    assert!(refused.body["detail"].is_string(), "{refused:?}");
    let ready = app.get("/readyz", None).await;
    assert_eq!(
        ready.status, 503,
        "a send got 503 ({stored} fit after the disk filled) but /readyz said {ready:?}"
    );
    assert_eq!(send(&app, &alice, room, 1000).await.status, 503);

    std::fs::remove_file(filler).expect("the filler goes");
    app.get("/readyz", None)
        .await
        .expect(200, json!({"status": "ready"}));
    assert_eq!(send(&app, &alice, room, 1001).await.status, 201);
    // Nothing of the probes shows: the room holds the messages that got 201, no more.
    let first = format!("{}?page_size=100", messages_url(room));
    let (messages, _) = walk(&app, &alice.access, &first, "next").await;
    assert_eq!(messages.len(), 40 + stored + 1);
}

/// PostgreSQL's own refusal (SQLSTATE 25006) for every session that starts from now on; the
/// server's connections are closed so that it opens new ones.
async fn make_read_only(url: &str, read_only: bool) {
    use sqlx::Connection;
    let mut db = sqlx::PgConnection::connect(url)
        .await
        .expect("database opens");
    // This session may start read-only itself.
    sqlx::query("SET default_transaction_read_only = off")
        .execute(&mut db)
        .await
        .expect("a writable session");
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut db)
        .await
        .expect("database name");
    let setting = if read_only {
        "SET default_transaction_read_only = on"
    } else {
        "RESET default_transaction_read_only"
    };
    // The name is the test's own database's, as PostgreSQL reported it.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        r#"ALTER DATABASE "{name}" {setting}"#
    )))
    .execute(&mut db)
    .await
    .expect("alter database");
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut db)
    .await
    .expect("terminate");
    let _ = db.close().await;
}

async fn read_only_database() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    assert_eq!(send(&app, &alice, room, 0).await.status, 201);
    app.get("/readyz", None)
        .await
        .expect(200, json!({"status": "ready"}));

    let url = app.data.database_url();
    make_read_only(&url, true).await;
    // A connection the server had open may fail once as it is found closed: then 503 too.
    let mut n = 1;
    let refused = loop {
        let reply = send(&app, &alice, room, n).await;
        if reply.status == 503 {
            break reply;
        }
        assert!(n < 5, "sends to a read-only database: {reply:?}");
        n += 1;
    };
    assert!(refused.body["detail"].is_string(), "{refused:?}");
    assert_eq!(app.get("/readyz", None).await.status, 503);

    make_read_only(&url, false).await;
    let mut ready = app.get("/readyz", None).await;
    for _ in 0..5 {
        if ready.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        ready = app.get("/readyz", None).await;
    }
    ready.expect(200, json!({"status": "ready"}));
    assert_eq!(send(&app, &alice, room, 100).await.status, 201);
}
