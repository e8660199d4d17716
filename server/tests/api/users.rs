//! Registration, the caller's own account and user search (API.md "Users and tokens").

use std::collections::BTreeSet;

use reqwest::Url;
use serde_json::{Value, json};

use crate::helpers::*;

const REGISTER: &str = "/api/users/register/";
const ME: &str = "/api/users/me/";
const USERS: &str = "/api/users/";

async fn register(app: &TestApp, body: Value) -> Reply {
    app.post(REGISTER, None, body).await
}

/// Registers `username` (no tokens); returns its id.
async fn registered(app: &TestApp, username: &str) -> i64 {
    let reply = register(
        app,
        json!({"username": username, "password": "password123"}),
    )
    .await;
    assert_eq!(reply.status, 201, "register {username}: {reply:?}");
    reply.body["id"].as_i64().expect("id")
}

fn field_error(field: &str, message: &str) -> Value {
    json!({ field: [message] })
}

/// The usernames on one page of the user list, as a set (API.md fixes no order).
fn usernames(page: &Value) -> BTreeSet<String> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|user| user["username"].as_str().expect("username").to_owned())
        .collect()
}

fn names(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

async fn search(app: &TestApp, user: &User, query: &str) -> Value {
    let reply = app
        .get(&format!("{USERS}{query}"), Some(&user.access))
        .await;
    assert_eq!(reply.status, 200, "{query}: {reply:?}");
    reply.body
}

// ---------------------------------------------------------------- register

#[tokio::test]
async fn register_returns_201_with_id_username_and_email() {
    let Some(app) = spawn_app().await else { return };

    let reply = register(
        &app,
        json!({"username": "alice", "password": "password123", "email": "alice@example.com"}),
    )
    .await;

    let id = reply.body["id"]
        .as_i64()
        .filter(|id| *id > 0)
        .expect("a positive integer id");
    reply.expect(
        201,
        json!({"id": id, "username": "alice", "email": "alice@example.com"}),
    );
}

#[tokio::test]
async fn register_without_email_gives_an_empty_email() {
    let Some(app) = spawn_app().await else { return };

    let reply = register(
        &app,
        json!({"username": "alice", "password": "password123"}),
    )
    .await;

    let id = reply.body["id"].as_i64().expect("id");
    reply.expect(201, json!({"id": id, "username": "alice", "email": ""}));
}

#[tokio::test]
async fn register_gives_each_user_its_own_id() {
    let Some(app) = spawn_app().await else { return };

    let alice = registered(&app, "alice").await;
    let bob = registered(&app, "bob").await;

    assert_ne!(alice, bob);
}

#[tokio::test]
async fn register_rejects_a_taken_username() {
    let Some(app) = spawn_app().await else { return };
    registered(&app, "alice").await;

    register(
        &app,
        json!({"username": "alice", "password": "another-password"}),
    )
    .await
    .expect(
        400,
        field_error("username", "A user with that username already exists."),
    );
}

#[tokio::test]
async fn register_accepts_letters_digits_and_at_dot_plus_minus_underscore() {
    let Some(app) = spawn_app().await else { return };

    for username in ["al.ice+b-c_d@e", "user42", "élodie"] {
        let reply = register(
            &app,
            json!({"username": username, "password": "password123"}),
        )
        .await;
        assert_eq!(
            (reply.status, &reply.body["username"]),
            (201, &json!(username)),
            "{reply:?}"
        );
    }
}

#[tokio::test]
async fn register_rejects_other_username_characters() {
    let Some(app) = spawn_app().await else { return };

    for username in ["bad name", "alice!", "a/b", "semi;colon"] {
        register(&app, json!({"username": username, "password": "password123"}))
            .await
            .expect(
                400,
                field_error(
                    "username",
                    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
                ),
            );
    }
}

#[tokio::test]
async fn register_rejects_a_username_over_150_characters() {
    let Some(app) = spawn_app().await else { return };

    register(
        &app,
        json!({"username": "u".repeat(151), "password": "password123"}),
    )
    .await
    .expect(
        400,
        field_error(
            "username",
            "Ensure this field has no more than 150 characters.",
        ),
    );

    let longest = register(
        &app,
        json!({"username": "u".repeat(150), "password": "password123"}),
    )
    .await;
    assert_eq!(longest.status, 201, "{longest:?}");
}

#[tokio::test]
async fn register_rejects_a_blank_username() {
    let Some(app) = spawn_app().await else { return };

    register(&app, json!({"username": "", "password": "password123"}))
        .await
        .expect(400, field_error("username", "This field may not be blank."));
}

#[tokio::test]
async fn register_rejects_a_password_under_8_characters() {
    let Some(app) = spawn_app().await else { return };

    register(&app, json!({"username": "alice", "password": "seven77"}))
        .await
        .expect(
            400,
            field_error(
                "password",
                "This password is too short. It must contain at least 8 characters.",
            ),
        );

    let eight = register(&app, json!({"username": "alice", "password": "eight888"})).await;
    assert_eq!(eight.status, 201, "{eight:?}");
}

#[tokio::test]
async fn register_reports_missing_username_and_password_together() {
    let Some(app) = spawn_app().await else { return };

    register(&app, json!({"email": "alice@example.com"})).await.expect(
        400,
        json!({"username": ["This field is required."], "password": ["This field is required."]}),
    );
}

#[tokio::test]
async fn register_rejects_an_invalid_email() {
    let Some(app) = spawn_app().await else { return };

    for email in [
        "not-an-email",
        "alice@",
        "@example.com",
        "alice@@example.com",
    ] {
        register(
            &app,
            json!({"username": "alice", "password": "password123", "email": email}),
        )
        .await
        .expect(400, field_error("email", "Enter a valid email address."));
    }
}

#[tokio::test]
async fn a_registered_user_can_sign_in() {
    let Some(app) = spawn_app().await else { return };
    registered(&app, "alice").await;

    let tokens = app
        .post(
            "/api/token/",
            None,
            json!({"username": "alice", "password": "password123"}),
        )
        .await;

    assert_eq!(tokens.status, 200, "{tokens:?}");
    assert!(
        tokens.body["access"].is_string() && tokens.body["refresh"].is_string(),
        "{tokens:?}"
    );
}

// ---------------------------------------------------------------- me

#[tokio::test]
async fn me_returns_the_callers_account() {
    let Some(app) = spawn_app().await else { return };
    let created = register(
        &app,
        json!({"username": "alice", "password": "password123", "email": "alice@example.com"}),
    )
    .await;
    let tokens = app
        .post(
            "/api/token/",
            None,
            json!({"username": "alice", "password": "password123"}),
        )
        .await;
    let access = tokens.body["access"].as_str().expect("access");

    app.get(ME, Some(access)).await.expect(200, created.body);
}

#[tokio::test]
async fn me_is_the_caller_not_another_user() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    app.get(ME, Some(&bob.access))
        .await
        .expect(200, json!({"id": bob.id, "username": "bob", "email": ""}));
    app.get(ME, Some(&alice.access)).await.expect(
        200,
        json!({"id": alice.id, "username": "alice", "email": ""}),
    );
}

