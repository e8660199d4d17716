//! Every operation of `openapi.yaml`, driven through raw HTTP against the real server binary:
//! every response must have a documented status, the documented Content-Type and a body that
//! matches its schema, and every documented (operation, status) pair must be provoked. The
//! scenario runs twice: on SQLite and on PostgreSQL.

mod accounts;
mod direct_messages;
mod events;
mod invitations;
mod legacy;
mod messages;
mod presence;
mod reactions;
mod reads;
mod realtime;
mod replies;
mod rooms;
mod search;
mod self_test;
mod support;
mod throttles;

use std::sync::Arc;

use contract_tests::{ContractClient, Coverage, Database, Exemption, Server, Spec};

/// Documented pairs no request to a correct server can provoke.
const EXEMPTIONS: &[Exemption] = &[
    Exemption {
        operation: "*",
        status: 500,
        reason: "\"A server error occurred.\" is documented everywhere for unexpected failures; \
                 a correct server gives no request a way to cause one",
    },
    Exemption {
        operation: "*",
        status: 503,
        reason: "storage that cannot be used (or a request over CHAT_REQUEST_TIMEOUT_SECS, 30 s): \
                 no request breaks the database, and `SELECT 1` on the pool's open SQLite \
                 connections still answers with the file overwritten or deleted (tried). \
                 contract-tests/tests/durability provokes it, on writes (message and room \
                 POSTs), with the database on a tmpfs it fills up (disk_full) and remounts \
                 read-only (read_only); every operation maps storage failures to the same \
                 ApiError::Unavailable",
    },
];

// One test per database, run in order, because the coverage of the whole run is asserted at
// its end (a test per scenario would run in separate processes under nextest and could not
// add up).
#[tokio::test]
async fn every_operation_keeps_the_contract() {
    keeps_the_contract(Database::Sqlite).await;
}

/// Skips outside CI without `TEST_POSTGRES_URL` (see chat-test-support).
#[tokio::test]
async fn every_operation_keeps_the_contract_on_postgres() {
    keeps_the_contract(Database::Postgres).await;
}

async fn keeps_the_contract(database: Database) {
    let spec = Arc::new(Spec::load());
    // A low socket limit, so the realtime scenario can reach it (429) with a few sockets.
    let low_socket_limit = [(
        "CHAT_WS_MAX_CONNECTIONS_PER_USER",
        realtime::MAX_SOCKETS_PER_USER,
    )];
    let Some(server) = Server::start_on(database, &low_socket_limit).await else {
        return;
    };
    let api = ContractClient::new(&server.base, Arc::clone(&spec));

    accounts::health(&api).await;
    accounts::tokens(&api).await;
    accounts::users(&api).await;
    rooms::rooms(&api).await;
    messages::messages(&api).await;
    legacy::legacy(&api).await;
    direct_messages::direct_messages(&api).await;
    reads::reads(&api).await;
    reactions::reactions(&api).await;
    replies::replies(&api).await;
    search::search(&api).await;
    presence::presence(&api).await;
    invitations::invitations(&api).await;
    realtime::realtime(&api, &server.base).await;
    events::events(&api).await;
    // The 410 of a position no longer kept, from a server that keeps about a second of events.
    let Some(forgetful) = Server::start_on(database, &events::SHORT_RETENTION).await else {
        return;
    };
    events::expiry(&api.sharing_ledger(&forgetful.base), &forgetful.base).await;
    // The 429s of the throttles, from a server of their own: the main one runs without
    // throttles. Its responses go into the same ledger.
    let Some(throttled_server) = Server::start_on(database, &throttles::LOW_THROTTLES).await else {
        return;
    };
    throttles::throttles(&api.sharing_ledger(&throttled_server.base)).await;

    let ledger = api.finish();
    let coverage = Coverage::compute(&spec.documented_pairs(), &ledger.observed, EXEMPTIONS);
    eprintln!("{coverage}; {} responses checked", ledger.exchanges);
    for exemption in EXEMPTIONS {
        eprintln!(
            "  exempt: {} {} ({})",
            exemption.operation, exemption.status, exemption.reason
        );
    }

    let mut failures: Vec<String> = ledger.violations.iter().map(ToString::to_string).collect();
    failures.extend(ledger.problems);
    failures.extend(coverage.failures());
    // Swagger UI shows these examples as what the API answers: they must be.
    failures.extend(contract_tests::examples::unanswered(
        &spec,
        &ledger.error_texts,
    ));
    if !failures.is_empty() {
        let log = |server: &Server| {
            let log = server.log();
            if log.is_empty() {
                "(empty)".to_owned()
            } else {
                log
            }
        };
        panic!(
            "{} contract failures on {database:?} ({coverage}):\n\n{}\n\nserver log:\n{}\n\n\
             throttled server log:\n{}",
            failures.len(),
            failures.join("\n"),
            log(&server),
            log(&throttled_server)
        );
    }
}
