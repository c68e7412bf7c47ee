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

/// A log axis whose ticks are given: a sweep's own values, rather than every integer
/// multiple of a power of ten crowding the axis.
#[derive(Debug, Clone)]
pub struct TickedLogAxis {
    pub range: Range<f64>,
    pub ticks: Vec<f64>,
}

impl TickedLogAxis {
    /// Covers `ticks` with some air on both sides.
    pub fn around(ticks: Vec<f64>) -> Self {
        let range = match log_bounds(ticks.iter().copied()) {
            Some((lo, hi)) if lo < hi => lo / 1.5..hi * 1.5,
            Some((v, _)) => v / 3.0..v * 3.0,
            None => 0.1..10.0,
        };
        Self { range, ticks }
    }
}

impl Ranged for TickedLogAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (self.range.start.ln(), self.range.end.ln());
        let share = (value.max(f64::MIN_POSITIVE).ln() - lo) / (hi - lo);
        limit.0 + ((limit.1 - limit.0) as f64 * share).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        self.ticks
            .iter()
            .copied()
            .filter(|t| self.range.contains(t))
            .collect()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Smallest and largest positive finite value.
fn log_bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

/// `99.9` → `"99.9%"`, `50` → `"50%"`.
pub fn percent_label(p: &f64) -> String {
    let text = format!("{p:.4}");
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// A range for a log axis covering `values`, with some air; zeros and negatives (which a
/// log axis cannot show) are ignored, and an empty or flat set still gives a valid range.
pub fn log_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let Some((lo, hi)) = log_bounds(values) else {
        return 0.1..10.0;
    };
    let (lo, hi) = if lo == hi {
        (lo / 2.0, hi * 2.0)
    } else {
        (lo, hi)
    };
    // Just below a power of ten, so that the bottom of the axis carries a label.
    10_f64.powf((lo / 1.6).log10().floor()) * 0.95..hi * 1.6
}

/// A range for a linear axis from zero, with room above the largest value for labels.
pub fn zero_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let hi = values.filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    if hi <= 0.0 { 0.0..1.0 } else { 0.0..hi * 1.15 }
}

/// Compact tick labels: `15000` → `15,000`, `2000000` → `2M`, `0.015` → `0.015`.
pub fn short_number(v: &f64) -> String {
    let v = *v;
    if v.abs() >= 1e3 && v.abs() < 1e6 && v.fract() == 0.0 {
        return crate::analysis::thousands(v as i64);
    }
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        _ => (v, ""),
    };
    let text = match scaled.abs() {
        0.0 => "0".to_string(),
        a if a >= 100.0 => format!("{scaled:.0}"),
        a if a >= 10.0 => format!("{scaled:.1}"),
        a if a >= 1.0 => format!("{scaled:.2}"),
        a if a >= 0.01 => format!("{scaled:.3}"),
        a if a >= 1e-4 => format!("{scaled:.5}"),
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
        let numbers: Vec<_> = [0.0, 0.001, 0.015, 1.5, 12.0, 150.0, 1500.0, 15000.0, 2e6]
            .iter()
            .map(short_number)
            .collect();
        assert_eq!(
            numbers,
            [
                "0", "0.001", "0.015", "1.5", "12", "150", "1,500", "15,000", "2M"
            ]
        );
    }

    #[test]
    fn sweep_axes_tick_at_the_swept_values() {
        let axis = TickedLogAxis::around(vec![1000.0, 10000.0]);
        assert_eq!(axis.range, 1000.0 / 1.5..15000.0);
        assert_eq!(axis.key_points(10), vec![1000.0, 10000.0]);
        // ln(1.5) / ln(22.5) of the way in from each end.
        assert_eq!(axis.map(&1000.0, (0, 100)), 13);
        assert_eq!(axis.map(&10000.0, (0, 100)), 87);
        assert_eq!(TickedLogAxis::around(vec![5.0]).range, 5.0 / 3.0..15.0);
    }

    #[test]
    fn ranges_survive_zeros_and_flat_data() {
        assert_eq!(log_range([0.0, 10.0, 100.0].into_iter()), 0.95..160.0);
        assert_eq!(log_range([0.0].into_iter()), 0.1..10.0);
        assert_eq!(log_range([4.0, 4.0].into_iter()), 0.95..8.0 * 1.6);
        assert_eq!(log_range([0.34, 900.0].into_iter()), 0.095..900.0 * 1.6);
        assert_eq!(zero_range([].into_iter()), 0.0..1.0);
    }
}
