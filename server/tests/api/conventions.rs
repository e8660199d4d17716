//! API.md "Conventions": media types, trailing slashes, and the DRF body of every error the
//! framework itself raises (405, 404, 413, 415, malformed input) — never plain text, never 500.

use serde_json::json;

use crate::helpers::*;

async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Reply {
    let mut request = app
        .client
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(token)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    Reply::from(request.send().await.unwrap()).await
}

#[tokio::test]
async fn an_unsupported_method_is_405_with_drf_detail() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    app.patch("/api/chat/rooms/", Some(&alice.access), json!({}))
        .await
        .expect(405, detail("Method \"PATCH\" not allowed."));
    app.delete("/api/token/", None)
        .await
        .expect(405, detail("Method \"DELETE\" not allowed."));
}

#[tokio::test]
async fn unknown_paths_and_unparsable_ids_are_404_json() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    for path in [
        "/nope",
        "/api/chat/nothing/",
        "/api/chat/rooms/abc/",
        "/api/chat/rooms/99999999999999999999999/",
    ] {
        app.get(path, Some(&alice.access))
            .await
            .expect(404, detail(NOT_FOUND));
    }
}

#[tokio::test]
async fn paths_are_served_with_and_without_the_trailing_slash() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    for path in ["/api/chat/rooms/", "/api/chat/rooms"] {
        assert_eq!(
            app.get(path, Some(&alice.access)).await.status,
            200,
            "{path}"
        );
    }
    let no_slash = app
        .post(
            &format!("/api/chat/rooms/{room}/messages"),
            Some(&alice.access),
            json!({"content": "x"}),
        )
        .await;
    assert_eq!(no_slash.status, 201);
    assert_eq!(
        app.get("/api/users/me", Some(&alice.access)).await.status,
        200
    );
}

#[tokio::test]
async fn bodies_other_than_json_are_415() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let path = format!("/api/chat/rooms/{room}/messages/");
    raw(
        &app,
        "POST",
        &path,
        &alice.access,
        Some("text/plain"),
        b"hello".to_vec(),
    )
    .await
    .expect(
        415,
        detail("Unsupported media type \"text/plain\" in request."),
    );
    raw(
        &app,
        "POST",
        &path,
        &alice.access,
        Some("application/x-www-form-urlencoded"),
        b"content=x".to_vec(),
    )
    .await
    .expect(
        415,
        detail("Unsupported media type \"application/x-www-form-urlencoded\" in request."),
    );
    let charset = raw(
        &app,
        "POST",
        &path,
        &alice.access,
        Some("application/json; charset=utf-8"),
        br#"{"content":"x"}"#.to_vec(),
    )
    .await;
    assert_eq!(charset.status, 201);
}

#[tokio::test]
async fn malformed_json_and_non_objects_are_400() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let path = format!("/api/chat/rooms/{room}/messages/");
    let json = Some("application/json");
    let malformed = raw(
        &app,
        "POST",
        &path,
        &alice.access,
        json,
        b"{not json".to_vec(),
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error - "),
        "{malformed:?}"
    );
    raw(&app, "POST", &path, &alice.access, json, b"[1, 2]".to_vec())
        .await
        .expect(
            400,
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        );
    raw(&app, "POST", &path, &alice.access, json, Vec::new())
        .await
        .expect(400, json!({"content": ["This field is required."]}));
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let room = app.room(&alice, "GROUP", &[]).await;
    let big = format!(r#"{{"content": "{}"}}"#, "x".repeat(70 * 1024));
    let reply = raw(
        &app,
        "POST",
        &format!("/api/chat/rooms/{room}/messages/"),
        &alice.access,
        Some("application/json"),
        big.into_bytes(),
    )
    .await;
    reply.expect(
        413,
        detail("Request body is larger than the limit of 65536 bytes."),
    );
}

