//! A comparison as a terminal table, a GitHub Markdown table (for `$GITHUB_STEP_SUMMARY`)
//! or JSON (`wsbench.compare.v2`).

use super::{Comparison, Row, Verdict};
use crate::ci::{bare, pad, pad_left};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned table for the terminal.
    Text,
    /// A GitHub table with ✅ / ❌, ready for a CI job summary.
    Markdown,
    /// A `wsbench.compare.v2` object.
    Json,
}

impl Comparison {
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => text(self),
            Format::Markdown => markdown(self),
            Format::Json => {
                let json = serde_json::to_string_pretty(self)
                    .expect("a comparison has only string keys and plain values");
                json + "\n"
            }
        }
    }
}

/// Which columns are right-aligned numbers.
const NUMERIC: [bool; 6] = [false, false, true, true, true, false];

fn text(c: &Comparison) -> String {
    let mut header = vec![
        "transport",
        "metric",
        "baseline",
        "current",
        "change",
        "verdict",
    ];
    let mut numeric = NUMERIC.to_vec();
    let swept = c.rows.iter().any(|r| r.sweep_value.is_some());
    if swept {
        header.insert(1, c.sweep_parameter.as_deref().unwrap_or("sweep"));
        numeric.insert(1, true);
    }
    let mut table = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    table.extend(c.rows.iter().map(|r| cells(c, r, swept, &verdict_text(r))));
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            table
                .iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if numeric[i] {
                    pad_left(cell, widths[i])
                } else {
                    pad(cell, widths[i])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    for note in notes(c) {
        out.push_str(&format!("note: {note}\n"));
    }
    out.push_str(&summary(c));
    out.push('\n');
    out
}

fn markdown(c: &Comparison) -> String {
    let swept = c.rows.iter().any(|r| r.sweep_value.is_some());
    let mut out = format!("### wsbench compare: {}\n\n", summary(c));
    if swept {
        let parameter = c.sweep_parameter.as_deref().unwrap_or("Sweep");
        out.push_str(&format!(
            "| Transport | {parameter} | Metric | Baseline | Current | Change | Verdict |\n"
        ));
        out.push_str("| --- | ---: | --- | ---: | ---: | ---: | --- |\n");
    } else {
        out.push_str("| Transport | Metric | Baseline | Current | Change | Verdict |\n");
        out.push_str("| --- | --- | ---: | ---: | ---: | --- |\n");
    }
    for row in &c.rows {
        out.push_str(&format!(
            "| {} |\n",
            cells(c, row, swept, &verdict_markdown(row)).join(" | ")
        ));
    }
    for note in notes(c) {
        out.push_str(&format!("\n> **Note:** {note}\n"));
    }
    out
}

fn cells(c: &Comparison, r: &Row, swept: bool, verdict: &str) -> Vec<String> {
    let mut cells = vec![
        r.transport.clone(),
        r.metric.clone(),
        value(r, r.baseline),
        value(r, r.current),
        change(r),
    ];
    if swept {
        let point = match (r.sweep_value, c.sweep_parameter.as_deref()) {
            (Some(v), Some("poll_interval")) => format!("{}s", bare(Some(v))),
            (Some(v), Some("coalesce")) => format!("{}ms", bare(Some(v))),
            (Some(v), _) => bare(Some(v)),
            (None, _) => "—".into(),
        };
        cells.insert(1, point);
    }
    cells.push(verdict.into());
    cells
}

/// The comparison's notes, then why each row not measured is so, and once why timed
/// figures were not gated (every such row has the same reason).
fn notes(c: &Comparison) -> Vec<String> {
    let unmeasured = c.rows.iter().filter_map(|r| {
        let reason = r
            .reason
            .as_ref()
            .filter(|_| r.verdict == Verdict::NotMeasured)?;
        Some(format!(
            "{} {} not measured: {reason}",
            r.transport, r.metric
        ))
    });
    let not_gated = c
        .rows
        .iter()
        .find(|r| r.verdict == Verdict::NotGated)
        .and_then(|r| r.reason.clone())
        .map(|reason| format!("not gated: {reason}"));
    // Each reason for skipping once: machines, other work, records older than a figure.
    let mut skipped: Vec<String> = Vec::new();
    for reason in c.rows.iter().filter(|r| r.verdict == Verdict::Skipped) {
        let note = format!("skipped: {}", reason.reason.as_deref().unwrap_or("—"));
        if !skipped.contains(&note) {
            skipped.push(note);
        }
    }
    c.notes
        .iter()
        .cloned()
        .chain(unmeasured)
        .chain(not_gated)
        .chain(skipped)
        .collect()
}

fn summary(c: &Comparison) -> String {
    let counted = format!(
        "counted figures within {}%",
        bare(Some(c.tolerance * 100.0))
    );
    let threshold = match c.gate_timed {
        true => format!(
            "{counted}, timed ones beyond {}% at p < {}",
            bare(Some(c.threshold * 100.0)),
            bare(Some(c.alpha))
        ),
        false => format!("{counted}; timed ones shown, not gated"),
    };
    match c.regressions {
        0 => format!("no regression ({threshold})"),
        1 => format!("1 regression ({threshold})"),
        n => format!("{n} regressions ({threshold})"),
    }
}

/// A side's value: `n/m` when its entry is there but the figure was not measured, a dash
/// when there is no entry to compare.
fn value(r: &Row, v: Option<f64>) -> String {
    match (v, r.verdict) {
        (None, Verdict::NotMeasured) => bare(None),
        (None, _) => "—".into(),
        (Some(v), _) => bare(Some(v)),
    }
}

fn change(r: &Row) -> String {
    match (r.change_pct, r.baseline, r.current) {
        (Some(0.0), _, _) => "0.0%".into(),
        (Some(pct), _, _) => format!("{pct:+.1}%"),
        (None, Some(_), Some(_)) => "from 0".into(),
        (None, _, _) => "—".into(),
    }
}

/// `ws latency_us.p99: baseline 900, current 1800, change +100.0%: regressed`: one row in
/// a line, as its JUnit test case says it.
pub fn row_in_words(r: &Row) -> String {
    format!(
        "{} {}: baseline {}, current {}, change {}: {}",
        r.transport,
        r.metric,
        value(r, r.baseline),
        value(r, r.current),
        change(r),
        r.verdict.name()
    )
}

fn verdict_text(r: &Row) -> String {
    match r.verdict {
        Verdict::Regressed => "REGRESSED".into(),
        Verdict::Improved => "improved".into(),
        Verdict::Unchanged => "unchanged".into(),
        Verdict::Changed => "changed".into(),
        Verdict::Missing => "MISSING".into(),
        Verdict::New => "new".into(),
        Verdict::NotMeasured => "NOT MEASURED".into(),
        Verdict::WithinNoise => within_noise(r),
        Verdict::NotGated => "not gated".into(),
        Verdict::Skipped => "skipped".into(),
    }
}

fn verdict_markdown(r: &Row) -> String {
    match r.verdict {
        Verdict::Regressed => "❌ **REGRESSED**".into(),
        Verdict::Improved => "✅ improved".into(),
        Verdict::Unchanged => "✅ unchanged".into(),
        Verdict::Changed => "ℹ️ changed".into(),
        Verdict::Missing => "❌ **MISSING**".into(),
        Verdict::New => "🆕 new".into(),
        Verdict::NotMeasured => "❌ **NOT MEASURED**".into(),
        Verdict::WithinNoise => format!("✅ {}", within_noise(r)),
        Verdict::NotGated => "➖ not gated".into(),
        Verdict::Skipped => "➖ skipped".into(),
    }
}

/// `within noise (±12% at 5 rounds)`.
fn within_noise(r: &Row) -> String {
    match (r.noise_pct, r.rounds) {
        (Some(noise), Some([b, c])) => {
            let rounds = if b == c {
                b.to_string()
            } else {
                format!("{b}/{c}")
            };
            format!("within noise (±{noise:.0}% at {rounds} rounds)")
        }
        _ => "within noise".into(),
    }
}
