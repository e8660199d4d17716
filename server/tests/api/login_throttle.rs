//! API.md "Throttles beyond messages": wrong passwords are counted per username *and* client
//! address, so a stranger cannot lock an account out; `--trusted-proxies` says whose
//! `X-Forwarded-For` names the client. The test client always connects from 127.0.0.1, so a
//! server trusting that address as a proxy lets the tests speak from any address.

use chat_test_support::Database;
use serde_json::json;

use crate::helpers::*;
use crate::limits::assert_throttled;

const ATTACKER: &str = "203.0.113.9";
const OWNER: &str = "198.51.100.20";

/// Ten failures a minute per (username, address), requests forwarded by a proxy on 127.0.0.1.
fn behind_a_proxy(config: &mut chat_server::config::Config) {
    config.token_rate_per_min = 10;
    config.trusted_proxies = vec!["127.0.0.1/32".parse().expect("a CIDR")];
}

/// `POST /api/token/` for `username`, from `forwarded_for` when given.
async fn obtain(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> Reply {
    let mut request = app
        .client
        .post(app.url("/api/token/"))
        .json(&json!({"username": username, "password": password}));
    if let Some(chain) = forwarded_for {
        request = request.header("X-Forwarded-For", chain);
    }
    Reply::from(request.send().await.expect("sent")).await
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_from_another() {
    let Some(app) = spawn_app_with(behind_a_proxy).await else {
        return;
    };
    app.user("alice").await;
    for n in 0..10 {
        let guess = obtain(&app, "alice", &format!("guess {n}"), Some(ATTACKER)).await;
        assert_eq!(guess.status, 401, "guess {n}: {guess:?}");
    }
    // The guesser's address is throttled, the right password included: a 200 among the 429s
    // would tell them which guess was right.
    let wait = assert_throttled(&obtain(&app, "alice", "guess 10", Some(ATTACKER)).await);
    assert!(
        (1..=6).contains(&wait),
        "a try every 6 s comes back: {wait}"
    );
    assert_throttled(&obtain(&app, "alice", "password123", Some(ATTACKER)).await);
    // The owner, elsewhere, is not refused; nor is the proxy's own address.
    assert_eq!(
        obtain(&app, "alice", "password123", Some(OWNER))
            .await
            .status,
        200
    );
    assert_eq!(obtain(&app, "alice", "password123", None).await.status, 200);
    // Entries left of the proxy's are the client's to write: prepending some gains nothing.
    let spoofed = format!("192.0.2.77, {ATTACKER}");
    assert_throttled(&obtain(&app, "alice", "guess 11", Some(&spoofed)).await);
    // Proxies in a chain: the right-most address that is not one of ours is the client.
    let chained = format!("{ATTACKER}, 127.0.0.1");
    assert_throttled(&obtain(&app, "alice", "guess 12", Some(&chained)).await);
    // Unknown usernames are counted alike: the throttle does not tell which accounts exist.
    for _ in 0..10 {
        assert_eq!(
            obtain(&app, "nobody", "x", Some(ATTACKER)).await.status,
            401
        );
    }
    assert_throttled(&obtain(&app, "nobody", "x", Some(ATTACKER)).await);

    // Instances on one PostgreSQL database count together (SQLite has one instance).
    if crate::DATABASE == Database::Postgres {
        let other = spawn_in(app.data.clone(), behind_a_proxy).await;
        assert_throttled(&obtain(&other, "alice", "password123", Some(ATTACKER)).await);
        assert_eq!(
            obtain(&other, "alice", "password123", Some(OWNER))
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn only_failures_count_against_an_address() {
    let Some(app) = spawn_app_with(behind_a_proxy).await else {
        return;
    };
    app.user("alice").await;
    for n in 0..20 {
        let reply = obtain(&app, "alice", "password123", Some(OWNER)).await;
        assert_eq!(reply.status, 200, "login {n}: {reply:?}");
    }
    // The budget is still whole: ten failures pass before the eleventh is refused.
    for n in 0..10 {
        let reply = obtain(&app, "alice", "typo", Some(OWNER)).await;
        assert_eq!(reply.status, 401, "typo {n}: {reply:?}");
    }
    assert_throttled(&obtain(&app, "alice", "password123", Some(OWNER)).await);
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    // No trusted proxies: the peer, 127.0.0.1, is the client whatever the header says.
    let Some(app) = spawn_app_with(|config| config.token_rate_per_min = 10).await else {
        return;
    };
    app.user("alice").await;
    for n in 0..10 {
        let claimed = format!("203.0.113.{n}");
        let guess = obtain(&app, "alice", "wrong", Some(&claimed)).await;
        assert_eq!(guess.status, 401, "guess {n}: {guess:?}");
    }
    assert_throttled(&obtain(&app, "alice", "password123", Some(OWNER)).await);
    assert_throttled(&obtain(&app, "alice", "password123", None).await);
}
