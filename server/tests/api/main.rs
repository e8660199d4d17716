//! Black-box tests: the real server on a random port with its own database, spoken to over
//! HTTP. One binary (modules below) so the suite links once; tests/api_postgres compiles the
//! same modules with every server on PostgreSQL.

use chat_test_support::Database;

mod auth;
mod binary;
mod connections;
mod conventions;
mod direct_messages;
mod files;
mod helpers;
mod history;
mod invitations;
mod legacy;
mod limits;
mod login_throttle;
mod matrix;
mod mentions;
mod message_pagination;
mod messages;
mod observability;
mod operability;
mod pagination_props;
mod presence;
mod reactions;
mod read_state;
mod readiness;
mod realtime;
mod replies;
mod room_pagination;
mod rooms;
mod search;
mod spec;
mod startup;
mod storage;
mod stream;
mod text_fields;
mod timeouts;
mod users;

/// The database of every test server in this binary (read by `helpers`).
pub const DATABASE: Database = Database::Sqlite;
