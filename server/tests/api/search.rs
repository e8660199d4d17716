//! `GET /api/chat/search/`: full-text search over the caller's rooms — ranking, prefix and
//! AND semantics, the room filter, isolation from other rooms, edits and deletes reflected,
//! cursor pages, and the 400/404 answers.

use chat_test_support::Database;
use serde_json::{Value, json};

use crate::helpers::*;

fn search(query: &[(&str, &str)]) -> String {
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("/api/chat/search/?{encoded}")
}

/// The ids found for `q` by `user` (first page), asserting a 200.
async fn found(app: &TestApp, user: &User, query: &[(&str, &str)]) -> Vec<i64> {
    let reply = app.get(&search(query), Some(&user.access)).await;
    assert_eq!(reply.status, 200, "{query:?}: {reply:?}");
    ids(&reply.body["results"])
}

fn ids(results: &Value) -> Vec<i64> {
    results
        .as_array()
        .expect("results")
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn results_are_messages_of_the_callers_rooms() {
    let Some(s) = group_scene().await else { return };
    let id = s.app.message(&s.alice, s.room, "Lunch at noon?").await;
    let reply = s
        .app
        .get(&search(&[("q", "lunch")]), Some(&s.bob.access))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["next"], Value::Null);
    assert_eq!(reply.body["previous"], Value::Null);
    let listed = s
        .app
        .get(
            &format!("/api/chat/rooms/{}/messages/{id}/", s.room),
            Some(&s.bob.access),
        )
        .await;
    assert_eq!(reply.body["results"], json!([listed.body]));
}

#[tokio::test]
async fn better_matches_come_first_and_equal_ones_newest_first() {
    let Some(s) = group_scene().await else { return };
    let long = s
        .app
        .message(
            &s.alice,
            s.room,
            "apple and banana and cherry and date and fig and grape",
        )
        .await;
    let often = s.app.message(&s.alice, s.room, "apple apple apple").await;
    let short = s.app.message(&s.alice, s.room, "apple pie").await;
    let twin_old = s.app.message(&s.bob, s.room, "pear tart").await;
    let twin_new = s.app.message(&s.alice, s.room, "pear tart").await;

    assert_eq!(
        found(&s.app, &s.bob, &[("q", "apple")]).await,
        [often, short, long]
    );
    assert_eq!(
        found(&s.app, &s.bob, &[("q", "pear")]).await,
        [twin_new, twin_old]
    );
    // More of the words a prefix stands for.
    let many = s
        .app
        .message(&s.alice, s.room, "applet application appendix")
        .await;
    assert_eq!(found(&s.app, &s.bob, &[("q", "app")]).await[0], many);
}

#[tokio::test]
async fn rarer_words_weigh_more_on_sqlite() {
    // BM25 weighs a word by how few messages have it; PostgreSQL keeps no such statistics
    // (its ts_rank ties these two, and the newer wins).
    if !matches!(crate::DATABASE, Database::Sqlite) {
        return;
    }
    let Some(s) = group_scene().await else { return };
    for _ in 0..5 {
        s.app.message(&s.alice, s.room, "common filler").await;
    }
    let rare_twice = s.app.message(&s.alice, s.room, "rare rare common").await;
    let common_twice = s.app.message(&s.alice, s.room, "rare common common").await;
    assert_eq!(
        found(&s.app, &s.bob, &[("q", "common rare")]).await,
        [rare_twice, common_twice]
    );
}

#[tokio::test]
async fn every_word_must_match_and_the_last_is_a_prefix() {
    let Some(s) = group_scene().await else { return };
    let both = s
        .app
        .message(&s.alice, s.room, "Hello wonderful World")
        .await;
    let one = s.app.message(&s.alice, s.room, "hello there").await;

    assert_eq!(found(&s.app, &s.bob, &[("q", "world hello")]).await, [both]);
    assert_eq!(
        found(&s.app, &s.bob, &[("q", "HELLO")]).await.len(),
        2,
        "any case"
    );
    assert_eq!(found(&s.app, &s.bob, &[("q", "hello wor")]).await, [both]);
    assert_eq!(found(&s.app, &s.bob, &[("q", "hel")]).await.len(), 2);
    assert!(
        found(&s.app, &s.bob, &[("q", "hel world")])
            .await
            .is_empty(),
        "only the last word is a prefix"
    );
    assert!(
        found(&s.app, &s.bob, &[("q", "hello planet")])
            .await
            .is_empty()
    );
    assert_eq!(found(&s.app, &s.bob, &[("q", "there")]).await, [one]);
}