// ---------------------------------------------------------------- search

#[tokio::test]
async fn user_list_shows_id_and_username_only() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let bob = registered(&app, "bob").await;
    // An e-mail address is private: it must not leak into the list.
    register(
        &app,
        json!({"username": "carol", "password": "password123", "email": "carol@example.com"}),
    )
    .await;

    let page = search(&app, &alice, "?search=bob").await;

    assert_eq!(
        page,
        json!({
            "count": 1, "next": null, "previous": null,
            "total_pages": 1, "current_page": 1, "page_size": 10,
            "results": [{"id": bob, "username": "bob"}],
        })
    );
    let everyone = search(&app, &alice, "").await;
    for user in everyone["results"].as_array().expect("results") {
        let mut keys: Vec<&String> = user.as_object().expect("a user object").keys().collect();
        keys.sort();
        assert_eq!(keys, ["id", "username"], "{user}");
    }
}

#[tokio::test]
async fn user_list_without_search_shows_everyone() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    registered(&app, "bob").await;
    registered(&app, "carol").await;

    let page = search(&app, &alice, "").await;

    assert_eq!(page["count"], json!(3));
    assert_eq!(usernames(&page), names(&["alice", "bob", "carol"]));
}

#[tokio::test]
async fn search_is_a_case_insensitive_substring_match() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    for username in ["Malice", "ALICIA", "bob", "al_ice"] {
        registered(&app, username).await;
    }

    let matching = |page: &Value| (page["count"].as_i64(), usernames(page));
    let three = names(&["alice", "Malice", "ALICIA"]);
    assert_eq!(
        matching(&search(&app, &alice, "?search=ali").await),
        (Some(3), three.clone())
    );
    assert_eq!(
        matching(&search(&app, &alice, "?search=ALI").await),
        (Some(3), three.clone())
    );
    assert_eq!(
        matching(&search(&app, &alice, "?search=lIc").await),
        (Some(3), three)
    );
    assert_eq!(
        matching(&search(&app, &alice, "?search=OB").await),
        (Some(1), names(&["bob"]))
    );
    assert_eq!(
        matching(&search(&app, &alice, "?search=_").await),
        (Some(1), names(&["al_ice"]))
    );
}

