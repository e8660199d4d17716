//! A message POST held open halfway through its body, over a raw TCP connection: a request the
//! server has certainly accepted (it has read the headers and is waiting for the rest) at the
//! moment a test chooses, which reqwest cannot arrange.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::api::User;

pub struct HeldRequest {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl HeldRequest {
    /// Sends the headers and the first half of the body.
    pub async fn open(
        base: &str,
        user: &User,
        room: i64,
        content: &str,
        client_id: &str,
    ) -> HeldRequest {
        let host = base.strip_prefix("http://").expect("an http:// base");
        let body = json!({ "content": content, "client_id": client_id })
            .to_string()
            .into_bytes();
        let head = format!(
            "POST /api/chat/rooms/{room}/messages/ HTTP/1.1\r\nHost: {host}\r\n\
             Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            user.access,
            body.len()
        );
        let mut stream = TcpStream::connect(host)
            .await
            .expect("a connection to the server");
        let (first, rest) = body.split_at(body.len() / 2);
        stream
            .write_all(head.as_bytes())
            .await
            .expect("the headers are sent");
        stream
            .write_all(first)
            .await
            .expect("half the body is sent");
        stream.flush().await.expect("flushed");
        HeldRequest {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body and reads the answer: `(status, body)`, or why there was none.
    pub async fn complete(mut self) -> Result<(u16, Value), String> {
        self.stream
            .write_all(&self.rest)
            .await
            .map_err(|err| format!("sending the rest of the body: {err}"))?;
        let mut response = Vec::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            self.stream.read_to_end(&mut response),
        )
        .await
        .map_err(|_| "no answer within 30 s".to_owned())?
        .map_err(|err| format!("reading the answer: {err}"))?;
        parse(&response)
    }
}

/// An HTTP/1.1 response read to the end of a `Connection: close` stream.
fn parse(response: &[u8]) -> Result<(u16, Value), String> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no complete response: {text:?}"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status line: {head:?}"))?;
    let chunked = head
        .lines()
        .any(|line| line.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let json = serde_json::from_str(&body).unwrap_or(Value::String(body));
    Ok((status, json))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
