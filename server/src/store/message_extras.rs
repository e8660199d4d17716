//! What a message object shows beyond its row: reactions, mentions, the quoted parent, and
//! who has read past it. One statement for a whole listing, whatever its length.

use std::collections::HashMap;

use serde_json::Value;

use super::messages::{MessageRow, message_select};
use super::sql::Listings;
use super::{Store, from_json_array, json_ids, on_reads};

/// How much of a parent's content a reply quotes, in characters.
pub const PREVIEW_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: i64,
    /// Whether the viewer is one of them.
    pub me: bool,
    /// When the first of them reacted: reactions are listed in that order.
    first_at: i64,
}

/// The start of a parent message, for a reply's quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentPreview {
    pub id: i64,
    pub sender_id: i64,
    pub sender: String,
    /// At most [`PREVIEW_CHARS`] characters, with `…` when cut.
    pub content: String,
}

#[derive(Debug, Default)]
pub struct Extras {
    /// Message → its reactions, first added first.
    pub reactions: HashMap<i64, Vec<ReactionCount>>,
    /// Message → the users it mentions, ascending.
    pub mentions: HashMap<i64, Vec<i64>>,
    /// Parent message → its preview.
    pub parents: HashMap<i64, ParentPreview>,
    /// Room → its two furthest read markers, (user, last read id), furthest first: whether
    /// someone other than a message's sender read past it needs no more than two.
    pub readers: HashMap<i64, Vec<(i64, i64)>>,
}

impl Extras {
    /// Whether a participant other than the sender has read the message.
    pub fn read_by_others(&self, row: &MessageRow) -> bool {
        self.readers.get(&row.room_id).is_some_and(|readers| {
            readers
                .iter()
                .find(|(user, _)| *user != row.sender_id)
                .is_some_and(|(_, last_read)| *last_read >= row.id)
        })
    }
}

impl Store {
    /// The extras of `rows` as `viewer` sees them (`me` of reactions; `None`: nobody).
    pub async fn message_extras(
        &self,
        viewer: Option<i64>,
        rows: &[MessageRow],
    ) -> Result<Extras, sqlx::Error> {
        if rows.is_empty() {
            return Ok(Extras::default());
        }
        let ids = json_ids(rows.iter().map(|row| &row.id));
        let parents = json_ids(rows.iter().filter_map(|row| row.reply_to.as_ref()));
        let mut rooms: Vec<i64> = rows.iter().map(|row| row.room_id).collect();
        rooms.sort_unstable();
        rooms.dedup();
        let json: String = on_reads!(self, |pool, dialect| {
            sqlx::query_scalar(Listings::of(dialect).message_extras)
                .bind(&ids)
                .bind(&parents)
                .bind(json_ids(&rooms))
                .bind(viewer)
                .fetch_one(pool)
                .await?
        });
        Extras::from_json(&json)
    }

    /// The preview of message `id` of `room_id`, if it is one.
    pub async fn parent_preview(
        &self,
        room_id: i64,
        id: i64,
    ) -> Result<Option<ParentPreview>, sqlx::Error> {
        let row: Option<MessageRow> = on_reads!(self, |pool, _dialect| {
            sqlx::query_as(concat!(
                message_select!(),
                " WHERE m.id = $1 AND m.room_id = $2"
            ))
            .bind(id)
            .bind(room_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|row| ParentPreview {
            id: row.id,
            sender_id: row.sender_id,
            sender: row.sender,
            content: quote(&row.content),
        }))
    }

    /// Of the lowercased `names`, the participants of `room_id` they name, ascending.
    pub async fn participants_named(
        &self,
        room_id: i64,
        names: &[String],
    ) -> Result<Vec<i64>, sqlx::Error> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let names = serde_json::to_string(names).unwrap_or_else(|_| "[]".into());
        let mut ids: Vec<i64> = on_reads!(self, |pool, dialect| {
            sqlx::query_scalar(dialect.pick(
                "SELECT u.id FROM room_participants p JOIN users u ON u.id = p.user_id \
                 WHERE p.room_id = $1 AND u.username_folded IN (SELECT value FROM json_each($2))",
                "SELECT u.id FROM room_participants p JOIN users u ON u.id = p.user_id \
                 WHERE p.room_id = $1 AND u.username_folded IN \
                 (SELECT json_array_elements_text($2::json))",
            ))
            .bind(room_id)
            .bind(names)
            .fetch_all(pool)
            .await?
        });
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}

impl Extras {
    /// The extras `message_extras.sql` or `window_page.sql` returned.
    pub(crate) fn from_json(json: &str) -> Result<Self, sqlx::Error> {
        let mut extras = Extras::default();
        for item in from_json_array::<Vec<Value>>(json)? {
            extras.take(&item);
        }
        for reactions in extras.reactions.values_mut() {
            reactions.sort_by(|a, b| (a.first_at, &a.emoji).cmp(&(b.first_at, &b.emoji)));
        }
        for mentions in extras.mentions.values_mut() {
            mentions.sort_unstable();
        }
        for readers in extras.readers.values_mut() {
            readers
                .sort_unstable_by_key(|(user, last_read)| (std::cmp::Reverse(*last_read), *user));
        }
        Ok(extras)
    }

    fn take(&mut self, item: &[Value]) {
        let int = |n: usize| item.get(n).and_then(Value::as_i64).unwrap_or(0);
        let text = |n: usize| {
            item.get(n)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        match item.first().and_then(Value::as_str) {
            Some("r") => {
                let (emoji, me, at) = (text(2), flag(item.get(3)), int(4));
                let reactions = self.reactions.entry(int(1)).or_default();
                match reactions.iter_mut().find(|r| r.emoji == emoji) {
                    Some(reaction) => {
                        reaction.count += 1;
                        reaction.me |= me;
                        reaction.first_at = reaction.first_at.min(at);
                    }
                    None => reactions.push(ReactionCount {
                        emoji,
                        count: 1,
                        me,
                        first_at: at,
                    }),
                }
            }
            Some("m") => self.mentions.entry(int(1)).or_default().push(int(2)),
            Some("p") => {
                self.parents.insert(
                    int(1),
                    ParentPreview {
                        id: int(1),
                        sender_id: int(2),
                        sender: text(3),
                        content: quote(&text(4)),
                    },
                );
            }
            Some("t") => {
                let top = item.get(2).and_then(Value::as_array);
                let readers = self.readers.entry(int(1)).or_default();
                for reader in top.into_iter().flatten().filter_map(Value::as_array) {
                    let id = |n: usize| reader.get(n).and_then(Value::as_i64).unwrap_or(0);
                    readers.push((id(0), id(1)));
                }
            }
            _ => {}
        }
    }
}

/// A boolean of a JSON listing: SQLite's are 0 or 1, PostgreSQL's true or false (or null
/// when compared with a null viewer).
fn flag(value: Option<&Value>) -> bool {
    value.is_some_and(|v| v.as_bool().unwrap_or(v.as_i64() == Some(1)))
}

/// The first [`PREVIEW_CHARS`] characters of `content`, with `…` if there were more.
fn quote(content: &str) -> String {
    match content.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &content[..cut]),
        None => content.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_is_cut_at_a_character_boundary() {
        assert_eq!(quote("short"), "short");
        let long = "é".repeat(PREVIEW_CHARS + 1);
        assert_eq!(quote(&long), format!("{}…", "é".repeat(PREVIEW_CHARS)));
        assert_eq!(quote(&"é".repeat(PREVIEW_CHARS)), "é".repeat(PREVIEW_CHARS));
    }
}
