//! Trimmed text fields keep the spec's word (issue 21): `maxLength` bounds the value as sent,
//! whitespace around it included, and blank means what the spec's `pattern` says (the
//! characters `str::trim` removes: U+00A0, U+0085 and U+2028 are blank, U+FEFF is not).
//! The error bodies stay DRF's.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::realtime::{act, connect, expect_error, room_ws};

const TOO_LONG_CONTENT: &str = "Ensure this field has no more than 10000 characters.";
const BLANK: &str = "This field may not be blank.";

/// 10,001 characters as sent, 10,000 once trimmed: the issue's no-break space first.
fn padded_content() -> String {
    format!("\u{a0}{}", "x".repeat(10_000))
}

fn field_error(field: &str, message: &str) -> Value {
    json!({ field: [message] })
}

#[tokio::test]
async fn content_over_the_limit_as_sent_is_refused_on_every_rest_route() {
    let Some(s) = group_scene().await else { return };
    let token = Some(s.alice.access.as_str());
    let id = s.app.message(&s.alice, s.room, "first").await;
    let too_long = field_error("content", TOO_LONG_CONTENT);
    for padded in [padded_content(), format!("{}\n", "x".repeat(10_000))] {
        let body = json!({ "content": padded });
        s.app
            .post(&messages_url(s.room), token, body.clone())
            .await
            .expect(400, too_long.clone());
        s.app
            .put(&message_url(s.room, id), token, body.clone())
            .await
            .expect(400, too_long.clone());
        s.app
            .patch(&message_url(s.room, id), token, body.clone())
            .await
            .expect(400, too_long.clone());
        s.app
            .post(&format!("/{}/messages/", s.room), token, body)
            .await
            .expect(400, too_long.clone());
    }
    let inside = format!("\u{a0}{}\u{a0}", "x".repeat(9_998));
    let reply = s
        .app
        .put(
            &message_url(s.room, id),
            token,
            json!({ "content": inside }),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["content"], "x".repeat(9_998), "kept trimmed");
}

#[tokio::test]
async fn the_socket_counts_new_message_text_as_sent_too() {
    let Some(s) = group_scene().await else { return };
    let mut socket = connect(&s.app, &room_ws(s.room), &s.alice.access).await;
    act(
        &mut socket,
        json!({ "action": "new_message", "message": padded_content() }),
    )
    .await;
    let error = expect_error(&mut socket, "invalid").await;
    assert_eq!(error["errors"], json!({ "message": [TOO_LONG_CONTENT] }));
    act(
        &mut socket,
        json!({ "action": "new_message", "message": "\u{2028}\u{85}" }),
    )
    .await;
    let error = expect_error(&mut socket, "invalid").await;
    assert_eq!(error["errors"], json!({ "message": [BLANK] }));
}

#[tokio::test]
async fn blank_is_what_the_pattern_calls_whitespace() {
    let Some(s) = group_scene().await else { return };
    let token = Some(s.alice.access.as_str());
    for blank in ["\u{a0}", "\u{85}", "\u{2028}", "\u{3000}\u{2029}\t"] {
        s.app
            .post(&messages_url(s.room), token, json!({ "content": blank }))
            .await
            .expect(400, field_error("content", BLANK));
    }
    // U+FEFF is no whitespace to `trim` (nor to the pattern), though ECMA-262's `\s` has it.
    let reply = s
        .app
        .post(
            &messages_url(s.room),
            token,
            json!({ "content": "\u{feff}" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.body["content"], "\u{feff}");
}

#[tokio::test]
async fn room_names_usernames_and_emails_are_bounded_as_sent() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    app.post(
        "/api/chat/rooms/",
        Some(&alice.access),
        json!({ "name": format!(" {}", "r".repeat(255)), "room_type": "GROUP" }),
    )
    .await
    .expect(
        400,
        field_error("name", "Ensure this field has no more than 255 characters."),
    );
    app.post(
        "/api/users/register/",
        None,
        json!({ "username": format!("{}\u{a0}", "u".repeat(150)), "password": "password123" }),
    )
    .await
    .expect(
        400,
        field_error(
            "username",
            "Ensure this field has no more than 150 characters.",
        ),
    );
    let email = format!("{}@example.com", "e".repeat(242));
    app.post(
        "/api/users/register/",
        None,
        json!({ "username": "erin", "password": "password123", "email": format!(" {email}") }),
    )
    .await
    .expect(
        400,
        field_error(
            "email",
            "Ensure this field has no more than 254 characters.",
        ),
    );
    let reply = app
        .post(
            "/api/users/register/",
            None,
            json!({ "username": "erin", "password": "password123", "email": email }),
        )
        .await;
    assert_eq!(reply.status, 201, "254 characters fit: {reply:?}");
}

#[tokio::test]
async fn search_counts_q_as_sent() {
    let Some(s) = group_scene().await else { return };
    let token = Some(s.alice.access.as_str());
    let q = format!("%20{}", "a".repeat(200));
    s.app
        .get(&format!("/api/chat/search/?q={q}"), token)
        .await
        .expect(
            400,
            field_error("q", "Ensure this field has no more than 200 characters."),
        );
    s.app
        .get("/api/chat/search/?q=%C2%A0", token)
        .await
        .expect(400, field_error("q", BLANK));
}

/// The token fields follow the same rule: a username is trimmed (DRF's `CharField`), a
/// password is taken as sent, as registration takes it, so one made of spaces signs in.
#[tokio::test]
async fn token_fields_follow_registration() {
    let Some(app) = spawn_app().await else { return };
    let spaces = " ".repeat(8);
    let registered = app
        .post(
            "/api/users/register/",
            None,
            json!({ "username": "spacey", "password": spaces }),
        )
        .await;
    assert_eq!(registered.status, 201, "{registered:?}");
    let tokens = app
        .post(
            "/api/token/",
            None,
            json!({ "username": "\u{a0}spacey ", "password": spaces }),
        )
        .await;
    assert_eq!(tokens.status, 200, "{tokens:?}");
    app.post(
        "/api/token/",
        None,
        json!({ "username": "\u{2028}", "password": "" }),
    )
    .await
    .expect(400, json!({ "username": [BLANK], "password": [BLANK] }));
    let refreshed = app
        .post(
            "/api/token/refresh/",
            None,
            json!({ "refresh": format!(" {}\n", tokens.body["refresh"].as_str().unwrap_or_default()) }),
        )
        .await;
    assert_eq!(refreshed.status, 200, "{refreshed:?}");
}
