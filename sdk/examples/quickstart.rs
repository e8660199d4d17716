//! Quickstart: two users, a room, a conversation, and the history read back page by page.
//!
//! ```sh
//! cargo run -p chat-server -- serve &            # a server on http://127.0.0.1:8000
//! cargo run -p chat-sdk --example quickstart     # or: ... --example quickstart -- <URL>, or CHAT_URL=<URL>
//! ```
//!
//! `contract-tests/tests/quickstart.rs` runs [`run`] against a fresh server.

use chat_sdk::{Client, Error, types};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("CHAT_URL").ok())
        .unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());
    let history = run(&base).await?;
    println!("read {} messages back", history.len());
    Ok(())
}

/// Registers alice and bob, lets them talk in a new room, and returns the room's messages as
/// read back through the paginated stream (newest first).
pub async fn run(base: &str) -> Result<Vec<types::Message>, Error<types::ApiError>> {
    // Unique names, so the example also runs against a server that has seen it before.
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let password = "correct-horse-battery";
    let alice = format!("alice-{}", &suffix[..8]);
    let bob = format!("bob-{}", &suffix[..8]);

    // Registering needs no token.
    let anonymous = Client::anonymous(base);
    for name in [&alice, &bob] {
        let user = anonymous
            .users_register()
            .body_map(|b| b.username(name.as_str()).password(password))
            .send()
            .await?;
        println!("registered {} (id {})", user.username, user.id);
    }

    // Logged-in clients send their access token and renew it by themselves.
    let alice = Client::login(base, &alice, password).await?;
    let bob = Client::login(base, &bob, password).await?;
    let bob_id = bob.users_me().send().await?.id;

    let room = alice
        .rooms_create()
        .body_map(|b| {
            b.name("Quickstart")
                .room_type(types::RoomType::Group)
                .participants(vec![bob_id])
        })
        .send()
        .await?
        .into_inner();
    println!(
        "created room {} with users {:?}",
        room.id, room.participants
    );

    for turn in 1..=6 {
        for (client, line) in [(&alice, "Hi Bob"), (&bob, "Hi Alice")] {
            client
                .messages_create()
                .room_id(room.id)
                .body_map(|b| b.content(format!("{line}, #{turn}")))
                .send()
                .await?;
        }
    }

    // Five messages a request; the stream follows the `next` cursors to the oldest.
    let history: Vec<types::Message> = bob
        .messages_list()
        .room_id(room.id)
        .page_size(5)
        .into_stream()
        .try_collect()
        .await?;
    for message in &history {
        println!(
            "{} {}: {}",
            message.created_at, message.sender, message.content
        );
    }

    // Errors are typed: a message id that is not in the room is DRF's 404.
    match alice
        .messages_retrieve()
        .room_id(room.id)
        .id(0)
        .send()
        .await
    {
        Err(Error::ErrorResponse(e)) if e.status() == 404 => {
            println!("message 0: {}", e.detail.as_deref().unwrap_or_default())
        }
        other => println!("message 0: unexpected {other:?}"),
    }
    Ok(history)
}