#[tokio::test]
async fn punctuation_separates_words_and_query_syntax_is_just_text() {
    let Some(s) = group_scene().await else { return };
    let mail = s
        .app
        .message(&s.alice, s.room, "write to bob@example.com")
        .await;
    let dashed = s
        .app
        .message(&s.alice, s.room, "a state-of-the-art NEAR miss")
        .await;
    assert_eq!(found(&s.app, &s.bob, &[("q", "example")]).await, [mail]);
    assert_eq!(found(&s.app, &s.bob, &[("q", "bob@example")]).await, [mail]);
    assert_eq!(found(&s.app, &s.bob, &[("q", "art state")]).await, [dashed]);
    // Operators of FTS5 and tsquery are words like any other.
    assert_eq!(found(&s.app, &s.bob, &[("q", "NEAR(miss")]).await, [dashed]);
    for q in [
        "\"miss",
        "miss*",
        "'miss'",
        "miss:*",
        "miss & art",
        "!miss",
        "-miss",
        "miss OR x",
        "^miss",
        "(miss)",
        "miss\\",
        "ି",
        "x²",
        "日本語",
        "café",
        "\u{0}miss",
    ] {
        let reply = s.app.get(&search(&[("q", q)]), Some(&s.bob.access)).await;
        assert_eq!(reply.status, 200, "{q:?}: {reply:?}");
    }
    assert!(
        found(&s.app, &s.bob, &[("q", "miss OR bob")])
            .await
            .is_empty(),
        "OR is a word"
    );
}

#[tokio::test]
async fn case_folds_beyond_ascii_and_accents_count() {
    let Some(s) = group_scene().await else { return };
    let french = s
        .app
        .message(&s.alice, s.room, "Rendez-vous à l'ÉCOLE du café")
        .await;
    assert_eq!(found(&s.app, &s.bob, &[("q", "école")]).await, [french]);
    assert_eq!(found(&s.app, &s.bob, &[("q", "CAFÉ")]).await, [french]);
    assert!(found(&s.app, &s.bob, &[("q", "cafe")]).await.is_empty());
}

#[tokio::test]
async fn the_room_filter_narrows_to_one_of_the_callers_rooms() {
    let Some(s) = group_scene().await else { return };
    let second = s.app.room(&s.alice, "GROUP", &[&s.bob]).await;
    let here = s.app.message(&s.alice, s.room, "budget meeting").await;
    let there = s.app.message(&s.bob, second, "budget review").await;
    assert_eq!(
        found(&s.app, &s.bob, &[("q", "budget")]).await,
        [there, here]
    );
    let room = s.room.to_string();
    assert_eq!(
        found(&s.app, &s.bob, &[("q", "budget"), ("room", &room)]).await,
        [here]
    );
}

#[tokio::test]
async fn nobody_finds_messages_of_rooms_they_are_not_in() {
    let Some(s) = group_scene().await else { return };
    s.app.message(&s.alice, s.room, "classified plans").await;
    let daves_room = s.app.room(&s.dave, "GROUP", &[]).await;
    let his = s
        .app
        .message(&s.dave, daves_room, "classified recipes")
        .await;
    assert_eq!(found(&s.app, &s.dave, &[("q", "classified")]).await, [his]);
    assert_eq!(
        found(&s.app, &s.dave, &[("q", "plans")]).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        found(&s.app, &s.bob, &[("q", "recipes")]).await,
        Vec::<i64>::new()
    );

    let invalid = json!({"room": ["Select a valid choice. That choice is not one of the available choices."]});
    let theirs = s.room.to_string();
    let missing = (s.room + 1000).to_string();
    for room in [theirs.as_str(), missing.as_str(), "abc", "1.5"] {
        s.app
            .get(
                &search(&[("q", "classified"), ("room", room)]),
                Some(&s.dave.access),
            )
            .await
            .expect(400, invalid.clone());
    }
}

