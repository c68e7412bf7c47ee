//! Axes the charts share: HdrHistogram's percentile axis, log ranges that tolerate zeros,
//! and tick labels people read without counting zeros.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// The percentile axis of HdrHistogram plots: position grows with `log10(1/(1-p))`, so
/// 90%, 99%, 99.9% and 99.99% are evenly spaced and the tail gets the room it deserves.
/// Values are percentiles (0 to 100, exclusive).
#[derive(Debug, Clone)]
pub struct PercentileAxis {
    /// The largest percentile shown.
    pub max: f64,
}

/// Ticks: the median, then each added nine.
const TICKS: [f64; 8] = [0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 99.999, 99.9999];

/// Number of nines: 0 at 0%, 1 at 90%, 2 at 99%.
pub fn nines(percentile: f64) -> f64 {
    -(1.0 - percentile / 100.0).max(1e-9).log10()
}

impl PercentileAxis {
    /// At least up to 99.99%, further when the data go further.
    pub fn covering(percentiles: impl Iterator<Item = f64>) -> Self {
        let max = percentiles.filter(|p| *p < 100.0).fold(99.99, f64::max);
        Self { max }
    }
}

impl Ranged for PercentileAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = nines(*value) / nines(self.max);
        limit.0 + ((limit.1 - limit.0) as f64 * share).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        // Fixed ticks, whatever the hint: any other percentile would be an odd label.
        TICKS
            .into_iter()
            .filter(|p| nines(*p) <= nines(self.max) + 1e-9)
            .collect()
    }

    fn range(&self) -> Range<f64> {
        0.0..self.max
    }
}

/// `99.9` → `"99.9%"`, `50` → `"50%"`.
pub fn percent_label(p: &f64) -> String {
    let text = format!("{p:.4}");
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// A range for a log axis covering `values`, with some air; zeros and negatives (which a
/// log axis cannot show) are ignored, and an empty or flat set still gives a valid range.
pub fn log_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if hi <= 0.0 {
        return 0.1..10.0;
    }
    let (lo, hi) = if lo == hi {
        (lo / 2.0, hi * 2.0)
    } else {
        (lo, hi)
    };
    lo / 1.6..hi * 1.6
}

/// A range for a linear axis from zero, with room above the largest value for labels.
pub fn zero_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let hi = values.filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    if hi <= 0.0 { 0.0..1.0 } else { 0.0..hi * 1.15 }
}

/// Compact tick labels: `1500` → `1.5k`, `2000000` → `2M`, `0.015` → `0.015`.
pub fn short_number(v: &f64) -> String {
    let v = *v;
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e4 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let text = match scaled.abs() {
        0.0 => "0".to_string(),
        a if a >= 100.0 => format!("{scaled:.0}"),
        a if a >= 10.0 => format!("{scaled:.1}"),
        a if a >= 1.0 => format!("{scaled:.2}"),
        a if a >= 0.01 => format!("{scaled:.3}"),
        _ => format!("{scaled:.1e}"),
    };
    let text = if text.contains('.') && !text.contains('e') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nines_space_the_tail_evenly() {
        assert_eq!(nines(0.0), 0.0);
        assert!((nines(90.0) - 1.0).abs() < 1e-9);
        assert!((nines(99.99) - 4.0).abs() < 1e-9);
        let axis = PercentileAxis::covering([0.0, 50.0, 99.0, 100.0].into_iter());
        assert_eq!(
            axis.max, 99.99,
            "100% is infinite on this axis and is left out"
        );
        assert_eq!(axis.map(&0.0, (0, 400)), 0);
        assert_eq!(axis.map(&99.0, (0, 400)), 200);
        assert_eq!(axis.map(&99.99, (0, 400)), 400);
        assert_eq!(
            axis.key_points(10),
            vec![0.0, 50.0, 90.0, 99.0, 99.9, 99.99]
        );
    }

    #[test]
    fn labels_read_like_people_write_them() {
        let labels: Vec<_> = [0.0, 50.0, 99.9, 99.99].iter().map(percent_label).collect();
        assert_eq!(labels, ["0%", "50%", "99.9%", "99.99%"]);
        let numbers: Vec<_> = [0.0, 0.015, 1.5, 12.0, 150.0, 1500.0, 15000.0, 2e6]
            .iter()
            .map(short_number)
            .collect();
        assert_eq!(
            numbers,
            ["0", "0.015", "1.5", "12", "150", "1500", "15k", "2M"]
        );
    }

    #[test]
    fn ranges_survive_zeros_and_flat_data() {
        assert_eq!(log_range([0.0, 10.0, 100.0].into_iter()), 10.0 / 1.6..160.0);
        assert_eq!(log_range([0.0].into_iter()), 0.1..10.0);
        assert_eq!(log_range([4.0, 4.0].into_iter()), 2.0 / 1.6..8.0 * 1.6);
        assert_eq!(zero_range([].into_iter()), 0.0..1.0);
    }
}
