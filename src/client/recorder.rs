//! One worker's measurements, filled by all of its clients without locks or messages and
//! merged with the other workers' once, at the end.

use hdrhistogram::Histogram;

use super::{Received, SessionCounts};
use crate::metrics::latency::{self, Timeline};
use crate::metrics::probe::SegmentSum;
use crate::results::Errors;

/// Serialised whole in a shard's record, histograms losslessly, so that `wsbench merge`
/// merges shards exactly as the workers of one process are merged.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Recorder {
    /// Latency of window events, µs: to the kernel's receive stamp where there was one,
    /// else to the application's instant.
    #[serde(with = "crate::metrics::histogram_codec")]
    pub latency: Histogram<u64>,
    /// Latency of window events to the application's receive instant, µs.
    #[serde(with = "crate::metrics::histogram_codec")]
    pub latency_app: Histogram<u64>,
    /// Window events with a kernel stamp: application instant minus kernel stamp, µs (the
    /// load generator's own delay).
    #[serde(with = "crate::metrics::histogram_codec")]
    pub generator_delay: Histogram<u64>,
    /// Window events whose bytes came without a kernel receive stamp.
    pub unstamped: u64,
    /// Why some socket could not ask the kernel for stamps (the first reason seen).
    pub stamp_error: Option<String>,
    /// Per answer: age of the oldest change it carried, µs (window events).
    #[serde(with = "crate::metrics::histogram_codec")]
    pub staleness: Histogram<u64>,
    /// Latency per second of the run, all events.
    pub timeline: Timeline,
    /// Unique events received during the window, and their payload bytes.
    pub received_in_window: u64,
    pub payload_in_window: u64,
    /// HTTP requests sent and 204 answers during the window.
    pub requests: u64,
    pub empty: u64,
    /// Scheduled polls the generator sent late during the window (see `LATE_POLL`).
    pub late_polls: u64,
    /// Answers with an unexpected status, over the whole run.
    pub status_errors: u64,
    pub errors: Errors,
    /// TCP segments of client sockets during the window.
    pub segments: SegmentSum,
    /// A chat: messages the clients sent during the window, and those the server refused
    /// (over HTTP, where a refusal is answered) over the run.
    pub sent_in_window: u64,
    pub sends_refused: u64,
    /// Sessions of clients that come and go (login pages), started in the window.
    pub sessions: SessionCounts,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            latency: latency::new_histogram(),
            latency_app: latency::new_histogram(),
            generator_delay: latency::new_histogram(),
            unstamped: 0,
            stamp_error: None,
            staleness: latency::new_histogram(),
            timeline: Timeline::new(),
            received_in_window: 0,
            payload_in_window: 0,
            requests: 0,
            empty: 0,
            late_polls: 0,
            status_errors: 0,
            errors: Errors::default(),
            segments: SegmentSum::default(),
            sent_in_window: 0,
            sends_refused: 0,
            sessions: SessionCounts::default(),
        }
    }
}

impl Recorder {
    /// Records the latency of one window event, published at `ts_ns`, by both clocks.
    pub fn record_window_latency(&mut self, ts_ns: u64, received: Received) {
        let (headline, app, delay) = received.latencies_us(ts_ns);
        latency::record(&mut self.latency, headline);
        latency::record(&mut self.latency_app, app);
        match delay {
            Some(delay) => latency::record(&mut self.generator_delay, delay),
            None => self.unstamped += 1,
        }
    }

    /// Keeps the first reason a socket gave for not stamping.
    pub fn note_stamp_error(&mut self, reason: String) {
        self.stamp_error.get_or_insert(reason);
    }

    pub fn merge(&mut self, other: &Recorder) {
        // Both histograms share bounds, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        let _ = self.latency_app.add(&other.latency_app);
        let _ = self.generator_delay.add(&other.generator_delay);
        self.unstamped += other.unstamped;
        if self.stamp_error.is_none() {
            self.stamp_error.clone_from(&other.stamp_error);
        }
        let _ = self.staleness.add(&other.staleness);
        self.timeline.merge(&other.timeline);
        self.received_in_window += other.received_in_window;
        self.payload_in_window += other.payload_in_window;
        self.requests += other.requests;
        self.empty += other.empty;
        self.late_polls += other.late_polls;
        self.status_errors += other.status_errors;
        self.errors.connect += other.errors.connect;
        self.errors.timeout += other.errors.timeout;
        self.errors.disconnect += other.errors.disconnect;
        self.errors.protocol += other.errors.protocol;
        self.segments.merge(&other.segments);
        self.sent_in_window += other.sent_in_window;
        self.sends_refused += other.sends_refused;
        self.sessions.merge(&other.sessions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_latency_is_recorded_by_both_clocks_and_unstamped_events_are_counted() {
        let mut a = Recorder::default();
        let stamped = Received {
            kernel_ns: Some(1_300_000),
            app_ns: 1_800_000,
        };
        a.record_window_latency(1_000_000, stamped);
        let mut b = Recorder::default();
        b.note_stamp_error("refused".into());
        b.note_stamp_error("refused again".into());
        b.record_window_latency(
            1_000_000,
            Received {
                kernel_ns: None,
                app_ns: 1_900_000,
            },
        );
        a.merge(&b);

        assert_eq!((a.latency.len(), a.latency_app.len()), (2, 2));
        assert_eq!((a.latency.min(), a.latency.max()), (300, 900));
        assert_eq!((a.latency_app.min(), a.latency_app.max()), (800, 900));
        assert_eq!(a.generator_delay.len(), 1);
        assert_eq!(a.generator_delay.max(), 500);
        assert_eq!(a.unstamped, 1);
        assert_eq!(a.stamp_error.as_deref(), Some("refused"));
    }
}
