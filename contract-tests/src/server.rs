//! The real `chat-server` binary on a random port with its own temporary database: a SQLite
//! file, or a PostgreSQL database of its own ([`Server::start_on`]).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

pub use chat_test_support::Database;
use chat_test_support::{PostgresDb, migrated_postgres_db};
use tempfile::TempDir;

/// A running server process; killed when dropped (before its database goes).
pub struct Server {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    child: Child,
    dir: TempDir,
    _postgres: Option<PostgresDb>,
}

impl Server {
    /// Starts the server on SQLite with its defaults (a generated secret, 5-minute access
    /// tokens).
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the server on SQLite with extra environment (`JWT_ACCESS_TTL_SECS`, ...).
    pub fn start_with(env: &[(&str, &str)]) -> Server {
        Server::spawn(None, env)
    }

    /// Starts the server on `database` with extra environment; `None` when that is PostgreSQL
    /// and none is set up outside CI (the test skips: see chat-test-support).
    pub async fn start_on(database: Database, env: &[(&str, &str)]) -> Option<Server> {
        let postgres = match database {
            Database::Sqlite => None,
            Database::Postgres => Some(migrated_postgres_db().await?),
        };
        Some(Server::spawn(postgres, env))
    }

    fn spawn(postgres: Option<PostgresDb>, env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).expect("a log file");
        let database_url = match &postgres {
            Some(db) => db.url.clone(),
            None => sqlite_url(&dir.path().join("chat.db")),
        };
        match launch(binary(), &database_url, log, None, env) {
            Ok((child, base)) => Server {
                base,
                child,
                dir,
                _postgres: postgres,
            },
            Err(line) => {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
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
    BINARY.get_or_init(|| match std::env::var_os("CHAT_SERVER_BIN") {
        Some(path) => PathBuf::from(path),
        None => build(),
    })
}

/// The server the durability tests crash, fill up and drain: `CHAT_DURABILITY_BIN` if set
/// (say, `target/release/chat-server`, the build as it is deployed), else [`binary`]. CI uses
/// the test build: a release build of its own cost CI about 4 of its 20 minutes, and the
/// properties judged (a 201 only after the commit, a restart that finds every acknowledged
/// message) follow from the order of the code, which both builds share; the debug build is
/// slower, so each round kills fewer but longer requests in flight.
pub fn durability_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| match std::env::var_os("CHAT_DURABILITY_BIN") {
        Some(path) => PathBuf::from(path),
        None => binary().to_owned(),
    })
}

fn build() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--quiet"])
        .args([
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
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}", file.display())
}

/// Spawns `binary serve` on `database_url`, stderr into `log`, and waits for the line with
/// its address. `Err` holds the first line it printed instead (the child is reaped).
///
/// With `stdout_log`, every other line the server prints on stdout (logs that come before the
/// address, should the server write them there) is appended to it and skipped; without it,
/// the address must be the first line.
fn launch(
    binary: &Path,
    database_url: &str,
    log: std::fs::File,
    stdout_log: Option<std::fs::File>,
    env: &[(&str, &str)],
) -> Result<(Child, String), Option<String>> {
    let mut child = Command::new(binary)
        .arg("serve")
        .env_remove("JWT_SECRET")
        .env_remove("CHAT_CORS_ORIGINS")
        .env("CHAT_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        // Throttles are off unless a test turns them on (`env` comes after): the suites
        // send faster than a person.
        .env("CHAT_MESSAGE_RATE", "0")
        .env("CHAT_TOKEN_RATE_PER_MIN", "0")
        // Password hashes at the real cost were a third of the suites' CPU time: what the
        // tests check does not depend on it (a hash keeps its own cost).
        .env("CHAT_PASSWORD_HASH_MEMORY_KIB", "64")
        .env("CHAT_PASSWORD_HASH_PASSES", "1")
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
        let Some(mut sink) = stdout_log else {
            let first = lines.next().and_then(Result::ok);
            let _ = tx.send(first);
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
            return;
        };
        let mut first = None;
        let mut reported = false;
        for line in lines {
            let Ok(line) = line else { continue };
            if !reported && line.starts_with("listening on ") {
                reported = true;
                let _ = tx.send(Some(line));
            } else {
                first.get_or_insert_with(|| line.clone());
                let _ = writeln!(sink, "{line}");
            }
        }
        if !reported {
            let _ = tx.send(first);
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).ok().flatten();
    let base = line
        .as_deref()
        .and_then(|line| line.strip_prefix("listening on "))
        .map(str::to_owned);
    match base {
        Some(base) => Ok((child, base)),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(line)
        }
    }
}

/// A server whose database outlives it: tests kill it, stop it and start another on the same
/// files. The signing secret is generated beside the database on first start, so tokens stay
/// valid across restarts. Killed when dropped.
pub struct ServerProcess {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    child: Child,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `binary` on the SQLite file `database` (created if missing), appending its
    /// stderr and any stdout line but the address to `log`, so one file tells the story of
    /// every restart.
    pub fn start(
        binary: &Path,
        database: &Path,
        log: &Path,
        env: &[(&str, &str)],
    ) -> ServerProcess {
        ServerProcess::try_start(binary, database, log, env).unwrap_or_else(|why| panic!("{why}"))
    }

    /// [`ServerProcess::start`], with a failure to start as an error: the first line it
    /// printed and its log.
    pub fn try_start(
        binary: &Path,
        database: &Path,
        log: &Path,
        env: &[(&str, &str)],
    ) -> Result<ServerProcess, String> {
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .expect("a log file")
        };
        // Plain text: the log is read in failure messages, not on a terminal.
        let env: Vec<(&str, &str)> = [("NO_COLOR", "1")]
            .into_iter()
            .chain(env.iter().copied())
            .collect();
        match launch(binary, &sqlite_url(database), open(), Some(open()), &env) {
            Ok((child, base)) => Ok(ServerProcess {
                base,
                child,
                log: log.to_path_buf(),
            }),
            Err(line) => Err(format!(
                "chat-server did not report its address (first line: {line:?}); its log ({}):\n{}",
                log.display(),
                std::fs::read_to_string(log).unwrap_or_default()
            )),
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, then reaps the process: nothing in it gets to finish or flush.
    pub fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("the killed server is reaped")
    }

    /// Sends `signal` (a name `kill -s` knows: `TERM`, `INT`, ...) without waiting.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.pid().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(status.success(), "kill -s {signal} {} failed", self.pid());
    }

    /// The exit status if the process has ended; never blocks.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child
            .try_wait()
            .expect("the server's status can be read")
    }

    /// Sends SIGTERM and waits up to `limit` for the graceful shutdown to end; `None` if the
    /// process is still running then (it is left running).
    pub fn stop(&mut self, limit: Duration) -> Option<ExitStatus> {
        self.signal("TERM");
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything every server on this log wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The workspace root (where `openapi.yaml` lives).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("contract-tests sits in the workspace")
        .to_path_buf()
}
