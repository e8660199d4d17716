//! Per-user message creation and per-username token request throttles (API.md "Limits"),
//! GCRA: in this process's memory (`governor`) on SQLite, in the database on PostgreSQL so
//! that every instance counts against the same budget.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sqlx::PgPool;

use crate::config::Config;
use crate::domain::time::now_micros;
use crate::store::shared;

/// `Ok`, or the whole seconds (at least 1) until the throttle admits the key again.
pub type Admission = Result<(), u64>;

pub struct Throttles {
    messages: Option<Limiter<i64>>,
    tokens: Option<Limiter<String>>,
}

enum Limiter<K: std::hash::Hash + Eq + Clone> {
    Memory(DefaultKeyedRateLimiter<K>),
    Shared {
        pool: PgPool,
        /// Keys of different throttles share the table: `<prefix>:<key>`.
        prefix: &'static str,
        interval_micros: i64,
        tolerance_micros: i64,
    },
}

impl<K: std::hash::Hash + Eq + Clone + std::fmt::Display> Limiter<K> {
    fn new(quota: Quota, shared: Option<&PgPool>, prefix: &'static str) -> Self {
        match shared {
            None => Self::Memory(RateLimiter::keyed(quota)),
            Some(pool) => {
                let interval = quota.replenish_interval();
                // The same schedule as governor's: a burst of `b` may run (b - 1) intervals ahead.
                let tolerance = interval * quota.burst_size().get().saturating_sub(1);
                Self::Shared {
                    pool: pool.clone(),
                    prefix,
                    interval_micros: micros(interval),
                    tolerance_micros: micros(tolerance),
                }
            }
        }
    }

    async fn admit(&self, key: &K) -> Result<Admission, sqlx::Error> {
        match self {
            Self::Memory(limiter) => Ok(limiter.check_key(key).map_err(|not_until| {
                whole_seconds(not_until.wait_time_from(DefaultClock::default().now()))
            })),
            Self::Shared {
                pool,
                prefix,
                interval_micros,
                tolerance_micros,
            } => {
                let key = format!("{prefix}:{key}");
                let decision = shared::throttle(
                    pool,
                    &key,
                    now_micros(),
                    *interval_micros,
                    *tolerance_micros,
                )
                .await?;
                Ok(decision.map_err(|wait| {
                    whole_seconds(Duration::from_micros(u64::try_from(wait).unwrap_or(0)))
                }))
            }
        }
    }

    fn forget_idle_keys(&self) {
        if let Self::Memory(limiter) = self {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl Throttles {
    /// A rate of 0 turns a throttle off. With `shared`, the state lives in that database.
    pub fn new(config: &Config, shared: Option<&PgPool>) -> Arc<Self> {
        let messages = NonZeroU32::new(config.message_rate).map(|rate| {
            let burst = NonZeroU32::new(config.message_burst).unwrap_or(rate);
            Limiter::new(
                Quota::per_second(rate).allow_burst(burst),
                shared,
                "message",
            )
        });
        let tokens = NonZeroU32::new(config.token_rate_per_min)
            .map(|rate| Limiter::new(Quota::per_minute(rate), shared, "token"));
        let throttles = Arc::new(Self { messages, tokens });
        tokio::spawn(forget_idle_keys(
            Arc::downgrade(&throttles),
            shared.cloned(),
        ));
        throttles
    }

    /// One message from `user_id`.
    pub async fn message(&self, user_id: i64) -> Result<Admission, sqlx::Error> {
        match &self.messages {
            Some(limiter) => limiter.admit(&user_id).await,
            None => Ok(Ok(())),
        }
    }

    /// One token request naming `username` (whoever sends it: the throttle protects the
    /// account from password guessing, not the server from one client).
    pub async fn token_request(&self, username: &str) -> Result<Admission, sqlx::Error> {
        match &self.tokens {
            Some(limiter) => limiter.admit(&username.to_owned()).await,
            None => Ok(Ok(())),
        }
    }
}

/// Keys whose state has returned to "full burst available" carry no information: drop them
/// every minute so memory (or the table) follows the active users, not every user ever seen.
async fn forget_idle_keys(throttles: std::sync::Weak<Throttles>, shared: Option<PgPool>) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    every_minute.tick().await;
    loop {
        every_minute.tick().await;
        let Some(throttles) = throttles.upgrade() else {
            return;
        };
        if let Some(limiter) = &throttles.messages {
            limiter.forget_idle_keys();
        }
        if let Some(limiter) = &throttles.tokens {
            limiter.forget_idle_keys();
        }
        drop(throttles);
        if let Some(pool) = &shared
            && let Err(err) = shared::forget_idle_throttles(pool, now_micros()).await
        {
            tracing::warn!(error = %err, "could not prune the throttle table");
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
        let throttles = Throttles::new(&config(20, 40, 10), None);
        for _ in 0..40 {
            assert_eq!(throttles.message(7).await.expect("memory"), Ok(()));
        }
        assert_eq!(throttles.message(7).await.expect("memory"), Err(1));
        // Another user has a bucket of their own.
        assert_eq!(throttles.message(8).await.expect("memory"), Ok(()));
    }

    #[tokio::test]
    async fn token_requests_are_counted_per_username_per_minute() {
        let throttles = Throttles::new(&config(20, 40, 10), None);
        for _ in 0..10 {
            assert_eq!(
                throttles.token_request("alice").await.expect("memory"),
                Ok(())
            );
        }
        let wait = throttles
            .token_request("alice")
            .await
            .expect("memory")
            .expect_err("throttled");
        assert!(
            (1..=6).contains(&wait),
            "one request per 6 s comes back: {wait}"
        );
        assert_eq!(
            throttles.token_request("bob").await.expect("memory"),
            Ok(())
        );
    }

    #[tokio::test]
    async fn a_rate_of_zero_turns_the_throttle_off() {
        let throttles = Throttles::new(&config(0, 40, 0), None);
        for _ in 0..1000 {
            assert_eq!(throttles.message(7).await.expect("memory"), Ok(()));
            assert_eq!(
                throttles.token_request("alice").await.expect("memory"),
                Ok(())
            );
        }
    }
}
