//! Latency histograms in microseconds: one per worker for the window, one per second for
//! the timeline, merged once at the end and summarised into the results record.

use std::collections::BTreeMap;
use std::ops::Range;

use hdrhistogram::Histogram;

use crate::results::{Latency, PercentilePoint, Second};

pub const LOWEST_US: u64 = 1;
/// A minute: anything later is a stall, and is recorded as a minute rather than dropped.
pub const HIGHEST_US: u64 = 60_000_000;
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// Percentiles of the chart curve, each with its quantile written out: `99.9 / 100.0` is
/// not `0.999` in floating point, and the curve must agree with `summarize` exactly.
const CURVE: [(f64, f64); 12] = [
    (0.0, 0.0),
    (50.0, 0.5),
    (75.0, 0.75),
    (90.0, 0.9),
    (95.0, 0.95),
    (99.0, 0.99),
    (99.5, 0.995),
    (99.9, 0.999),
    (99.95, 0.9995),
    (99.99, 0.9999),
    (99.999, 0.99999),
    (100.0, 1.0),
];

/// A histogram for 1 µs to 60 s at 3 significant digits, allocated whole (about 140 kB):
/// for the long-lived per-worker histograms, where resizing on the hot path would hurt.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)
        .expect("the constant bounds are valid")
}

/// A histogram with the same resolution that grows only as far as its largest value, so
/// a second of millisecond latencies costs a few kB rather than 140.
pub fn interval_histogram() -> Histogram<u64> {
    Histogram::new(SIGNIFICANT_DIGITS).expect("the constant precision is valid")
}

/// Records `value_us`, clamped to 60 s, into either kind of histogram.
pub fn record(histogram: &mut Histogram<u64>, value_us: u64) {
    let value = value_us.min(HIGHEST_US);
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

/// The histogram's summary; `None` when it is empty: no sample has no percentile, and a
/// summary of zeros would read as the fastest latency there is.
pub fn summarize(histogram: &Histogram<u64>) -> Option<Latency> {
    if histogram.is_empty() {
        return None;
    }
    let at = |q: f64| histogram.value_at_quantile(q) as f64;
    Some(Latency {
        count: histogram.len(),
        min: histogram.min() as f64,
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        p999: at(0.999),
        p9999: at(0.9999),
        max: histogram.max() as f64,
        mean: histogram.mean(),
    })
}

/// The percentile curve for charts; empty for an empty histogram.
pub fn percentile_curve(histogram: &Histogram<u64>) -> Vec<PercentilePoint> {
    if histogram.is_empty() {
        return Vec::new();
    }
    CURVE
        .iter()
        .map(|&(percentile, quantile)| PercentilePoint {
            percentile,
            latency_us: histogram.value_at_quantile(quantile) as f64,
        })
        .collect()
}

/// One interval histogram per whole second since the start of the run.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Timeline {
    #[serde(with = "super::histogram_codec::by_second")]
    seconds: BTreeMap<u64, Histogram<u64>>,
}