#[tokio::test]
async fn errors_never_leak_internals() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let nasty = [
        "/api/chat/rooms/1'%20OR%201=1--/",
        "/api/chat/rooms/-1/messages/",
        "/api/users/?search=%27%22%25_",
    ];
    for path in nasty {
        let reply = app.get(path, Some(&alice.access)).await;
        assert!(reply.status < 500, "{path}: {reply:?}");
        let text = reply.body.to_string().to_lowercase();
        assert!(
            !text.contains("sql") && !text.contains("panic"),
            "{path}: {text}"
        );
    }
}

#[tokio::test]
async fn a_405_says_which_methods_are_allowed() {
    let Some(app) = spawn_app().await else { return };
    let alice = app.user("alice").await;
    let reply = app
        .patch("/api/chat/rooms/", Some(&alice.access), json!({}))
        .await;
    assert_eq!(reply.headers["allow"], "GET, POST, HEAD");
    let reply = app
        .post(
            "/api/chat/rooms/7/messages/3",
            Some(&alice.access),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "GET, PUT, PATCH, DELETE, HEAD");
}

#[tokio::test]
async fn cors_is_off_unless_origins_are_configured() {
    let preflight = |app: &TestApp| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/chat/rooms/"))
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let Some(closed) = spawn_app().await else {
        return;
    };
    let reply = preflight(&closed).await.unwrap();
    assert!(reply.headers().get("access-control-allow-origin").is_none());

    let Some(open) = spawn_app_with(|c| c.cors_origins = vec!["https://app.example".into()]).await
    else {
        return;
    };
    let reply = preflight(&open).await.unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let alice = open.user("alice").await;
    let listed = open
        .client
        .get(open.url("/api/chat/rooms/"))
        .bearer_auth(&alice.access)
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(
        listed.headers()["vary"],
        "origin",
        "caches keep origins apart"
    );
    // Another origin is served as if it sent none: a browser keeps the answer from its page,
    // a server-side client that happens to send `Origin` gets its answer.
    let other = open
        .client
        .get(open.url("/healthz"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    assert!(other.headers().get("access-control-allow-origin").is_none());
    assert_eq!(other.headers()["vary"], "origin");

    // An app may send its own request id, and read why a 401 happened.
    let preflight = open
        .client
        .request(reqwest::Method::OPTIONS, open.url("/api/chat/rooms/"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "authorization, x-request-id",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    let refused = open
        .client
        .get(open.url("/api/chat/rooms/"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let exposed = refused.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "www-authenticate",
        "x-event-position",
        "retry-after",
        "x-request-id",
    ] {
        assert!(exposed.contains(header), "{header} not in {exposed}");
    }
}

/// DRF's CharField refuses NUL in every string field, and PostgreSQL could not store it.
#[tokio::test]
async fn null_characters_in_strings_are_a_400_everywhere() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = app.room(&alice, "GROUP", &[&bob]).await;
    let refused = |field: &str| json!({ field: ["Null characters are not allowed."] });

    app.post(
        &format!("/api/chat/rooms/{room}/messages/"),
        Some(&alice.access),
        json!({"content": "a\u{0}b"}),
    )
    .await
    .expect(400, refused("content"));
    app.post(
        "/api/chat/rooms/",
        Some(&alice.access),
        json!({"name": "a\u{0}b", "room_type": "GROUP", "participants": [bob.id]}),
    )
    .await
    .expect(400, refused("name"));
    app.post(
        "/api/users/register/",
        None,
        json!({"username": "zed", "password": "a-long-enough-password", "email": "z\u{0}@x.org"}),
    )
    .await
    .expect(400, refused("email"));
    app.post(
        "/api/token/",
        None,
        json!({"username": "ali\u{0}ce", "password": "whatever-it-is"}),
    )
    .await
    .expect(400, refused("username"));

    // A search for it finds nobody (no username holds NUL) instead of failing.
    let found = app
        .get("/api/users/?search=a%00", Some(&alice.access))
        .await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    assert_eq!(found.body["count"], 0);

    // Nothing was stored by the refused requests.
    let listed = app
        .get(
            &format!("/api/chat/rooms/{room}/messages/"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(listed.body["results"], json!([]));
}
