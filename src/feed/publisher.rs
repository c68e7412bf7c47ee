//! Publishes a feed kind's events on a fixed schedule. When it falls behind, each event
//! still carries its *intended* instant, so a lagging server shows up as latency.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::rng::Rng;
use super::{FeedKind, FeedSource, Hub};

/// Nanoseconds since the Unix epoch on CLOCK_REALTIME, which every process on a host
/// shares: the load generator measures latency against it.
pub fn wall_clock_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// An event published later than this after its intended instant counts as late: above a
/// scheduler time slice (a few ms), so that one preemption on a busy machine is not
/// reported as a publisher that cannot keep its rate.
pub const LATE_TOLERANCE: Duration = Duration::from_millis(5);

/// The highest `feed.rate` accepted. Measured with
/// `cargo test --release --test publisher_ceiling -- --ignored --nocapture` on a 2-core AMD
/// EPYC VM shared with other builds (load average 4): the publisher, with no client, kept
/// its schedule up to 800,000 events/s and fell behind at 1,600,000 (90% published, the
/// worst event 475 ms late). A quarter of that leaves headroom for a server whose threads
/// compete with the publisher for the cores.
pub const MAX_RATE: f64 = 200_000.0;

/// The lowest rate accepted: one event in the longest duration wsbench takes, so that the
/// interval between two events is a duration like any other.
pub const MIN_RATE: f64 = 1.0 / crate::units::MAX_DURATION.as_secs() as f64;

/// Why `rate` (events per second) cannot be published, if it cannot.
pub fn rate_problem(rate: f64) -> Option<String> {
    if !(rate > 0.0 && rate.is_finite()) {
        Some(format!("must be above 0 events per second, found {rate}"))
    } else if rate < MIN_RATE {
        Some(format!(
            "must be at least {MIN_RATE:.3e} events per second (one event a year, the \
             longest duration wsbench takes), found {rate:e}"
        ))
    } else if rate > MAX_RATE {
        Some(format!(
            "must be at most {MAX_RATE} events per second (what the publisher keeps on \
             schedule, with headroom), found {rate}"
        ))
    } else {
        None
    }
}

/// The source of a feed published on a schedule: `rate` events a second from a generator.
pub struct Publisher {
    kind: Box<dyn FeedKind>,
    rate: f64,
    seed: u64,
    start_ns: Option<u64>,
}

impl Publisher {
    pub fn new(kind: Box<dyn FeedKind>, rate: f64, seed: u64) -> Self {
        Self {
            kind,
            rate,
            seed,
            start_ns: None,
        }
    }

    /// Publishes on a schedule that starts at wall-clock `start_ns` (`None`: when it
    /// starts): processes given the same instant publish the same events, `ts` included.
    pub fn starting_at(mut self, start_ns: Option<u64>) -> Self {
        self.start_ns = start_ns;
        self
    }

    fn run(mut self, hub: &Hub) {
        let kind = &mut self.kind;
        let mut rng = Rng::new(self.seed);
        let (start, start_ns) = schedule_start(self.start_ns);
        let mut fields = String::with_capacity(128);
        for k in 1u64.. {
            // An event whose instant no clock can hold is never due: the thread waits for
            // the stop, whatever rate it was handed.
            let offset = offset(self.rate, k).unwrap_or(Duration::MAX);
            // Wake in slices, so that a stopped hub ends the thread promptly.
            loop {
                let now = start.elapsed();
                if now >= offset {
                    break;
                }
                if hub.is_stopped() {
                    return;
                }
                std::thread::sleep((offset - now).min(Duration::from_millis(100)));
            }
            fields.clear();
            let key = kind.next_event(&mut rng, &mut fields);
            let intended_ns =
                start_ns.saturating_add(offset.as_nanos().try_into().unwrap_or(u64::MAX));
            let late = start.elapsed().saturating_sub(offset);
            if hub.publish_late(intended_ns, late, key, &fields).is_none() {
                return;
            }
        }
    }
}

/// The instant of event `k` (from 1) of a schedule of `rate` events a second, from its
/// start; `None` when no `Duration` holds it.
fn offset(rate: f64, k: u64) -> Option<Duration> {
    Duration::try_from_secs_f64(k as f64 / rate).ok()
}

/// The schedule's start as a monotonic instant and as wall-clock ns: now, or the given
/// wall-clock instant, ahead or already past.
fn schedule_start(wall_ns: Option<u64>) -> (Instant, u64) {
    let now = Instant::now();
    let now_ns = wall_clock_ns();
    let Some(start_ns) = wall_ns else {
        return (now, now_ns);
    };
    let start = match start_ns.checked_sub(now_ns) {
        Some(ahead) => now + Duration::from_nanos(ahead),
        None => now
            .checked_sub(Duration::from_nanos(now_ns - start_ns))
            .unwrap_or(now),
    };
    (start, start_ns)
}

impl FeedSource for Publisher {
    /// Publishes from a thread of its own until the hub is stopped. A thread, not a timer
    /// task: the async runtime's timer wakes on whole milliseconds, and that lag would be
    /// charged to every transport's latency; a sleeping thread wakes within microseconds.
    fn start(self: Box<Self>, hub: Arc<Hub>) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("wsbench-publisher".into())
            .spawn(move || self.run(&hub))
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::{FeedSpec, HubLimits, Semantics};

    /// Rates no scenario accepts still never panic the thread: it waits for the stop.
    #[test]
    fn a_rate_no_clock_holds_publishes_nothing_and_stops() {
        let table: toml::Table = "kind = \"ticker\"".parse().unwrap();
        let feed = FeedSpec::from_table(&table).unwrap();
        for rate in [1e-20, 1e-300, 5e-324, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            let hub = Hub::new(
                Semantics::Events,
                HubLimits {
                    history: 10,
                    max_lag: 10,
                    window_log: 10,
                    encodings: 1,
                },
            );
            let publisher = Publisher::new(feed.generator().unwrap(), rate, 1);
            let thread = {
                let hub = hub.clone();
                std::thread::spawn(move || publisher.run(&hub))
            };
            std::thread::sleep(Duration::from_millis(20));
            hub.stop();
            assert!(
                thread.join().is_ok(),
                "the publisher panicked at rate {rate}"
            );
        }
    }

    #[test]
    fn rates_are_refused_below_one_event_a_year() {
        assert_eq!(rate_problem(MIN_RATE), None);
        let message = rate_problem(1e-20).unwrap();
        assert!(message.contains("one event a year"), "{message}");
        assert!(rate_problem(f64::NAN).is_some());
    }
}
