//! What a run saw and sent, and its check against the document: every frame valid, every
//! declared message, error code and action seen, every close frame documented, and the event
//! stream's promises kept (positions, one text per event, rooms the same for every reader).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use contract_tests::asyncapi::{AsyncApi, Direction};
use serde_json::Value;

use super::{CHANNELS, CLOSINGS, ERROR_CODES, UNREACHABLE_CODES, UNREACHABLE_EVENTS, is_stored};

/// A text frame the server sent.
#[derive(Clone)]
pub struct Heard {
    pub channel: &'static str,
    /// The socket (its path, numbered).
    pub socket: String,
    /// The server's base URL (each scenario server has positions of its own).
    pub server: String,
    pub text: String,
}

#[derive(Default)]
pub struct Log {
    /// Text frames the server sent.
    pub received: Vec<Heard>,
    /// Text frames the test sent: (channel, socket, text, meant to be a valid action).
    pub sent: Vec<(&'static str, String, String, bool)>,
    /// Binary frames the server sent (none should be).
    pub binary: Vec<(&'static str, String)>,
    /// Close frames the server sent: (channel, code, reason).
    pub closes: Vec<(&'static str, u16, String)>,
}

pub struct Report {
    pub failures: Vec<String>,
    pub summary: String,
}

pub fn check_log(spec: &AsyncApi, log: &Log) -> Report {
    let mut failures = Vec::new();
    // (channel, message name) → how many frames matched it.
    let mut seen: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    for Heard {
        channel,
        socket,
        text,
        ..
    } in &log.received
    {
        match spec.check_frame(channel, Direction::ServerToClient, text) {
            Ok(name) => {
                if name == "error" {
                    let frame: Value = serde_json::from_str(text).unwrap_or_default();
                    let code = frame["code"].as_str().unwrap_or_default().to_owned();
                    *codes.entry(code).or_default() += 1;
                }
                *seen.entry((*channel, name)).or_default() += 1;
            }
            Err(mismatch) => failures.push(format!("[socket {socket}] {mismatch}")),
        }
    }
    for (channel, socket) in &log.binary {
        failures.push(format!(
            "[socket {socket}] {channel}: the server sent a binary frame"
        ));
    }

    failures.extend(stream_problems(log));

    // Every declared event on every channel, and every error code, was seen.
    for channel in CHANNELS {
        for message in spec
            .messages(channel, Direction::ServerToClient)
            .unwrap_or_default()
        {
            let unreachable = UNREACHABLE_EVENTS.iter().any(|(e, _)| *e == message.name);
            match (
                seen.contains_key(&(channel, message.name.clone())),
                unreachable,
            ) {
                (false, false) => failures.push(format!(
                    "coverage: `{}` is declared on {channel} but the server never sent it there",
                    message.name
                )),
                (true, true) => failures.push(format!(
                    "`{}` is listed as unreachable but the server sent it on {channel}: \
                     update the test",
                    message.name
                )),
                _ => {}
            }
        }
    }
    for code in ERROR_CODES {
        let unreachable = UNREACHABLE_CODES.iter().any(|(c, _)| *c == code);
        match (codes.contains_key(code), unreachable) {
            (false, false) => failures.push(format!(
                "coverage: no `error` event with code `{code}` was provoked"
            )),
            (true, true) => failures.push(format!(
                "`{code}` is listed as unreachable but the server sent it: update the test"
            )),
            _ => {}
        }
    }
    for code in codes.keys() {
        if !ERROR_CODES.contains(&code.as_str()) {
            failures.push(format!(
                "the server sent error code `{code}`, unknown to this test"
            ));
        }
    }

    // The actions sent: the well-formed ones match their declared schema, the malformed ones
    // match none (the document refuses what the server refuses), every action was used.
    let mut actions: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for (channel, socket, text, well_formed) in &log.sent {
        match (
            spec.check_frame(channel, Direction::ClientToServer, text),
            well_formed,
        ) {
            (Ok(name), true) => *actions.entry((*channel, name)).or_default() += 1,
            (Err(mismatch), true) => failures.push(format!("[socket {socket}] {mismatch}")),
            (Ok(name), false) => failures.push(format!(
                "[socket {socket}] {channel}: the server refuses {text} as malformed, \
                 but the document's `{name}` action accepts it"
            )),
            (Err(_), false) => {}
        }
    }
    for channel in CHANNELS {
        for message in spec
            .messages(channel, Direction::ClientToServer)
            .unwrap_or_default()
        {
            if !actions.contains_key(&(channel, message.name.clone())) {
                failures.push(format!(
                    "coverage: action `{}` of {channel} was never sent",
                    message.name
                ));
            }
        }
    }

    // Close frames: the server's own list, documented.
    for (channel, code, reason) in &log.closes {
        if !CLOSINGS.contains(&(*code, reason.as_str())) {
            failures.push(format!(
                "{channel}: the server closed with {code} `{reason}`, which asyncapi.yaml does not document"
            ));
        }
    }

    let malformed = log.sent.iter().filter(|s| !s.3).count();
    let mut summary = format!(
        "asyncapi.yaml vs the server: {} server frames checked ({} message types on {} channels), \
         {} actions sent ({} well-formed validated, {} malformed refused by the schemas), {} close frames\n",
        log.received.len(),
        seen.keys().map(|(_, n)| n).collect::<BTreeSet<_>>().len(),
        seen.keys().map(|(c, _)| c).collect::<BTreeSet<_>>().len(),
        log.sent.len(),
        log.sent.len() - malformed,
        malformed,
        log.closes.len(),
    );
    for ((channel, name), count) in &seen {
        summary.push_str(&format!("  {channel:<38} {name:<20} {count}\n"));
    }
    summary.push_str("  error codes:");
    for (code, count) in &codes {
        summary.push_str(&format!(" {code}={count}"));
    }
    summary.push_str("\n  actions:");
    for ((channel, name), count) in &actions {
        summary.push_str(&format!(" {channel} {name}={count};"));
    }
    summary.push_str("\n  closes:");
    for (channel, code, reason) in &log.closes {
        summary.push_str(&format!(" {channel} {code} `{reason}`;"));
    }
    Report { failures, summary }
}

/// The event stream's promises, frame by frame: on each socket the positions strictly
/// increase (a `resync`'s position included: what follows it comes after it); a stored
/// event's `position` is the first key of its text; one position is one text, byte for byte,
/// on every socket of a server (live or replayed, every reader hears the same event); and a
/// `room` inside an event holds nothing of one reader's own.
fn stream_problems(log: &Log) -> Vec<String> {
    let mut failures = Vec::new();
    let mut last: BTreeMap<&str, i64> = BTreeMap::new();
    let mut texts: BTreeMap<(&str, i64), (&str, &str)> = BTreeMap::new();
    for heard in &log.received {
        let socket = heard.socket.as_str();
        let frame: Value = serde_json::from_str(&heard.text).unwrap_or_default();
        let ty = frame["type"].as_str().unwrap_or_default();
        if let Some(room) = frame.get("room")
            && (room["messages"] != Value::Array(Vec::new())
                || room["unread_count"] != 0
                || room["mention_count"] != 0)
        {
            failures.push(format!(
                "[socket {socket}] `{ty}`'s room is one reader's (messages, unread_count or \
                 mention_count), not the same for every reader: {}",
                heard.text
            ));
        }
        let Some(position) = frame.get("position").and_then(Value::as_i64) else {
            continue;
        };
        if let Some(before) = last.insert(socket, position)
            && position <= before
        {
            failures.push(format!(
                "[socket {socket}] position {position} after {before}: a socket's positions \
                 must strictly increase: {}",
                heard.text
            ));
        }
        if !is_stored(ty) {
            // `resync`: its position is the newest, no event's own.
            continue;
        }
        if !heard.text.starts_with("{\"position\":") {
            failures.push(format!(
                "[socket {socket}] `position` is not the first key: {}",
                heard.text
            ));
        }
        match texts.entry((heard.server.as_str(), position)) {
            Entry::Vacant(entry) => {
                entry.insert((socket, heard.text.as_str()));
            }
            Entry::Occupied(entry) => {
                let (first_socket, first_text) = *entry.get();
                if first_text != heard.text {
                    failures.push(format!(
                        "position {position} is two different frames:\n  [socket \
                         {first_socket}] {first_text}\n  [socket {socket}] {}",
                        heard.text
                    ));
                }
            }
        }
    }
    failures
}
