//! How a figure is written: one formatter for the console table, the report, summary.csv,
//! `wsbench compare` and `[[assert]]`, so that a figure reads the same everywhere and a
//! figure not measured is `n/m` everywhere, never a 0.

use crate::units::thousands;

/// What a figure not measured shows, where people read it.
pub const NOT_MEASURED: &str = "n/m";

/// What a figure counts, in the record's own unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Things counted: events, requests, segments, errors.
    Count,
    /// A quantity with no unit of its own (a rate, a ratio, a swept value).
    Number,
    /// Microseconds (of latency, or of CPU per notification).
    Micros,
    /// CPU microseconds per delivered event, which are milliseconds per 1,000 events.
    CpuPerEvent,
    /// Bytes moved.
    Bytes,
    /// Bytes per second.
    BytesPerSecond,
    /// Bytes of memory, written in KiB.
    Memory,
    /// A share from 0 to 1.
    Share,
    /// A difference already in percent.
    Percent,
    /// Times a reference (a floor multiple, a factor over the best).
    Multiple,
    /// Seconds.
    Seconds,
    /// Milliseconds (a coalescing delay).
    Millis,
    /// Cores: CPU seconds per second.
    Cores,
}

impl Unit {
    /// The record's unit in words, as a metric's description names it (`metrics.prom`).
    pub fn noun(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Number => "number",
            Unit::Micros => "microseconds",
            Unit::CpuPerEvent => "CPU microseconds per delivered event",
            Unit::Bytes | Unit::Memory => "bytes",
            Unit::BytesPerSecond => "bytes per second",
            Unit::Share => "share, 0 to 1",
            Unit::Percent => "percent",
            Unit::Multiple => "multiple",
            Unit::Seconds => "seconds",
            Unit::Millis => "milliseconds",
            Unit::Cores => "cores: CPU seconds per second",
        }
    }
}

/// Where a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// In words, with its unit, as precise as its magnitude calls for: `1.74 ms`,
    /// `12,345 B`, `41.6%` (the report).
    Text,
    /// In a console column whose header names the unit: `1.74` under `p99 ms`, `42%`,
    /// `1.4×`, `0.5s` (the run's table).
    Column,
    /// A bare number in the record's unit, as people write one: `5000`, `62.44`, `0.1`
    /// (`wsbench compare`, `[[assert]]`, whose metric paths name the unit).
    Bare,
    /// For machines: every digit, and nothing when absent (summary.csv).
    Raw,
}

/// `value` in `unit`, written in `style`; `n/m` when it was not measured (empty in `Raw`).
pub fn show(value: Option<f64>, unit: Unit, style: Style) -> String {
    let Some(v) = value else {
        return match style {
            Style::Raw => String::new(),
            _ => NOT_MEASURED.into(),
        };
    };
    match style {
        // Spreadsheets read NaN and inf as text; an empty cell is an honest "no figure".
        Style::Raw if !v.is_finite() => String::new(),
        Style::Raw => format!("{v}"),
        Style::Bare => bare(v),
        Style::Column => column(v, unit),
        Style::Text => in_words(v, unit),
    }
}

/// A figure in words, with its unit (`show` with `Style::Text`, for a value there is).
pub fn text(value: f64, unit: Unit) -> String {
    show(Some(value), unit, Style::Text)
}

/// A count in words: `12,345`.
pub fn count(n: u64) -> String {
    thousands(n)
}

fn text_of(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => thousands(v.round() as i64),
        Unit::Number => number(v),
        Unit::Micros => micros(v),
        Unit::CpuPerEvent => format!("{v:.1} ms"),
        Unit::Bytes => bytes(v),
        Unit::BytesPerSecond => format!("{}/s", bytes(v)),
        Unit::Memory => format!("{:.1} KiB", v / 1024.0),
        Unit::Share => format!("{:.1}%", v * 100.0),
        Unit::Percent => format!("{v:+.1}%"),
        Unit::Multiple if v >= 100.0 => format!("{v:.0}×"),
        Unit::Multiple => format!("{v:.1}×"),
        Unit::Seconds => format!("{} s", number(v)),
        Unit::Millis => format!("{} ms", number(v)),
        Unit::Cores => format!("{v:.3}"),
    }
}

