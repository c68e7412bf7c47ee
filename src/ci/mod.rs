//! What a CI job needs from wsbench once a run has finished: `[[assert]]` entries checked
//! against the results (`assert`), a run compared with a committed baseline (`compare`),
//! the medians of repeated runs that both of those read (`repeat`), and what a CI system
//! shows of them as tests (`junit`).

pub mod assert;
pub mod compare;
pub mod junit;
pub mod repeat;

#[cfg(test)]
pub(crate) mod fixture;

pub use assert::{evaluate, render_markdown, render_text};
pub use compare::{Comparison, Direction, Verdict, compare};
pub use repeat::{interleaved_order, median};

use crate::figures::{Style, Unit, show};

/// A figure as `compare` and `assert` write it: a bare number in the unit its metric path
/// names, as people write one (`5000`, `62.44`, `0.1`); `n/m` when not measured.
fn bare(value: Option<f64>) -> String {
    show(value, Unit::Number, Style::Bare)
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
    fn padding_counts_characters() {
        assert_eq!(pad("a ≤ 1", 7), "a ≤ 1  ");
        assert_eq!(pad_left("÷", 3), "  ÷");
        assert_eq!(pad("toolong", 3), "toolong");
    }
}
