//! The real `chat-server` binary on a random port with its own temporary database.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use tempfile::TempDir;

/// A running server process; killed when dropped.
pub struct Server {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    child: Child,
    dir: TempDir,
}

impl Server {
    /// Starts the server with its defaults (a generated secret, 5-minute access tokens).
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the server with extra environment (`JWT_ACCESS_TTL_SECS`, ...).
    pub fn start_with(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("a log file");
        let mut child = Command::new(binary())
            .arg("serve")
            .env_remove("JWT_SECRET")
            .env_remove("CHAT_CORS_ORIGINS")
            .env("CHAT_BIND", "127.0.0.1:0")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.path().join("chat.db").display()),
            )
            .env("RUST_LOG", "warn")
            // Throttles are off unless a test turns them on (`env` comes after): the suites
            // send faster than a person.
            .env("CHAT_MESSAGE_RATE", "0")
            .env("CHAT_TOKEN_RATE_PER_MIN", "0")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the chat-server binary starts");

        let stdout = child.stdout.take().expect("piped stdout");
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
            .map(str::to_owned);
        match base {
            Some(base) => Server { base, child, dir },
            None => {
                let _ = child.kill();
                let log =
                    std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                panic!(
                    "chat-server did not report its address (first line: {line:?}); its log:\n{log}"
                );
            }
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
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

/// The server binary: `CHAT_SERVER_BIN` if set, else built once per test process with the
/// cargo that runs the tests (a binary of another package has no `CARGO_BIN_EXE_*`).
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("CHAT_SERVER_BIN") {
            return PathBuf::from(path);
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "chat-server",
                "--bin",
                "chat-server",
                "--message-format=json",
            ])
            .current_dir(workspace_root())
            .stderr(Stdio::inherit())
            .output()
            .expect("cargo runs");
        assert!(output.status.success(), "cargo build -p chat-server failed");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|msg| msg["reason"] == "compiler-artifact")
            .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported the chat-server executable")
    })
}

/// The workspace root (where `openapi.yaml` lives).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("contract-tests sits in the workspace")
        .to_path_buf()
}
