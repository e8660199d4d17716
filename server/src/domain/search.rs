//! A search query as words: user text never reaches a full-text query language raw. It is
//! split into words (runs of letters and digits), each quoted, all required, the last one a
//! prefix (search as you type); both databases' query texts are written from those words.

use super::text;

/// The most characters `q` may have as sent (a handful of words, not a document).
pub const MAX_QUERY_CHARS: usize = 200;

/// The words of a valid query, as typed: each database folds case with its own rules, the
/// same ones it indexed the messages with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerms {
    words: Vec<String>,
}

impl SearchTerms {
    /// The words of `raw`, or DRF-style messages: blank, too long, or no word at all.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = text::trimmed(raw, MAX_QUERY_CHARS)?;
        let words: Vec<String> = trimmed
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            return Err("Enter at least one word (letters or digits).".into());
        }
        Ok(Self { words })
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// An FTS5 MATCH expression: `"w1" AND "w2" AND "w3"*`. Inside double quotes FTS5 reads
    /// nothing as syntax (a quote is doubled), and its tokenizer splits the string again.
    pub fn fts5(&self) -> String {
        self.join(
            " AND ",
            |word| format!("\"{}\"", word.replace('"', "\"\"")),
            "*",
        )
    }

    /// A PostgreSQL `to_tsquery` text: `'w1' & 'w2' & 'w3':*`. Inside single quotes
    /// `to_tsquery` reads no operators (a quote is doubled, a backslash escaped).
    pub fn tsquery(&self) -> String {
        self.join(
            " & ",
            |word| format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''")),
            ":*",
        )
    }

    fn join(&self, and: &str, quote: impl Fn(&str) -> String, prefix: &str) -> String {
        let last = self.words.len().saturating_sub(1);
        self.words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let quoted = quote(word);
                if i == last {
                    format!("{quoted}{prefix}")
                } else {
                    quoted
                }
            })
            .collect::<Vec<_>>()
            .join(and)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        SearchTerms::parse(q).map(|t| t.words).unwrap_or_default()
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        assert_eq!(words("  Hello, wörld! "), ["Hello", "wörld"]);
        assert_eq!(words("bob@example.com"), ["bob", "example", "com"]);
        assert_eq!(
            words("NEAR(a b) OR c* \"d\" -e ^f"),
            ["NEAR", "a", "b", "OR", "c", "d", "e", "f"]
        );
        assert_eq!(words("日本語 x1"), ["日本語", "x1"]);
    }

    #[test]
    fn blank_long_and_wordless_queries_are_refused() {
        assert!(SearchTerms::parse("").is_err());
        assert!(SearchTerms::parse("   ").is_err());
        assert!(SearchTerms::parse("?!* \"\" ()").is_err());
        assert!(SearchTerms::parse(&"a".repeat(MAX_QUERY_CHARS)).is_ok());
        assert!(SearchTerms::parse(&"a".repeat(MAX_QUERY_CHARS + 1)).is_err());
        assert!(SearchTerms::parse(&format!(" {}", "a".repeat(MAX_QUERY_CHARS))).is_err());
    }

    #[test]
    fn every_word_is_quoted_and_the_last_is_a_prefix() {
        let terms = SearchTerms::parse("Quick brown fo").expect("words");
        assert_eq!(terms.fts5(), r#""Quick" AND "brown" AND "fo"*"#);
        assert_eq!(terms.tsquery(), "'Quick' & 'brown' & 'fo':*");
        let one = SearchTerms::parse("x").expect("a word");
        assert_eq!(one.fts5(), r#""x"*"#);
        assert_eq!(one.tsquery(), "'x':*");
    }
}
