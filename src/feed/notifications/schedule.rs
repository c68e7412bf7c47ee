//! When personal notifications fall due and how long a phone takes to scan a login code:
//! pure functions of the seed, so that a run publishes the same notifications to the same
//! users at the same offsets every time, whatever the clients do.

use std::time::Duration;

use crate::feed::rng::Rng;

/// A Poisson process of `rate` events per second over all users, each event for a user
/// drawn uniformly: the same as one independent Poisson process of `rate / users` per user.
pub struct PoissonSchedule {
    rng: Rng,
    rate: f64,
    users: u64,
    at_s: f64,
}

/// One notification due: when (seconds from the start) and for which user.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Due {
    pub at_s: f64,
    pub user: u64,
}

impl PoissonSchedule {
    pub fn new(seed: u64, rate: f64, users: u64) -> Self {
        Self {
            rng: Rng::new(seed),
            rate,
            users: users.max(1),
            at_s: 0.0,
        }
    }
}

impl Iterator for PoissonSchedule {
    type Item = Due;

    fn next(&mut self) -> Option<Due> {
        // Exponential gaps by inversion; `1 - u` is in (0, 1], so the log is finite.
        let u = self.rng.unit();
        self.at_s += -(1.0 - u).ln() / self.rate;
        Some(Due {
            at_s: self.at_s,
            user: self.rng.below(self.users),
        })
    }
}

/// How long after a login topic opens its scan comes: uniform in `min..=max`, drawn from
/// the seed and the topic's name, so that it does not depend on the order topics open in.
pub fn scan_delay(seed: u64, topic: &str, (min, max): (Duration, Duration)) -> Duration {
    // FNV-1a: a stable hash (std's `DefaultHasher` may change between releases).
    let hash = topic.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let unit = Rng::new(seed ^ hash).unit();
    min + (max.saturating_sub(min)).mul_f64(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_the_seeds_and_moves_forward() {
        let take = |seed| {
            PoissonSchedule::new(seed, 50.0, 1_000)
                .take(1_000)
                .collect::<Vec<_>>()
        };
        assert_eq!(take(7), take(7));
        assert_ne!(take(7), take(8));
        let due = take(7);
        assert!(due.windows(2).all(|w| w[0].at_s < w[1].at_s));
        assert!(due.iter().all(|d| d.user < 1_000));
    }

    #[test]
    fn the_mean_gap_is_one_over_the_rate_and_users_are_drawn_evenly() {
        // Seeded, so these figures are fixed: the tolerances check the process, not luck.
        // For 200,000 exponential gaps the mean's standard error is 0.22%; 1% is 4.5 of them.
        let (rate, users, n) = (166.7, 100u64, 200_000);
        let due: Vec<Due> = PoissonSchedule::new(42, rate, users).take(n).collect();
        let mean_gap = due[n - 1].at_s / n as f64;
        assert!((mean_gap * rate - 1.0).abs() < 0.01, "mean gap {mean_gap}");
        let mut per_user = vec![0u64; users as usize];
        due.iter().for_each(|d| per_user[d.user as usize] += 1);
        // 2,000 expected each, standard deviation about 45: 10% is over four of them.
        assert!(
            per_user.iter().all(|&c| c.abs_diff(2_000) < 200),
            "{per_user:?}"
        );
        // Exponential gaps: their standard deviation equals their mean (within 2%).
        let gaps: Vec<f64> = std::iter::once(due[0].at_s)
            .chain(due.windows(2).map(|w| w[1].at_s - w[0].at_s))
            .collect();
        let var = gaps.iter().map(|g| (g - mean_gap).powi(2)).sum::<f64>() / n as f64;
        assert!(
            (var.sqrt() / mean_gap - 1.0).abs() < 0.02,
            "sd {}",
            var.sqrt()
        );
    }

    #[test]
    fn a_scan_delay_is_the_topics_and_within_its_bounds() {
        let bounds = (Duration::from_millis(500), Duration::from_secs(3));
        let a = scan_delay(1, "login-4-0", bounds);
        assert_eq!(a, scan_delay(1, "login-4-0", bounds));
        assert_ne!(a, scan_delay(1, "login-4-1", bounds));
        assert_ne!(a, scan_delay(2, "login-4-0", bounds));
        for n in 0..1_000 {
            let d = scan_delay(9, &format!("login-1-{n}"), bounds);
            assert!(d >= bounds.0 && d <= bounds.1, "{d:?}");
        }
        let fixed = (Duration::from_secs(1), Duration::from_secs(1));
        assert_eq!(scan_delay(3, "x", fixed), Duration::from_secs(1));
    }
}
