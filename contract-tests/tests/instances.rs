//! Two `chat-server` processes on one PostgreSQL database, as behind a load balancer: what one
//! instance does, the other sees (data, events, tokens, cursors, throttles, idempotency), and
//! what one instance stored reaches the other's sockets even when it dies right after.

use std::time::Duration;

use chat_test_support::{PostgresDb, migrated_postgres_db};
use contract_tests::Server;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Two instances on `db`, with extra environment for both.
fn two_instances(db: &PostgresDb, env: &[(&str, &str)]) -> (Server, Server) {
    let mut env: Vec<(&str, &str)> = env.to_vec();
    env.push(("DATABASE_URL", &db.url));
    (Server::start_with(&env), Server::start_with(&env))
}

async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = request.send().await.expect("the request is answered");
    let status = reply.status().as_u16();
    let body = reply.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Registers `name` on `server` and returns (id, access token).
async fn user(server: &Server, name: &str) -> (i64, String) {
    let password = "a-long-enough-password-1";
    let (status, body) = call(
        server,
        reqwest::Method::POST,
        "/api/users/register/",
        None,
        Some(json!({"username": name, "password": password})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().expect("an id");
    let (status, tokens) = call(
        server,
        reqwest::Method::POST,
        "/api/token/",
        None,
        Some(json!({"username": name, "password": password})),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    (id, tokens["access"].as_str().expect("access").to_owned())
}

async fn socket(server: &Server, room: i64, token: &str) -> Socket {
    let url = format!(
        "{}/ws/chat/rooms/{room}/?token={token}",
        server.base.replacen("http", "ws", 1)
    );
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens");
    socket
}

/// The next JSON text frame that is not a `presence` event (room-mates' sockets opening and
/// closing interleave with what the tests are about), skipping pings.
async fn next_event(socket: &mut Socket) -> Value {
    next_frame_where(socket, |event| event["type"] != "presence").await
}

/// The next JSON text frame that satisfies `wanted`, skipping the others and pings.
async fn next_frame_where(socket: &mut Socket, wanted: impl Fn(&Value) -> bool) -> Value {
    let wait = async {
        while let Some(frame) = socket.next().await {
            if let Frame::Text(text) = frame.expect("a frame") {
                let event: Value = serde_json::from_str(&text).expect("JSON");
                if wanted(&event) {
                    return event;
                }
            }
        }
        panic!("the socket closed")
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("an event within 10 s")
}

async fn post(server: &Server, room: i64, token: &str, body: Value) -> (u16, Value) {
    let path = format!("/api/chat/rooms/{room}/messages/");
    call(
        server,
        reqwest::Method::POST,
        &path,
        Some(token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn what_one_instance_stores_and_announces_the_other_serves() {
    let Some(db) = migrated_postgres_db().await else {
        return;
    };
    let (a, b) = two_instances(&db, &[]);
    // Registered and logged in on A; the tokens work on B (one secret, kept in the database).
    let (alice, alice_token) = user(&a, "alice").await;
    let (bob, bob_token) = user(&a, "bob").await;
    let (status, room) = call(
        &b,
        reqwest::Method::POST,
        "/api/chat/rooms/",
        Some(&alice_token),
        Some(json!({"name": "across", "room_type": "GROUP", "participants": [bob]})),
    )
    .await;
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_i64().expect("room id");

    let mut bob_on_b = socket(&b, room, &bob_token).await;
    let mut alice_on_a = socket(&a, room, &alice_token).await;

    // A client on A posts; a socket on B hears it.
    let (status, sent) = post(&a, room, &alice_token, json!({"content": "from A"})).await;
    assert_eq!(status, 201, "{sent}");
    let heard = next_event(&mut bob_on_b).await;
    assert_eq!(heard["type"], "message.created");
    assert_eq!(heard["message"], sent);
    assert_eq!(next_event(&mut alice_on_a).await["message"], sent);

    // A message posted on B is listed on A.
    let (status, from_b) = post(&b, room, &bob_token, json!({"content": "from B"})).await;
    assert_eq!(status, 201, "{from_b}");
    let path = format!("/api/chat/rooms/{room}/messages/");
    let (status, page) = call(&a, reqwest::Method::GET, &path, Some(&alice_token), None).await;
    assert_eq!(status, 200, "{page}");
    let ids: Vec<i64> = page["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert_eq!(
        ids,
        [from_b["id"].as_i64(), sent["id"].as_i64()].map(Option::unwrap)
    );
    assert_eq!(next_event(&mut alice_on_a).await["message"], from_b);
    assert_eq!(next_event(&mut bob_on_b).await["message"], from_b);

    // An event over NOTIFY's 8,000 bytes arrives whole.
    let long = "é".repeat(10_000);
    let (status, big) = post(&a, room, &alice_token, json!({"content": long})).await;
    assert_eq!(status, 201);
    let heard = next_event(&mut bob_on_b).await;
    assert_eq!(heard["message"], big);
    assert_eq!(
        heard["message"]["content"].as_str().map(str::len),
        Some(20_000)
    );

    // A retry with the same client_id on the other instance gets the first message back.
    let retry = json!({"content": "once", "client_id": "9b2c4a7e-0d5f-4e8a-9c1b-2f3e4d5a6b7c"});
    let (status, first) = post(&a, room, &alice_token, retry.clone()).await;
    assert_eq!(status, 201);
    let (status, again) = post(&b, room, &alice_token, retry).await;
    assert_eq!((status, &again), (200, &first));

    // A cursor issued by one instance pages on the other.
    let path = format!("/api/chat/rooms/{room}/messages/?page_size=1");
    let (_, page) = call(&a, reqwest::Method::GET, &path, Some(&alice_token), None).await;
    let next = page["next"].as_str().expect("a next page");
    let next = next.replacen(&a.base, "", 1);
    let (status, page) = call(&b, reqwest::Method::GET, &next, Some(&alice_token), None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["results"][0]["id"], big["id"]);

    // Alice's last socket (on A) closes: Bob's socket on B hears she went offline.
    drop(alice_on_a);
    let gone = next_frame_where(&mut bob_on_b, |event| {
        event["type"] == "presence" && event["online"] == false
    })
    .await;
    assert_eq!(gone["user_id"], alice, "{gone}");
    assert!(gone["last_seen_at"].is_string(), "{gone}");
}

#[tokio::test]
async fn a_throttle_counts_requests_on_every_instance() {
    let Some(db) = migrated_postgres_db().await else {
        return;
    };
    // Two messages at once, then one a minute: instance B must know of A's.
    let (a, b) = two_instances(
        &db,
        &[("CHAT_MESSAGE_RATE", "1"), ("CHAT_MESSAGE_BURST", "2")],
    );
    let (_, token) = user(&a, "carol").await;
    let (status, room) = call(
        &a,
        reqwest::Method::POST,
        "/api/chat/rooms/",
        Some(&token),
        Some(json!({"name": "solo", "room_type": "GROUP", "participants": []})),
    )
    .await;
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_i64().expect("room id");
    let statuses = [
        post(&a, room, &token, json!({"content": "1"})).await.0,
        post(&b, room, &token, json!({"content": "2"})).await.0,
        post(&a, room, &token, json!({"content": "3"})).await.0,
        post(&b, room, &token, json!({"content": "4"})).await.0,
    ];
    assert_eq!(statuses, [201, 201, 429, 429]);
}

#[tokio::test]
async fn a_lost_listener_connection_loses_no_stored_event() {
    let Some(db) = migrated_postgres_db().await else {
        return;
    };
    let (a, b) = two_instances(&db, &[]);
    let (_, token) = user(&a, "dave").await;
    let (_, room) = call(
        &a,
        reqwest::Method::POST,
        "/api/chat/rooms/",
        Some(&token),
        Some(json!({"name": "wire", "room_type": "GROUP", "participants": []})),
    )
    .await;
    let room = room["id"].as_i64().expect("room id");
    let mut on_b = socket(&b, room, &token).await;

    // What a network blip or a database failover does to the listening connections: stored
    // events do not travel through them (every instance reads the log), so nothing is lost
    // and no `resync` is needed.
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .expect("an admin connection");
    let terminated: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name LIKE 'chat_realtime_listener%'",
    )
    .fetch_all(&mut admin)
    .await
    .expect("the listeners are found");
    assert_eq!(terminated, [true, true], "one listener per instance");

    let (status, sent) = post(&a, room, &token, json!({"content": "during the blip"})).await;
    assert_eq!(status, 201);
    let heard = next_event(&mut on_b).await;
    assert_eq!(heard["type"], "message.created", "{heard}");
    assert_eq!(heard["message"], sent);
}

/// Rounds of the SIGKILL test (`KILL_ROUNDS` overrides, for a longer run), and the sends of
/// each (half are acknowledged before the kill).
const KILL_ROUNDS: usize = 8;
const KILL_SENDS: usize = 40;

#[tokio::test]
async fn an_instance_killed_right_after_its_201s_loses_nothing_for_the_others() {
    use futures::stream::FuturesUnordered;

    let Some(db) = migrated_postgres_db().await else {
        return;
    };
    let env = [("DATABASE_URL", db.url.as_str())];
    let b = Server::start_with(&env);
    let (_, token) = user(&b, "kim").await;
    let (_, room) = call(
        &b,
        reqwest::Method::POST,
        "/api/chat/rooms/",
        Some(&token),
        Some(json!({"name": "kill", "room_type": "GROUP", "participants": []})),
    )
    .await;
    let room = room["id"].as_i64().expect("room id");
    let mut on_b = socket(&b, room, &token).await;
    let mut heard = std::collections::BTreeSet::new();
    let (mut acknowledged, mut delivered) = (0usize, 0usize);
    let rounds = std::env::var("KILL_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(KILL_ROUNDS);
    for round in 0..rounds {
        let a = Server::start_with(&env);
        let client = reqwest::Client::new();
        let url = a.url(&format!("/api/chat/rooms/{room}/messages/"));
        let mut sends: FuturesUnordered<_> = (0..KILL_SENDS)
            .map(|n| {
                client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"content": format!("round {round}, message {n}")}))
                    .send()
            })
            .collect();
        // SIGKILL (dropping the server) as soon as half are acknowledged, the rest in flight.
        let mut acked = Vec::new();
        let mut a = Some(a);
        while let Some(sent) = sends.next().await {
            if let Ok(reply) = sent
                && reply.status() == 201
                && let Ok(body) = reply.json::<Value>().await
            {
                acked.push(body["id"].as_i64().expect("an id"));
            }
            if acked.len() >= KILL_SENDS / 2 {
                drop(a.take());
            }
        }
        drop(a);
        acknowledged += acked.len();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !acked.iter().all(|id| heard.contains(id)) {
            let Ok(event) = tokio::time::timeout_at(deadline, next_event(&mut on_b)).await else {
                break;
            };
            if let Some(id) = event["message"]["id"].as_i64() {
                heard.insert(id);
            }
        }
        delivered += acked.iter().filter(|id| heard.contains(id)).count();
    }
    let lost = acknowledged - delivered;
    eprintln!(
        "SIGKILL after the 201s: {rounds} rounds, {acknowledged} acknowledged, \
         {delivered} delivered to the other instance's socket, {lost} lost"
    );
    assert_eq!(
        lost, 0,
        "acknowledged messages never reached the surviving instance"
    );
    assert!(acknowledged >= rounds * KILL_SENDS / 2);
}

#[tokio::test]
async fn the_sdk_gets_what_was_stored_while_its_instance_could_not_reach_the_database() {
    use chat_sdk::realtime::Event as SdkEvent;
    let Some(db) = migrated_postgres_db().await else {
        return;
    };
    let (a, b) = two_instances(&db, &[]);
    let (_, token) = user(&a, "erin").await;
    let (_, room) = call(
        &a,
        reqwest::Method::POST,
        "/api/chat/rooms/",
        Some(&token),
        Some(json!({"name": "gap", "room_type": "GROUP", "participants": []})),
    )
    .await;
    let room = room["id"].as_i64().expect("room id");
    let client = chat_sdk::Client::login(&b.base, "erin", "a-long-enough-password-1")
        .await
        .expect("login on B");
    let mut subscription = client.realtime_room(room).await.expect("subscribed on B");

    // B's listener is cut and no instance may connect anew for a while (the servers keep the
    // connections they hold), so B cannot read the log meanwhile; A stores a message.
    let name = db
        .url
        .rsplit('/')
        .next()
        .expect("a database name")
        .to_owned();
    // From another database: nobody may refuse connections to the one they are in.
    let server = std::env::var(chat_test_support::TEST_POSTGRES_URL).expect("its server");
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&server)
        .await
        .expect("an admin connection");
    let allow = |yes: bool| format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS {yes}"#);
    sqlx::raw_sql(sqlx::AssertSqlSafe(allow(false)))
        .execute(&mut admin)
        .await
        .expect("connections refused");
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND application_name LIKE 'chat_realtime_listener%'",
    )
    .bind(&name)
    .execute(&mut admin)
    .await
    .expect("the listeners are cut");
    let (status, missed) = post(
        &a,
        room,
        &token,
        json!({"content": "while nobody listened"}),
    )
    .await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(allow(true)))
        .execute(&mut admin)
        .await
        .expect("connections allowed again");
    assert_eq!(status, 201, "{missed}");

    // B reads it from the log: the SDK gets it once, with its position, and no resync.
    match sdk_event(&mut subscription).await {
        SdkEvent::MessageCreated { message, position } => {
            assert_eq!(Some(message.id), missed["id"].as_i64());
            assert!(position.is_some());
        }
        other => panic!("expected the message stored meanwhile, got {other:?}"),
    }
    let (status, next) = post(&a, room, &token, json!({"content": "and then"})).await;
    assert_eq!(status, 201);
    match sdk_event(&mut subscription).await {
        SdkEvent::MessageCreated { message, .. } => {
            assert_eq!(Some(message.id), next["id"].as_i64());
        }
        other => panic!("expected the next message, got {other:?}"),
    }
}

async fn sdk_event(
    subscription: &mut chat_sdk::realtime::Subscription,
) -> chat_sdk::realtime::Event {
    tokio::time::timeout(Duration::from_secs(15), subscription.next())
        .await
        .expect("an event within 15 s")
        .expect("the subscription goes on")
        .expect("an event, not an error")
}
