//! Starting the binary: which `DATABASE_URL`s it accepts and where it keeps their secret, and
//! the errors that stop it, each one line naming what is wrong and what to do.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::binary::{refused, scratch, server, start};

/// The single `error: ...` line a refused start prints, after checking it is the only one and
/// carries no "Caused by" repetition or backtrace.
fn one_error_line(stderr: &str) -> &str {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line, in:\n{stderr}");
    assert!(
        !stderr.contains("Caused by") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    errors[0]
}

#[tokio::test]
async fn every_url_form_naming_a_file_keeps_the_secret_beside_that_file() {
    for (url, file) in [
        ("chat.db", "chat.db"),
        ("./x/chat.db", "x/chat.db"),
        ("sqlite:chat.db", "chat.db"),
        ("sqlite://chat.db", "chat.db"),
        ("file:chat.db", "chat.db"),
    ] {
        let data = scratch();
        let dir = data.dir.path().to_path_buf();
        std::fs::create_dir(dir.join("x")).expect("x/");
        let mut command = server(&dir);
        command.env("DATABASE_URL", url);
        let first = start(command, data.clone(), "first");
        let alice = first.app.user("alice").await;
        first.stop();

        assert!(dir.join(file).is_file(), "{url}: no {file}");
        assert!(
            dir.join(format!("{file}.jwt-secret")).is_file(),
            "{url}: no secret beside {file}"
        );
        // A restart honours the tokens issued before it.
        let mut command = server(&dir);
        command.env("DATABASE_URL", url);
        let second = start(command, data.clone(), "second");
        let me = second.app.get("/api/users/me/", Some(&alice.access)).await;
        assert_eq!(me.status, 200, "{url}: {:?}", me.body);
    }
}

#[tokio::test]
async fn only_an_in_memory_database_gets_a_secret_for_one_run_with_a_warning() {
    let data = scratch();
    let mut command = server(data.dir.path());
    command.env("DATABASE_URL", "sqlite::memory:");
    let running = start(command, data.clone(), "memory");
    running.app.user("alice").await;
    running
        .log_line(&["random signing secret", "this run only"])
        .await;
    let files: Vec<_> = std::fs::read_dir(data.dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".log"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
}

#[tokio::test]
async fn other_schemes_are_refused_naming_the_supported_forms() {
    let data = scratch();
    let mut command = server(data.dir.path());
    command.env("DATABASE_URL", "mysql://root:hunter2@db.example/chat");
    let (status, stderr) = refused(command);
    assert!(!status.success());
    let error = one_error_line(&stderr);
    for wanted in ["mysql", "sqlite://", "postgres://"] {
        assert!(error.contains(wanted), "{wanted} missing: {error}");
    }
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert_eq!(std::fs::read_dir(data.dir.path()).expect("dir").count(), 0);
}

#[tokio::test]
async fn an_unreachable_postgres_fails_at_once_naming_host_port_and_cause() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let data = scratch();
    let mut command = server(data.dir.path());
    command.env(
        "DATABASE_URL",
        format!("postgres://chat:hunter2@127.0.0.1:{port}/chat"),
    );
    let (status, stderr) = refused(command);
    assert!(!status.success());
    let error = one_error_line(&stderr);
    // At once: a pool would have retried for its 10 s and said only "pool timed out".
    for wanted in [format!("127.0.0.1:{port}"), "connection refused".to_owned()] {
        assert!(error.contains(&wanted), "{wanted} missing: {error}");
    }
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[tokio::test]
async fn a_missing_directory_is_named_with_what_to_do() {
    let data = scratch();
    let missing = data.dir.path().join("nowhere");
    let mut command = server(data.dir.path());
    command.env(
        "DATABASE_URL",
        format!("sqlite://{}", missing.join("chat.db").display()),
    );
    let (status, stderr) = refused(command);
    assert!(!status.success());
    let error = one_error_line(&stderr);
    let wanted = [
        missing.display().to_string(),
        "does not exist".to_owned(),
        "mkdir -p".to_owned(),
    ];
    for wanted in wanted {
        assert!(error.contains(&wanted), "{wanted} missing: {error}");
    }
}

/// `nobody`, for children that must meet permission checks the test's root user would pass.
const NOBODY: u32 = 65_534;

/// Whether this process runs as root (who passes every permission check).
fn is_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).is_ok_and(|m| m.uid() == 0)
}

