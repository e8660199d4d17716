//! `CursorCipher::open`, the decoder of the `cursor=` query parameter: no input panics it,
//! a sealed cursor opens to itself in its own room only, and a plaintext that authenticates
//! opens exactly when it is a version-1 cursor.
//!
//! Input: one selector byte, then (`selector % 3`):
//! 0. a token, as the query parameter's text, for room 1;
//! 1. a cursor to seal and open: room id (8 bytes), position (8), flags (1), a bit to flip (2);
//! 2. a nonce (12 bytes) and a plaintext, sealed under the server's cursor key for room 1,
//!    to reach the checks that follow decryption (a random token never authenticates).
//!
//! Missing bytes read as zeros.

#![no_main]

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use chat_server::api::pagination::{Cursor, CursorCipher, Order};
use hkdf::Hkdf;
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;

const SECRET: &[u8] = b"fuzz secret";
const ROOM: i64 = 1;

static CURSORS: LazyLock<CursorCipher> = LazyLock::new(|| CursorCipher::new(SECRET));
static OTHER_SERVER: LazyLock<CursorCipher> = LazyLock::new(|| CursorCipher::new(b"other"));

/// The server's cursor cipher, rebuilt from its derivation (`api/pagination/token.rs`): if the
/// two drift apart, every well-formed plaintext fails to open and this target says so.
static SERVER_KEY: LazyLock<ChaCha20Poly1305> = LazyLock::new(|| {
    let mut key = [0u8; 32];
    let _ = Hkdf::<Sha256>::new(None, SECRET).expand(b"chat-server message cursor v1", &mut key);
    ChaCha20Poly1305::new(&key.into())
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 => {
            let _ = CURSORS.open(ROOM, &String::from_utf8_lossy(rest));
        }
        1 => round_trip(&mut rest),
        _ => forged(&mut rest),
    }
});

fn round_trip(input: &mut &[u8]) {
    let room = i64::from_be_bytes(take(input));
    let position = i64::from_be_bytes(take(input));
    let [flags] = take(input);
    let flip = u16::from_be_bytes(take(input));
    let cursor = Cursor {
        order: if flags & 1 == 1 {
            Order::OldestFirst
        } else {
            Order::NewestFirst
        },
        reverse: flags & 2 == 2,
        inclusive: flags & 4 == 4,
        position,
    };
    let token = CURSORS.seal(room, &cursor);
    assert_eq!(CURSORS.open(room, &token), Some(cursor));
    assert_eq!(
        CURSORS.open(room, &format!("{token}==")),
        Some(cursor),
        "padding"
    );
    assert_eq!(
        CURSORS.open(room.wrapping_add(1), &token),
        None,
        "another room"
    );
    assert_eq!(OTHER_SERVER.open(room, &token), None, "another key");
    for len in 0..token.len() {
        assert_eq!(CURSORS.open(room, &token[..len]), None, "cut to {len}");
    }
    let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap_or_default();
    let bit = usize::from(flip) % (raw.len() * 8);
    raw[bit / 8] ^= 1 << (bit % 8);
    let tampered = URL_SAFE_NO_PAD.encode(&raw);
    assert_eq!(CURSORS.open(room, &tampered), None, "bit {bit} flipped");
}

fn forged(input: &mut &[u8]) {
    let nonce: [u8; 12] = take(input);
    let plain = *input;
    let aad = ROOM.to_be_bytes();
    let Ok(sealed) = SERVER_KEY.encrypt(
        &Nonce::from(nonce),
        Payload {
            msg: plain,
            aad: &aad,
        },
    ) else {
        return;
    };
    let token = URL_SAFE_NO_PAD.encode([&nonce[..], &sealed].concat());
    let expected = match plain {
        [1, flags, position @ ..] => position.try_into().ok().map(|position| Cursor {
            order: if flags & 1 == 1 {
                Order::OldestFirst
            } else {
                Order::NewestFirst
            },
            reverse: flags & 2 == 2,
            inclusive: flags & 4 == 4,
            position: i64::from_be_bytes(position),
        }),
        _ => None,
    };
    assert_eq!(CURSORS.open(ROOM, &token), expected, "plaintext {plain:?}");
}

/// The next `N` bytes of the input, zero-padded when it runs out.
fn take<const N: usize>(input: &mut &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = N.min(input.len());
    out[..n].copy_from_slice(&input[..n]);
    *input = &input[n..];
    out
}
