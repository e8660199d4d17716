//! The room list's two pagination styles (API.md "Rooms"): `page`/`page_size` (seed 003) and
//! `limit`/`offset` (seed 001), both in seed 003's envelope.

use std::collections::BTreeSet;

use reqwest::Url;
use serde_json::{Value, json};

use crate::helpers::*;

const ROOMS: &str = "/api/chat/rooms/";

/// A user in `count` rooms; returns the app, the user and the room ids newest first (the
/// list's order: most recent activity first).
async fn rooms(count: usize) -> Option<(TestApp, User, Vec<i64>)> {
    let app = spawn_app().await?;
    let alice = app.user("alice").await;
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        ids.push(app.room(&alice, "GROUP", &[]).await);
    }
    ids.reverse();
    Some((app, alice, ids))
}

fn ids(page: &Value) -> Vec<i64> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|room| room["id"].as_i64().expect("id"))
        .collect()
}

/// The envelope without `results` and the links, which are checked on their own.
fn counters(page: &Value) -> Value {
    json!({
        "count": page["count"],
        "total_pages": page["total_pages"],
        "current_page": page["current_page"],
        "page_size": page["page_size"],
    })
}

fn assert_envelope_keys(page: &Value) {
    let mut keys: Vec<&str> = page
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "count",
            "current_page",
            "next",
            "page_size",
            "previous",
            "results",
            "total_pages"
        ],
        "{page}"
    );
}

/// Asserts `link` is an absolute URL of the room list on this server and returns its query
/// parameters (a parameter DRF leaves out, like `page=1`, is absent).
fn link_query(app: &TestApp, link: &Value) -> Vec<(String, String)> {
    let link = link
        .as_str()
        .unwrap_or_else(|| panic!("a link, not {link}"));
    assert!(
        link.starts_with(&format!("{}{ROOMS}", app.base)),
        "{link} is an absolute room list URL"
    );
    let url = Url::parse(link).expect("a URL");
    assert_eq!(url.path(), ROOMS, "{link}");
    let mut query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    query.sort();
    query
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut query: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    query.sort();
    query
}

/// Every item exactly once, in any order.
fn assert_each_once(walked: &[Value], expected: &[i64]) {
    let walked: Vec<i64> = walked
        .iter()
        .map(|room| room["id"].as_i64().expect("id"))
        .collect();
    let distinct: BTreeSet<i64> = walked.iter().copied().collect();
    assert_eq!(distinct.len(), walked.len(), "no room twice: {walked:?}");
    assert_eq!(
        distinct,
        expected.iter().copied().collect::<BTreeSet<i64>>()
    );
}

async fn get_page(app: &TestApp, user: &User, query: &str) -> Value {
    let reply = app
        .get(&format!("{ROOMS}{query}"), Some(&user.access))
        .await;
    assert_eq!(reply.status, 200, "{query}: {reply:?}");
    assert_envelope_keys(&reply.body);
    reply.body
}

// ---------------------------------------------------------------- page / page_size

#[tokio::test]
async fn first_page_of_page_numbers() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let page = get_page(&app, &alice, "").await;

    assert_eq!(
        counters(&page),
        json!({"count": 25, "total_pages": 3, "current_page": 1, "page_size": 10})
    );
    assert_eq!(ids(&page), all[..10]);
    assert_eq!(page["previous"], Value::Null);
    assert_eq!(link_query(&app, &page["next"]), query(&[("page", "2")]));
}

#[tokio::test]
async fn middle_page_of_page_numbers() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let page = get_page(&app, &alice, "?page=2").await;

    assert_eq!(
        counters(&page),
        json!({"count": 25, "total_pages": 3, "current_page": 2, "page_size": 10})
    );
    assert_eq!(ids(&page), all[10..20]);
    assert_eq!(link_query(&app, &page["next"]), query(&[("page", "3")]));
    let previous = link_query(&app, &page["previous"]);
    assert!(
        previous.is_empty() || previous == query(&[("page", "1")]),
        "previous is page 1: {previous:?}"
    );
}

#[tokio::test]
async fn last_page_of_page_numbers() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let page = get_page(&app, &alice, "?page=3").await;

    assert_eq!(
        counters(&page),
        json!({"count": 25, "total_pages": 3, "current_page": 3, "page_size": 10})
    );
    assert_eq!(ids(&page), all[20..]);
    assert_eq!(page["next"], Value::Null);
    assert_eq!(link_query(&app, &page["previous"]), query(&[("page", "2")]));
}

#[tokio::test]
async fn links_keep_the_other_query_parameters() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let page = get_page(&app, &alice, "?page=2&page_size=5&messages_limit=0").await;

    assert_eq!(
        counters(&page),
        json!({"count": 25, "total_pages": 5, "current_page": 2, "page_size": 5})
    );
    assert_eq!(ids(&page), all[5..10]);
    assert_eq!(
        link_query(&app, &page["next"]),
        query(&[("page", "3"), ("page_size", "5"), ("messages_limit", "0")])
    );
    let previous = link_query(&app, &page["previous"]);
    let without_page = query(&[("page_size", "5"), ("messages_limit", "0")]);
    let with_page = query(&[("page", "1"), ("page_size", "5"), ("messages_limit", "0")]);
    assert!(
        previous == without_page || previous == with_page,
        "previous is page 1: {previous:?}"
    );
}

