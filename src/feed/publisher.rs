//! Publishes a feed kind's events on a fixed schedule. When it falls behind, each event
//! still carries its *intended* instant, so a lagging server shows up as latency.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use super::rng::Rng;
use super::{FeedSpec, Hub};

/// Nanoseconds since the Unix epoch on CLOCK_REALTIME, which every process on a host
/// shares: the load generator measures latency against it.
pub fn wall_clock_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

pub struct Publisher {
    spec: FeedSpec,
    seed: u64,
}

impl Publisher {
    pub fn new(spec: FeedSpec, seed: u64) -> Self {
        Self { spec, seed }
    }

    /// Runs until the hub is stopped.
    pub async fn run(self, hub: Arc<Hub>) {
        let mut kind = self.spec.build();
        let mut rng = Rng::new(self.seed);
        let interval = Duration::from_secs_f64(1.0 / self.spec.rate());
        let start = Instant::now();
        let start_ns = wall_clock_ns();
        let mut fields = String::with_capacity(128);
        for k in 1u64.. {
            let offset = interval.mul_f64(k as f64);
            tokio::time::sleep_until(start + offset).await;
            fields.clear();
            let key = kind.next_event(&mut rng, &mut fields);
            let intended_ns = start_ns + offset.as_nanos() as u64;
            if hub.publish(intended_ns, key, &fields).is_none() {
                return;
            }
        }
    }
}
