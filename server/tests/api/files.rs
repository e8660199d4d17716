//! The files the server keeps beside a SQLite database hold every message, every password hash
//! and the key to every token: only the server's user may read them.

use std::os::unix::fs::PermissionsExt;

use std::path::Path;

use crate::binary::{refused, scratch, server, start};

#[tokio::test]
async fn the_database_its_write_ahead_log_and_the_secret_are_created_private() {
    let data = scratch();
    let dir = data.dir.path().to_path_buf();
    let mut command = server(&dir);
    command.env("DATABASE_URL", "chat.db");
    // Whatever the umask: a shell's usual 022 would make new files 0644.
    let running = start(command, data.clone(), "server");
    // A write, so the write-ahead log exists.
    running.app.user("alice").await;
    for file in [
        "chat.db",
        "chat.db-wal",
        "chat.db-shm",
        "chat.db.jwt-secret",
    ] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}

#[tokio::test]
async fn a_database_an_older_version_left_readable_is_made_private() {
    let data = scratch();
    let dir = data.dir.path().to_path_buf();
    let mut command = server(&dir);
    command.env("DATABASE_URL", "chat.db");
    start(command, data.clone(), "first").stop();
    for file in ["chat.db", "chat.db-wal", "chat.db-shm"] {
        if dir.join(file).exists() {
            std::fs::set_permissions(dir.join(file), std::fs::Permissions::from_mode(0o644))
                .expect("chmod");
        }
    }

    let mut command = server(&dir);
    command.env("DATABASE_URL", "chat.db");
    let running = start(command, data.clone(), "second");
    running.app.user("alice").await;
    for file in ["chat.db", "chat.db-wal", "chat.db-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    running
        .log_line(&["chat.db", "readable by other users"])
        .await;
}

#[tokio::test]
async fn a_secret_file_others_may_read_is_refused_naming_the_file_and_the_chmod() {
    // Empty (to be filled on first start) or holding a secret: refused either way.
    for contents in ["", "0123456789abcdef0123456789abcdef0123456789abcdef"] {
        let data = scratch();
        let dir = data.dir.path().to_path_buf();
        let secret = dir.join("chat.db.jwt-secret");
        std::fs::write(&secret, contents).expect("secret");
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).expect("chmod");

        let mut command = server(&dir);
        command.env("DATABASE_URL", "chat.db");
        let (status, stderr) = refused(command);
        assert!(!status.success());
        for wanted in ["chat.db.jwt-secret", "chmod 600"] {
            assert!(stderr.contains(wanted), "{wanted} missing from:\n{stderr}");
        }
        // Left as it was: neither filled nor silently tightened.
        assert_eq!(mode(&secret), 0o644);
        assert_eq!(std::fs::read_to_string(&secret).expect("secret"), contents);
    }
}

/// The mode bits of `path`.
fn mode(path: &Path) -> u32 {
    let metadata =
        std::fs::metadata(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    metadata.permissions().mode() & 0o777
}
