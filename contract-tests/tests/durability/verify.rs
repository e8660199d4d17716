//! The checks the crash and drain tests share, failing with the server log's tail.

use std::collections::BTreeMap;

use reqwest::StatusCode;

use super::api::{Answer, Api, User};
use super::database;
use super::ledger::{Ledger, Tally};
use super::load::Attempt;
use super::site::Site;

/// How a load ended.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub created: usize,
    pub unanswered: usize,
}

/// Enters a load's attempts into the ledger; every answer must be a 201 with the message.
pub fn record(site: &Site, context: &str, ledger: &mut Ledger, attempts: Vec<Attempt>) -> Counts {
    let mut counts = Counts::default();
    let mut refused = Vec::new();
    for attempt in attempts {
        match attempt.answer {
            Answer::Status(StatusCode::CREATED, body) => match body["id"].as_i64() {
                Some(id) if body["content"] == attempt.sent.content.as_str() => {
                    counts.created += 1;
                    ledger.acked(id, attempt.sent);
                }
                _ => refused.push(format!("201 without the message: {body}")),
            },
            Answer::Status(status, body) => refused.push(format!("{status} {body}")),
            Answer::NoAnswer(_) => {
                counts.unanswered += 1;
                ledger.unanswered(attempt.sent);
            }
        }
    }
    if !refused.is_empty() {
        fail(
            site,
            context,
            &[format!(
                "{} requests were answered but not created (first 10): {:?}",
                refused.len(),
                &refused[..refused.len().min(10)]
            )],
        );
    }
    counts
}

/// The database file (no server running): sound, no message stored twice, the ledger holds.
pub async fn on_disk(site: &Site, context: &str, room: i64, ledger: &Ledger) -> Tally {
    disk_problems(site, room, ledger)
        .await
        .unwrap_or_else(|problems| fail(site, &format!("{context}, database file"), &problems))
}

/// [`on_disk`], returning the problems instead of failing.
pub async fn disk_problems(site: &Site, room: i64, ledger: &Ledger) -> Result<Tally, Vec<String>> {
    let audit = database::audit(&site.db, room).await;
    let mut problems = Vec::new();
    if audit.integrity != ["ok"] {
        problems.push(format!("PRAGMA integrity_check: {:?}", audit.integrity));
    }
    if !audit.duplicate_client_ids.is_empty() {
        problems.push(format!(
            "(sender_id, client_id, copies) stored more than once: {:?}",
            audit.duplicate_client_ids
        ));
    }
    match ledger.check(&audit.rows) {
        Ok(tally) if problems.is_empty() => Ok(tally),
        Ok(_) => Err(problems),
        Err(found) => {
            problems.extend(found);
            Err(problems)
        }
    }
}

/// The same through the API of a running server.
pub async fn via_api(
    site: &Site,
    context: &str,
    api: &Api,
    user: &User,
    room: i64,
    ledger: &Ledger,
) -> Tally {
    let rows = api.messages(user, room).await;
    ledger
        .check(&rows)
        .unwrap_or_else(|problems| fail(site, &format!("{context}, API listing"), &problems))
}

/// What the retries of unanswered messages found.
#[derive(Debug, Default, Clone, Copy)]
pub struct Retried {
    /// Already stored: answered 200 with the stored message.
    pub replayed: usize,
    /// Not stored: created now (201).
    pub created: usize,
}

/// Retries every unanswered message with its `client_id`, as its client would after the
/// restart: one already stored must come back as it is (200, same id), one that is not must be
/// created (201). Then all of them are acknowledged.
pub async fn retry_unanswered(
    site: &Site,
    context: &str,
    api: &Api,
    users: &[User],
    room: i64,
    ledger: &mut Ledger,
) -> Retried {
    let stored: BTreeMap<String, i64> = api
        .messages(&users[0], room)
        .await
        .into_iter()
        .filter_map(|row| Some((row.client_id?, row.id)))
        .collect();
    let mut retried = Retried::default();
    let mut problems = Vec::new();
    for sent in ledger.take_unanswered() {
        let Some(user) = users.iter().find(|user| user.id == sent.sender_id) else {
            problems.push(format!("no user {} for {sent:?}", sent.sender_id));
            continue;
        };
        let earlier = stored.get(&sent.client_id).copied();
        let answer = api
            .post_message(user, room, &sent.content, &sent.client_id)
            .await;
        let (expected, id) = match (&answer, earlier) {
            (Answer::Status(StatusCode::OK, body), Some(id)) if body["id"] == id => {
                retried.replayed += 1;
                (true, id)
            }
            (Answer::Status(StatusCode::CREATED, body), None) => {
                retried.created += 1;
                (true, body["id"].as_i64().unwrap_or_default())
            }
            _ => (false, 0),
        };
        if expected {
            ledger.acked(id, sent);
        } else {
            problems.push(format!(
                "retrying {sent:?} (stored before as {earlier:?}) got {answer:?}"
            ));
        }
    }
    if !problems.is_empty() {
        fail(
            site,
            &format!("{context}, retrying unanswered messages"),
            &problems,
        );
    }
    retried
}

/// `GET /healthz` answers 200.
pub async fn healthy(site: &Site, context: &str, api: &Api) {
    match api.get(None, "/healthz").await {
        Answer::Status(StatusCode::OK, _) => {}
        other => fail(site, context, &[format!("GET /healthz: {other:?}")]),
    }
}

pub fn fail(site: &Site, context: &str, problems: &[String]) -> ! {
    panic!(
        "{context}:\n  - {}\nlast lines of {}:\n{}",
        problems.join("\n  - "),
        site.log.display(),
        site.log_tail(40)
    )
}
