//! The Rust SDK (`chat-sdk`) against the real server: every operation of openapi.yaml with
//! typed successes and typed errors, then the hand-written layer (sessions, page streams).
//! tests/sdk_postgres runs the same tests with the server on PostgreSQL.

mod beyond_the_seeds;
mod direct_messages;
mod legacy;
mod operations;
mod session;
mod streams;
mod support;

use contract_tests::Database;
use support::*;

/// The database of every server of these tests (read by `support::start`).
const DATABASE: Database = Database::Sqlite;
