//! The database's file system full: writes refused with 503, reads served, and writes back
//! once there is space, from the same process.

use std::time::Duration;

use contract_tests::server::{ServerProcess, durability_binary};
use reqwest::StatusCode;

use super::api::{Answer, Api};
use super::ledger::Ledger;
use super::site::Site;
use super::unavailable::{self, Problems};
use super::{populate, verify};
use chat_test_support::tmpfs::Tmpfs;

/// Concurrent POSTs: several messages in one group-commit batch.
const BATCH: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_get_503_while_the_disk_is_full_and_work_again_after() {
    let test = "writes_get_503_while_the_disk_is_full_and_work_again_after";
    let site = Site::new("disk-full");
    let Some(tmpfs) = Tmpfs::mount_or_skip(&site.db_dir, "2m", test) else {
        return;
    };
    let mut server = ServerProcess::start(durability_binary(), &site.db, &site.log, &[]);
    let pid = server.pid();
    let api = Api::new(&server.base);
    let (users, room) = populate(&api).await;
    let alice = &users[0];
    let mut ledger = Ledger::default();
    let mut problems = Problems::new();
    unavailable::messages_created(&api, alice, room, 3, "before", &mut ledger, &mut problems).await;
    if !problems.is_empty() {
        verify::fail(&site, "disk full: before filling the disk", &problems);
    }

    let (filler, filled) = tmpfs.fill("filler");
    let refused = unavailable::messages_refused(
        &api,
        alice,
        room,
        BATCH,
        "while full",
        &mut ledger,
        &mut problems,
    )
    .await;
    unavailable::room_refused(&api, alice, &mut problems).await;
    readiness(
        &api,
        StatusCode::SERVICE_UNAVAILABLE,
        "while full",
        &mut problems,
    )
    .await;
    let listed = unavailable::reads_answered(&api, alice, room, &mut problems).await;
    if listed != ledger.acked_count() {
        problems.push(format!(
            "while full the room lists {listed} messages; {} were acknowledged",
            ledger.acked_count()
        ));
    }

    std::fs::remove_file(&filler).expect("the filler goes");
    readiness(&api, StatusCode::OK, "space back", &mut problems).await;
    // The very first write after the space returns must work: no failed batch may poison the
    // writer, and nothing may wait for a restart.
    unavailable::message_created(
        &api,
        alice,
        room,
        "space back, first",
        &mut ledger,
        &mut problems,
    )
    .await;
    unavailable::messages_created(
        &api,
        alice,
        room,
        BATCH,
        "space back, batch",
        &mut ledger,
        &mut problems,
    )
    .await;
    // A client retrying a refused message with its client_id gets it stored, once.
    if let Some(retry) = refused.first() {
        let stored = [StatusCode::CREATED, StatusCode::OK];
        unavailable::resend(
            &api,
            alice,
            room,
            retry.clone(),
            &stored,
            &mut ledger,
            &mut problems,
        )
        .await;
    }
    if let Some(status) = server.exited() {
        problems.push(format!("the server exited ({status})"));
    }
    if let Err(found) = ledger.check(&api.messages(alice, room).await) {
        problems.extend(
            found
                .into_iter()
                .map(|problem| format!("API listing: {problem}")),
        );
    }
    // Acknowledged means committed: the file must hold them once the server is gone.
    let status = server.stop(Duration::from_secs(15));
    if !status.is_some_and(|status| status.success()) {
        problems.push(format!("SIGTERM after the test: {status:?}"));
    }
    if let Err(found) = verify::disk_problems(&site, room, &ledger).await {
        problems.extend(
            found
                .into_iter()
                .map(|problem| format!("database file: {problem}")),
        );
    }
    if !problems.is_empty() {
        verify::fail(
            &site,
            &format!("disk full ({filled} bytes of filler)"),
            &problems,
        );
    }
    println!(
        "disk full: {filled} bytes of filler; {BATCH} concurrent message POSTs and a room POST got 503 with a \
         plain detail, reads and /healthz 200; space back: the next POSTs 201 from the same process (pid {pid}), \
         a refused message retried; {} acknowledged messages stored once",
        ledger.acked_count()
    );
}

/// `/readyz` tells a load balancer whether to send this instance traffic: not while it cannot
/// store anything, again as soon as it can.
async fn readiness(api: &Api, expected: StatusCode, when: &str, problems: &mut Problems) {
    match api.get(None, "/readyz").await {
        Answer::Status(status, _) if status == expected => {}
        other => problems.push(format!(
            "{when}: /readyz answered {other:?}, expected {expected}"
        )),
    }
}
