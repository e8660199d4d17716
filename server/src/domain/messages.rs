//! What a message body may hold and who may do what to a message: pure, shared by the REST
//! routes, the seed routes, the socket actions and the fuzz targets.

use serde_json::Value;
use uuid::Uuid;

use super::fields::{
    Draft, Fields, boolean, nullable_primary_key, nullable_uuid, primary_key, string,
};
use super::text::Content;
use crate::error::Error;

/// A message to send, as `POST .../messages/` (and a socket's `new_message`) takes it.
#[derive(Debug)]
pub struct SendMessage {
    pub content: Content,
    pub is_read: bool,
    pub client_id: Option<Uuid>,
    /// A message of the same room this one answers (checked against the store).
    pub reply_to: Option<i64>,
    /// Who the body says sends it: if given, it must be the caller ([`may_send_as`]).
    pub sender_id: Option<i64>,
}

/// [`SendMessage`] while its fields are being read: what failed is `None`.
#[derive(Debug)]
pub struct SendDraft {
    content: Option<Content>,
    is_read: bool,
    client_id: Option<Uuid>,
    pub reply_to: Option<i64>,
    pub sender_id: Option<i64>,
}

impl SendMessage {
    pub fn parse(mut fields: Fields) -> Draft<SendDraft> {
        let content = fields.required("content", content);
        let is_read = fields.optional("is_read", boolean).unwrap_or(false);
        let client_id = fields.optional("client_id", nullable_uuid).flatten();
        let reply_to = fields.optional("reply_to", nullable_primary_key).flatten();
        let sender_id = fields.optional("sender_id", primary_key);
        Draft::new(
            SendDraft {
                content,
                is_read,
                client_id,
                reply_to,
                sender_id,
            },
            fields,
        )
    }

    /// Seed 000's `POST /messages/create`: the room comes from the body (`chat_room`). Without
    /// one, a 400 that also reports the content's errors.
    pub fn parse_legacy(mut fields: Fields) -> Result<(i64, Draft<SendDraft>), Error> {
        let Some(room_id) = fields.required("chat_room", primary_key) else {
            let _ = fields.required("content", string);
            return Err(fields.into_error());
        };
        Ok((room_id, Self::parse(fields)))
    }
}

impl Draft<SendDraft> {
    /// The message, given what the store says of the ids it names (`sender_known`: the
    /// `sender_id` sent, if any, is a user; `parent_found`: the `reply_to` sent, if any, is a
    /// message of the room): the 400 with every field error first, then the 403 for naming
    /// someone else as the sender.
    pub fn check(
        mut self,
        caller: i64,
        sender_known: bool,
        parent_found: bool,
    ) -> Result<SendMessage, Error> {
        if let (Some(id), false) = (self.body.sender_id, sender_known) {
            self.reject_missing("sender_id", &[id]);
        }
        if let (Some(id), false) = (self.body.reply_to, parent_found) {
            self.reject_missing("reply_to", &[id]);
        }
        let message = self.finish(SendDraft::build)?;
        if !may_send_as(caller, message.sender_id) {
            return Err(Error::Forbidden);
        }
        Ok(message)
    }
}

impl Draft<EditMessage> {
    /// The edit, given whether the `sender_id` sent, if any, is a user: as
    /// [`Draft::<SendDraft>::check`].
    pub fn check(mut self, caller: i64, sender_known: bool) -> Result<EditMessage, Error> {
        if let (Some(id), false) = (self.body.sender_id, sender_known) {
            self.reject_missing("sender_id", &[id]);
        }
        let edit = self.finish(Some)?;
        if !may_send_as(caller, edit.sender_id) {
            return Err(Error::Forbidden);
        }
        Ok(edit)
    }
}

impl SendDraft {
    /// The message, once every field was read.
    fn build(self) -> Option<SendMessage> {
        Some(SendMessage {
            content: self.content?,
            is_read: self.is_read,
            client_id: self.client_id,
            reply_to: self.reply_to,
            sender_id: self.sender_id,
        })
    }
}

/// A message edit, as PUT (`partial = false`: `content` required) and PATCH take it.
#[derive(Debug)]
pub struct EditMessage {
    pub content: Option<Content>,
    pub is_read: Option<bool>,
    /// As in [`SendMessage`]: if given, it must be the caller.
    pub sender_id: Option<i64>,
}