fn in_words(v: f64, unit: Unit) -> String {
    match (v.is_finite(), unit) {
        (true, _) => text_of(v, unit),
        (false, Unit::Multiple) if v > 0.0 => "∞×".into(),
        (false, _) => v.to_string(),
    }
}

fn column(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => format!("{v:.0}"),
        Unit::Number => format!("{v}"),
        Unit::Micros => format!("{:.2}", v / 1000.0),
        Unit::CpuPerEvent | Unit::Cores => format!("{v:.2}"),
        Unit::Bytes | Unit::BytesPerSecond => format!("{v:.1}"),
        Unit::Memory => format!("{:.1} KiB", v / 1024.0),
        Unit::Share => format!("{:.0}%", v * 100.0),
        Unit::Percent => format!("{v:.2}%"),
        Unit::Multiple => format!("{v:.1}×"),
        Unit::Seconds => format!("{v}s"),
        Unit::Millis => format!("{v}ms"),
    }
}

/// Integers without decimals, others to two decimals, or to three significant digits below
/// 1, trailing zeros dropped (`5000`, `62.44`, `0.1`).
fn bare(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 {
        return format!("{value:.0}");
    }
    let magnitude = value.abs();
    let decimals = if magnitude >= 1.0 {
        2
    } else {
        (2 - magnitude.log10().floor() as i64).clamp(0, 12) as usize
    };
    let text = format!("{value:.decimals$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// Bytes: `9.5 B`, `872 B`, `12,345 B`, `1.21 MiB`.
fn bytes(v: f64) -> String {
    match v.abs() {
        a if a < 10.0 => format!("{v:.1} B"),
        a if a < 100_000.0 => format!("{} B", thousands(v.round() as i64)),
        a if a < 1024.0 * 1024.0 => format!("{:.1} KiB", v / 1024.0),
        _ => format!("{:.1} MiB", v / (1024.0 * 1024.0)),
    }
}

/// Microseconds: `405 µs`, `1.74 ms`, `990.8 ms`, `2.88 s`; below a millisecond to three
/// significant digits (`5.30 µs`).
fn micros(us: f64) -> String {
    match us.abs() {
        a if a < 1_000.0 => format!("{} µs", sig3(us)),
        a if a < 10_000.0 => format!("{:.2} ms", us / 1e3),
        a if a < 1_000_000.0 => format!("{:.1} ms", us / 1e3),
        _ => format!("{:.2} s", us / 1e6),
    }
}

/// Integers with thousands separators, others to three significant digits: `20`,
/// `10,000`, `0.500`.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        thousands(v as i64)
    } else {
        sig3(v)
    }
}

