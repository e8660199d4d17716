//! A WebSocket client's text frames: `Action::parse`, then for `new_message` the REST body it
//! stands for through the same validation as `POST .../messages/`. Every frame is an action or
//! the `error` event answering it; every event is a JSON object of `type` "error".
//!
//! Input: the frame's text (tungstenite hands the server valid UTF-8 only, so invalid bytes
//! are replaced rather than dropped, to keep every input useful).

#![no_main]

mod common;

use chat_server::domain::messages::SendMessage;
use chat_server::domain::text::Content;
use chat_server::realtime::connection::{message_body, refusal};
use chat_server::realtime::{Action, Event};
use common::{CALLER, assert_clean_text, assert_client_error, message_exists, user_exists};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Action::parse(&text) {
        Err(event) => assert_error_event(&event, &["parse_error", "unknown_action"]),
        Ok(Action::Typing(fields)) => {
            assert_eq!(fields.get("action"), Some(&Value::from("typing")));
        }
        Ok(Action::NewMessage(fields)) => {
            assert_eq!(fields.get("action"), Some(&Value::from("new_message")));
            let draft = SendMessage::parse(message_body(&fields));
            let sender_known = draft.body.sender_id.is_none_or(user_exists);
            let parent_found = draft.body.reply_to.is_none_or(message_exists);
            match draft.check(CALLER, sender_known, parent_found) {
                Ok(message) => assert_clean_text(message.content.as_str(), Content::MAX),
                Err(err) => {
                    assert_client_error(&err);
                    let event = refusal(err);
                    if let Event::Error {
                        errors: Some(errors),
                        ..
                    } = &event
                    {
                        assert!(!errors.contains_key("content"), "REST field name leaked");
                    }
                    assert_error_event(&event, &["invalid", "permission_denied"]);
                }
            }
        }
    }
});

fn assert_error_event(event: &Event<'_>, codes: &[&str]) {
    let Event::Error { code, detail, .. } = event else {
        panic!("a refused frame answered with {event:?}");
    };
    assert!(codes.contains(code), "code {code:?}");
    assert!(!detail.is_empty());
    let sent: Value = serde_json::from_str(&event.to_text()).unwrap_or_default();
    assert_eq!(sent.get("type"), Some(&Value::from("error")), "sent {sent}");
    assert_eq!(sent.get("code"), Some(&Value::from(*code)));
}
