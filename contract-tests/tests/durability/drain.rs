//! SIGTERM under concurrent message creation: the graceful shutdown finishes what it accepted.

use std::time::{Duration, Instant};

use contract_tests::server::{ServerProcess, durability_binary};

use super::api::{Answer, Api};
use super::held_request::HeldRequest;
use super::ledger::{Ledger, Sent};
use super::load::Load;
use super::site::Site;
use super::{KILL_AFTER_MS, Rng, SENDERS, populate, verify};

/// Requests held open across the signal.
const HELD: usize = 4;
const GRACE: Duration = Duration::from_secs(10);
/// How long the load keeps hitting the stopping server, and the held requests wait, after the
/// signal.
const AFTER_SIGNAL: Duration = Duration::from_millis(500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_accepted_requests_and_exits_zero() {
    let binary = durability_binary();
    let mut rng = Rng::from_env_or_clock("drain");
    let site = Site::new("drain");
    let grace = GRACE.as_secs().to_string();
    let env = [("CHAT_SHUTDOWN_GRACE_SECS", grace.as_str())];
    let mut server = ServerProcess::start(binary, &site.db, &site.log, &env);
    let api = Api::new(&server.base);
    let (users, room) = populate(&api).await;
    let mut ledger = Ledger::default();

    let mut held = Vec::new();
    for n in 0..HELD {
        let user = &users[n % users.len()];
        let client_id = uuid::Uuid::new_v4().to_string();
        let sent = Sent {
            sender_id: user.id,
            content: format!("drain held {n} {client_id}"),
            client_id,
        };
        let request =
            HeldRequest::open(&server.base, user, room, &sent.content, &sent.client_id).await;
        held.push((request, sent));
    }
    let load = Load::start(&api, room, &users, SENDERS, "drain");
    load.running().await;
    let stop_after = rng.millis_between(KILL_AFTER_MS);
    tokio::time::sleep(stop_after).await;
    let signalled = Instant::now();
    server.signal("TERM");

    tokio::time::sleep(AFTER_SIGNAL).await;
    if let Some(status) = server.exited() {
        verify::fail(
            &site,
            "drain",
            &[format!(
                "the server exited ({status}) {AFTER_SIGNAL:?} after SIGTERM with {HELD} accepted requests unfinished"
            )],
        );
    }
    for (request, sent) in held {
        match request.complete().await {
            Ok((201, body)) if body["content"] == sent.content.as_str() => {
                let id = body["id"].as_i64().expect("a message id");
                ledger.acked(id, sent);
            }
            other => verify::fail(
                &site,
                "drain",
                &[format!(
                    "a request accepted before SIGTERM, completed during the grace period, got {other:?}"
                )],
            ),
        }
    }
    load.stop();
    let status = wait_for_exit(&mut server, GRACE + Duration::from_secs(5)).await;
    let exited_after = signalled.elapsed();
    match status {
        Some(status) if status.success() => {}
        other => verify::fail(
            &site,
            "drain",
            &[format!(
                "after SIGTERM the server should exit 0 within the {GRACE:?} grace period; got {other:?} after {exited_after:?}"
            )],
        ),
    }

    let attempts = load.finish().await;
    let dropped_early: Vec<&Answer> = attempts
        .iter()
        .filter(|attempt| {
            matches!(attempt.answer, Answer::NoAnswer(_)) && attempt.ended < signalled
        })
        .map(|attempt| &attempt.answer)
        .collect();
    if !dropped_early.is_empty() {
        verify::fail(
            &site,
            "drain",
            &[format!(
                "{} requests got no answer before SIGTERM was sent: {:?}",
                dropped_early.len(),
                &dropped_early[..dropped_early.len().min(5)]
            )],
        );
    }
    // Any answer but 201 fails here: a 5xx for an accepted request above all.
    let counts = verify::record(&site, "drain", &mut ledger, attempts);
    let disk = verify::on_disk(&site, "drain, after the graceful stop", room, &ledger).await;

    let mut server = ServerProcess::try_start(binary, &site.db, &site.log, &env)
        .unwrap_or_else(|why| verify::fail(&site, "drain: restart", &[why]));
    let api = Api::new(&server.base);
    verify::healthy(&site, "drain: after restart", &api).await;
    let listed = verify::via_api(
        &site,
        "drain, after restart",
        &api,
        &users[0],
        room,
        &ledger,
    )
    .await;
    let retried = verify::retry_unanswered(&site, "drain", &api, &users, room, &mut ledger).await;
    let status = server.stop(Duration::from_secs(15));
    assert!(
        status.is_some_and(|status| status.success()),
        "the restarted server did not stop cleanly: {status:?}\n{}",
        site.log_tail(40)
    );
    verify::on_disk(&site, "drain, after the retries", room, &ledger).await;
    println!(
        "drain: SIGTERM after {stop_after:?}, exit 0 after {exited_after:?}; {} created by the load + {HELD} \
         held across the signal = {} acknowledged, present once on disk and via the API; {} got no answer \
         after the stop began: {} of them stored (retry: 200, same id), {} not (retry: 201)",
        counts.created, listed.acked, counts.unanswered, retried.replayed, retried.created,
    );
    assert_eq!(
        (disk.unanswered_present, disk.unanswered_absent),
        (retried.replayed, retried.created),
        "drain: the database file and the API disagree on which unanswered messages are stored"
    );
}

/// Polls instead of blocking: the load's tasks share this runtime.
async fn wait_for_exit(
    server: &mut ServerProcess,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = server.exited() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}
