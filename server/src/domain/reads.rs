//! Read markers: how far into a room a participant has read.

use crate::domain::fields::{Fields, primary_key};
use crate::error::Error;

/// The body of a read marker's move (`{"message_id": 15}`): the message read up to. Whether it
/// is a message of the room is the store's answer, given with the move itself.
pub fn marked_message(mut fields: Fields) -> Result<i64, Error> {
    let message_id = fields.required("message_id", primary_key);
    fields.finish(message_id)
}

/// DRF's 400 for a `message_id` that names no message of the room.
pub fn no_such_message(message_id: i64) -> Error {
    Error::field(
        "message_id",
        format!("Invalid pk \"{message_id}\" - object does not exist."),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: serde_json::Value) -> Fields {
        Fields::new(value.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn the_body_names_one_message() {
        assert_eq!(
            marked_message(body(json!({"message_id": 15}))).ok(),
            Some(15)
        );
        for (sent, message) in [
            (json!({}), "This field is required."),
            (json!({"message_id": null}), "This field may not be null."),
            (
                json!({"message_id": "15"}),
                "Incorrect type. Expected pk value, received str.",
            ),
        ] {
            let Err(Error::Validation(errors)) = marked_message(body(sent.clone())) else {
                panic!("{sent} was accepted");
            };
            assert_eq!(errors["message_id"], [message], "{sent}");
        }
    }
}
