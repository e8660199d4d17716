//! [`SerdeJson`]: poem-openapi's `Json` payload for the large, hot responses (pages of rooms
//! and messages), with the same media type and schema but written by serde straight to bytes.
//! poem-openapi's `Json` first builds a `serde_json::Value` tree (an `IndexMap` per object);
//! on a 50-room page that tree was ~20 % of the server's CPU (perf, `chat-bench rooms`).

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use serde::Serialize;

/// A JSON body. The type's `Serialize` must agree with its `ToJSON` (the schema's source);
/// the tests below hold every user of this type to that.
pub struct SerdeJson<T>(pub T);

impl<T: Type> Payload for SerdeJson<T> {
    const CONTENT_TYPE: &'static str = Json::<T>::CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        Json::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + Serialize + Send> IntoResponse for SerdeJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder()
                .content_type(Self::CONTENT_TYPE)
                .body(body),
            // Unreachable for these types (no maps with non-string keys, no failing
            // `Serialize`), but never a panic.
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

impl<T: Type + ToJSON + Serialize + Send> ApiResponse for SerdeJson<T> {
    fn meta() -> MetaResponses {
        Json::<T>::meta()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::{Example, ToJSON};
    use serde::Serialize;

    use crate::api::invitations::{Invitation, InvitationPage};
    use crate::api::messages::{Message, MessagePage};
    use crate::api::pagination::PageLinks;
    use crate::api::rooms::{Room, RoomPage};
    use crate::api::search::SearchPage;

    fn same<T: ToJSON + Serialize>(value: &T) {
        let serde = serde_json::to_value(value).expect("serializes");
        assert_eq!(Some(serde), value.to_json());
    }

    #[test]
    fn serde_writes_what_the_schema_describes() {
        let mut message = Message::example();
        same(&message);
        message.updated_at = Some("2023-10-01T14:31:00.000000Z".into());
        message.client_id = Some(uuid::Uuid::nil());
        same(&message);
        same(&MessagePage {
            next: Some("http://x/?cursor=a".into()),
            previous: None,
            results: vec![message, Message::example()],
        });
        same(&SearchPage {
            next: Some("http://x/?q=hello&cursor=a".into()),
            previous: None,
            results: vec![Message::example()],
        });
        same(&Room::example());
        same(&RoomPage::new(
            PageLinks {
                count: 1,
                next: None,
                previous: Some("http://x/".into()),
                total_pages: 1,
                current_page: 1,
                page_size: 10,
            },
            vec![Room::example()],
        ));
        let mut invitation = Invitation::example();
        same(&invitation);
        invitation.responded_at = Some("2025-07-05T16:45:00.000000Z".into());
        same(&InvitationPage::new(
            PageLinks {
                count: 2,
                next: None,
                previous: None,
                total_pages: 1,
                current_page: 1,
                page_size: 10,
            },
            vec![invitation, Invitation::example()],
        ));
    }
}