#[tokio::test]
async fn search_without_a_match_is_one_empty_page() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    let page = search(&app, &alice, "?search=nobody").await;

    assert_eq!(
        page,
        json!({"count": 0, "next": null, "previous": null, "total_pages": 1, "current_page": 1, "page_size": 10, "results": []})
    );
}

/// A caller and twelve users called `member01`..`member12`.
async fn twelve_members(app: &TestApp) -> (User, BTreeSet<String>) {
    let caller = app.user("caller").await;
    let mut members = BTreeSet::new();
    for n in 1..=12 {
        let name = format!("member{n:02}");
        registered(app, &name).await;
        members.insert(name);
    }
    (caller, members)
}

fn link_query(app: &TestApp, link: &Value) -> BTreeSet<(String, String)> {
    let link = link
        .as_str()
        .unwrap_or_else(|| panic!("a link, not {link}"));
    assert!(
        link.starts_with(&format!("{}{USERS}", app.base)),
        "{link} is an absolute user list URL"
    );
    let url = Url::parse(link).expect("a URL");
    assert_eq!(url.path(), USERS, "{link}");
    url.query_pairs().into_owned().collect()
}

fn pairs(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn user_list_is_paginated_by_page_number() {
    let Some(app) = spawn_app().await else { return };
    let (caller, _) = twelve_members(&app).await;

    let page = search(&app, &caller, "?search=member&page=2&page_size=5").await;

    let envelope = json!({
        "count": page["count"], "total_pages": page["total_pages"],
        "current_page": page["current_page"], "page_size": page["page_size"],
    });
    assert_eq!(
        envelope,
        json!({"count": 12, "total_pages": 3, "current_page": 2, "page_size": 5})
    );
    assert_eq!(usernames(&page).len(), 5);
    assert_eq!(
        link_query(&app, &page["next"]),
        pairs(&[("search", "member"), ("page", "3"), ("page_size", "5")])
    );
    let previous = link_query(&app, &page["previous"]);
    assert!(
        previous == pairs(&[("search", "member"), ("page_size", "5")])
            || previous == pairs(&[("search", "member"), ("page", "1"), ("page_size", "5")]),
        "previous is page 1: {previous:?}"
    );
}

#[tokio::test]
async fn following_next_gives_every_matching_user_once() {
    let Some(app) = spawn_app().await else { return };
    let (caller, members) = twelve_members(&app).await;

    let (walked, pages) = walk(
        &app,
        &caller.access,
        &format!("{USERS}?search=MEMBER&page_size=5"),
        "next",
    )
    .await;

    assert_eq!(pages, 3);
    let walked: Vec<String> = walked
        .iter()
        .map(|user| user["username"].as_str().expect("username").to_owned())
        .collect();
    assert_eq!(walked.len(), 12, "{walked:?}");
    assert_eq!(walked.into_iter().collect::<BTreeSet<_>>(), members);
}

#[tokio::test]
async fn user_list_defaults_to_10_a_page_and_caps_page_size_at_100() {
    let Some(app) = spawn_app().await else { return };
    let (caller, _) = twelve_members(&app).await;

    let default = search(&app, &caller, "?search=member").await;
    assert_eq!(
        (&default["page_size"], usernames(&default).len()),
        (&json!(10), 10)
    );

    let capped = search(&app, &caller, "?search=member&page_size=1000").await;
    assert_eq!(
        (&capped["page_size"], usernames(&capped).len()),
        (&json!(100), 12)
    );
}

#[tokio::test]
async fn user_list_page_past_the_end_is_an_invalid_page() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;

    for page in ["2", "abc"] {
        app.get(&format!("{USERS}?page={page}"), Some(&alice.access))
            .await
            .expect(404, detail("Invalid page."));
    }
}

#[tokio::test]
async fn search_folds_case_beyond_ascii() {
    let Some(app) = spawn_app().await else { return };
    let caller = app.user("caller").await;
    let elodie = app.user("Élodie").await;
    let reply = app
        .get("/api/users/?search=%C3%89LO", Some(&caller.access))
        .await;
    assert_eq!(
        reply.body["results"],
        serde_json::json!([{"id": elodie.id, "username": "Élodie"}])
    );
    let reply = app
        .get("/api/users/?search=%C3%A9lo", Some(&caller.access))
        .await;
    assert_eq!(reply.body["count"], 1);
}
