//! The finer percentile curve from a transport's HdrHistogram interval log.
//!
//! results.json carries a dozen percentiles per transport; the interval log beside it
//! (export::hlog: one histogram per second of the run, values in microseconds) holds the
//! whole distribution. The latency chart draws the curve HdrHistogram's own tools print,
//! from the seconds inside the measurement window. A missing log (results.json copied
//! alone) leaves the curve of results.json; so does an unreadable one, with a note saying
//! why: a report is never refused for it.

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};

use crate::metrics::latency::SIGNIFICANT_DIGITS;
use crate::results::{PercentilePoint, Results, TransportResult};

/// Steps per halving of the distance to 100%, as in HdrHistogram's percentile output.
const TICKS_PER_HALF_DISTANCE: u32 = 5;

/// Replaces each entry's percentile curve with its interval log's, when the log is in
/// `dir`; returns a note for each log that could not be used.
pub fn refine_percentiles(results: &mut Results, dir: &Path) -> Vec<String> {
    let mut notes = Vec::new();
    for entry in &mut results.transports {
        let Some(name) = entry.histogram_log.clone() else {
            continue;
        };
        let path = dir.join(&name);
        if !path.exists() {
            continue;
        }
        match window_histogram(&path, entry) {
            Ok(Some(histogram)) => entry.percentiles = curve(&histogram),
            Ok(None) => {}
            Err(why) => notes.push(format!(
                "{}: the latency chart uses the percentiles in results.json, not {name}: {why}",
                entry.transport
            )),
        }
    }
    notes
}

/// The sum of the log's histograms over the seconds inside the window (every second when
/// the entry has no timeline); `None` when they hold no values.
fn window_histogram(
    path: &Path,
    entry: &TransportResult,
) -> Result<Option<Histogram<u64>>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let window: BTreeSet<u64> = entry
        .timeline
        .iter()
        .filter(|s| s.in_window)
        .map(|s| s.t_s as u64)
        .collect();
    // Auto-resizing, so seconds recorded with different ranges all add up.
    let mut total = Histogram::<u64>::new(SIGNIFICANT_DIGITS).map_err(|e| format!("{e:?}"))?;
    let mut deserializer = Deserializer::new();
    for item in IntervalLogIterator::new(&bytes) {
        let LogEntry::Interval(interval) = item.map_err(|e| format!("{e:?}"))? else {
            continue;
        };
        let second = interval.start_timestamp().as_secs();
        if !entry.timeline.is_empty() && !window.contains(&second) {
            continue;
        }
        let encoded = STANDARD
            .decode(interval.encoded_histogram())
            .map_err(|e| e.to_string())?;
        let histogram: Histogram<u64> = deserializer
            .deserialize(&mut &encoded[..])
            .map_err(|e| format!("second {second}: {e:?}"))?;
        total
            .add(&histogram)
            .map_err(|e| format!("second {second}: {e:?}"))?;
    }
    Ok((!total.is_empty()).then_some(total))
}

/// HdrHistogram's percentile distribution: every step towards 100%, then the maximum.
fn curve(histogram: &Histogram<u64>) -> Vec<PercentilePoint> {
    let mut points: Vec<PercentilePoint> = histogram
        .iter_quantiles(TICKS_PER_HALF_DISTANCE)
        .map(|v| PercentilePoint {
            percentile: v.quantile_iterated_to() * 100.0,
            latency_us: v.value_iterated_to() as f64,
        })
        .filter(|p| p.percentile < 100.0)
        .collect();
    points.dedup_by(|b, a| a.percentile == b.percentile);
    points.push(PercentilePoint {
        percentile: 100.0,
        latency_us: histogram.max() as f64,
    });
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::hlog::write_interval_log;
    use crate::metrics::latency::{interval_histogram, record};
    use crate::results::Second;

    fn second(t: u64, in_window: bool) -> Second {
        Second {
            t_s: t as f64,
            delivered: 0,
            p99_us: None,
            in_window,
        }
    }

    /// Second 0 is warm-up at 1 s per event; seconds 1 and 2 hold 1..=1000 µs each.
    fn logged_entry(dir: &Path) -> TransportResult {
        let mut warmup = interval_histogram();
        record(&mut warmup, 1_000_000);
        let mut steady = interval_histogram();
        (1..=1000).for_each(|v| record(&mut steady, v));
        let mut log = Vec::new();
        let intervals = [
            (0.0, 1.0, &warmup),
            (1.0, 1.0, &steady),
            (2.0, 1.0, &steady),
        ];
        write_interval_log(&mut log, 1_700_000_000.0, &intervals).unwrap();
        std::fs::write(dir.join("ws.hlog"), log).unwrap();
        TransportResult {
            transport: crate::transport_kind::Transport::named("ws").unwrap(),
            histogram_log: Some("ws.hlog".into()),
            timeline: vec![second(0, false), second(1, true), second(2, true)],
            ..Default::default()
        }
    }

    fn results_with(entry: TransportResult) -> Results {
        let mut results: Results = serde_json::from_value(serde_json::json!({
            "schema": "wsbench.results.v1", "wsbench_version": "0", "complete": true,
            "started_at": "", "machine": {"cores": 2, "kernel": "", "cpu_model": "",
            "memory_bytes": 0, "hostname": ""}, "scenario": {}, "transports": []
        }))
        .unwrap();
        results.transports.push(entry);
        results
    }

    #[test]
    fn the_window_seconds_of_the_log_give_the_curve() {
        let dir = tempfile::tempdir().unwrap();
        let mut results = results_with(logged_entry(dir.path()));
        assert_eq!(
            refine_percentiles(&mut results, dir.path()),
            Vec::<String>::new()
        );
        let curve = &results.transports[0].percentiles;
        assert!(curve.len() > 30, "a fine curve: {} points", curve.len());
        assert!(curve.windows(2).all(|w| w[0].percentile < w[1].percentile));
        let last = curve.last().unwrap();
        assert_eq!(
            (last.percentile, last.latency_us),
            (100.0, 1000.0),
            "warm-up second left out"
        );
        let median = curve.iter().find(|p| p.percentile >= 50.0).unwrap();
        assert_eq!((median.percentile, median.latency_us), (50.0, 500.0));
    }

    #[test]
    fn an_unreadable_log_keeps_the_curve_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let mut entry = logged_entry(dir.path());
        entry.percentiles = vec![PercentilePoint {
            percentile: 50.0,
            latency_us: 7.0,
        }];
        std::fs::write(dir.path().join("ws.hlog"), "1.000,1.000,1.0,not-base64!\n").unwrap();
        let mut results = results_with(entry.clone());
        let notes = refine_percentiles(&mut results, dir.path());
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with(
            "ws: the latency chart uses the percentiles in results.json, not ws.hlog: "
        ));
        assert_eq!(results.transports[0].percentiles, entry.percentiles);

        std::fs::remove_file(dir.path().join("ws.hlog")).unwrap();
        assert!(
            refine_percentiles(&mut results, dir.path()).is_empty(),
            "a missing log is no news"
        );
    }
}
