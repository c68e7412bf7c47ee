//! The delivered rate the progress display shows. Events arrive in bursts (a ticker's
//! every client at once), and a terminal redraws many times a second: a rate from one
//! redraw to the next swings between 0/s and the burst's peak. It is measured over a
//! window of the last seconds instead, so that a steady feed shows a steady rate.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The span a rate is measured over, once the phase is that old.
pub const WINDOW: Duration = Duration::from_secs(2);
/// The shortest span a rate is shown for: younger, it would be one burst or none.
pub const SHORTEST: Duration = Duration::from_secs(1);

/// The counts taken at each display of one phase, as far back as the window needs.
#[derive(Debug, Default)]
pub struct RateWindow {
    samples: VecDeque<(Instant, u64)>,
}

impl RateWindow {
    /// A new phase: its rate starts from its own first sample.
    pub fn clear(&mut self) {
        self.samples.clear();
    }

    /// Takes `count` at `at`; the rate from the newest sample at least `WINDOW` older (or,
    /// in the phase's first `WINDOW`, from its first sample), `None` while that spans less
    /// than `SHORTEST`.
    pub fn sample(&mut self, at: Instant, count: u64) -> Option<f64> {
        while self
            .samples
            .get(1)
            .is_some_and(|&(next, _)| at.saturating_duration_since(next) >= WINDOW)
        {
            self.samples.pop_front();
        }
        let rate = self.samples.front().and_then(|&(from, before)| {
            let span = at.saturating_duration_since(from);
            (span >= SHORTEST).then(|| count.saturating_sub(before) as f64 / span.as_secs_f64())
        });
        self.samples.push_back((at, count));
        rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A feed of 100 events every 0.5 s (200/s), sampled every 0.1 s for 5 s, as a
    /// terminal redraws: the rates shown, by tenth of a second.
    fn bursts_sampled() -> Vec<Option<f64>> {
        let start = Instant::now();
        let mut window = RateWindow::default();
        (0..=50u64)
            .map(|tenth| {
                // Bursts at 0.0 s, 0.5 s, 1.0 s...: those up to now.
                let count = 100 * (tenth / 5 + 1);
                window.sample(start + Duration::from_millis(100 * tenth), count)
            })
            .collect()
    }

    #[test]
    fn a_steady_feed_in_bursts_shows_a_steady_rate() {
        let rates = bursts_sampled();
        // Under a second: none.
        assert!(rates[..10].iter().all(Option::is_none), "{rates:?}");
        // From the phase's start: 200 events after each of 1.0 s to 1.4 s, 300 by 1.5 s...
        assert_eq!(rates[10], Some(200.0));
        assert_eq!(rates[15], Some(300.0 / 1.5));
        // Then always over 2 s exactly: 4 bursts of 100.
        for (tenth, rate) in rates.iter().enumerate().skip(20) {
            assert_eq!(*rate, Some(200.0), "at {tenth} tenths");
        }
    }

    #[test]
    fn a_new_phase_starts_its_own_rate() {
        let start = Instant::now();
        let mut window = RateWindow::default();
        window.sample(start, 0);
        assert_eq!(window.sample(start + WINDOW, 1000), Some(500.0));
        window.clear();
        assert_eq!(window.sample(start + WINDOW, 0), None);
        assert_eq!(window.sample(start + 2 * WINDOW, 40), Some(20.0));
    }
}
