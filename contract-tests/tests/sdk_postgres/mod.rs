//! The SDK tests of tests/sdk with the server on PostgreSQL: the same modules, compiled again
//! with every server on a database of its own, created from `TEST_POSTGRES_URL` (see
//! chat-test-support). Without it the tests skip outside CI and fail under `CI=true`.

#[path = "../sdk/beyond_the_seeds.rs"]
mod beyond_the_seeds;
#[path = "../sdk/direct_messages.rs"]
mod direct_messages;
#[path = "../sdk/legacy.rs"]
mod legacy;
#[path = "../sdk/operations.rs"]
mod operations;
#[path = "../sdk/session.rs"]
mod session;
#[path = "../sdk/streams.rs"]
mod streams;
#[path = "../sdk/support.rs"]
mod support;

use contract_tests::Database;
use support::*;

/// The database of every server of these tests (read by `support::start`).
const DATABASE: Database = Database::Postgres;
