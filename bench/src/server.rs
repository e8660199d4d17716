//! The `chat-server` binary on a random port, with its log in a directory the harness owns and
//! its database wherever `DATABASE_URL` says, so it can be stopped (for direct seeding) and
//! started again on the same data.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running server process; killed when dropped.
pub struct Server {
    /// `http://127.0.0.1:<port>`, no trailing slash. A restart picks a new port.
    pub base: String,
    child: Child,
    binary: PathBuf,
    dir: PathBuf,
    database_url: String,
    env: Vec<(String, String)>,
    /// The highest peak resident set of the processes this server ran as before the current
    /// one (a restart starts a new process with a peak of its own).
    earlier_peak_rss: Option<u64>,
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
    /// Starts `binary serve` on `127.0.0.1:0` with `database_url` (created or migrated by the
    /// server itself), its log in `dir`, and `env` on top of a clean environment for the
    /// settings that matter.
    pub fn start(
        binary: &Path,
        dir: &Path,
        database_url: &str,
        env: &[(String, String)],
    ) -> anyhow::Result<Server> {
        if !binary.is_file() {
            bail!(
                "no server binary at {} (build it with `cargo build --release -p chat-server`, \
                 or pass --server-bin)",
                binary.display()
            );
        }
        let (child, base) = spawn(binary, dir, database_url, env)?;
        Ok(Server {
            base,
            child,
            binary: binary.to_owned(),
            dir: dir.to_owned(),
            database_url: database_url.to_owned(),
            env: env.to_vec(),
            earlier_peak_rss: None,
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The highest resident set any of this server's processes reached so far, in bytes.
    pub fn peak_rss(&self) -> Option<u64> {
        let current = crate::system::vm_hwm(self.pid());
        current.max(self.earlier_peak_rss)
    }

    /// Stops the server gracefully (SIGTERM: it closes its pools, which checkpoints the WAL)
    /// and waits for it; SIGKILL if it does not exit in time.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        // Read before the process goes: its /proc entry goes with it.
        self.earlier_peak_rss = self.peak_rss();
        // std has no signal API and the bench has no unsafe code: `kill` the command does it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill().context("killing the server")?;
        self.child.wait().context("waiting for the server")?;
        Ok(())
    }

    /// Stops the server and starts it again on the same database (and the same generated
    /// signing secret, kept beside the SQLite file or in the PostgreSQL database, so tokens
    /// stay valid); `base` changes.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop()?;
        let (child, base) = spawn(&self.binary, &self.dir, &self.database_url, &self.env)?;
        self.child = child;
        self.base = base;
        Ok(())
    }

    /// What the server wrote to stderr so far (every start appends to one log).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

fn spawn(
    binary: &Path,
    dir: &Path,
    database_url: &str,
    env: &[(String, String)],
) -> anyhow::Result<(Child, String)> {
    let log_path = dir.join("server.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .context("the server log file")?;
    let mut child = Command::new(binary)
        .arg("serve")
        .env_remove("JWT_SECRET")
        .env_remove("CHAT_CORS_ORIGINS")
        .env("CHAT_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
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
    let line = rx.recv_timeout(Duration::from_secs(60)).ok().flatten();
    let base = line
        .as_deref()
        .and_then(|line| line.strip_prefix("listening on "))
        .map(|base| base.trim_end_matches('/').to_owned());
    match base {
        Some(base) => Ok((child, base)),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            bail!("chat-server did not report its address (first line: {line:?}); its log:\n{log}")
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
