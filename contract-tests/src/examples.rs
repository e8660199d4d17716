//! The texts of error bodies, so that the error examples of a spec can be held to what the
//! server really answers: every text of every example (a `detail`, a field's message, a legacy
//! `error`) must be one the server answered with that status.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::Spec;

/// Statuses no request to a correct server provokes (see the contract suite's exemptions):
/// their examples come from the same constants as the answers, unseen.
const UNPROVOKED: [u16; 2] = [500, 503];

/// The texts of an error body, numbers blanked (a throttle's wait, a limit, a column).
pub fn texts(body: &Value) -> Vec<String> {
    let mut texts = Vec::new();
    for (key, value) in body.as_object().into_iter().flatten() {
        match value {
            Value::String(text) if key != "code" => texts.push(blank_numbers(text)),
            Value::Array(messages) => {
                texts.extend(messages.iter().filter_map(Value::as_str).map(blank_numbers))
            }
            _ => {}
        }
    }
    texts
}

fn blank_numbers(text: &str) -> String {
    let mut blanked = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                blanked.push('#');
            }
            in_number = true;
        } else {
            blanked.push(c);
            in_number = false;
        }
    }
    blanked
}

/// Each error example text of `spec` that the server did not answer with its status, given the
/// texts it answered (by status).
pub fn unanswered(spec: &Spec, answered: &BTreeMap<u16, BTreeSet<String>>) -> Vec<String> {
    let mut unanswered = Vec::new();
    for op in &spec.operations {
        for (status, response) in op.raw["responses"].as_object().into_iter().flatten() {
            let Some(status) = status.parse::<u16>().ok().filter(|s| *s >= 400) else {
                continue;
            };
            if UNPROVOKED.contains(&status) {
                continue;
            }
            let examples = response["content"]
                .as_object()
                .into_iter()
                .flatten()
                .flat_map(|(_, media)| media["examples"].as_object().into_iter().flatten());
            for (name, example) in examples {
                for text in texts(&example["value"]) {
                    if !answered
                        .get(&status)
                        .is_some_and(|seen| seen.contains(&text))
                    {
                        unanswered.push(format!(
                            "{} {status} example `{name}`: the server never answered {text:?}",
                            op.id
                        ));
                    }
                }
            }
        }
    }
    unanswered
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_are_details_messages_and_legacy_errors_with_numbers_blanked() {
        let body = json!({
            "detail": "Request was throttled. Expected available in 12 seconds.",
            "code": "token_not_valid",
            "content": ["This field may not be blank."],
            "error": "content: Ensure this field has no more than 10000 characters.",
            "status": 400
        });
        // In the body's key order, which depends on serde_json's features: compare as sets.
        let found: BTreeSet<String> = texts(&body).into_iter().collect();
        let expected: BTreeSet<String> = [
            "This field may not be blank.",
            "Request was throttled. Expected available in # seconds.",
            "content: Ensure this field has no more than # characters.",
        ]
        .map(str::to_owned)
        .into();
        assert_eq!(found, expected);
    }
}
