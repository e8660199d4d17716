//! SIGKILL in the middle of concurrent message creation, round after round on one database.

use std::time::{Duration, Instant};

use contract_tests::server::{ServerProcess, durability_binary};

use super::api::Api;
use super::ledger::Ledger;
use super::load::Load;
use super::site::Site;
use super::{KILL_AFTER_MS, Rng, SENDERS, populate, verify};

const ROUNDS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_sigkill_exactly_once() {
    let binary = durability_binary();
    let started = Instant::now();
    let mut rng = Rng::from_env_or_clock("crash");
    let site = Site::new("crash");
    let mut server = ServerProcess::start(binary, &site.db, &site.log, &[]);
    let (users, room) = populate(&Api::new(&server.base)).await;
    let mut ledger = Ledger::default();

    for round in 1..=ROUNDS {
        let context = format!("round {round} of {ROUNDS}");
        let api = Api::new(&server.base);
        let load = Load::start(&api, room, &users, SENDERS, &format!("crash r{round}"));
        load.running().await;
        let kill_after = rng.millis_between(KILL_AFTER_MS);
        tokio::time::sleep(kill_after).await;
        server.kill();
        let counts = verify::record(&site, &context, &mut ledger, load.finish().await);

        // Before any server touches the files again: what the crash left on disk.
        let disk = verify::on_disk(&site, &context, room, &ledger).await;

        server = ServerProcess::try_start(binary, &site.db, &site.log, &[])
            .unwrap_or_else(|why| verify::fail(&site, &format!("{context}: restart"), &[why]));
        let api = Api::new(&server.base);
        verify::healthy(&site, &format!("{context}: after restart"), &api).await;
        let listed = verify::via_api(&site, &context, &api, &users[0], room, &ledger).await;
        let retried =
            verify::retry_unanswered(&site, &context, &api, &users, room, &mut ledger).await;
        println!(
            "crash {context}: killed after {kill_after:?}: {} created (201), {} unanswered; after the restart \
             {} acknowledged (all rounds) present once on disk and via the API; of the unanswered, {} were \
             stored (retry: 200, same id) and {} not (retry: 201)",
            counts.created, counts.unanswered, listed.acked, retried.replayed, retried.created,
        );
        assert_eq!(
            (disk.unanswered_present, disk.unanswered_absent),
            (retried.replayed, retried.created),
            "{context}: the database file and the API disagree on which unanswered messages are stored"
        );
    }

    let status = server.stop(Duration::from_secs(15));
    assert!(
        status.is_some_and(|status| status.success()),
        "the last server did not stop cleanly on SIGTERM: {status:?}\n{}",
        site.log_tail(40)
    );
    verify::on_disk(&site, "after the last clean stop", room, &ledger).await;
    println!(
        "crash: {ROUNDS} kills; {} messages acknowledged (retries included), each present exactly once \
         after every restart; integrity ok; {:?}",
        ledger.acked_count(),
        started.elapsed()
    );
}
