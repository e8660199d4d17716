//! Reaction emoji: one emoji as Unicode defines it, stored in one spelling.

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
    use super::*;

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
}
