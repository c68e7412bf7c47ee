//! `wsbench compare BASELINE CURRENT`: a run judged against a committed baseline, metric by
//! metric, with the direction in which each metric gets worse known in advance.

mod load;
mod render;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::figures::Direction;
pub use load::load;
pub use render::{Format, row_in_words};

use crate::results::{Results, TransportResult, check_metric_path};

/// Schema of `wsbench compare --format json`.
pub const SCHEMA: &str = "wsbench.compare.v1";

/// Compared when `--metrics` is not given; comma-separated, as `--metrics` takes them and
/// as `--help` shows them.
pub const DEFAULT_METRICS: &str = "latency_us.p50,latency_us.p99,bytes.per_event,\
                                   cpu.server_us_per_event,memory.server_rss_per_conn_bytes,\
                                   events.lost";

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Baseline: a results directory, or its results.json.
    pub baseline: PathBuf,
    /// The run to judge: a results directory, or its results.json.
    pub current: PathBuf,
    /// Change in a metric's worse direction beyond which it has regressed: `10%` or `0.1`.
    #[arg(long, default_value = "10%", value_parser = parse_threshold)]
    pub threshold: f64,
    /// Metrics to compare, comma-separated results.json paths.
    #[arg(long, value_delimiter = ',', value_parser = parse_metric,
          default_value = DEFAULT_METRICS)]
    pub metrics: Vec<String>,
    /// Output: an aligned table, a GitHub table (for $GITHUB_STEP_SUMMARY), or JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write one JUnit test case per compared row to FILE, failing where the row counts
    /// as a regression (GitLab, Jenkins and GitHub test reports read it).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(
        "{path}: not found (expected a results directory holding results.json, or a results.json file)"
    )]
    Missing { path: PathBuf },
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not JSON: {source}")]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{path}: schema is {found}, expected one of `{}`",
        crate::results::READABLE.join("`, `")
    )]
    WrongSchema { path: PathBuf, found: String },
    #[error("{path}: not a valid `{schema}` record: {source}")]
    Malformed {
        path: PathBuf,
        schema: String,
        source: serde_json::Error,
    },
}

/// The whole comparison, as `--format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Always `wsbench.compare.v1`.
    pub schema: String,
    /// As a fraction: 0.1 for 10%.
    pub threshold: f64,
    /// Rows whose verdict is `regressed`, `missing` or `not_measured`: a gate never
    /// passes on a figure it could not compare.
    pub regressions: usize,
    /// `clients`, `rate` or `poll_interval` when the runs sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep_parameter: Option<String>,
    /// What a reader must know: different scenarios or machines, an incomplete run.
    pub notes: Vec<String>,
    pub rows: Vec<Row>,
}

/// One metric of one transport entry, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub transport: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep_value: Option<f64>,
    pub metric: String,
    pub direction: Direction,
    /// Absent when the baseline has no such entry.
    pub baseline: Option<f64>,
    /// Absent when this run has no such entry.
    pub current: Option<f64>,
    /// `(current - baseline) / baseline × 100`; absent when a side is, or when the
    /// baseline is 0 and the current value is not.
    pub change_pct: Option<f64>,
    pub verdict: Verdict,
    /// Why the metric is `not_measured` on a side (`current: no local server process`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Worse beyond the threshold (for a zero-tolerance metric: worse at all).
    Regressed,
    /// Better beyond the threshold.
    Improved,
    /// Within the threshold.
    Unchanged,
    /// A metric with no better direction moved beyond the threshold.
    Changed,
    /// In the baseline, not in this run: counts as a regression.
    Missing,
    /// In this run, not in the baseline.
    New,
    /// The entry is on both sides (or one) but the metric was not measured (`null`) on a
    /// side: nothing to judge, which fails the gate like a regression (`reason` says why).
    NotMeasured,
}

impl Verdict {
    /// Whether the row fails the gate: worse beyond the threshold, or nothing to compare.
    pub fn fails(self) -> bool {
        matches!(
            self,
            Verdict::Regressed | Verdict::Missing | Verdict::NotMeasured
        )
    }

    /// As `--format json` writes it: `regressed`, `not_measured`...
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::Unchanged => "unchanged",
            Verdict::Changed => "changed",
            Verdict::Missing => "missing",
            Verdict::New => "new",
            Verdict::NotMeasured => "not_measured",
        }
    }
}

/// Parses `10%` or `0.1`; a bare number must be a fraction (0 to 1), so that `10` is not
/// silently read as 1000%.
pub fn parse_threshold(text: &str) -> Result<f64, String> {
    let (number, scale) = match text.trim().strip_suffix('%') {
        Some(percent) => (percent, 100.0),
        None => (text.trim(), 1.0),
    };
    let value = number
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("`{text}` is not a threshold; write it like `10%` or `0.1`"))?;
    let fraction = value / scale;
    if !(fraction.is_finite() && fraction >= 0.0) {
        return Err(format!("`{text}` must be 0 or more, like `10%` or `0.1`"));
    }
    if scale == 1.0 && fraction > 1.0 {
        return Err(format!(
            "`{text}` is read as a fraction; write `{text}%` for percent"
        ));
    }
    Ok(fraction)
}

