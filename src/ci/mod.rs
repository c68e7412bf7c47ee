//! What a CI job needs from wsbench once a run has finished: `[[assert]]` entries checked
//! against the results (`assert`), a run compared with a committed baseline (`compare`),
//! and the medians of repeated runs that both of those read (`repeat`).

pub mod assert;
pub mod compare;
pub mod repeat;

#[cfg(test)]
pub(crate) mod fixture;

pub use assert::{evaluate, render_markdown, render_text};
pub use compare::{Comparison, Direction, Verdict, compare};
pub use repeat::{interleaved_order, median};

/// A figure as people read it: integers without decimals, others to two decimals, or to
/// three significant digits below 1, trailing zeros dropped (`5000`, `62.44`, `0.1`).
pub fn format_value(value: f64) -> String {
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

/// Pads `text` to `width` characters (not bytes: `≤` and `÷` are one character each).
fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.chars().count());
    format!("{text}{}", " ".repeat(fill))
}

/// Right-aligns `text` in `width` characters.
fn pad_left(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.chars().count());
    format!("{}{text}", " ".repeat(fill))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_like_people_write_them() {
        assert_eq!(format_value(5000.0), "5000");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(62.4375), "62.44");
        assert_eq!(format_value(1234.5), "1234.5");
        assert_eq!(format_value(0.1), "0.1");
        assert_eq!(format_value(0.41234), "0.412");
        assert_eq!(format_value(0.000_123_4), "0.000123");
        assert_eq!(format_value(-2.5), "-2.5");
        assert_eq!(format_value(f64::INFINITY), "inf");
    }

    #[test]
    fn padding_counts_characters() {
        assert_eq!(pad("a ≤ 1", 7), "a ≤ 1  ");
        assert_eq!(pad_left("÷", 3), "  ÷");
        assert_eq!(pad("toolong", 3), "toolong");
    }
}
