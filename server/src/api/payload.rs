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

    /// Sockets send the views as serde writes them; REST sends their API objects. Both must
    /// be the same JSON.
    #[test]
    fn views_serialise_as_their_api_objects() {
        use crate::domain::invitations::InvitationStatus;
        use crate::domain::rooms::RoomType;
        use crate::domain::views;

        fn alike<V: Serialize + Clone, A: From<V> + ToJSON>(view: &V) {
            let serde = serde_json::to_value(view).expect("serializes");
            assert_eq!(Some(serde), A::from(view.clone()).to_json());
        }
        let message = views::Message {
            id: 15,
            chat_room: 1,
            sender: "edulite".into(),
            sender_id: 2,
            content: "Hello".into(),
            created_at: "2023-10-01T14:30:00.000000Z".into(),
            updated_at: Some("2023-10-01T14:31:00.000000Z".into()),
            is_read: true,
            client_id: Some(uuid::Uuid::nil()),
            reply_to: Some(14),
            reply_preview: Some(views::ReplyPreview {
                id: 14,
                sender: "tutor".into(),
                sender_id: 1,
                content: "Hi".into(),
            }),
            reactions: vec![views::Reaction {
                emoji: "👍".into(),
                count: 2,
                me: true,
            }],
            mentions: vec![1],
        };
        alike::<_, Message>(&message);
        alike::<_, Message>(&views::Message {
            updated_at: None,
            client_id: None,
            reply_to: None,
            reply_preview: None,
            reactions: vec![],
            mentions: vec![],
            ..message.clone()
        });
        for room_type in [RoomType::OneToOne, RoomType::Group, RoomType::Course] {
            alike::<_, Room>(&views::Room {
                id: 1,
                name: "General".into(),
                room_type,
                participants: vec![1, 2],
                created_by: 1,
                messages: vec![message.clone()],
                unread_count: 3,
                mention_count: 1,
                created_at: "2025-07-05T16:44:51.889737Z".into(),
                updated_at: "2025-07-05T16:44:51.889737Z".into(),
            });
        }
        for (status, responded_at) in [
            (InvitationStatus::Pending, None),
            (
                InvitationStatus::Accepted,
                Some("2025-07-05T16:45:00.000000Z".into()),
            ),
            (
                InvitationStatus::Declined,
                Some("2025-07-05T16:45:00.000000Z".into()),
            ),
        ] {
            alike::<_, Invitation>(&views::Invitation {
                id: 3,
                chat_room: 1,
                room_name: "General".into(),
                room_type: RoomType::Group,
                inviter_id: 1,
                inviter: "edulite".into(),
                invitee_id: 2,
                invitee: "student".into(),
                status,
                created_at: "2025-07-05T16:44:51.889737Z".into(),
                responded_at,
            });
        }
    }
}
