//! Validated text values: once one exists, it satisfies its rule. Messages are DRF's.

/// Characters as Python counts them (code points), which DRF's length limits use.
fn char_len(s: &str) -> usize {
    s.chars().count()
}

fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

const BLANK: &str = "This field may not be blank.";

/// A trimmed, non-blank string of at most `max` characters (DRF `CharField` defaults).
fn trimmed(raw: &str, max: usize) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        Err(BLANK.into())
    } else if char_len(trimmed) > max {
        Err(too_long(max))
    } else {
        Ok(trimmed.to_owned())
    }
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
            Ok(Self(name))
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

    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim();
        if email.is_empty() {
            return Ok(Self(String::new()));
        }
        if char_len(email) > Self::MAX {
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

/// A room name: trimmed, 1–255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub const MAX: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, String> {
        trimmed(raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Message content: trimmed, 1–10,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content(String);

impl Content {
    pub const MAX: usize = 10_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        trimmed(raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
