//! The database's file system read-only: writes refused with 503, reads served, writes back
//! once it is read-write again.
//!
//! Linux refuses `mount -o remount,ro` with EBUSY while any file on the file system is open
//! for writing, and a running server keeps `chat.db`, its `-wal` and `-shm` open for writing;
//! only the kernel itself forces a file system read-only under writers (after I/O errors), and
//! that cannot be undone without unmounting. So the live remount is tried first (some kernel
//! or file system may allow it); when it is refused, the test plays what follows such a forced
//! remount instead: the server dies (SIGKILL, leaving its `-wal` and `-shm` behind), the file
//! system is read-only, and a server is started on it.

use std::time::Duration;

use contract_tests::server::{ServerProcess, durability_binary};

use super::api::Api;
use super::ledger::Ledger;
use super::site::Site;
use super::unavailable::{self, Problems};
use super::{in_ci, populate, verify};
use chat_test_support::tmpfs::Tmpfs;

const BATCH: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_get_503_while_the_database_is_read_only() {
    let test = "writes_get_503_while_the_database_is_read_only";
    let site = Site::new("read-only");
    let Some(tmpfs) = Tmpfs::mount_or_skip(&site.db_dir, "2m", test) else {
        return;
    };
    let binary = durability_binary();
    let mut server = ServerProcess::start(binary, &site.db, &site.log, &[]);
    let api = Api::new(&server.base);
    let (users, room) = populate(&api).await;
    let alice = &users[0];
    let mut ledger = Ledger::default();
    let mut problems = Problems::new();
    unavailable::messages_created(&api, alice, room, 2, "before", &mut ledger, &mut problems).await;
    if !problems.is_empty() {
        verify::fail(&site, "read-only: before", &problems);
    }

    let live = tmpfs.remount("ro");
    let how = match &live {
        Ok(()) => "remounted read-only under the running server".to_owned(),
        Err(why) => {
            if !why.contains("busy") && in_ci() {
                verify::fail(
                    &site,
                    "read-only",
                    &[format!("remount,ro failed, and not as busy: {why}")],
                );
            }
            server.kill();
            if let Err(why) = tmpfs.remount("ro") {
                verify::fail(
                    &site,
                    "read-only: remount,ro with no server running",
                    &[why],
                );
            }
            server = restart(&site, binary, "a server on the read-only database");
            format!(
                "live remount refused ({why}); the server killed, a new one started on the read-only database"
            )
        }
    };
    let api = Api::new(&server.base);
    unavailable::messages_refused(
        &api,
        alice,
        room,
        BATCH,
        "read-only",
        &mut ledger,
        &mut problems,
    )
    .await;
    unavailable::room_refused(&api, alice, &mut problems).await;
    let listed = unavailable::reads_answered(&api, alice, room, &mut problems).await;
    if listed != ledger.acked_count() {
        problems.push(format!(
            "read-only, the room lists {listed} messages; {} were acknowledged",
            ledger.acked_count()
        ));
    }
    if !problems.is_empty() {
        verify::fail(&site, &format!("read-only ({how})"), &problems);
    }

    if let Err(why) = tmpfs.remount("rw") {
        verify::fail(&site, "read-only: remount,rw", &[why]);
    }
    let mut retry = Problems::new();
    let recovery = if unavailable::message_created(
        &api,
        alice,
        room,
        "read-write again",
        &mut ledger,
        &mut retry,
    )
    .await
    {
        "recovered without a restart"
    } else if live.is_ok() {
        // The live remount left the server's files open for writing: it must recover alone.
        verify::fail(&site, "read-only: after remount,rw", &retry);
    } else {
        // A server that could only open the database read-only may need a restart.
        stop(&site, &mut server, "stopping after remount,rw");
        server = restart(&site, binary, "restart after remount,rw");
        let api = Api::new(&server.base);
        unavailable::message_created(
            &api,
            alice,
            room,
            "read-write again",
            &mut ledger,
            &mut problems,
        )
        .await;
        "recovered after a restart"
    };
    if let Err(found) = ledger.check(&Api::new(&server.base).messages(alice, room).await) {
        problems.extend(
            found
                .into_iter()
                .map(|problem| format!("API listing: {problem}")),
        );
    }
    stop(&site, &mut server, "the final stop");
    if let Err(found) = verify::disk_problems(&site, room, &ledger).await {
        problems.extend(
            found
                .into_iter()
                .map(|problem| format!("database file: {problem}")),
        );
    }
    if !problems.is_empty() {
        verify::fail(&site, &format!("read-only ({how}), {recovery}"), &problems);
    }
    println!(
        "read-only: {how}; {BATCH} concurrent message POSTs and a room POST got 503 with a plain detail, \
         reads and /healthz 200; remount,rw: {recovery}; {} acknowledged messages stored once",
        ledger.acked_count()
    );
}

fn stop(site: &Site, server: &mut ServerProcess, when: &str) {
    let status = server.stop(Duration::from_secs(15));
    if !status.is_some_and(|status| status.success()) {
        verify::fail(
            site,
            &format!("read-only: {when}"),
            &[format!("SIGTERM: {status:?}")],
        );
    }
}

fn restart(site: &Site, binary: &std::path::Path, what: &str) -> ServerProcess {
    ServerProcess::try_start(binary, &site.db, &site.log, &[])
        .unwrap_or_else(|why| verify::fail(site, &format!("read-only: {what}"), &[why]))
}