/// Three significant digits, no exponent: `7.54`, `0.0153`, `66.6`, `1,234`.
fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if magnitude >= 3 {
        return thousands(v.round() as i64);
    }
    let decimals = (2 - magnitude).max(0) as usize;
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn each(style: Style, unit: Unit, values: &[f64]) -> Vec<String> {
        values.iter().map(|v| show(Some(*v), unit, style)).collect()
    }

    #[test]
    fn a_figure_not_measured_is_n_m_for_people_and_empty_for_machines() {
        for style in [Style::Text, Style::Column, Style::Bare] {
            for unit in [Unit::Micros, Unit::Bytes, Unit::Count, Unit::Share] {
                assert_eq!(show(None, unit, style), "n/m", "{style:?} {unit:?}");
            }
        }
        assert_eq!(show(None, Unit::Micros, Style::Raw), "");
        assert_eq!(show(Some(f64::NAN), Unit::Micros, Style::Raw), "");
        assert_eq!(
            show(Some(0.0), Unit::Micros, Style::Text),
            "0 µs",
            "0 is a value"
        );
    }

    #[test]
    fn text_has_units_and_the_precision_of_the_magnitude() {
        use Unit::*;
        let text = |unit, values: &[f64]| each(Style::Text, unit, values);
        assert_eq!(
            text(Bytes, &[9.46, 872.15, 12_345.0, 250_000.0, 2_500_000.0]),
            ["9.5 B", "872 B", "12,345 B", "244.1 KiB", "2.4 MiB"]
        );
        assert_eq!(
            text(Micros, &[405.7, 5.3, 1740.7, 990_800.0, 2_875_000.0]),
            ["406 µs", "5.30 µs", "1.74 ms", "990.8 ms", "2.88 s"]
        );
        assert_eq!(text(Memory, &[12_800.0]), ["12.5 KiB"]);
        assert_eq!(text(Share, &[0.41592]), ["41.6%"]);
        assert_eq!(
            text(Multiple, &[1.0, 13.62, 250.4, f64::INFINITY]),
            ["1.0×", "13.6×", "250×", "∞×"]
        );
        assert_eq!(
            text(
                Number,
                &[7.5368, 0.015258, 66.58, 1234.5, 20.0, 10_000.0, 0.5]
            ),
            ["7.54", "0.0153", "66.6", "1,235", "20", "10,000", "0.500"]
        );
        assert_eq!(text(Count, &[1_234_567.0]), ["1,234,567"]);
        assert_eq!(text(CpuPerEvent, &[5.0]), ["5.0 ms"]);
        assert_eq!(text(Seconds, &[2.0]), ["2 s"]);
    }

    #[test]
    fn a_column_holds_the_number_in_its_headers_unit() {
        use Unit::*;
        let column = |unit, values: &[f64]| each(Style::Column, unit, values);
        assert_eq!(column(Micros, &[1740.7, 250.0]), ["1.74", "0.25"]);
        assert_eq!(column(Bytes, &[100.46]), ["100.5"]);
        assert_eq!(column(Share, &[0.1]), ["10%"]);
        assert_eq!(column(Multiple, &[1.44]), ["1.4×"]);
        assert_eq!(column(Memory, &[12_288.5]), ["12.0 KiB"]);
        assert_eq!(column(CpuPerEvent, &[5.0]), ["5.00"]);
        assert_eq!(column(Count, &[299_990.0]), ["299990"]);
        assert_eq!(column(Seconds, &[0.5, 2.0]), ["0.5s", "2s"]);
        assert_eq!(column(Millis, &[5.0, 0.5]), ["5ms", "0.5ms"]);
        assert_eq!(column(Number, &[1000.0, 0.5]), ["1000", "0.5"]);
    }

    #[test]
    fn bare_numbers_read_like_people_write_them_whatever_the_unit() {
        let bare = |v| show(Some(v), Unit::Micros, Style::Bare);
        assert_eq!(bare(5000.0), "5000");
        assert_eq!(bare(0.0), "0");
        assert_eq!(bare(62.4375), "62.44");
        assert_eq!(bare(1234.5), "1234.5");
        assert_eq!(bare(0.1), "0.1");
        assert_eq!(bare(0.41234), "0.412");
        assert_eq!(bare(0.000_123_4), "0.000123");
        assert_eq!(bare(-2.5), "-2.5");
        assert_eq!(bare(-0.0001), "-0.0001");
        assert_eq!(bare(f64::INFINITY), "inf");
        assert_eq!(show(Some(62.4375), Unit::Bytes, Style::Bare), "62.44");
    }

    #[test]
    fn raw_keeps_every_digit() {
        let raw = |v| show(Some(v), Unit::Bytes, Style::Raw);
        assert_eq!(raw(0.000_001), "0.000001");
        assert_eq!(raw(30_000_000.0), "30000000");
        assert_eq!(raw(287.25), "287.25");
    }
}
