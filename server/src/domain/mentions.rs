//! `@username` in message content: which names a message mentions.

/// At most this many names are looked up per message: bounds the query a message costs.
pub const MAX_NAMES: usize = 50;

/// The usernames `content` may mention, lowercased (usernames are matched without regard to
/// case), without duplicates, in order of first appearance. A mention is `@` followed by
/// username characters, at the start or after a character that cannot be part of a
/// username (so `bob@example.com` mentions nobody). Usernames may end in `.`, `+` or `-`,
/// which also end sentences: both readings are candidates.
pub fn mentioned_names(content: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        let name = name.to_lowercase();
        if !name.is_empty() && !names.contains(&name) && names.len() < MAX_NAMES {
            names.push(name);
        }
    };
    let mut previous: Option<char> = None;
    let mut chars = content.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let starts = c == '@' && !previous.is_some_and(is_name_char);
        previous = Some(c);
        if !starts {
            continue;
        }
        let start = at + c.len_utf8();
        let mut end = start;
        while let Some(&(i, next)) = chars.peek() {
            if !is_name_char(next) || next == '@' {
                break;
            }
            end = i + next.len_utf8();
            previous = Some(next);
            chars.next();
        }
        let name = &content[start..end];
        if name.chars().count() > crate::domain::text::Username::MAX {
            continue;
        }
        push(name);
        push(name.trim_end_matches(['.', '+', '-']));
    }
    names
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || "@.+-_".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_an_at_sign_at_a_word_start() {
        assert_eq!(
            mentioned_names("@alice and @Bob, see @carol."),
            ["alice", "bob", "carol.", "carol"]
        );
        assert!(mentioned_names("mail bob@example.com").is_empty());
        assert!(mentioned_names("just @ a sign").is_empty());
        assert_eq!(mentioned_names("(@dave)"), ["dave"]);
        assert_eq!(mentioned_names("@émile_1"), ["émile_1"]);
    }

    #[test]
    fn repeats_count_once_and_the_number_of_names_is_bounded() {
        assert_eq!(mentioned_names("@a @A @a"), ["a"]);
        let many: String = (0..200).map(|n| format!("@user{n} ")).collect();
        assert_eq!(mentioned_names(&many).len(), MAX_NAMES);
    }
}
