//! Reaction emoji: one emoji as Unicode defines it, stored in one spelling.

use crate::domain::fields::{Fields, string};
use crate::error::Error;

/// The longest input looked up (the longest emoji, a family with skin tones, is 35 bytes).
const MAX_BYTES: usize = 64;

/// The emoji `raw` spells, in its fully-qualified form (`❤` and `❤️` are one reaction), or
/// DRF's choice message.
pub fn parse(raw: &str) -> Result<&'static str, String> {
    let emoji = (raw.len() <= MAX_BYTES)
        .then(|| emojis::get(raw))
        .flatten()
        .ok_or_else(|| format!("\"{}\" is not a valid emoji.", shorten(raw)))?;
    Ok(emoji.as_str())
}

/// A reaction's body (`{"emoji": "👍"}`): the emoji it names, or the 400 DRF would give.
pub fn reaction(mut fields: Fields) -> Result<&'static str, Error> {
    let emoji = fields.required("emoji", |value| string(value).and_then(|s| parse(&s)));
    fields.finish(emoji)
}

/// Echoes at most 20 characters of bad input back.
fn shorten(raw: &str) -> String {
    let mut chars = raw.chars();
    let head: String = chars.by_ref().take(20).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: serde_json::Value) -> Fields {
        Fields::new(value.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn emoji_are_accepted_in_one_spelling() {
        assert_eq!(parse("👍"), Ok("👍"));
        assert_eq!(parse("👍🏽"), Ok("👍🏽"));
        assert_eq!(parse("❤"), parse("❤️"));
        assert_eq!(parse("👨‍👩‍👧"), Ok("👨‍👩‍👧"));
    }

    #[test]
    fn anything_else_is_refused() {
        for raw in ["", "a", ":+1:", "👍👍", " 👍", "👍 "] {
            assert!(parse(raw).is_err(), "{raw:?}");
        }
        assert_eq!(
            parse(&"x".repeat(100)),
            Err(format!("\"{}…\" is not a valid emoji.", "x".repeat(20)))
        );
    }

    #[test]
    fn a_reaction_body_names_one_emoji() {
        assert_eq!(reaction(body(json!({"emoji": "❤"}))).ok(), parse("❤️").ok());
        for (sent, message) in [
            (json!({}), "This field is required."),
            (json!({"emoji": null}), "This field may not be null."),
            (json!({"emoji": 1}), "Not a valid string."),
            (json!({"emoji": "no"}), "\"no\" is not a valid emoji."),
        ] {
            let Err(Error::Validation(errors)) = reaction(body(sent.clone())) else {
                panic!("{sent} was accepted");
            };
            assert_eq!(errors["emoji"], [message], "{sent}");
        }
    }
}
