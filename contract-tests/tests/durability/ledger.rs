//! What the clients were told, and the check of a database's messages against it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// A message as stored: from the API's listing or from the database file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: i64,
    pub sender_id: i64,
    pub content: String,
    pub client_id: Option<String>,
}

impl Stored {
    pub fn from_api(message: &Value) -> Stored {
        Stored {
            id: message["id"].as_i64().expect("a message id"),
            sender_id: message["sender_id"].as_i64().expect("a sender id"),
            content: message["content"].as_str().expect("content").to_owned(),
            client_id: message["client_id"].as_str().map(str::to_owned),
        }
    }
}

/// One message a client tried to create.
#[derive(Debug, Clone)]
pub struct Sent {
    pub sender_id: i64,
    pub client_id: String,
    pub content: String,
}

/// Every message sent to one room over the rounds of a test, by `client_id`: those answered
/// 201 (with their id), those refused (503: must not be stored) and those whose outcome is
/// unknown (no answer). Every content is unique, so a message stored twice shows even if the
/// `client_id` index were the thing that broke.
#[derive(Default)]
pub struct Ledger {
    acked: BTreeMap<String, (i64, Sent)>,
    refused: BTreeMap<String, Sent>,
    unanswered: BTreeMap<String, Sent>,
}

/// What a check looked at.
#[derive(Debug, Clone, Copy)]
pub struct Tally {
    pub acked: usize,
    pub unanswered_present: usize,
    pub unanswered_absent: usize,
}

impl Ledger {
    /// Also the answer to a retry of a refused or unanswered message.
    pub fn acked(&mut self, id: i64, sent: Sent) {
        self.refused.remove(&sent.client_id);
        self.unanswered.remove(&sent.client_id);
        self.acked.insert(sent.client_id.clone(), (id, sent));
    }

    pub fn refused(&mut self, sent: Sent) {
        self.refused.insert(sent.client_id.clone(), sent);
    }

    /// Also a retry of a refused message that got no answer: it may be stored now.
    pub fn unanswered(&mut self, sent: Sent) {
        self.refused.remove(&sent.client_id);
        self.unanswered.insert(sent.client_id.clone(), sent);
    }

    /// The messages whose outcome is unknown, for their clients to retry.
    pub fn take_unanswered(&mut self) -> Vec<Sent> {
        std::mem::take(&mut self.unanswered).into_values().collect()
    }

    pub fn acked_count(&self) -> usize {
        self.acked.len()
    }

    /// `rows` (all messages of the room) against the ledger: every acknowledged message
    /// exactly once with its id, sender and content; unanswered ones at most once; nothing
    /// else. `Err` lists every problem found.
    pub fn check(&self, rows: &[Stored]) -> Result<Tally, Vec<String>> {
        let mut problems = Vec::new();
        let mut ids = BTreeSet::new();
        let mut by_client_id: BTreeMap<&str, Vec<&Stored>> = BTreeMap::new();
        let mut by_content: BTreeMap<&str, usize> = BTreeMap::new();
        for row in rows {
            if !ids.insert(row.id) {
                problems.push(format!("message id {} listed twice", row.id));
            }
            *by_content.entry(&row.content).or_default() += 1;
            match &row.client_id {
                Some(client_id) => by_client_id.entry(client_id).or_default().push(row),
                None => problems.push(format!("message {} has no client_id: {row:?}", row.id)),
            }
        }
        for (content, count) in &by_content {
            if *count > 1 {
                problems.push(format!("content stored {count} times: {content:?}"));
            }
        }
        for (client_id, stored) in &by_client_id {
            if stored.len() > 1 {
                problems.push(format!(
                    "client_id {client_id} stored {} times: {stored:?}",
                    stored.len()
                ));
            }
            if self.refused.contains_key(*client_id) {
                // A client told "not stored" may give up; it must not appear later.
                problems.push(format!("refused (503), yet stored: {:?}", stored[0]));
            } else if !self.acked.contains_key(*client_id)
                && !self.unanswered.contains_key(*client_id)
            {
                problems.push(format!("a message nobody sent: {:?}", stored[0]));
            }
        }
        let mut lost = Vec::new();
        for (client_id, (id, sent)) in &self.acked {
            match by_client_id
                .get(client_id.as_str())
                .and_then(|rows| rows.first())
            {
                None => lost.push(format!("{id} {client_id} {:?}", sent.content)),
                Some(row) => {
                    if row.id != *id
                        || row.content != sent.content
                        || row.sender_id != sent.sender_id
                    {
                        problems.push(format!("acknowledged as {id} {sent:?}, stored as {row:?}"));
                    }
                }
            }
        }
        if !lost.is_empty() {
            problems.push(format!(
                "{} of {} acknowledged messages are missing (id client_id content), e.g. {:?}",
                lost.len(),
                self.acked.len(),
                &lost[..lost.len().min(10)]
            ));
        }
        let unanswered_present = self
            .unanswered
            .keys()
            .filter(|client_id| by_client_id.contains_key(client_id.as_str()))
            .count();
        if problems.is_empty() {
            Ok(Tally {
                acked: self.acked.len(),
                unanswered_present,
                unanswered_absent: self.unanswered.len() - unanswered_present,
            })
        } else {
            Err(problems)
        }
    }
}
