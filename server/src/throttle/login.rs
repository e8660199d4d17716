//! The login throttle (API.md "Throttles beyond messages"): failed token requests counted per
//! (username, client address), so that a stranger guessing at an account from elsewhere never
//! locks its owner out.
//!
//! A request reserves one of its pair's tries before the password is checked and gets it back
//! when the password was right, so:
//! - only failures use up the budget;
//! - a pair that has used it up gets 429 whatever it sends, the right password included:
//!   answering that one 200 would tell a guesser which of their refused guesses was right;
//! - the reservation happens before the slow Argon2 check, so concurrent guesses cannot all
//!   pass a check made before any of them failed;
//! - other addresses have budgets of their own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use sqlx::PgPool;

use super::{Admission, Schedule, micros_to_seconds};
use crate::domain::time::now_micros;
use crate::store::shared;

pub struct LoginThrottle {
    schedule: Schedule,
    tries: Tries,
}

enum Tries {
    /// Each pair's GCRA theoretical arrival time, in microseconds.
    Memory(Mutex<HashMap<String, i64>>),
    /// The same, in the table every instance on the database shares.
    Shared(PgPool),
}

/// A try taken from a pair's budget; [`LoginThrottle::succeeded`] gives it back.
pub struct LoginTry {
    key: String,
}

impl LoginThrottle {
    pub(super) fn new(schedule: Schedule, shared: Option<&PgPool>) -> Self {
        let tries = match shared {
            None => Tries::Memory(Mutex::default()),
            Some(pool) => Tries::Shared(pool.clone()),
        };
        Self { schedule, tries }
    }

    /// Takes one try of (`username`, `address`), or says how long until the pair has one.
    pub(super) async fn attempt(
        &self,
        username: &str,
        address: IpAddr,
    ) -> Result<Result<LoginTry, u64>, sqlx::Error> {
        // Usernames hold no spaces: the key cannot be read two ways.
        let key = format!("login:{address} {username}");
        let now = now_micros();
        let admission: Admission = match &self.tries {
            Tries::Memory(tats) => {
                let mut tats = tats.lock().unwrap_or_else(PoisonError::into_inner);
                let tat = tats.get(&key).copied().unwrap_or(now);
                match self.schedule.wait(tat, now) {
                    0 => {
                        tats.insert(key.clone(), tat.max(now) + self.schedule.interval);
                        Ok(())
                    }
                    wait => Err(micros_to_seconds(wait)),
                }
            }
            Tries::Shared(pool) => shared::throttle(
                pool,
                &key,
                now,
                self.schedule.interval,
                self.schedule.tolerance,
            )
            .await?
            .map_err(micros_to_seconds),
        };
        Ok(admission.map(|()| LoginTry { key }))
    }

    /// The password was right: the try goes back to the pair's budget.
    pub(super) async fn succeeded(&self, login: LoginTry) -> Result<(), sqlx::Error> {
        match &self.tries {
            Tries::Memory(tats) => {
                let mut tats = tats.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(tat) = tats.get_mut(&login.key) {
                    *tat -= self.schedule.interval;
                }
                Ok(())
            }
            Tries::Shared(pool) => {
                shared::give_back(pool, &login.key, self.schedule.interval).await
            }
        }
    }

    /// Pairs whose schedule has caught up with now would get a full budget anyway. (The
    /// shared table is pruned with the other throttles' keys.)
    pub(super) fn forget_idle_keys(&self) {
        if let Tries::Memory(tats) = &self.tries {
            let now = now_micros();
            let mut tats = tats.lock().unwrap_or_else(PoisonError::into_inner);
            tats.retain(|_, tat| *tat > now);
            tats.shrink_to_fit();
        }
    }
}
