//! One worker's measurements, filled by all of its clients without locks or messages and
//! merged with the other workers' once, at the end.

use hdrhistogram::Histogram;

use crate::metrics::latency::{self, Timeline};
use crate::metrics::probe::SegmentSum;
use crate::results::Errors;

pub struct Recorder {
    /// Latency of window events, µs.
    pub latency: Histogram<u64>,
    /// Per answer: age of the oldest change it carried, µs (window events).
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
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            latency: latency::new_histogram(),
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
        }
    }
}

impl Recorder {
    pub fn merge(&mut self, other: &Recorder) {
        // Both histograms share bounds, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
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
    }
}
