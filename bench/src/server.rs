//! The release `chat-server` binary on a random port with its own temporary database.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};
use tempfile::TempDir;

/// A running server process; killed when dropped.
pub struct Server {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    child: Child,
    dir: TempDir,
}

/// `<workspace>/target/release/chat-server`.
pub fn default_binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("target")
        .join("release")
        .join("chat-server")
}

impl Server {
    /// Starts `binary serve` with `CHAT_BIND=127.0.0.1:0`, a fresh SQLite file and `env`.
    pub fn start(binary: &Path, env: &[(String, String)]) -> anyhow::Result<Server> {
        if !binary.is_file() {
            bail!(
                "no server binary at {} (build it with `cargo build --release -p chat-server`, \
                 or pass --server-bin / --url)",
                binary.display()
            );
        }
        let dir = tempfile::tempdir().context("a temporary directory")?;
        let log = std::fs::File::create(dir.path().join("server.log")).context("a log file")?;
        let mut child = Command::new(binary)
            .arg("serve")
            .env_remove("JWT_SECRET")
            .env_remove("CHAT_CORS_ORIGINS")
            .env("CHAT_BIND", "127.0.0.1:0")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.path().join("chat.db").display()),
            )
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;

        let stdout = child.stdout.take().context("piped stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next().and_then(Result::ok);
            let _ = tx.send(first);
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).ok().flatten();
        let base = line
            .as_deref()
            .and_then(|line| line.strip_prefix("listening on "))
            .map(|base| base.trim_end_matches('/').to_owned());
        match base {
            Some(base) => Ok(Server { base, child, dir }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                let log =
                    std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                bail!(
                    "chat-server did not report its address (first line: {line:?}); its log:\n{log}"
                )
            }
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