/// Accepts a results.json metric path; the error lists the valid ones.
pub fn parse_metric(text: &str) -> Result<String, String> {
    check_metric_path(text.trim()).map(|()| text.trim().to_string())
}

/// Loads both sides and compares them; errors are the user's to fix (exit 2).
pub fn run(args: &CompareArgs) -> Result<Comparison, CompareError> {
    // Both records name transports: a library user that starts here has them installed.
    crate::transport::install();
    let baseline = load(&args.baseline)?;
    let current = load(&args.current)?;
    Ok(compare(&baseline, &current, args.threshold, &args.metrics))
}

/// Entries matched by (transport, sweep value): the baseline's in order, then those only
/// this run has; within each, the metrics in the order given.
pub fn compare(
    baseline: &Results,
    current: &Results,
    threshold: f64,
    metrics: &[String],
) -> Comparison {
    let key = |e: &TransportResult| (e.transport, e.sweep_value);
    let mut pairs: Vec<(Option<&TransportResult>, Option<&TransportResult>)> = baseline
        .transports
        .iter()
        .map(|b| {
            (
                Some(b),
                current.transports.iter().find(|c| key(c) == key(b)),
            )
        })
        .collect();
    let only_current = current
        .transports
        .iter()
        .filter(|c| !baseline.transports.iter().any(|b| key(b) == key(c)));
    pairs.extend(only_current.map(|c| (None, Some(c))));
    let mut rows = Vec::new();
    for (b, c) in pairs {
        let Some(entry) = b.or(c) else { continue };
        for metric in metrics {
            let direction = Direction::of(metric);
            let before = b.and_then(|e| e.metric(metric));
            let after = c.and_then(|e| e.metric(metric));
            let reason = unmeasured(metric, [("baseline", b), ("current", c)]);
            let (change_pct, verdict) = match reason {
                Some(_) => (None, Verdict::NotMeasured),
                None => judge(direction, before, after, threshold),
            };
            rows.push(Row {
                transport: entry.transport.to_string(),
                sweep_value: entry.sweep_value,
                metric: metric.clone(),
                direction,
                baseline: before,
                current: after,
                change_pct,
                verdict,
                reason,
            });
        }
    }
    Comparison {
        schema: SCHEMA.into(),
        threshold,
        regressions: rows.iter().filter(|r| r.verdict.fails()).count(),
        sweep_parameter: current
            .sweep
            .as_ref()
            .or(baseline.sweep.as_ref())
            .map(|s| s.parameter.clone()),
        notes: load::notes(baseline, current),
        rows,
    }
}

/// Why `metric` has no value on a side whose entry is there, or `None` when it has.
fn unmeasured(metric: &str, sides: [(&str, Option<&TransportResult>); 2]) -> Option<String> {
    let reasons: Vec<String> = sides
        .iter()
        .filter_map(|(side, entry)| {
            let entry = (*entry)?;
            entry.metric(metric).is_none().then(|| {
                let why = entry.not_measured_reason(metric).unwrap_or("null");
                format!("{side}: {why}")
            })
        })
        .collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

fn judge(
    direction: Direction,
    baseline: Option<f64>,
    current: Option<f64>,
    threshold: f64,
) -> (Option<f64>, Verdict) {
    let (b, c) = match (baseline, current) {
        (Some(b), Some(c)) => (b, c),
        (Some(_), None) => return (None, Verdict::Missing),
        (None, Some(_)) => return (None, Verdict::New),
        (None, None) => return (None, Verdict::Unchanged),
    };
    let change_pct = match (b == 0.0, c == 0.0) {
        (true, true) => Some(0.0),
        (true, false) => None,
        _ => Some((c - b) / b.abs() * 100.0),
    };
    if c == b {
        return (change_pct, Verdict::Unchanged);
    }
    let worse = direction.is_worse(b, c);
    if worse && direction == Direction::ZeroTolerance {
        return (change_pct, Verdict::Regressed);
    }
    // Compared as fractions of the baseline; a move away from 0 is beyond any threshold.
    if (c - b).abs() <= threshold * b.abs() {
        return (change_pct, Verdict::Unchanged);
    }
    let verdict = match direction {
        Direction::Neutral => Verdict::Changed,
        _ if worse => Verdict::Regressed,
        _ => Verdict::Improved,
    };
    (change_pct, verdict)
}

#[cfg(test)]
mod tests;