impl Timeline {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&mut self, second: u64, value_us: u64) {
        let histogram = self
            .seconds
            .entry(second)
            .or_insert_with(interval_histogram);
        record(histogram, value_us);
    }

    pub fn merge(&mut self, other: &Timeline) {
        for (&second, theirs) in &other.seconds {
            let ours = self
                .seconds
                .entry(second)
                .or_insert_with(interval_histogram);
            // Cannot fail: ours grows to fit, and every recorded value is at most 60 s.
            let _ = ours.add(theirs);
        }
    }

    pub fn get(&self, second: u64) -> Option<&Histogram<u64>> {
        self.seconds.get(&second)
    }

    /// Seconds that recorded something, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Histogram<u64>)> {
        self.seconds.iter().map(|(&s, h)| (s, h))
    }

    /// Every second from 0 to the last one recorded or the end of `window`, whichever is
    /// later; quiet seconds are kept, since a stall is what a timeline is for.
    pub fn to_seconds(&self, window: Range<u64>) -> Vec<Second> {
        let end = self
            .seconds
            .last_key_value()
            .map_or(0, |(&s, _)| s + 1)
            .max(window.end);
        (0..end)
            .map(|second| {
                let histogram = self.seconds.get(&second);
                Second {
                    t_s: second as f64,
                    delivered: histogram.map_or(0, |h| h.len()),
                    p99_us: histogram.map(|h| h.value_at_quantile(0.99) as f64),
                    in_window: window.contains(&second),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_to_thousand() -> Histogram<u64> {
        let mut h = new_histogram();
        (1..=1000).for_each(|v| record(&mut h, v));
        h
    }

    #[test]
    fn summary_of_one_to_a_thousand() {
        let s = summarize(&one_to_thousand()).unwrap();
        assert_eq!((s.count, s.min, s.max), (1000, 1.0, 1000.0));
        assert_eq!((s.p50, s.p90, s.p99), (500.0, 900.0, 990.0));
        assert_eq!((s.p999, s.p9999), (999.0, 1000.0));
        assert!((s.mean - 500.5).abs() < 1e-9, "{}", s.mean);
    }

    #[test]
    fn large_values_report_their_bucket_top_and_clamp_at_a_minute() {
        let mut h = new_histogram();
        record(&mut h, 10_000);
        record(&mut h, 120_000_000);
        // Above 2048 µs, 3 digits means buckets of 8 µs at 10 ms.
        assert_eq!(h.value_at_quantile(0.5), 10_007);
        assert_eq!(h.value_at_quantile(0.5), h.highest_equivalent(10_000));
        assert_eq!(h.max(), h.highest_equivalent(HIGHEST_US));
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn empty_histograms_have_no_summary() {
        assert_eq!(summarize(&new_histogram()), None);
        assert!(percentile_curve(&new_histogram()).is_empty());
    }

    #[test]
    fn curve_agrees_with_the_summary() {
        let h = one_to_thousand();
        let curve = percentile_curve(&h);
        let at = |p: f64| curve.iter().find(|c| c.percentile == p).unwrap().latency_us;
        let s = summarize(&h).unwrap();
        assert_eq!(curve.len(), 12);
        assert_eq!(
            (at(0.0), at(50.0), at(99.9), at(100.0)),
            (1.0, s.p50, s.p999, 1000.0)
        );
        assert_eq!((at(75.0), at(99.5)), (750.0, 995.0));
    }

    #[test]
    fn merged_timelines_add_counts_and_keep_quiet_seconds() {
        let mut a = Timeline::new();
        let mut b = Timeline::new();
        (0..3).for_each(|_| a.record(1, 100));
        (0..2).for_each(|_| b.record(1, 300));
        b.record(3, 50);
        a.merge(&b);

        let seconds = a.to_seconds(1..3);
        let delivered: Vec<u64> = seconds.iter().map(|s| s.delivered).collect();
        let in_window: Vec<bool> = seconds.iter().map(|s| s.in_window).collect();
        assert_eq!(delivered, [0, 5, 0, 1]);
        assert_eq!(in_window, [false, true, true, false]);
        assert_eq!((seconds[1].p99_us, seconds[3].t_s), (Some(300.0), 3.0));
        assert_eq!(seconds[2].p99_us, None, "a quiet second has no p99, not 0");
        assert_eq!(a.to_seconds(0..6).len(), 6);
    }

    #[test]
    fn interval_histograms_add_into_a_full_range_one() {
        let mut timeline = Timeline::new();
        timeline.record(0, 5);
        timeline.record(0, 90_000_000);
        let mut total = new_histogram();
        for (_, h) in timeline.iter() {
            total.add(h).unwrap();
        }
        assert_eq!(total.len(), 2);
        assert_eq!(total.max(), total.highest_equivalent(HIGHEST_US));
    }
}
