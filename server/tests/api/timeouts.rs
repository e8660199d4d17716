//! Slow or idle clients cannot hold a connection: headers must arrive within the header
//! timeout (slowloris, idle keep-alive), and a request, body included, within the request
//! timeout.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

async fn quick_app() -> Option<TestApp> {
    spawn_app_with(|config| {
        config.header_read_timeout_secs = 1;
        config.request_timeout_secs = 1;
    })
    .await
}

async fn open(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connects")
}

/// Reads until the server closes the connection; what it sent, and when it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Instant) {
    let mut received = Vec::new();
    let mut buffer = [0_u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("the server kept the connection open for {limit:?}"),
        }
    }
    (
        String::from_utf8_lossy(&received).into_owned(),
        Instant::now(),
    )
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_are_cut_off() {
    let Some(app) = quick_app().await else { return };
    let mut stream = open(&app).await;
    let started = Instant::now();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("writes");
    // Slowloris: a header byte every 200 ms keeps the socket busy but never ends the head.
    let dribble = async {
        for byte in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            .iter()
            .cycle()
        {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), dribble).await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(4), "dribbled for {elapsed:?}");
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(2)).await;
    assert!(closed - started >= Duration::from_millis(900));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let Some(app) = quick_app().await else { return };
    let mut stream = open(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("writes");
    let started = Instant::now();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(4)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed - started >= Duration::from_millis(900));
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_503_after_the_request_timeout() {
    let Some(app) = quick_app().await else { return };
    let alice = app.user("alice").await;
    let mut stream = open(&app).await;
    let head = format!(
        "POST /api/chat/rooms/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":",
        alice.access
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    let started = Instant::now();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(4)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains(r#"{"detail":"The request took longer than 1 s."}"#),
        "{answer}"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
}
