//! The real `chat-server` binary as a child process, for what only a process shows: its
//! command line, its exit, its open-file limit. Its data is a [`TestData`] like any test
//! server's (the binary's database), and it is killed when dropped.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::TestData;

pub struct ServerProcess {
    /// `http://host:port`, as the server printed it.
    pub base: String,
    child: tokio::process::Child,
    data: Arc<TestData>,
}

const BINARY: &str = env!("CARGO_BIN_EXE_chat-server");

/// `chat-server serve` on `data` with `args` and the suites' usual settings (throttles off).
fn command(data: &TestData, args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .arg("serve")
        .args(args)
        .env_remove("JWT_SECRET")
        .env("CHAT_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", data.database_url())
        .env("RUST_LOG", "warn")
        .env("CHAT_MESSAGE_RATE", "0")
        .env("CHAT_TOKEN_RATE_PER_MIN", "0")
        .current_dir(data.dir.path())
        .stdin(Stdio::null());
    command
}

impl ServerProcess {
    /// Started with `args`; `None` when the binary's database is PostgreSQL and none is set up
    /// outside CI.
    pub async fn start_with_args(args: &[&str]) -> Option<ServerProcess> {
        let data = TestData::new().await?;
        let command = command(&data, args);
        Some(Self::spawn(command, data).await)
    }

    /// Started under `ulimit -n <limit>` (soft and hard: the server cannot raise it).
    pub async fn start_with_open_file_limit(limit: u32) -> Option<ServerProcess> {
        let data = TestData::new().await?;
        let serve = command(&data, &[]);
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
            .arg(serve.get_program())
            .args(serve.get_args())
            .envs(
                serve
                    .get_envs()
                    .filter_map(|(key, value)| Some((key, value?))),
            )
            .env_remove("JWT_SECRET")
            .current_dir(data.dir.path())
            .stdin(Stdio::null());
        Some(Self::spawn(command, data).await)
    }

    async fn spawn(command: Command, data: Arc<TestData>) -> ServerProcess {
        let log = std::fs::File::create(log_path(&data)).expect("a log file");
        let mut child = tokio::process::Command::from(command)
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("chat-server starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let listening = async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(base) = line.strip_prefix("listening on ") {
                    return Some(base.to_owned());
                }
            }
            None
        };
        let base = tokio::time::timeout(Duration::from_secs(30), listening)
            .await
            .ok()
            .flatten();
        let Some(base) = base else {
            let log = std::fs::read_to_string(log_path(&data)).unwrap_or_default();
            panic!("chat-server did not say where it listens; its log:\n{log}");
        };
        // Keep reading, so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        ServerProcess { base, child, data }
    }

    /// Run with `args`, expected to refuse to start: what it wrote to stderr.
    pub fn fails_with_args(args: &[&str]) -> String {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = TestData {
            dir,
            postgres: None,
        };
        let output = command(&data, args)
            .stdout(Stdio::null())
            .output()
            .expect("chat-server runs");
        assert!(
            !output.status.success(),
            "chat-server {args:?} started, and should not have"
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(log_path(&self.data)).unwrap_or_default()
    }
}

fn log_path(data: &TestData) -> std::path::PathBuf {
    Path::new(data.dir.path()).join("server.log")
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
