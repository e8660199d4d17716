//! Opaque, tamper-evident message cursors.
//!
//! A cursor is a position in a room's history, sealed with ChaCha20-Poly1305 under a key
//! derived from the server secret, with the room id as associated data: clients cannot read
//! ids out of it, forge one, or replay one from another room.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;

/// Which way a listing runs: the default newest-first history, or oldest-first after `after=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// A page boundary: continue from `position` (excluding it unless `inclusive`), forward in the
/// listing's order, or backward (`reverse`) for a `previous` link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub order: Order,
    pub reverse: bool,
    pub inclusive: bool,
    pub position: i64,
}

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

pub struct CursorCipher {
    cipher: ChaCha20Poly1305,
}

impl CursorCipher {
    pub fn new(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // 32 bytes is a valid HKDF-SHA256 output length, so expand cannot fail.
        let _ =
            Hkdf::<Sha256>::new(None, secret).expand(b"chat-server message cursor v1", &mut key);
        Self {
            cipher: ChaCha20Poly1305::new(&key.into()),
        }
    }

    pub fn seal(&self, room_id: i64, cursor: &Cursor) -> String {
        let mut plain = Vec::with_capacity(10);
        plain.push(VERSION);
        plain.push(
            u8::from(cursor.order == Order::OldestFirst)
                | u8::from(cursor.reverse) << 1
                | u8::from(cursor.inclusive) << 2,
        );
        plain.extend_from_slice(&cursor.position.to_be_bytes());
        self.seal_bytes(&room_id.to_be_bytes(), &plain)
    }

    /// The cursor, or `None` if the token was not sealed by this server for this room.
    pub fn open(&self, room_id: i64, token: &str) -> Option<Cursor> {
        let plain = self.open_bytes(&room_id.to_be_bytes(), token)?;
        let [VERSION, flags, position @ ..] = plain.as_slice() else {
            return None;
        };
        Some(Cursor {
            order: if flags & 1 == 1 {
                Order::OldestFirst
            } else {
                Order::NewestFirst
            },
            reverse: flags & 2 == 2,
            inclusive: flags & 4 == 4,
            position: i64::from_be_bytes(position.try_into().ok()?),
        })
    }

    /// `plain` sealed for `context` (associated data: what the token is valid for). Other
    /// listings' cursors use it with a context of their own, which no message cursor's
    /// 8-byte room id can equal.
    pub fn seal_bytes(&self, context: &[u8], plain: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        // Without OS randomness a fixed nonce still authenticates; it only loses opacity
        // across equal positions, so this is not worth failing a listing for.
        let _ = getrandom::fill(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            .unwrap_or_default();
        let mut token = nonce.to_vec();
        token.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(token)
    }

    /// What [`Self::seal_bytes`] sealed, or `None` if `token` was not sealed by this server
    /// for `context`.
    pub fn open_bytes(&self, context: &[u8], token: &str) -> Option<Vec<u8>> {
        let raw = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
        if raw.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: context,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURSOR: Cursor = Cursor {
        order: Order::OldestFirst,
        reverse: true,
        inclusive: false,
        position: 123_456,
    };

    #[test]
    fn round_trips() {
        let cipher = CursorCipher::new(b"secret");
        let token = cipher.seal(7, &CURSOR);
        assert_eq!(cipher.open(7, &token), Some(CURSOR));
        assert!(!token.contains("123456"));
    }

    #[test]
    fn tampered_foreign_or_garbage_cursors_are_refused() {
        let cipher = CursorCipher::new(b"secret");
        let token = cipher.seal(7, &CURSOR);
        assert_eq!(cipher.open(8, &token), None, "another room");
        assert_eq!(
            CursorCipher::new(b"other").open(7, &token),
            None,
            "another key"
        );
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap_or_default();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            cipher.open(7, &URL_SAFE_NO_PAD.encode(bytes)),
            None,
            "flipped bit"
        );
        assert_eq!(cipher.open(7, "cD0yMDIzLTEwLTAx"), None, "DRF-style cursor");
        assert_eq!(cipher.open(7, "%%%"), None);
        assert_eq!(cipher.open(7, ""), None);
    }

    #[test]
    fn equal_positions_do_not_give_equal_tokens() {
        let cipher = CursorCipher::new(b"secret");
        assert_ne!(cipher.seal(1, &CURSOR), cipher.seal(1, &CURSOR));
    }
}
