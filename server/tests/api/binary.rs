//! The `chat-server` binary as a child process, for what only a process shows: its output,
//! its exit status, the files it creates. Each child runs in a directory of the test's own
//! (`current_dir`) with an empty environment plus what the test sets.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use crate::helpers::{TestApp, TestData};

/// How long a child may take to report its address or to exit.
const PATIENCE: Duration = Duration::from_secs(30);

/// `chat-server serve` in `dir` on a free port, throttles off, nothing else from the test's
/// environment.
pub fn server(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chat-server"));
    command
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("CHAT_BIND", "127.0.0.1:0")
        .env("CHAT_MESSAGE_RATE", "0")
        .env("CHAT_TOKEN_RATE_PER_MIN", "0")
        .stdin(Stdio::null());
    command
}

/// A server process; killed when dropped.
pub struct Running {
    child: Child,
    /// Its stdout: the `listening on` line and the (up to two) lines after it.
    pub stdout: Vec<String>,
    /// Its stderr, in a file.
    pub log: PathBuf,
    /// The running server, to speak HTTP to.
    pub app: TestApp,
}

impl Running {
    /// Everything it has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (a few seconds at most) for a log line containing every one of `words`.
    pub async fn log_line(&self, words: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log();
            if let Some(line) = log
                .lines()
                .find(|line| words.iter().all(|word| line.contains(word)))
            {
                return line.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {words:?} in:\n{log}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills it (SIGKILL: a crash, leaving SQLite's `-wal` and `-shm` behind).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, and waits for the graceful shutdown: SQLite's last connection folds the
    /// `-wal` into the database and removes it and the `-shm`.
    pub fn terminate(mut self) {
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        assert!(terminated, "kill -TERM {}", self.child.id());
        let deadline = Instant::now() + PATIENCE;
        while !matches!(self.child.try_wait(), Ok(Some(_))) {
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` with its stderr in `data.dir/<name>.log`; panics with that log when it does
/// not report its address.
pub fn start(mut command: Command, data: Arc<TestData>, name: &str) -> Running {
    let log = data.dir.path().join(format!("{name}.log"));
    let file = std::fs::File::create(&log).expect("log file");
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(file)
        .spawn()
        .expect("the chat-server binary starts");
    let lines = stdout_lines(&mut child);
    let mut stdout = Vec::new();
    match lines.recv_timeout(PATIENCE) {
        Ok(line) if line.starts_with("listening on ") => stdout.push(line),
        other => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "no `listening on` line (got {other:?}); stderr:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
    }
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(2)) {
        stdout.push(line);
        if stdout.len() == 3 {
            break;
        }
    }
    let base = stdout[0]
        .strip_prefix("listening on ")
        .unwrap_or_default()
        .to_owned();
    Running {
        child,
        stdout,
        log,
        app: TestApp {
            base,
            stop: None,
            client: reqwest::Client::new(),
            data,
        },
    }
}

/// Runs `command`, which must refuse to start: its exit status and stderr. Panics if it starts
/// serving instead.
pub fn refused(mut command: Command) -> (ExitStatus, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the chat-server binary starts");
    let lines = stdout_lines(&mut child);
    let mut stderr = child.stderr.take().expect("piped stderr");
    let read_stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return (status, read_stderr.join().unwrap_or_default());
        }
        let serving = lines
            .try_recv()
            .is_ok_and(|line| line.starts_with("listening on "));
        if serving || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server {} instead of refusing to start; stderr:\n{}",
                if serving { "started" } else { "hung" },
                read_stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The lines of the child's stdout, read on a thread of their own (a full pipe would block it).
fn stdout_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A fresh temporary directory, for a child whose database URL the test writes itself.
pub fn scratch() -> Arc<TestData> {
    Arc::new(TestData {
        dir: tempfile::tempdir().expect("temporary directory"),
        postgres: None,
    })
}
