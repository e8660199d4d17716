//! Percentiles over latency samples.

use std::time::{Duration, Instant};

use serde::Serialize;

/// Nearest-rank percentiles of one set of samples, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    /// Sorts `samples` in place; all zeros when there are none.
    pub fn of(samples: &mut [f64]) -> Summary {
        if samples.is_empty() {
            return Summary::default();
        }
        samples.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            // Nearest rank: the smallest sample with at least p of them at or below it.
            let n = samples.len();
            let index = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            samples[index]
        };
        Summary {
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: samples[samples.len() - 1],
        }
    }
}

/// `d` in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `later − earlier` in milliseconds, negative when `later` is in fact earlier.
pub fn signed_ms(later: Instant, earlier: Instant) -> f64 {
    if later >= earlier {
        ms(later - earlier)
    } else {
        -ms(earlier - later)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut samples: Vec<f64> = (1..=100).map(f64::from).collect();
        samples.reverse();
        let s = Summary::of(&mut samples);
        assert_eq!((s.p50, s.p90, s.p99, s.max), (50.0, 90.0, 99.0, 100.0));
        let one = Summary::of(&mut [7.0]);
        assert_eq!((one.p50, one.p99, one.max), (7.0, 7.0, 7.0));
    }

    #[test]
    fn signed() {
        let a = Instant::now();
        let b = a + Duration::from_millis(3);
        assert!((signed_ms(b, a) - 3.0).abs() < 1e-9);
        assert!((signed_ms(a, b) + 3.0).abs() < 1e-9);
    }
}
