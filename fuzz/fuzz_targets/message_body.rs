//! The bodies of the message routes, from bytes to a message or a 4xx: `JsonBody::fields`
//! (seed 000's JSON-or-form variant too), the field parsers, `Content`, and the sender check.
//!
//! Input: one selector byte, then the body. `selector % 4` is the route (`ROUTES`),
//! `selector / 4 % 5` the Content-Type (`common::CONTENT_TYPES`).

#![no_main]

mod common;

use chat_server::api::body;
use chat_server::api::error::ApiError;
use chat_server::domain::fields::Draft;
use chat_server::domain::messages::{EditMessage, SendDraft, SendMessage};
use chat_server::domain::text::Content;
use common::{
    CALLER, CONTENT_TYPES, assert_clean_text, assert_client_error, message_exists, user_exists,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, Copy)]
enum Route {
    /// `POST /api/chat/rooms/{id}/messages/`
    Create,
    /// `PUT /api/chat/rooms/{id}/messages/{id}/`
    Update,
    /// `PATCH /api/chat/rooms/{id}/messages/{id}/`
    PartialUpdate,
    /// Seed 000's `POST /messages/create`: JSON or a form, the room in the body.
    LegacyCreate,
}

const ROUTES: [Route; 4] = [
    Route::Create,
    Route::Update,
    Route::PartialUpdate,
    Route::LegacyCreate,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let route = ROUTES[usize::from(selector) % ROUTES.len()];
    let content_type = CONTENT_TYPES[usize::from(selector) / ROUTES.len() % CONTENT_TYPES.len()];
    let form = matches!(route, Route::LegacyCreate);
    let integers: &[&str] = if form { &["chat_room"] } else { &[] };

    let fields = match body::decode(content_type, body, form, integers) {
        Ok(fields) => fields,
        Err(err) => {
            assert_client_error(&err);
            assert!(!body.is_empty(), "an empty body is empty data: {err:?}");
            return;
        }
    };
    let outcome = match route {
        Route::Create => {
            send(SendMessage::parse(fields)).map(|message| assert_clean(&message.content))
        }
        Route::LegacyCreate => SendMessage::parse_legacy(fields)
            .and_then(|(_, draft)| send(draft))
            .map(|message| assert_clean(&message.content)),
        Route::Update | Route::PartialUpdate => {
            let partial = matches!(route, Route::PartialUpdate);
            let draft = EditMessage::parse(fields, partial);
            let sender_known = draft.body.sender_id.is_none_or(user_exists);
            draft.check(CALLER, sender_known).map(|edit| {
                assert!(partial || edit.content.is_some(), "PUT without content");
                edit.content.iter().for_each(assert_clean);
            })
        }
    };
    if let Err(err) = outcome {
        assert_client_error(&err);
    }
});

/// What `service::messages::send` does with a parsed body, the store's answers aside.
fn send(draft: Draft<SendDraft>) -> Result<SendMessage, ApiError> {
    let sender_known = draft.body.sender_id.is_none_or(user_exists);
    let parent_found = draft.body.reply_to.is_none_or(message_exists);
    draft.check(CALLER, sender_known, parent_found)
}

fn assert_clean(content: &Content) {
    assert_clean_text(content.as_str(), Content::MAX);
}
