//! What a server whose database cannot take writes must still do: refuse writes with 503 and a
//! plain `detail`, and go on answering reads. Outcomes go into a [`Ledger`], so that the end of
//! a test can check that what was acknowledged is stored and what was refused is not.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

use super::api::{Answer, Api, User};
use super::ledger::{Ledger, Sent};

/// Fragments of database error text that must never reach a client.
const LEAKS: [&str; 8] = [
    "sql",
    "insert ",
    "select ",
    "update ",
    "returned from database",
    "(code:",
    "constraint",
    "disk i/o",
];

/// Where a test keeps its problems, to report them all at once.
pub type Problems = Vec<String>;

fn new_message(user: &User, label: &str) -> Sent {
    let client_id = uuid::Uuid::new_v4().to_string();
    Sent {
        sender_id: user.id,
        content: format!("{label} {client_id}"),
        client_id,
    }
}

/// `count` concurrent message POSTs (one group-commit batch, as far as the server is
/// concerned), each of which must be refused with 503; returns those that were.
pub async fn messages_refused(
    api: &Api,
    user: &User,
    room: i64,
    count: usize,
    label: &str,
    ledger: &mut Ledger,
    problems: &mut Problems,
) -> Vec<Sent> {
    let mut refused = Vec::new();
    for (sent, answer) in post_together(api, user, room, count, label).await {
        let what = format!("POST a message ({label})");
        match &answer {
            Answer::Status(StatusCode::SERVICE_UNAVAILABLE, body) => {
                check_detail(&what, body, problems);
                ledger.refused(sent.clone());
                refused.push(sent);
            }
            // Acknowledged: whatever the status should have been, it must now be stored.
            Answer::Status(StatusCode::CREATED, body) => {
                problems.push(format!("{what}: expected 503, got 201 {body}"));
                match body["id"].as_i64() {
                    Some(id) => ledger.acked(id, sent),
                    None => ledger.unanswered(sent),
                }
            }
            other => {
                problems.push(format!("{what}: expected 503, got {other:?}"));
                ledger.unanswered(sent);
            }
        }
    }
    refused
}

/// `count` concurrent message POSTs, each of which must be created; returns how many were.
pub async fn messages_created(
    api: &Api,
    user: &User,
    room: i64,
    count: usize,
    label: &str,
    ledger: &mut Ledger,
    problems: &mut Problems,
) -> usize {
    let mut created = 0;
    for (sent, answer) in post_together(api, user, room, count, label).await {
        let id = match &answer {
            Answer::Status(StatusCode::CREATED, body) => body["id"].as_i64(),
            _ => None,
        };
        match id {
            Some(id) => {
                ledger.acked(id, sent);
                created += 1;
            }
            None => {
                let other = answer;
                problems.push(format!(
                    "POST a message ({label}): expected 201, got {other:?}"
                ));
                ledger.unanswered(sent);
            }
        }
    }
    created
}

async fn post_together(
    api: &Api,
    user: &User,
    room: i64,
    count: usize,
    label: &str,
) -> Vec<(Sent, Answer)> {
    let sent: Vec<Sent> = (0..count)
        .map(|n| new_message(user, &format!("{label} {n}")))
        .collect();
    let answers = join_all(
        sent.iter()
            .map(|sent| api.post_message(user, room, &sent.content, &sent.client_id)),
    )
    .await;
    sent.into_iter().zip(answers).collect()
}

/// A room POST, which must be refused with 503.
pub async fn room_refused(api: &Api, owner: &User, problems: &mut Problems) {
    let what = "POST a room";
    match api.create_room(owner, &[]).await {
        Answer::Status(StatusCode::SERVICE_UNAVAILABLE, body) => {
            check_detail(what, &body, problems)
        }
        other => problems.push(format!("{what}: expected 503, got {other:?}")),
    }
}

/// `/healthz`, the user, the room and its messages: all still 200; returns how many messages
/// the room lists.
pub async fn reads_answered(api: &Api, user: &User, room: i64, problems: &mut Problems) -> usize {
    for path in [
        "/healthz".to_owned(),
        "/api/users/me/".to_owned(),
        format!("/api/chat/rooms/{room}/"),
    ] {
        let auth = (path != "/healthz").then_some(user);
        match api.get(auth, &path).await {
            Answer::Status(StatusCode::OK, _) => {}
            other => problems.push(format!("GET {path} while writes fail: {other:?}")),
        }
    }
    let listing = format!("/api/chat/rooms/{room}/messages/?after=0&page_size=100");
    match api.get(Some(user), &listing).await {
        Answer::Status(StatusCode::OK, page) => page["results"].as_array().map_or(0, Vec::len),
        other => {
            problems.push(format!("GET the messages while writes fail: {other:?}"));
            0
        }
    }
}

/// A message POST that must be created now; it goes into the ledger whatever the answer.
pub async fn message_created(
    api: &Api,
    user: &User,
    room: i64,
    label: &str,
    ledger: &mut Ledger,
    problems: &mut Problems,
) -> bool {
    let sent = new_message(user, label);
    resend(
        api,
        user,
        room,
        sent,
        &[StatusCode::CREATED],
        ledger,
        problems,
    )
    .await
}

/// POSTs `sent` (again, for a retry: its `client_id` makes that safe); `expected` are the
/// statuses that count as stored.
pub async fn resend(
    api: &Api,
    user: &User,
    room: i64,
    sent: Sent,
    expected: &[StatusCode],
    ledger: &mut Ledger,
    problems: &mut Problems,
) -> bool {
    let answer = api
        .post_message(user, room, &sent.content, &sent.client_id)
        .await;
    match answer {
        Answer::Status(status, body) if expected.contains(&status) => {
            match body["id"].as_i64() {
                Some(id) => ledger.acked(id, sent),
                None => problems.push(format!("{status} without a message: {body}")),
            }
            true
        }
        other => {
            problems.push(format!(
                "POST {:?}: expected {expected:?}, got {other:?}",
                sent.content
            ));
            ledger.unanswered(sent);
            false
        }
    }
}

fn check_detail(what: &str, body: &Value, problems: &mut Problems) {
    let Some(fields) = body.as_object() else {
        problems.push(format!("{what}: 503 body is not a JSON object: {body}"));
        return;
    };
    let only_detail = fields
        .keys()
        .all(|key| matches!(key.as_str(), "detail" | "code"));
    match body.get("detail").and_then(Value::as_str) {
        Some(detail) if !detail.trim().is_empty() && only_detail => {
            let lower = detail.to_lowercase();
            if let Some(leak) = LEAKS.iter().find(|leak| lower.contains(*leak)) {
                problems.push(format!(
                    "{what}: 503 detail shows database internals ({leak:?}): {detail:?}"
                ));
            }
        }
        _ => problems.push(format!(
            "{what}: 503 body should be {{\"detail\": \"<text>\"}}: {body}"
        )),
    }
}
