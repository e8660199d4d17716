//! Micro-benchmarks of the pure functions on every hot request: sealing and opening a message
//! cursor, verifying an access token, and serialising a 50-message page.
//!
//! `cargo bench -p chat-server --bench hot_paths`

use std::hint::black_box;
use std::time::Duration;

use chat_server::api::messages::{Message, MessagePage};
use chat_server::api::pagination::{Cursor, CursorCipher, Order};
use chat_server::auth::jwt::{TokenIssuer, TokenType};
use criterion::{Criterion, criterion_group, criterion_main};
use poem_openapi::types::ToJSON;

const SECRET: &[u8] = b"a benchmark secret of a realistic length, 48 bytes";

fn cursors(c: &mut Criterion) {
    let cipher = CursorCipher::new(SECRET);
    let cursor = Cursor {
        order: Order::NewestFirst,
        reverse: false,
        inclusive: false,
        position: 900_000,
    };
    let token = cipher.seal(42, &cursor);
    c.bench_function("cursor seal", |b| {
        b.iter(|| cipher.seal(black_box(42), black_box(&cursor)))
    });
    c.bench_function("cursor open", |b| {
        b.iter(|| cipher.open(black_box(42), black_box(&token)))
    });
}

fn tokens(c: &mut Criterion) {
    let issuer = TokenIssuer::new(
        SECRET,
        Duration::from_secs(300),
        Duration::from_secs(86_400),
    );
    let Ok(pair) = issuer.issue_pair(7) else {
        panic!("issuing a token pair");
    };
    c.bench_function("access token verify", |b| {
        b.iter(|| issuer.verify(black_box(&pair.access), TokenType::Access))
    });
}

fn page(c: &mut Criterion) {
    let results = (0..50)
        .map(|n| Message {
            id: 1_000_000 - n,
            chat_room: 42,
            sender: "edulite".into(),
            sender_id: 2,
            content: format!("Message number {n}: hello everyone, how are you doing today?"),
            created_at: "2026-11-21T09:30:00.123456Z".into(),
            updated_at: None,
            is_read: false,
            client_id: None,
            reply_to: None,
            reply_preview: None,
            reactions: Vec::new(),
            mentions: Vec::new(),
        })
        .collect();
    let page = MessagePage {
        next: Some("http://127.0.0.1:8000/api/chat/rooms/42/messages/?cursor=abc".into()),
        previous: None,
        results,
    };
    // What the server does since the SerdeJson payload, beside what poem-openapi's Json did.
    c.bench_function("message page (50) to JSON, serde", |b| {
        b.iter(|| serde_json::to_vec(black_box(&page)))
    });
    c.bench_function("message page (50) to JSON, via Value", |b| {
        b.iter(|| serde_json::to_vec(&black_box(&page).to_json()))
    });
}

criterion_group!(benches, cursors, tokens, page);
criterion_main!(benches);
