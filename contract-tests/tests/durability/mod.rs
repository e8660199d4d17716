//! Durability of the server binary, judged from outside as an operator would see it.
//!
//! - `crash`: SIGKILL under concurrent message creation, restart on the same files, several
//!   rounds on one database: every acknowledged (201) message is there exactly once (in the
//!   file before the restart, and through the API after it), a message that got no answer at
//!   most once (and its retry says which), `PRAGMA integrity_check` is `ok`.
//! - `drain`: SIGTERM under the same load: requests the server had accepted are finished and
//!   stored, the process exits 0, nothing is answered 5xx.
//! - `disk_full`, `read_only`: the database on a 2 MiB tmpfs, filled up or made read-only:
//!   writes are refused with 503 and a plain `detail`, reads and `/healthz` go on, and writes
//!   work again once the space is back, without a restart. These need root (to mount); under
//!   `CI=true` they fail without it, elsewhere they say they are skipped.
//!
//! The server is `CHAT_DURABILITY_BIN` (the release build, to judge what is deployed), else
//! the binary the other suites test (see `durability_binary`). Each
//! test's servers write to `server.log` in its directory, which is kept (its path printed)
//! when the test fails. `DURABILITY_SEED` replays the random kill moments of a run.

mod api;
mod crash;
mod database;
mod disk_full;
mod drain;
mod held_request;
mod ledger;
mod load;
mod read_only;
mod site;
mod unavailable;
mod verify;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use self::api::{Answer, Api, User};

/// Concurrent senders of the load, spread over [`USERS`] users.
const SENDERS: usize = 24;
const USERS: usize = 4;
/// The kill or stop comes this far into the load (from its first 201), at random.
const KILL_AFTER_MS: (u64, u64) = (50, 800);

/// `CI=true`: a check that cannot run must fail instead of skipping.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// A small seeded generator: the kill moments of a failing run can be replayed with
/// `DURABILITY_SEED`, which a thread-local OS-seeded one would not allow.
struct Rng(u64);

impl Rng {
    fn from_env_or_clock(test: &str) -> Rng {
        let seed = std::env::var("DURABILITY_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |since| since.as_nanos() as u64)
            });
        println!("{test}: DURABILITY_SEED={seed}");
        // xorshift never leaves 0.
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A duration between `low` and `high` milliseconds.
    fn millis_between(&mut self, (low, high): (u64, u64)) -> Duration {
        Duration::from_millis(low + self.next() % (high - low + 1))
    }
}

/// [`USERS`] users and a GROUP room of all of them: `(users, room id)`.
async fn populate(api: &Api) -> (Vec<User>, i64) {
    let mut users = Vec::new();
    for n in 0..USERS {
        users.push(api.register(&format!("durable{n}")).await);
    }
    let members: Vec<i64> = users.iter().map(|user| user.id).collect();
    match api.create_room(&users[0], &members).await {
        Answer::Status(status, room) if status.as_u16() == 201 => {
            (users, room["id"].as_i64().expect("a room id"))
        }
        other => panic!("creating the room: {other:?}"),
    }
}
