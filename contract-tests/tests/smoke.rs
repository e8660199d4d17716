use contract_tests::Server;

#[tokio::test]
async fn the_binary_starts_and_answers() {
    let server = Server::start();
    let reply = reqwest::get(server.url("/healthz")).await.expect("request");
    assert_eq!(reply.status(), 200);
}
