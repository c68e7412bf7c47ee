//! HdrHistogram interval logs (`.hlog`), the format HdrHistogram's own tools read
//! (HistogramLogAnalyzer, HistogramLogProcessor): per-second latency histograms kept whole,
//! so percentiles of any span can be recomputed later without re-running.

use std::time::{Duration, UNIX_EPOCH};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::IntervalLogWriterBuilder;

use super::ExportError;

/// The column legend HdrHistogram's Java writer puts before the intervals.
const LEGEND: &str =
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";

/// An entry's per-second latency histograms (its timeline) as an interval log.
pub fn interval_log(
    start_unix_s: f64,
    timeline: &crate::metrics::latency::Timeline,
) -> Result<Vec<u8>, ExportError> {
    let intervals: Vec<Interval<'_>> = timeline
        .iter()
        .map(|(second, histogram)| (second as f64, 1.0, histogram))
        .collect();
    let mut out = Vec::new();
    write_interval_log(&mut out, start_unix_s, &intervals)?;
    Ok(out)
}

/// One interval: start in seconds after `start_unix_s`, length in seconds, histogram.
pub type Interval<'a> = (f64, f64, &'a Histogram<u64>);

/// Appends an interval log to `out`: a StartTime header, the legend, then one line per
/// interval with timestamps relative to StartTime.
pub fn write_interval_log(
    out: &mut Vec<u8>,
    start_unix_s: f64,
    intervals: &[Interval<'_>],
) -> Result<(), ExportError> {
    let start = UNIX_EPOCH + span(start_unix_s, 0.0)?.0;
    let mut serializer = V2DeflateSerializer::new();
    IntervalLogWriterBuilder::new()
        .add_comment("[Logged with wsbench]")
        .add_comment("[Histogram log format version 1.3]")
        .add_comment("[Values are latencies in microseconds]")
        .with_start_time(start)
        .begin_log_with(out, &mut serializer)
        .map_err(|e| ExportError::HistogramLog(e.to_string()))?;
    // The builder writes headers only; the legend goes between them and the intervals.
    out.extend_from_slice(LEGEND.as_bytes());
    let mut writer = IntervalLogWriterBuilder::new()
        .begin_log_with(out, &mut serializer)
        .map_err(|e| ExportError::HistogramLog(e.to_string()))?;
    for &(start_s, duration_s, histogram) in intervals {
        let (offset, length) = span(start_s, duration_s)?;
        writer
            .write_histogram(histogram, offset, length, None)
            .map_err(|e| ExportError::HistogramLog(e.to_string()))?;
    }
    Ok(())
}

fn span(start_s: f64, duration_s: f64) -> Result<(Duration, Duration), ExportError> {
    let invalid = || ExportError::Interval {
        start_s,
        duration_s,
    };
    let start = Duration::try_from_secs_f64(start_s).map_err(|_| invalid())?;
    let length = Duration::try_from_secs_f64(duration_s).map_err(|_| invalid())?;
    Ok((start, length))
}

#[cfg(test)]
mod tests {
    use hdrhistogram::serialization::Deserializer;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};

    use super::*;
    use crate::metrics::latency::{interval_histogram, new_histogram, record};

    /// Standard base64, enough to read back what the writer encoded.
    fn base64_decode(text: &str) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = Vec::new();
        let (mut bits, mut nbits) = (0u32, 0);
        for c in text.bytes().take_while(|&c| c != b'=') {
            let value = ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
            bits = (bits << 6) | value;
            nbits += 6;
            if nbits >= 8 {
                nbits -= 8;
                out.push((bits >> nbits) as u8);
            }
        }
        out
    }

    #[test]
    fn reads_back_the_same_intervals() {
        let mut first = interval_histogram();
        (1..=100).for_each(|v| record(&mut first, v));
        let mut second = new_histogram();
        record(&mut second, 25_000);
        record(&mut second, 25_000);
        let empty = new_histogram();
        let intervals = [(0.0, 1.0, &first), (1.0, 1.0, &second), (2.0, 1.0, &empty)];

        let mut log = Vec::new();
        write_interval_log(&mut log, 1_700_000_000.25, &intervals).unwrap();
        let text = String::from_utf8(log.clone()).unwrap();
        assert!(text.contains("#[StartTime: 1700000000.250 (seconds since epoch)]\n"));
        assert!(text.contains(LEGEND));

        let entries: Vec<LogEntry> = IntervalLogIterator::new(&log)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(
            entries[0],
            LogEntry::StartTime(Duration::new(1_700_000_000, 250_000_000))
        );
        let mut deserializer = Deserializer::new();
        for (entry, &(start_s, _, original)) in entries[1..].iter().zip(&intervals) {
            let LogEntry::Interval(interval) = entry else {
                panic!("expected an interval, got {entry:?}");
            };
            assert_eq!(interval.start_timestamp(), Duration::from_secs_f64(start_s));
            assert_eq!(interval.duration(), Duration::from_secs(1));
            let bytes = base64_decode(interval.encoded_histogram());
            let back: Histogram<u64> = deserializer.deserialize(&mut &bytes[..]).unwrap();
            assert_eq!(back.len(), original.len());
            assert_eq!(back.max(), original.max());
            assert_eq!(back.value_at_quantile(0.5), original.value_at_quantile(0.5));
        }
    }

    #[test]
    fn negative_offsets_are_rejected() {
        let h = new_histogram();
        let err = write_interval_log(&mut Vec::new(), 0.0, &[(-1.0, 1.0, &h)]).unwrap_err();
        assert!(err.to_string().contains("-1 s"), "{err}");
    }
}
