//! The black-box suite of tests/api on PostgreSQL: the same modules, compiled again with
//! every test server on a database of its own, created from `TEST_POSTGRES_URL` (see
//! chat-test-support). Without it the tests skip outside CI and fail under `CI=true`.
//!
//! Left out, as they only make sense on SQLite:
//! - `storage`: reads the SQLite file itself (journal mode, `sqlite_master`'s indexes, the
//!   SQLite migrator's table). A restart on the same data is covered here by `auth` and
//!   `messages`, which restart servers on their PostgreSQL database.
//! - `files`: the modes of the SQLite file and of the secret kept beside it.

use chat_test_support::Database;

#[path = "../api/auth.rs"]
mod auth;
#[path = "../api/binary.rs"]
mod binary;
#[path = "../api/connections.rs"]
mod connections;
#[path = "../api/conventions.rs"]
mod conventions;
#[path = "../api/direct_messages.rs"]
mod direct_messages;
#[path = "../api/helpers.rs"]
mod helpers;
#[path = "../api/history.rs"]
mod history;
#[path = "../api/invitations/mod.rs"]
mod invitations;
#[path = "../api/legacy/mod.rs"]
mod legacy;
#[path = "../api/limits.rs"]
mod limits;
#[path = "../api/login_throttle.rs"]
mod login_throttle;
#[path = "../api/matrix.rs"]
mod matrix;
#[path = "../api/mentions.rs"]
mod mentions;
#[path = "../api/message_pagination.rs"]
mod message_pagination;
#[path = "../api/messages.rs"]
mod messages;
mod migration_history;
#[path = "../api/observability.rs"]
mod observability;
#[path = "../api/operability.rs"]
mod operability;
#[path = "../api/pagination_props.rs"]
mod pagination_props;
#[path = "../api/presence.rs"]
mod presence;
#[path = "../api/reactions.rs"]
mod reactions;
#[path = "../api/read_state.rs"]
mod read_state;
#[path = "../api/readiness.rs"]
mod readiness;
#[path = "../api/realtime/mod.rs"]
mod realtime;
#[path = "../api/replies.rs"]
mod replies;
#[path = "../api/room_pagination.rs"]
mod room_pagination;
#[path = "../api/rooms/mod.rs"]
mod rooms;
mod schema;
#[path = "../api/search.rs"]
mod search;
#[path = "../api/spec.rs"]
mod spec;
#[path = "../api/stream/mod.rs"]
mod stream;
// Its binaries run on URLs it writes (an unreachable PostgreSQL among them), whatever the
// suite's database.
#[path = "../api/startup.rs"]
mod startup;
#[path = "../api/text_fields.rs"]
mod text_fields;
#[path = "../api/timeouts.rs"]
mod timeouts;
#[path = "../api/users.rs"]
mod users;

/// The database of every test server in this binary (read by `helpers`).
pub const DATABASE: Database = Database::Postgres;