impl EditMessage {
    pub fn parse(mut fields: Fields, partial: bool) -> Draft<EditMessage> {
        let content = if partial {
            fields.optional("content", content)
        } else {
            fields.required("content", content)
        };
        let is_read = fields.optional("is_read", boolean);
        let sender_id = fields.optional("sender_id", primary_key);
        Draft::new(
            EditMessage {
                content,
                is_read,
                sender_id,
            },
            fields,
        )
    }
}

fn content(value: &Value) -> Result<Content, String> {
    string(value).and_then(|s| Content::parse(&s))
}

/// A body may name its sender only as the caller: anyone else is impersonation (403).
pub fn may_send_as(caller: i64, sender_id: Option<i64>) -> bool {
    sender_id.is_none_or(|id| id == caller)
}

/// Only its sender may edit or delete a message.
pub fn may_change(caller: i64, sender_id: i64) -> bool {
    caller == sender_id
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> Fields {
        Fields::new(value.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn a_send_reports_every_field_error_at_once() {
        let draft = SendMessage::parse(fields(json!({"is_read": 1, "client_id": "x"})));
        let Err(Error::Validation(errors)) = draft.finish(SendDraft::build) else {
            panic!("expected a validation error");
        };
        assert_eq!(errors["content"], ["This field is required."]);
        assert_eq!(errors["is_read"], ["Must be a valid boolean."]);
        assert_eq!(errors["client_id"], ["Must be a valid UUID."]);
    }

    #[test]
    fn ids_the_store_does_not_know_are_field_errors() {
        let mut draft = SendMessage::parse(fields(json!({"content": " hi ", "sender_id": 9})));
        assert_eq!(draft.body.sender_id, Some(9));
        draft.reject_missing("sender_id", &[9]);
        let Err(Error::Validation(errors)) = draft.finish(SendDraft::build) else {
            panic!("expected a validation error");
        };
        assert_eq!(
            errors["sender_id"],
            ["Invalid pk \"9\" - object does not exist."]
        );
    }

    #[test]
    fn a_valid_send_is_trimmed() {
        let draft = SendMessage::parse(fields(json!({"content": " hi ", "reply_to": null})));
        let message = draft.finish(SendDraft::build).expect("valid");
        assert_eq!(message.content.as_str(), "hi");
        assert_eq!(message.reply_to, None);
        assert!(!message.is_read);
    }

    #[test]
    fn a_legacy_send_without_a_room_also_reports_the_content() {
        let Err(Error::Validation(errors)) = SendMessage::parse_legacy(fields(json!({}))) else {
            panic!("expected a validation error");
        };
        assert_eq!(errors["chat_room"], ["This field is required."]);
        assert_eq!(errors["content"], ["This field is required."]);
    }

    #[test]
    fn put_needs_content_and_patch_does_not() {
        assert!(
            EditMessage::parse(fields(json!({})), false)
                .finish(Some)
                .is_err()
        );
        let edit = EditMessage::parse(fields(json!({})), true)
            .finish(Some)
            .expect("valid");
        assert!(edit.content.is_none() && edit.is_read.is_none());
    }

    #[test]
    fn field_errors_come_before_impersonation() {
        let draft = SendMessage::parse(fields(json!({"content": "", "sender_id": 2})));
        assert!(matches!(
            draft.check(1, true, true),
            Err(Error::Validation(_))
        ));
        let draft = SendMessage::parse(fields(json!({"content": "hi", "sender_id": 2})));
        assert!(matches!(draft.check(1, true, true), Err(Error::Forbidden)));
        let draft = SendMessage::parse(fields(json!({"content": "hi", "reply_to": 7})));
        let Err(Error::Validation(errors)) = draft.check(1, true, false) else {
            panic!("expected a validation error");
        };
        assert_eq!(
            errors["reply_to"],
            ["Invalid pk \"7\" - object does not exist."]
        );
        let draft = EditMessage::parse(fields(json!({"sender_id": 3})), true);
        assert!(matches!(draft.check(1, false), Err(Error::Validation(_))));
    }

    #[test]
    fn only_the_caller_may_be_named_sender_and_change_a_message() {
        assert!(may_send_as(1, None));
        assert!(may_send_as(1, Some(1)));
        assert!(!may_send_as(1, Some(2)));
        assert!(may_change(1, 1));
        assert!(!may_change(1, 2));
    }
}
