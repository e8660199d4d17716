//! Per-user message creation and per-username token request throttles (API.md "Limits"),
//! GCRA from `governor`, in this process's memory.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Config;

/// `Ok`, or the whole seconds (at least 1) until the throttle admits the key again.
pub type Admission = Result<(), u64>;

pub struct Throttles {
    messages: Option<DefaultKeyedRateLimiter<i64>>,
    tokens: Option<DefaultKeyedRateLimiter<String>>,
}

impl Throttles {
    /// A rate of 0 turns a throttle off.
    pub fn new(config: &Config) -> Arc<Self> {
        let messages = NonZeroU32::new(config.message_rate).map(|rate| {
            let burst = NonZeroU32::new(config.message_burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        let tokens = NonZeroU32::new(config.token_rate_per_min)
            .map(|rate| RateLimiter::keyed(Quota::per_minute(rate)));
        let throttles = Arc::new(Self { messages, tokens });
        tokio::spawn(forget_idle_keys(Arc::downgrade(&throttles)));
        throttles
    }

    /// One message from `user_id`.
    pub fn message(&self, user_id: i64) -> Admission {
        admit(self.messages.as_ref(), &user_id)
    }

    /// One token request naming `username` (whoever sends it: the throttle protects the
    /// account from password guessing, not the server from one client).
    pub fn token_request(&self, username: &str) -> Admission {
        match &self.tokens {
            Some(limiter) => admit(Some(limiter), &username.to_owned()),
            None => Ok(()),
        }
    }
}

fn admit<K: std::hash::Hash + Eq + Clone>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Admission {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
    })
}

/// Keys whose state has returned to "full burst available" carry no information: drop them
/// every minute so memory follows the active users, not every user ever seen.
async fn forget_idle_keys(throttles: std::sync::Weak<Throttles>) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    every_minute.tick().await;
    loop {
        every_minute.tick().await;
        let Some(throttles) = throttles.upgrade() else {
            return;
        };
        if let Some(limiter) = &throttles.messages {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &throttles.tokens {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(message_rate: u32, message_burst: u32, token_rate_per_min: u32) -> Config {
        Config {
            message_rate,
            message_burst,
            token_rate_per_min,
            ..Config::from_env()
        }
    }

    #[tokio::test]
    async fn a_burst_is_admitted_then_the_next_waits_at_least_a_second() {
        let throttles = Throttles::new(&config(20, 40, 10));
        for _ in 0..40 {
            assert_eq!(throttles.message(7), Ok(()));
        }
        assert_eq!(throttles.message(7), Err(1));
        // Another user has a bucket of their own.
        assert_eq!(throttles.message(8), Ok(()));
    }

    #[tokio::test]
    async fn token_requests_are_counted_per_username_per_minute() {
        let throttles = Throttles::new(&config(20, 40, 10));
        for _ in 0..10 {
            assert_eq!(throttles.token_request("alice"), Ok(()));
        }
        let wait = throttles.token_request("alice").expect_err("throttled");
        assert!(
            (1..=6).contains(&wait),
            "one request per 6 s comes back: {wait}"
        );
        assert_eq!(throttles.token_request("bob"), Ok(()));
    }

    #[tokio::test]
    async fn a_rate_of_zero_turns_the_throttle_off() {
        let throttles = Throttles::new(&config(0, 40, 0));
        for _ in 0..1000 {
            assert_eq!(throttles.message(7), Ok(()));
            assert_eq!(throttles.token_request("alice"), Ok(()));
        }
    }
}
