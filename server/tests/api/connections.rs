//! Connections cannot exhaust the server: silent sockets are closed after the header timeout,
//! the number open stays below the open-file limit (the idle make room for newcomers), and a
//! body declared larger than the limit is refused before anyone waits for it.

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::binary;
use crate::helpers::*;

/// The binary on fresh data (the suite's database) with `args`; `None` where that database is
/// PostgreSQL and none is set up outside CI.
async fn binary_with(args: &[&str]) -> Option<(std::process::Command, std::sync::Arc<TestData>)> {
    let data = TestData::new().await?;
    let mut command = binary::server(data.dir.path());
    command.env("DATABASE_URL", data.database_url()).args(args);
    Some((command, data))
}

/// `command` under `ulimit -n <limit>`, soft and hard: the server cannot raise it.
fn under_open_file_limit(limit: u32, command: &std::process::Command) -> std::process::Command {
    let mut limited = std::process::Command::new("sh");
    limited
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(command.get_program())
        .args(command.get_args())
        .env_clear()
        .envs(
            command
                .get_envs()
                .filter_map(|(key, value)| Some((key, value?))),
        )
        .stdin(std::process::Stdio::null());
    if let Some(dir) = command.get_current_dir() {
        limited.current_dir(dir);
    }
    limited
}

/// Thousands of sockets from this one process: lift its own soft limit first.
fn allow_many_sockets() {
    rlimit::increase_nofile_limit(u64::MAX).expect("the test may raise its open-file limit");
}

