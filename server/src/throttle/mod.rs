//! The sender's message budget (API.md "Limits": messages, and the edits, reactions and
//! invitations that share it) and the login throttle ([`login`]), GCRA: in this process's
//! memory on SQLite, in the database on PostgreSQL so that every instance counts against the
//! same budget.

mod login;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sqlx::PgPool;

use crate::config::Config;
use crate::domain::time::now_micros;
use crate::store::shared;

pub use login::LoginTry;

/// `Ok`, or the whole seconds (at least 1) until the throttle admits the key again.
pub type Admission = Result<(), u64>;

pub struct Throttles {
    messages: Option<Limiter<i64>>,
    login: Option<login::LoginThrottle>,
}

/// A GCRA schedule in microseconds: `interval` between requests on average, and how far
/// ahead of that schedule a burst may run (`tolerance`).
#[derive(Debug, Clone, Copy)]
struct Schedule {
    interval: i64,
    tolerance: i64,
}

impl Schedule {
    fn of(quota: Quota) -> Self {
        let interval = quota.replenish_interval();
        // The same schedule as governor's: a burst of `b` may run (b - 1) intervals ahead.
        let tolerance = interval * quota.burst_size().get().saturating_sub(1);
        Self {
            interval: micros(interval),
            tolerance: micros(tolerance),
        }
    }

    /// Microseconds a request at `now` waits given the key's theoretical arrival time `tat`:
    /// 0 when admitted (the rule `shared::throttle` applies in SQL).
    fn wait(self, tat: i64, now: i64) -> i64 {
        (tat.max(now) - now - self.tolerance).max(0)
    }
}

enum Limiter<K: std::hash::Hash + Eq + Clone> {
    Memory(DefaultKeyedRateLimiter<K>),
    Shared {
        pool: PgPool,
        /// Keys of different throttles share the table: `<prefix>:<key>`.
        prefix: &'static str,
        schedule: Schedule,
    },
}

impl<K: std::hash::Hash + Eq + Clone + std::fmt::Display> Limiter<K> {
    fn new(quota: Quota, shared: Option<&PgPool>, prefix: &'static str) -> Self {
        match shared {
            None => Self::Memory(RateLimiter::keyed(quota)),
            Some(pool) => Self::Shared {
                pool: pool.clone(),
                prefix,
                schedule: Schedule::of(quota),
            },
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
                schedule,
            } => {
                let key = format!("{prefix}:{key}");
                let decision = shared::throttle(
                    pool,
                    &key,
                    now_micros(),
                    schedule.interval,
                    schedule.tolerance,
                )
                .await?;
                Ok(decision.map_err(micros_to_seconds))
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

fn micros_to_seconds(wait: i64) -> u64 {
    whole_seconds(Duration::from_micros(u64::try_from(wait).unwrap_or(0)))
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
        let login = NonZeroU32::new(config.token_rate_per_min)
            .map(|rate| login::LoginThrottle::new(Schedule::of(Quota::per_minute(rate)), shared));
        let throttles = Arc::new(Self { messages, login });
        tokio::spawn(forget_idle_keys(
            Arc::downgrade(&throttles),
            shared.cloned(),
        ));
        throttles
    }

    /// One message from `user_id`, or one edit, reaction or invitation: they share its budget.
    pub async fn message(&self, user_id: i64) -> Result<Admission, sqlx::Error> {
        match &self.messages {
            Some(limiter) => limiter.admit(&user_id).await,
            None => Ok(Ok(())),
        }
    }

    /// One try at `username`'s password from `address`, taken before the password is checked
    /// (see [`login`]); `Ok(None)` when the throttle is off.
    pub async fn login_attempt(
        &self,
        username: &str,
        address: IpAddr,
    ) -> Result<Result<Option<LoginTry>, u64>, sqlx::Error> {
        match &self.login {
            Some(login) => Ok(login.attempt(username, address).await?.map(Some)),
            None => Ok(Ok(None)),
        }
    }

    /// The password of `attempt` was right: it does not count against the pair.
    pub async fn login_succeeded(&self, attempt: Option<LoginTry>) -> Result<(), sqlx::Error> {
        match (&self.login, attempt) {
            (Some(login), Some(attempt)) => login.succeeded(attempt).await,
            _ => Ok(()),
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
        if let Some(login) = &throttles.login {
            login.forget_idle_keys();
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

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const ELSEWHERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    #[tokio::test]
    async fn failed_logins_are_counted_per_username_and_address_and_successes_are_free() {
        let throttles = Throttles::new(&config(20, 40, 10), None);
        // Successes give their try back: any number of them.
        for _ in 0..30 {
            let attempt = throttles
                .login_attempt("alice", HOME)
                .await
                .expect("memory");
            throttles
                .login_succeeded(attempt.expect("admitted"))
                .await
                .expect("memory");
        }
        // Ten failures use up the pair's budget (kept tries are failures).
        for _ in 0..10 {
            let attempt = throttles.login_attempt("alice", ELSEWHERE).await;
            assert!(attempt.expect("memory").is_ok());
        }
        let wait = throttles
            .login_attempt("alice", ELSEWHERE)
            .await
            .expect("memory")
            .err()
            .expect("throttled");
        assert!(
            (1..=6).contains(&wait),
            "a try every 6 s comes back: {wait}"
        );
        // Another address, or another username, has a budget of its own.
        assert!(
            throttles
                .login_attempt("alice", HOME)
                .await
                .expect("memory")
                .is_ok()
        );
        assert!(
            throttles
                .login_attempt("bob", ELSEWHERE)
                .await
                .expect("memory")
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_rate_of_zero_turns_the_throttle_off() {
        let throttles = Throttles::new(&config(0, 40, 0), None);
        for _ in 0..1000 {
            assert_eq!(throttles.message(7).await.expect("memory"), Ok(()));
            let attempt = throttles
                .login_attempt("alice", HOME)
                .await
                .expect("memory");
            assert!(matches!(attempt, Ok(None)));
        }
    }
}