#[tokio::test]
async fn edits_and_deletes_are_reflected_at_once() {
    let Some(s) = group_scene().await else { return };
    let url = |id: i64| format!("/api/chat/rooms/{}/messages/{id}/", s.room);
    let edited = s.app.message(&s.alice, s.room, "original wording").await;
    let deleted = s.app.message(&s.alice, s.room, "doomed wording").await;
    assert_eq!(
        found(&s.app, &s.bob, &[("q", "wording")]).await,
        [deleted, edited]
    );

    let reply = s
        .app
        .patch(
            &url(edited),
            Some(&s.alice.access),
            json!({"content": "revised phrasing"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(found(&s.app, &s.bob, &[("q", "original")]).await.is_empty());
    assert_eq!(found(&s.app, &s.bob, &[("q", "revised")]).await, [edited]);
    // An edit that changes only is_read keeps the message findable.
    let reply = s
        .app
        .patch(
            &url(edited),
            Some(&s.alice.access),
            json!({"is_read": true}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(found(&s.app, &s.bob, &[("q", "phrasing")]).await, [edited]);

    let reply = s.app.delete(&url(deleted), Some(&s.alice.access)).await;
    assert_eq!(reply.status, 204, "{reply:?}");
    assert!(found(&s.app, &s.bob, &[("q", "doomed")]).await.is_empty());
    assert!(found(&s.app, &s.bob, &[("q", "wording")]).await.is_empty());

    // A deleted room takes its messages out of the index with it (a cascade).
    s.app.message(&s.alice, s.room, "farewell words").await;
    let reply = s
        .app
        .delete(
            &format!("/api/chat/rooms/{}/", s.room),
            Some(&s.alice.access),
        )
        .await;
    assert_eq!(reply.status, 204, "{reply:?}");
    assert!(
        found(&s.app, &s.alice, &[("q", "farewell")])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn cursor_pages_cover_every_result_once_in_order() {
    let Some(s) = group_scene().await else { return };
    let mut sent = Vec::new();
    for n in 0..11 {
        // Some repeat the word: scores differ as well as tie.
        let content = format!("{} report {n}", "quarterly ".repeat(1 + n % 3));
        sent.push(s.app.message(&s.alice, s.room, &content).await);
    }
    s.app.message(&s.alice, s.room, "unrelated").await;
    let everything = found(&s.app, &s.bob, &[("q", "quarterly"), ("page_size", "100")]).await;
    assert_eq!(everything.len(), 11);

    let (pages, count) = walk(
        &s.app,
        &s.bob.access,
        &search(&[("q", "quarterly"), ("page_size", "4")]),
        "next",
    )
    .await;
    assert_eq!(count, 3);
    assert_eq!(
        ids(&Value::Array(pages)),
        everything,
        "same order, no repeat, no gap"
    );

    let mut sorted = everything.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, sent);
}

#[tokio::test]
async fn a_cursor_is_only_good_for_its_own_search() {
    let Some(s) = group_scene().await else { return };
    for n in 0..3 {
        s.app.message(&s.alice, s.room, &format!("topic {n}")).await;
    }
    let first = s
        .app
        .get(
            &search(&[("q", "topic"), ("page_size", "1")]),
            Some(&s.bob.access),
        )
        .await;
    let next = first.body["next"].as_str().expect("a next page").to_owned();
    let reply = s.app.get(&next, Some(&s.bob.access)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let cursor = next.split("cursor=").nth(1).expect("cursor").to_owned();

    let invalid = detail("Invalid cursor");
    let message_page = s
        .app
        .get(
            &format!("/api/chat/rooms/{}/messages/?page_size=1", s.room),
            Some(&s.bob.access),
        )
        .await;
    let message_cursor = message_page.body["next"]
        .as_str()
        .and_then(|url| url.split("cursor=").nth(1))
        .expect("a message cursor")
        .to_owned();
    let mut tampered = cursor.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    for (why, query, user) in [
        (
            "garbage",
            vec![("q", "topic"), ("cursor", "not-a-cursor")],
            &s.bob,
        ),
        (
            "tampered",
            vec![("q", "topic"), ("cursor", tampered.as_str())],
            &s.bob,
        ),
        (
            "other words",
            vec![("q", "topics"), ("cursor", cursor.as_str())],
            &s.bob,
        ),
        (
            "other caller",
            vec![("q", "topic"), ("cursor", cursor.as_str())],
            &s.alice,
        ),
        (
            "message cursor",
            vec![("q", "topic"), ("cursor", message_cursor.as_str())],
            &s.bob,
        ),
    ] {
        let reply = s.app.get(&search(&query), Some(&user.access)).await;
        assert_eq!((reply.status, &reply.body), (404, &invalid), "{why}");
    }
}

#[tokio::test]
async fn bad_queries_are_400s() {
    let Some(s) = group_scene().await else { return };
    let get = |query: Vec<(&'static str, String)>| {
        let url = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        let token = s.bob.access.clone();
        let app = &s.app;
        async move {
            app.get(&format!("/api/chat/search/?{url}"), Some(&token))
                .await
        }
    };
    get(vec![])
        .await
        .expect(400, json!({"q": ["This field is required."]}));
    get(vec![("q", "   ".into())])
        .await
        .expect(400, json!({"q": ["This field may not be blank."]}));
    get(vec![("q", "?! ** ()".into())]).await.expect(
        400,
        json!({"q": ["Enter at least one word (letters or digits)."]}),
    );
    get(vec![("q", "a".repeat(201))]).await.expect(
        400,
        json!({"q": ["Ensure this field has no more than 200 characters."]}),
    );
    assert_eq!(
        get(vec![("q", "a ".repeat(100))]).await.status,
        200,
        "200 characters"
    );
    get(vec![("room", "x".into())]).await.expect(
        400,
        json!({
            "q": ["This field is required."],
            "room": ["Select a valid choice. That choice is not one of the available choices."],
        }),
    );
    let reply = get(vec![("q", "word".into()), ("page_size", "many".into())]).await;
    assert_eq!(reply.status, 400, "{reply:?}");
}

#[tokio::test]
async fn a_search_finds_what_was_just_sent_edited_or_deleted_and_after_a_restart() {
    // Whatever the index does behind the writer, a 201 means findable, and an edit or a
    // deletion is reflected by the next search, also right after a restart.
    let Some(s) = group_scene().await else { return };
    let url = |id: i64| format!("/api/chat/rooms/{}/messages/{id}/", s.room);
    let kept = s.app.message(&s.alice, s.room, "quokka sighting").await;
    let edited = s.app.message(&s.alice, s.room, "wombat sighting").await;
    let deleted = s.app.message(&s.alice, s.room, "numbat sighting").await;
    let reply = s
        .app
        .patch(
            &url(edited),
            Some(&s.alice.access),
            json!({"content": "platypus sighting"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = s.app.delete(&url(deleted), Some(&s.alice.access)).await;
    assert_eq!(reply.status, 204, "{reply:?}");
    assert_eq!(
        found(&s.app, &s.bob, &[("q", "sighting")]).await,
        [edited, kept]
    );
    assert!(found(&s.app, &s.bob, &[("q", "wombat")]).await.is_empty());
    assert!(found(&s.app, &s.bob, &[("q", "numbat")]).await.is_empty());

    // Stored right before a restart: indexed by the next instance.
    let late = s.app.message(&s.alice, s.room, "echidna sighting").await;
    let restarted = spawn_in(s.app.data.clone(), |_| {}).await;
    assert_eq!(found(&restarted, &s.bob, &[("q", "echidna")]).await, [late]);
}
