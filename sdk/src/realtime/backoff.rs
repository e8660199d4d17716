//! How long to wait before each reconnection attempt.

use std::time::Duration;

/// Exponential backoff with jitter between reconnection attempts.
///
/// The n-th consecutive attempt waits `initial × 2ⁿ`, at most `max`, scaled by a random
/// factor between ½ and 1 so that clients dropped together (a server restart) do not return
/// together. A connection that stayed up for `reset_after` starts the sequence over; one that
/// drops sooner counts as a failed attempt, so a server that keeps closing sockets at once is
/// not hammered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// The wait before the first attempt (before jitter). Default: 250 ms.
    pub initial: Duration,
    /// The longest wait (before jitter). Default: 30 s.
    pub max: Duration,
    /// How long a connection must last to reset the sequence. Default: 10 s.
    pub reset_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(30),
            reset_after: Duration::from_secs(10),
        }
    }
}

impl Backoff {
    /// Sets [`initial`](Backoff::initial) and [`max`](Backoff::max).
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max,
            ..Backoff::default()
        }
    }

    /// The wait before attempt `failures` (0 for the first after a drop), before jitter.
    fn ceiling(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.min(31));
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The wait before attempt `failures`, with jitter.
    pub(crate) fn delay(&self, failures: u32) -> Duration {
        self.ceiling(failures)
            .mul_f64(rand::random_range(0.5..=1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let ceilings: Vec<u128> = (0..7).map(|n| backoff.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000, 1000]);
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_between_half_and_the_whole() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        for n in 0..100 {
            let delay = backoff.delay(n % 6);
            let ceiling = backoff.ceiling(n % 6);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{delay:?} vs {ceiling:?}"
            );
        }
    }
}
