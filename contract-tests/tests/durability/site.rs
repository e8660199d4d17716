//! Where a test's database and server log live.

use std::path::PathBuf;

use tempfile::TempDir;

/// A test's directory: `chat.db` (with its `-wal`, `-shm` and `.jwt-secret` beside it) in
/// `db/`, and `server.log` outside `db/`, so that filling the database's file system never
/// stops the server from logging why it refuses writes. Kept when the test fails.
pub struct Site {
    dir: Option<TempDir>,
    pub db_dir: PathBuf,
    pub db: PathBuf,
    pub log: PathBuf,
}

impl Site {
    pub fn new(test: &str) -> Site {
        let dir = tempfile::Builder::new()
            .prefix(&format!("durability-{test}-"))
            .tempdir()
            .expect("a temporary directory");
        let db_dir = dir.path().join("db");
        std::fs::create_dir(&db_dir).expect("the database directory");
        Site {
            db: db_dir.join("chat.db"),
            log: dir.path().join("server.log"),
            db_dir,
            dir: Some(dir),
        }
    }

    /// The server log's last `lines` lines, for failure messages.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            let kept = dir.keep();
            eprintln!(
                "kept {} for inspection (server.log: every server of the test)",
                kept.display()
            );
        }
    }
}