fn nobody_can_run_the_binary() -> bool {
    use std::os::unix::process::CommandExt;
    std::process::Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .arg("--version")
        .env_clear()
        .uid(NOBODY)
        .gid(NOBODY)
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[tokio::test]
async fn a_directory_the_server_cannot_write_is_named_with_the_cause() {
    let data = scratch();
    let root = is_root(data.dir.path());
    if root && !nobody_can_run_the_binary() {
        eprintln!(
            "skipping: running as root, and `nobody` (uid {NOBODY}) cannot run the binary \
             (root would pass the permission checks this test is about)"
        );
        return;
    }
    // Root passes permission checks: the server then runs as `nobody`, in a directory of its
    // own that it may enter but not write.
    let dir = data.dir.path().join("db");
    std::fs::create_dir(&dir).expect("db/");
    std::fs::set_permissions(data.dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    if root {
        std::os::unix::fs::chown(&dir, Some(NOBODY), Some(NOBODY)).expect("chown");
    }
    let as_server = |dir: &Path| {
        let mut command = server(dir);
        command.env("DATABASE_URL", "sqlite://chat.db");
        if root {
            use std::os::unix::process::CommandExt;
            command.uid(NOBODY).gid(NOBODY);
        }
        command
    };
    let writable = |yes: bool| {
        let mode = if yes { 0o755 } else { 0o555 };
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };

    // No database yet, and the directory is read-only.
    writable(false);
    let (status, stderr) = refused(as_server(&dir));
    assert!(!status.success());
    let error = one_error_line(&stderr);
    for wanted in [dir.display().to_string(), "not writable".to_owned()] {
        assert!(error.contains(&wanted), "{wanted} missing: {error}");
    }

    // A WAL database, shut down cleanly (no -wal, no -shm left), in a directory made
    // read-only afterwards: SQLite must create those files again to open it.
    writable(true);
    let created = start(as_server(&dir), data.clone(), "created");
    created.app.user("alice").await;
    created.terminate();
    assert!(!dir.join("chat.db-wal").exists(), "a clean shutdown");
    writable(false);
    let (status, stderr) = refused(as_server(&dir));
    writable(true);
    assert!(!status.success());
    let error = one_error_line(&stderr);
    for wanted in [
        dir.display().to_string(),
        "not writable".to_owned(),
        "-wal".to_owned(),
    ] {
        assert!(error.contains(&wanted), "{wanted} missing: {error}");
    }
}

#[tokio::test]
async fn values_that_cannot_work_are_refused_naming_their_variable() {
    let data = scratch();
    for (variable, value, reason) in [
        ("CHAT_MAX_BODY_BYTES", "0", "at least 1"),
        ("CHAT_WS_QUEUE_LEN", "0", "at least 1"),
        ("CHAT_WS_MAX_FRAME_BYTES", "0", "at least 1"),
        ("CHAT_WS_MAX_CONNECTIONS_PER_USER", "0", "at least 1"),
        ("CHAT_WS_PING_INTERVAL_SECS", "0", "at least 1"),
        ("CHAT_DB_READ_CONNECTIONS", "0", "at least 1"),
        ("CHAT_MESSAGE_BURST", "0", "at least 1"),
        ("CHAT_PASSWORD_HASH_MEMORY_KIB", "7", "at least 8"),
        ("CHAT_PASSWORD_HASH_PASSES", "0", "at least 1"),
        ("CHAT_HEADER_READ_TIMEOUT_SECS", "0", "at least 1"),
        ("CHAT_REQUEST_TIMEOUT_SECS", "0", "at least 1"),
        ("JWT_ACCESS_TTL_SECS", "0", "at least 1"),
        ("JWT_REFRESH_TTL_SECS", "0", "at least 1"),
        ("CHAT_CORS_ORIGINS", "chat.example", "no scheme"),
        (
            "CHAT_CORS_ORIGINS",
            "https://chat.example/app",
            "scheme://host",
        ),
        ("RUST_LOG", "chat_server=loud", "not a valid log filter"),
    ] {
        let mut command = server(data.dir.path());
        command.env(variable, value);
        let (status, stderr) = refused(command);
        assert!(!status.success(), "{variable}={value}");
        for wanted in [variable, reason] {
            assert!(
                stderr.contains(wanted),
                "{variable}={value}: {wanted} missing from:\n{stderr}"
            );
        }
    }
    // The same value as a flag: the error names the flag.
    let mut command = server(data.dir.path());
    command.args(["--max-body-bytes", "0"]);
    let (status, stderr) = refused(command);
    assert!(!status.success());
    assert!(
        stderr.contains("--max-body-bytes") && !stderr.contains("CHAT_MAX_BODY_BYTES"),
        "{stderr}"
    );
}

#[tokio::test]
async fn serve_help_is_written_for_users() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(["serve", "--help"])
        .env_clear()
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--db-read-connections"), "{help}");
    for internal in ["measured", "beat both"] {
        assert!(!help.contains(internal), "`{internal}` in:\n{help}");
    }
}