fn address(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// `count` connections that never send a byte.
async fn silent_sockets(base: &str, count: usize) -> Vec<TcpStream> {
    let mut sockets = Vec::with_capacity(count);
    for _ in 0..count {
        sockets.push(TcpStream::connect(address(base)).await.expect("connects"));
    }
    sockets
}

/// Whether the server has closed `socket` (end of stream or reset) within `limit`.
async fn closed_within(socket: &mut TcpStream, limit: Duration) -> bool {
    let mut byte = [0_u8; 1];
    matches!(
        tokio::time::timeout(limit, socket.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// `GET /healthz` on a new connection; the status and how long it took.
async fn healthz(base: &str) -> (u16, Duration) {
    let started = Instant::now();
    let client = reqwest::Client::new();
    let status = tokio::time::timeout(
        Duration::from_secs(5),
        client.get(format!("{base}/healthz")).send(),
    )
    .await
    .expect("healthz answers within 5 s")
    .expect("healthz answers")
    .status()
    .as_u16();
    (status, started.elapsed())
}

/// One raw HTTP/1.1 exchange on a new connection: what the server sent until it closed or
/// went quiet for a second.
async fn raw(base: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(address(base)).await.expect("connects");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut received = Vec::new();
    let mut buffer = [0_u8; 4096];
    while let Ok(Ok(n @ 1..)) =
        tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buffer)).await
    {
        received.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8_lossy(&received).into_owned()
}

fn body_of(response: &str) -> Value {
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn silent_sockets_never_starve_healthz_and_are_closed_after_the_header_timeout() {
    allow_many_sockets();
    let Some(app) = spawn_app_with(|config| config.header_read_timeout_secs = 2).await else {
        return;
    };
    let opened = Instant::now();
    let mut silent = silent_sockets(&app.base, 3000).await;
    let (status, took) = healthz(&app.base).await;
    assert_eq!(status, 200);
    assert!(
        opened.elapsed() < Duration::from_secs(2),
        "the sockets took too long to open for the test to mean anything"
    );
    eprintln!("healthz with 3000 silent sockets open: {took:?}");

    let closed = join_all(
        silent
            .iter_mut()
            .map(|socket| closed_within(socket, Duration::from_secs(5))),
    )
    .await;
    let still_open = closed.iter().filter(|closed| !**closed).count();
    assert_eq!(still_open, 0, "silent sockets the server kept");
    assert!(
        opened.elapsed() >= Duration::from_millis(1900),
        "closed before the header timeout"
    );
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_after_the_header_timeout_too() {
    let Some(app) = spawn_app_with(|config| config.header_read_timeout_secs = 1).await else {
        return;
    };
    let mut stream = TcpStream::connect(address(&app.base))
        .await
        .expect("connects");
    // HTTP/2 with prior knowledge: the preface and an empty SETTINGS frame, then nothing.
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .expect("writes");
    let started = Instant::now();
    let mut buffer = [0_u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(1..) = stream.read(&mut buffer).await {}
    })
    .await;
    assert!(closed.is_ok(), "the idle HTTP/2 connection was kept");
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn a_full_server_closes_the_oldest_idle_connection_but_never_a_busy_one() {
    allow_many_sockets();
    let Some(app) = spawn_app_with(|config| config.max_connections = Some(40)).await else {
        return;
    };
    // A request in progress: its head is in, its body is still coming.
    let mut busy = TcpStream::connect(address(&app.base))
        .await
        .expect("connects");
    let body = r#"{"username": "patient", "password": "password123"}"#;
    let head = format!(
        "POST /api/users/register/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    busy.write_all(head.as_bytes()).await.expect("writes");
    busy.write_all(&body.as_bytes()[..10])
        .await
        .expect("writes");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Ten times the limit in silent sockets: each newcomer takes the place of an older one.
    let mut silent = silent_sockets(&app.base, 400).await;
    let (status, _) = healthz(&app.base).await;
    assert_eq!(status, 200, "a newcomer is served while the server is full");
    let evicted = join_all(
        silent[..300]
            .iter_mut()
            .map(|socket| closed_within(socket, Duration::from_secs(2))),
    )
    .await;
    assert!(evicted.iter().all(|closed| *closed), "the oldest made room");

    // The busy connection was never picked: its request completes.
    busy.write_all(&body.as_bytes()[10..])
        .await
        .expect("writes");
    let mut answer = vec![0_u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), busy.read(&mut answer))
        .await
        .expect("answers")
        .expect("reads");
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

#[tokio::test]
async fn under_a_low_open_file_limit_the_server_keeps_serving() {
    allow_many_sockets();
    let Some((command, data)) = binary_with(&[]).await else {
        return;
    };
    let server = binary::start(under_open_file_limit(256, &command), data, "limited");
    let base = &server.app.base;
    // Four times the process's whole file limit.
    let silent = silent_sockets(base, 1000).await;
    let (status, took) = healthz(base).await;
    assert_eq!(status, 200);
    eprintln!("healthz with 1000 silent sockets under ulimit -n 256: {took:?}");
    let user = reqwest::Client::new()
        .post(format!("{base}/api/users/register/"))
        .json(&serde_json::json!({"username": "alice", "password": "password123"}))
        .send()
        .await
        .expect("answers");
    assert_eq!(user.status(), 201, "the database still has descriptors");
    drop(silent);
    assert_eq!(healthz(base).await.0, 200);
    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_at_once() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let huge = |path: &str, token: Option<&str>| {
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: 1000000000000\r\n\r\n"
        )
    };
    let cases = [
        (huge("/api/users/register/", None), "register"),
        (huge("/api/token/", None), "token"),
        (
            huge(
                &format!("/api/chat/rooms/{room}/messages/"),
                Some(&alice.access),
            ),
            "message",
        ),
    ];
    for (request, what) in cases {
        let started = Instant::now();
        let answer = raw(&app.base, &request).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{what}: {answer}");
        assert_eq!(
            body_of(&answer),
            serde_json::json!({"detail": "Request body is larger than the limit of 65536 bytes."}),
            "{what}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what} waited for the body"
        );
    }
    // A client that sends its oversized body whole still reads the 413 (the server reads
    // and drops the body first: closing on unread data would reset the connection), and its
    // next request, on a new connection, is served.
    let oversized = serde_json::json!({"username": "x".repeat(100_000), "password": "password123"});
    let refused = app.post("/api/users/register/", None, oversized).await;
    assert_eq!(refused.status, 413, "{:?}", refused.body);
    assert_eq!(refused.headers["connection"], "close");
    assert_eq!(app.get("/healthz", None).await.status, 200);

    // Seed 000's routes answer in their own shape.
    let answer = raw(&app.base, &huge("/messages/create", Some(&alice.access))).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(body_of(&answer)["status"], 413, "{answer}");
}

#[tokio::test]
async fn bind_takes_a_bare_port_and_host_names_and_explains_what_it_refuses() {
    for bind in ["0", "localhost:0"] {
        let Some((command, data)) = binary_with(&["--bind", bind]).await else {
            return;
        };
        let server = binary::start(command, data, "bind");
        let base = &server.app.base;
        assert_eq!(healthz(base).await.0, 200, "--bind {bind}");
        if bind == "0" {
            assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        }
    }
    let scratch = binary::scratch();
    let mut command = binary::server(scratch.dir.path());
    command.args(["--bind", "localhost"]);
    let (status, refused) = binary::refused(command);
    assert!(!status.success());
    assert!(
        refused.contains("--bind")
            && refused.contains("expected HOST:PORT")
            && refused.contains("a bare PORT"),
        "{refused}"
    );
}
