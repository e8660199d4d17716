//! Validated text values: once one exists, it satisfies its rule. Messages are DRF's.

/// Characters as Python counts them (code points), which DRF's length limits use.
fn char_len(s: &str) -> usize {
    s.chars().count()
}

fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

const BLANK: &str = "This field may not be blank.";

/// The contract's `pattern` for text that may not be blank: one character that is not
/// whitespace, where whitespace is exactly what [`str::trim`] removes (Unicode `White_Space`).
/// Spelled as an ECMA-262 class of `\uXXXX` escapes, which every client's regex dialect
/// reads alike; `\S` would not do: ECMA-262's `\s` also holds U+FEFF and lacks U+0085.
pub const NOT_BLANK_PATTERN: &str =
    r"[^\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// The one rule of every trimmed text field and parameter: `max` bounds the value as sent,
/// which is what the contract's `maxLength` describes and what a client can check (DRF
/// counts after trimming, so a padded value could pass the server and fail the spec); blank
/// after trimming is refused. The trimmed value is what is kept.
pub fn trimmed(raw: &str, max: usize) -> Result<&str, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        Err(BLANK.into())
    } else if char_len(raw) > max {
        Err(too_long(max))
    } else {
        Ok(trimmed)
    }
}

/// [`trimmed`] for a field with no length limit of its own.
pub fn not_blank(raw: &str) -> Result<&str, String> {
    trimmed(raw, usize::MAX)
}

/// Django's username rule: 1–150 of letters, digits and `@.+-_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MAX: usize = 150;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = trimmed(raw, Self::MAX)?;
        if name
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
        {
            Ok(Self(name.to_owned()))
        } else {
            Err("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password to be hashed: at least 8 characters (Django's `MinimumLengthValidator`). Not
/// trimmed: spaces are part of a password.
pub struct Password(String);

impl Password {
    pub const MIN: usize = 8;
    /// Bounds hashing work per request; far above any real password.
    pub const MAX: usize = 4096;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            Err(BLANK.into())
        } else if char_len(raw) < Self::MIN {
            Err(format!(
                "This password is too short. It must contain at least {} characters.",
                Self::MIN
            ))
        } else if char_len(raw) > Self::MAX {
            Err(too_long(Self::MAX))
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An e-mail address, or empty (Django's `User.email` is optional and blank by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn none() -> Self {
        Self(String::new())
    }

    /// Trimmed, and bounded as sent, as [`trimmed`] is; blank is no address at all.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim();
        if email.is_empty() {
            return Ok(Self(String::new()));
        }
        if char_len(raw) > Self::MAX {
            return Err(too_long(Self::MAX));
        }
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && !domain.contains('@')
                && domain.contains('.')
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                })
        });
        if valid {
            Ok(Self(email.to_owned()))
        } else {
            Err("Enter a valid email address.".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A room name: [`trimmed`], at most 255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub const MAX: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, String> {
        trimmed(raw, Self::MAX).map(|name| Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Message content: [`trimmed`], at most 10,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content(String);

impl Content {
    pub const MAX: usize = 10_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        trimmed(raw, Self::MAX).map(|content| Self(content.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code point: the pattern finds one exactly when `trim` would keep it.
    #[test]
    fn the_not_blank_pattern_matches_what_trim_keeps() {
        let pattern = regex::Regex::new(NOT_BLANK_PATTERN).expect("the pattern compiles");
        let mut buffer = [0; 4];
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let alone: &str = c.encode_utf8(&mut buffer);
            assert_eq!(
                pattern.is_match(alone),
                !alone.trim().is_empty(),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn usernames_follow_django() {
        assert!(Username::parse("alice.b+c@d-e_f").is_ok());
        assert!(Username::parse("élodie").is_ok());
        assert!(Username::parse("bad name").is_err());
        assert!(Username::parse(&"a".repeat(150)).is_ok());
        assert_eq!(
            Username::parse(&"a".repeat(151)),
            Err("Ensure this field has no more than 150 characters.".into())
        );
        assert_eq!(Username::parse("  "), Err(BLANK.into()));
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse("").map(|e| e.0), Ok(String::new()));
        assert!(Email::parse("a@example.com").is_ok());
        assert!(Email::parse("a@example").is_err());
        assert!(Email::parse("a b@example.com").is_err());
        assert!(Email::parse("@example.com").is_err());
    }

    /// U+0085 and U+00A0 are trimmed; U+FEFF is not whitespace (ECMA-262's `\s` disagrees on
    /// both, hence the explicit class in [`NOT_BLANK_PATTERN`]).
    #[test]
    fn the_length_limit_counts_the_value_as_sent() {
        let padded = format!("\u{a0}{}", "x".repeat(10_000));
        assert_eq!(
            Content::parse(&padded),
            Err("Ensure this field has no more than 10000 characters.".into())
        );
        assert_eq!(
            Content::parse(&format!("\u{85}{}\u{2028}", "x".repeat(9_998))).map(|c| c.0.len()),
            Ok(9_998)
        );
        assert_eq!(
            Content::parse("\u{a0}\u{85}\u{2028}\u{3000}"),
            Err(BLANK.into())
        );
        assert_eq!(
            Content::parse("\u{feff}").map(|c| c.0),
            Ok("\u{feff}".into())
        );
        assert!(RoomName::parse(&format!(" {}", "r".repeat(255))).is_err());
        assert!(Username::parse(&format!("{} ", "a".repeat(150))).is_err());
        assert!(Email::parse(&format!(" {}@example.com", "a".repeat(242))).is_err());
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(242))).is_ok());
    }

    #[test]
    fn content_is_trimmed_and_bounded_in_characters() {
        assert_eq!(Content::parse("  hi \n").map(|c| c.0), Ok("hi".into()));
        assert_eq!(Content::parse(" \t "), Err(BLANK.into()));
        assert!(Content::parse(&"é".repeat(10_000)).is_ok());
        assert_eq!(
            Content::parse(&"x".repeat(10_001)),
            Err("Ensure this field has no more than 10000 characters.".into())
        );
    }
}