#[tokio::test]
async fn following_next_then_previous_gives_every_room_once() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let (forward, pages) = walk(&app, &alice.access, &format!("{ROOMS}?page_size=7"), "next").await;
    assert_eq!(pages, 4);
    assert_each_once(&forward, &all);
    let forward_ids: Vec<i64> = forward
        .iter()
        .map(|room| room["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(forward_ids, all, "pages follow the list's order");

    let (backward, pages) = walk(
        &app,
        &alice.access,
        &format!("{ROOMS}?page=last&page_size=7"),
        "previous",
    )
    .await;
    assert_eq!(pages, 4);
    assert_each_once(&backward, &all);
}

#[tokio::test]
async fn page_size_is_capped_at_100() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let page = get_page(&app, &alice, "?page_size=1000").await;

    assert_eq!(
        counters(&page),
        json!({"count": 25, "total_pages": 1, "current_page": 1, "page_size": 100})
    );
    assert_eq!(ids(&page), all);
    assert_eq!(
        (&page["next"], &page["previous"]),
        (&Value::Null, &Value::Null)
    );
}

#[tokio::test]
async fn sizes_that_are_not_integers_are_refused_and_zero_falls_back_to_10() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    for (query, key) in [
        ("?page_size=abc", "page_size"),
        ("?limit=1.5", "limit"),
        ("?offset=x", "offset"),
    ] {
        app.get(&format!("/api/chat/rooms/{query}"), Some(&alice.access))
            .await
            .expect(400, json!({ key: ["A valid integer is required."] }));
    }
    let page = get_page(&app, &alice, "?page_size=0").await;

    assert_eq!(
        counters(&page),
        json!({"count": 25, "total_pages": 3, "current_page": 1, "page_size": 10})
    );
    assert_eq!(ids(&page), all[..10]);
}

#[tokio::test]
async fn page_past_the_end_or_not_a_number_is_an_invalid_page() {
    let Some((app, alice, _)) = rooms(25).await else {
        return;
    };

    for page in ["4", "100", "0", "-1", "abc"] {
        app.get(&format!("{ROOMS}?page={page}"), Some(&alice.access))
            .await
            .expect(404, detail("Invalid page."));
    }
}

#[tokio::test]
async fn page_last_is_the_last_page() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let page = get_page(&app, &alice, "?page=last").await;

    assert_eq!(
        counters(&page),
        json!({"count": 25, "total_pages": 3, "current_page": 3, "page_size": 10})
    );
    assert_eq!(ids(&page), all[20..]);
    assert_eq!(page["next"], Value::Null);
}

#[tokio::test]
async fn an_empty_list_is_one_empty_page() {
    let Some((app, alice, _)) = rooms(0).await else {
        return;
    };

    let page = get_page(&app, &alice, "").await;

    assert_eq!(
        page,
        json!({"count": 0, "next": null, "previous": null, "total_pages": 1, "current_page": 1, "page_size": 10, "results": []})
    );
}

#[tokio::test]
async fn other_users_rooms_are_not_counted() {
    let Some((app, alice, _)) = rooms(3).await else {
        return;
    };
    let bob = app.user("bob").await;
    let bobs = app.room(&bob, "GROUP", &[]).await;

    let page = get_page(&app, &bob, "").await;

    assert_eq!(
        counters(&page),
        json!({"count": 1, "total_pages": 1, "current_page": 1, "page_size": 10})
    );
    assert_eq!(ids(&page), [bobs]);
    assert_eq!(get_page(&app, &alice, "").await["count"], json!(3));
}

// ---------------------------------------------------------------- limit / offset

#[tokio::test]
async fn limit_and_offset_fill_the_same_envelope() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let page = get_page(&app, &alice, "?limit=5&offset=10").await;

    assert_eq!(
        counters(&page),
        json!({"count": 25, "total_pages": 5, "current_page": 3, "page_size": 5})
    );
    assert_eq!(ids(&page), all[10..15]);
    assert_eq!(
        link_query(&app, &page["next"]),
        query(&[("limit", "5"), ("offset", "15")])
    );
    assert_eq!(
        link_query(&app, &page["previous"]),
        query(&[("limit", "5"), ("offset", "5")])
    );
}

#[tokio::test]
async fn limit_offset_first_and_last_pages() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let first = get_page(&app, &alice, "?limit=5").await;
    assert_eq!(
        counters(&first),
        json!({"count": 25, "total_pages": 5, "current_page": 1, "page_size": 5})
    );
    assert_eq!(ids(&first), all[..5]);
    assert_eq!(first["previous"], Value::Null);
    assert_eq!(
        link_query(&app, &first["next"]),
        query(&[("limit", "5"), ("offset", "5")])
    );

    let last = get_page(&app, &alice, "?limit=5&offset=20").await;
    assert_eq!(
        counters(&last),
        json!({"count": 25, "total_pages": 5, "current_page": 5, "page_size": 5})
    );
    assert_eq!(ids(&last), all[20..]);
    assert_eq!(last["next"], Value::Null);
    assert_eq!(
        link_query(&app, &last["previous"]),
        query(&[("limit", "5"), ("offset", "15")])
    );
}

#[tokio::test]
async fn following_limit_offset_links_gives_every_room_once() {
    let Some((app, alice, all)) = rooms(25).await else {
        return;
    };

    let (forward, pages) = walk(&app, &alice.access, &format!("{ROOMS}?limit=6"), "next").await;
    assert_eq!(pages, 5);
    assert_each_once(&forward, &all);

    let (backward, pages) = walk(
        &app,
        &alice.access,
        &format!("{ROOMS}?limit=6&offset=24"),
        "previous",
    )
    .await;
    assert_eq!(pages, 5);
    assert_each_once(&backward, &all);
}
