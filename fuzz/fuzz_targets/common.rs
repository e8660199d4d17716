//! What the body targets share: the store's answers and the "a rejection is a 4xx" check.

// Each target includes this file and uses only part of it.
#![allow(dead_code)]

use chat_server::api::error::ApiError;

/// The caller of every request.
pub const CALLER: i64 = 1;

/// The users the store knows, as `missing_user_ids` would answer.
pub fn user_exists(id: i64) -> bool {
    (1..=3).contains(&id)
}

/// The messages of the room, as `parent_preview` would answer.
pub fn message_exists(id: i64) -> bool {
    (1..=100).contains(&id)
}

/// Media types a client may send; `None` is no `Content-Type` header at all.
pub const CONTENT_TYPES: [Option<&str>; 5] = [
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("application/x-www-form-urlencoded"),
    Some("text/plain"),
    None,
];

/// A rejection of request data must be the client's fault (4xx) with a body that says why:
/// a 500 here would be a request that crashes the handler's contract, not the handler.
pub fn assert_client_error(err: &ApiError) {
    let status = err.status();
    assert!(status.is_client_error(), "{status} for {err:?}");
    if let ApiError::Validation(fields) = err {
        assert!(!fields.is_empty(), "a 400 without field errors");
        for (field, messages) in fields {
            assert!(!field.is_empty(), "an error without a field name: {err:?}");
            assert!(
                !messages.is_empty() && messages.iter().all(|m| !m.is_empty()),
                "field {field} has no message: {err:?}"
            );
        }
    }
    let body = err.body();
    assert!(
        body.detail.is_some() || body.non_field_errors.is_some() || !body.fields.is_empty(),
        "an empty error body for {err:?}"
    );
}

/// Room names and message content are stored trimmed, non-blank and within their limit.
pub fn assert_clean_text(text: &str, max: usize) {
    assert_eq!(text, text.trim(), "untrimmed text was accepted");
    let chars = text.chars().count();
    assert!((1..=max).contains(&chars), "{chars} characters accepted");
}
