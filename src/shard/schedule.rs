//! Where a scheduled run's entries fall on the wall clock. Every shard computes the same
//! instants from the same `--window-start` and scenario, so that N processes (or pods)
//! measure one window per entry without a word between them: each connects its clients
//! from `window_start - ramp - warmup`, opens its window at `window_start` exactly and
//! closes it at `window_start + duration` exactly, whatever its own start-up took.

use std::time::{Duration, UNIX_EPOCH};

use super::ShardError;
use crate::scenario::Scenario;
use crate::transport_kind::Transport;

/// One entry's instants, ns on the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// When the clients begin to connect: the window's start less ramp and warm-up.
    pub begin_ns: u64,
    pub window_start_ns: u64,
    pub window_end_ns: u64,
}

/// The slots of a run's entries, in the order the run measures them.
#[derive(Debug, Clone)]
pub struct Schedule {
    next_window_ns: u64,
}

impl Schedule {
    pub fn new(first_window_ns: u64) -> Self {
        Self {
            next_window_ns: first_window_ns,
        }
    }

    /// The next entry's slot (`scenario` at its sweep point). Called for every entry,
    /// skipped ones too, so that shards that skip differently stay on one clock.
    pub fn next(&mut self, scenario: &Scenario, transport: Transport) -> Slot {
        let ns = |d: Duration| d.as_nanos() as u64;
        let lead = ns(scenario.clients.ramp + scenario.warmup);
        let window_start_ns = self.next_window_ns;
        let window_end_ns = window_start_ns + ns(scenario.duration);
        // The drain's longest, then `schedule_margin`: time to stop the clients, read the
        // target's window and ask it for the next transport's first event. A shard that
        // finds an entry's start already past fails with how late it is.
        let drain = scenario.drain_period(transport).max(scenario.drain_limit);
        self.next_window_ns = window_end_ns + ns(drain + scenario.schedule_margin) + lead;
        Slot {
            begin_ns: window_start_ns.saturating_sub(lead),
            window_start_ns,
            window_end_ns,
        }
    }
}

/// `--window-start`: a UTC instant in RFC 3339, as ns since the epoch.
pub fn parse_window_start(given: &str) -> Result<u64, ShardError> {
    humantime::parse_rfc3339(given.trim())
        .ok()
        .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
        .map(|since| since.as_nanos() as u64)
        .ok_or_else(|| ShardError::WindowStart {
            given: given.into(),
        })
}

/// The monotonic instant at which the wall clock will read `at_ns` (now, if it has).
pub fn instant_at(at_ns: u64) -> tokio::time::Instant {
    let ahead = at_ns.saturating_sub(crate::feed::wall_clock_ns());
    tokio::time::Instant::now() + Duration::from_nanos(ahead)
}

impl Slot {
    /// Waits until the clients are due to connect; a shard already past it would ramp
    /// differently from the others, and fails with how late it is.
    pub async fn wait_for_begin(&self, transport: Transport) -> Result<(), String> {
        let now = crate::feed::wall_clock_ns();
        if now > self.begin_ns {
            return Err(format!(
                "{transport}: its clients were due to connect {:.3} s ago, {} s before the \
                 window it shares with the other shards; start every shard earlier, give a \
                 later --window-start, or (when an earlier entry overran) raise the scenario's \
                 `schedule_margin`",
                (now - self.begin_ns) as f64 / 1e9,
                (self.window_start_ns - self.begin_ns) as f64 / 1e9,
            ));
        }
        tokio::time::sleep_until(instant_at(self.begin_ns)).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_starts_parse_to_the_nanosecond() {
        assert_eq!(
            parse_window_start("2026-12-02T17:00:00Z").unwrap(),
            1_796_230_800_000_000_000
        );
        assert_eq!(
            parse_window_start("2026-12-02T17:00:00.025Z").unwrap(),
            1_796_230_800_025_000_000
        );
        assert_eq!(
            parse_window_start("17:00").unwrap_err().to_string(),
            "--window-start 17:00: expected a UTC instant in RFC 3339, like \
             2026-12-02T17:00:00Z (fractions of a second allowed)"
        );
    }

    #[test]
    fn entries_follow_each_other_by_window_drain_limit_margin_and_lead() {
        // Ramp 1 s, warm-up 1 s, window 5 s.
        let scenario = Scenario::load(std::path::Path::new("scenarios/ci.toml")).unwrap();
        let ws = Transport::named("ws").unwrap();
        let mut schedule = Schedule::new(100_000_000_000);
        let first = schedule.next(&scenario, ws);
        assert_eq!(
            first,
            Slot {
                begin_ns: 98_000_000_000,
                window_start_ns: 100_000_000_000,
                window_end_ns: 105_000_000_000,
            }
        );
        // The drain's limit (10 s, above ws's 1 s period), then the 3 s margin.
        let second = schedule.next(&scenario, ws);
        assert_eq!(second.begin_ns, first.window_end_ns + 13_000_000_000);
        assert_eq!(second.window_start_ns, second.begin_ns + 2_000_000_000);
    }
}
