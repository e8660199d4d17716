//! The checked-in contract is what the server generates, and the server serves it.

use serde_json::Value;

use crate::helpers::*;

const REGENERATE: &str = "cargo run -p chat-server -- openapi > openapi.yaml";

#[test]
fn openapi_yaml_matches_the_server() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let generated = chat_server::api::spec_yaml();
    if checked_in != generated {
        let line = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the end".to_owned(), |n| format!("line {}", n + 1));
        panic!(
            "openapi.yaml differs from the server's spec (first at {line}). Regenerate it with:\n    {REGENERATE}"
        );
    }
}

#[test]
fn every_operation_is_named_tagged_and_summarised() {
    let spec: Value = serde_yaml::from_str(&chat_server::api::spec_yaml()).expect("spec parses");
    assert_eq!(spec["openapi"], "3.0.0");
    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        assert!(
            [
                "/healthz",
                "/readyz",
                "/metrics",
                "/chatrooms/create",
                "/messages/create"
            ]
            .contains(&path.as_str())
                || path.ends_with('/'),
            "{path} lacks its trailing slash"
        );
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id}: no summary"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id}: no tag"
            );
            // Seed 000's routes keep its error shape.
            let error_schema = if op["tags"][0] == "legacy" {
                "#/components/schemas/LegacyError"
            } else {
                "#/components/schemas/ApiError"
            };
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.contains_key("500"), "{id}: 500 undocumented");
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema =
                        &response["content"]["application/json; charset=utf-8"]["schema"]["$ref"];
                    assert_eq!(schema, error_schema, "{id} {status}: not its error schema");
                }
            }
            if op.get("security").is_some() {
                assert!(
                    responses.contains_key("401"),
                    "{id}: secured but 401 undocumented"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_server_serves_its_spec_and_swagger_ui() {
    let Some(app) = spawn_app().await else { return };
    let json = app.get("/openapi.json", None).await;
    assert_eq!(json.status, 200);
    let yaml = app
        .client
        .get(app.url("/openapi.yaml"))
        .send()
        .await
        .expect("yaml");
    assert_eq!(yaml.status(), 200);
    let yaml: Value = serde_yaml::from_str(&yaml.text().await.expect("text")).expect("yaml parses");
    assert_eq!(json.body, yaml);
    assert!(json.body["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer");

    let redirect = app.client.get(app.url("/docs")).send().await.expect("docs");
    assert_eq!(redirect.status(), 308);
    let page = app
        .client
        .get(app.url("/docs/"))
        .send()
        .await
        .expect("docs page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("swagger-ui"));
    let init = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("init");
    let init = init.text().await.expect("js");
    assert!(
        init.contains("\"/openapi.json\""),
        "Swagger UI reads the served spec"
    );
    assert!(
        init.contains("persistAuthorization: true"),
        "the Bearer token survives reloads"
    );
}

#[tokio::test]
async fn the_server_serves_the_asyncapi_document_and_its_page() {
    let Some(app) = spawn_app().await else { return };
    let get = |path: &str| app.client.get(app.url(path)).send();
    let document = get("/asyncapi.yaml").await.expect("asyncapi.yaml");
    assert_eq!(document.status(), 200);
    let text = document.text().await.expect("yaml");
    assert_eq!(
        text,
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../asyncapi.yaml"))
            .expect("the checked-in asyncapi.yaml"),
        "served as checked in"
    );

    assert_eq!(get("/docs/asyncapi").await.expect("redirect").status(), 308);
    let page = get("/docs/asyncapi/").await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("AsyncApiStandalone")
    );
    let bundle = get("/docs/asyncapi/asyncapi-standalone.js")
        .await
        .expect("bundle");
    assert_eq!(bundle.status(), 200);
    let whole = get("/docs/asyncapi/asyncapi.json").await.expect("bundled");
    let whole: serde_json::Value = whole.json().await.expect("JSON");
    assert!(whole["components"]["schemas"]["Message"].is_object());
    assert_eq!(
        get("/docs/asyncapi/nothing.js")
            .await
            .expect("404")
            .status(),
        404
    );
}

#[tokio::test]
async fn health_check_answers_once_the_database_does() {
    let Some(app) = spawn_app().await else { return };
    app.get("/healthz", None)
        .await
        .expect(200, serde_json::json!({"status": "ok"}));
}
