//! The SDK quickstart (`sdk/examples/quickstart.rs`, shown in the README) runs as written
//! against the real server.

use contract_tests::Server;

// `main` is the example's entry point, unused here.
#[allow(dead_code)]
#[path = "../../sdk/examples/quickstart.rs"]
mod example;

#[tokio::test]
async fn the_sdk_quickstart_runs() {
    let server = Server::start();
    let history = example::run(&server.base)
        .await
        .unwrap_or_else(|e| panic!("the quickstart failed: {e}\nserver log:\n{}", server.log()));

    assert_eq!(history.len(), 12);
    let first = history.last().expect("messages");
    let last = history.first().expect("messages");
    assert_eq!(first.content, "Hi Bob, #1");
    assert_eq!(last.content, "Hi Alice, #6");
    assert!(
        history.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
}
