//! `wsbench compare BASELINE CURRENT`: a run judged against a committed baseline, metric by
//! metric, with the direction in which each metric gets worse known in advance.

mod load;
mod render;
mod stats;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::figures::{Direction, Stability};
pub use load::load;
pub use render::{Format, row_in_words};

use crate::results::{Results, TransportResult, check_metric_path};

/// Schema of `wsbench compare --format json`.
pub const SCHEMA: &str = "wsbench.compare.v2";

/// Rounds each side needs before a timed figure is judged: fewer cannot tell a change from
/// the noise of a shared machine.
pub const MIN_ROUNDS: usize = 3;

/// Compared when `--metrics` is not given; comma-separated, as `--metrics` takes them and
/// as `--help` shows them.
pub const DEFAULT_METRICS: &str = "latency_us.p50,latency_us.p99,bytes.per_event,\
                                   cpu.events_per_write,cpu.server_us_per_event,\
                                   memory.server_rss_per_conn_bytes,events.lost";

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Baseline: a results directory, or its results.json.
    pub baseline: PathBuf,
    /// The run to judge: a results directory, or its results.json.
    pub current: PathBuf,
    /// Timed figures (latency, CPU, memory): the change of the rounds' medians, in the worse
    /// direction, beyond which a significant change is a regression: `10%` or `0.1`.
    #[arg(long, default_value = "10%", value_parser = parse_threshold)]
    pub threshold: f64,
    /// Counted figures (bytes per event, overhead share): the change beyond which they
    /// regressed. Lost events regress on any rise.
    #[arg(long, default_value = "1%", value_parser = parse_threshold)]
    pub tolerance: f64,
    /// Timed figures: the significance a change needs (a one-sided Mann–Whitney U test on
    /// the rounds of each side, `--repeat`), like 0.01.
    #[arg(long, default_value_t = DEFAULT_ALPHA, value_parser = parse_alpha)]
    pub alpha: f64,
    /// Gate timed figures (latency, CPU, memory) too, from the rounds of each side (at least
    /// 3, `--repeat`) on one machine and boot. Off by default: between two runs of unchanged
    /// code they moved by more than any change worth catching on the machines this was
    /// measured on (docs/CI.md, "How sensitive the gate is"); they are shown, not gated.
    #[arg(long)]
    pub gate_timed: bool,
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
    #[error("{path}: cannot read: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: not JSON: {error}")]
    NotJson {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error(
        "{path}: schema is {found}, expected one of `{}`",
        crate::results::READABLE.join("`, `")
    )]
    WrongSchema { path: PathBuf, found: String },
    #[error("{path}: not a valid `{schema}` record: {error}")]
    Malformed {
        path: PathBuf,
        schema: String,
        error: serde_json::Error,
    },
}

/// The significance a timed figure's change needs by default: with five rounds a side, only
/// a change that orders the rounds all but perfectly.
pub const DEFAULT_ALPHA: f64 = 0.01;

/// How the rows are judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gates {
    /// Timed figures: the change of medians beyond which a significant change counts.
    pub threshold: f64,
    /// Counted figures: the change beyond which they regressed.
    pub tolerance: f64,
    /// Timed figures: the one-sided p-value a change needs.
    pub alpha: f64,
    /// Whether timed figures are gated at all (`--gate-timed`).
    pub timed: bool,
}

impl Gates {
    /// The defaults of `wsbench compare`.
    pub const DEFAULT: Gates = Gates {
        threshold: 0.1,
        tolerance: 0.01,
        alpha: DEFAULT_ALPHA,
        timed: false,
    };
}

/// Why a timed figure is shown and not gated without `--gate-timed`.
pub const TIMED_NOT_GATED: &str = "timed figures are shown, not gated: between runs of \
     unchanged code they move by more than a change worth catching (docs/CI.md, \
     \"How sensitive the gate is\"); --gate-timed gates them from rounds of one machine";

/// The whole comparison, as `--format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Always `wsbench.compare.v2`.
    pub schema: String,
    /// Timed figures: the change of medians a significant change needs, as a fraction.
    pub threshold: f64,
    /// Counted figures: the change beyond which they regressed, as a fraction.
    pub tolerance: f64,
    /// Timed figures: the one-sided p-value a change needs.
    pub alpha: f64,
    /// Whether timed figures were gated (`--gate-timed`); absent (false) in older output.
    #[serde(default)]
    pub gate_timed: bool,
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
    /// Counted (`exact`) or timed (`noisy`): how the row is judged.
    pub stability: Stability,
    /// Absent when the baseline has no such entry; with rounds, their median.
    pub baseline: Option<f64>,
    /// Absent when this run has no such entry; with rounds, their median.
    pub current: Option<f64>,
    /// `(current - baseline) / baseline × 100`; absent when a side is, or when the
    /// baseline is 0 and the current value is not.
    pub change_pct: Option<f64>,
    /// Rounds on each side (`--repeat`), for a timed figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<[usize; 2]>,
    /// A timed figure judged on its rounds: the one-sided p-value of a change in the worse
    /// direction (Mann–Whitney U).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// A timed figure judged on its rounds: half the range of the rounds relative to their
    /// median, the larger side's, percent: "within noise (±x%)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_pct: Option<f64>,
    pub verdict: Verdict,
    /// Why the row is `not_measured`, `not_gated` or `skipped` (`current: no local server
    /// process`).
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
    /// A timed figure whose rounds moved no more than their noise allows (not significant,
    /// or significant but within the threshold): no regression, and no pass either.
    WithinNoise,
    /// A timed figure with fewer than `MIN_ROUNDS` rounds on a side: a single run of a
    /// shared machine cannot tell a change from noise, so it is shown and not judged.
    NotGated,
    /// A timed figure measured on different machines: it does not travel, and is not
    /// compared (`reason` names the difference).
    Skipped,
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
            Verdict::WithinNoise => "within_noise",
            Verdict::NotGated => "not_gated",
            Verdict::Skipped => "skipped",
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

/// Parses a significance level, above 0 and below 1.
pub fn parse_alpha(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(alpha) if alpha > 0.0 && alpha < 1.0 => Ok(alpha),
        _ => Err(format!(
            "`{text}` is not a significance level; give one above 0 and below 1, like 0.01"
        )),
    }
}

/// Loads both sides and compares them; errors are the user's to fix (exit 2).
pub fn run(args: &CompareArgs) -> Result<Comparison, CompareError> {
    // Both records name transports: a library user that starts here has them installed.
    crate::transport::install();
    let baseline = load(&args.baseline)?;
    let current = load(&args.current)?;
    let gates = Gates {
        threshold: args.threshold,
        tolerance: args.tolerance,
        alpha: args.alpha,
        timed: args.gate_timed,
    };
    Ok(compare(&baseline, &current, gates, &args.metrics))
}

/// Entries matched by (transport, sweep value): the baseline's in order, then those only
/// this run has; within each, the metrics in the order given.
pub fn compare(
    baseline: &Results,
    current: &Results,
    gates: Gates,
    metrics: &[String],
) -> Comparison {
    let machines = load::machines_differ(baseline, current);
    let machines = machines.as_deref();
    let rows: Vec<Row> = pairs(baseline, current)
        .into_iter()
        .flat_map(|pair| {
            metrics
                .iter()
                .map(move |metric| judge_row(pair, metric, gates, machines))
        })
        .collect();
    Comparison {
        schema: SCHEMA.into(),
        threshold: gates.threshold,
        tolerance: gates.tolerance,
        alpha: gates.alpha,
        gate_timed: gates.timed,
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

type Pair<'a> = (Option<&'a TransportResult>, Option<&'a TransportResult>);

/// Each entry with its counterpart: the baseline's in order, then those only this run has.
fn pairs<'a>(baseline: &'a Results, current: &'a Results) -> Vec<Pair<'a>> {
    let key = |e: &TransportResult| (e.transport, e.sweep_value);
    let mut pairs: Vec<Pair<'a>> = baseline
        .transports
        .iter()
        .map(|b| {
            let c = current.transports.iter().find(|c| key(c) == key(b));
            (Some(b), c)
        })
        .collect();
    let only_current = current
        .transports
        .iter()
        .filter(|c| !baseline.transports.iter().any(|b| key(b) == key(c)));
    pairs.extend(only_current.map(|c| (None, Some(c))));
    pairs
}

/// One metric of one pair of entries, judged by what kind of figure it is.
fn judge_row((b, c): Pair<'_>, metric: &str, gates: Gates, machines: Option<&str>) -> Row {
    let entry = b.or(c).expect("a pair has at least one side");
    let stability = crate::figures::stability(metric);
    let mut row = Row {
        transport: entry.transport.to_string(),
        sweep_value: entry.sweep_value,
        metric: metric.to_string(),
        direction: Direction::of(metric),
        stability,
        baseline: b.and_then(|e| e.metric(metric)),
        current: c.and_then(|e| e.metric(metric)),
        change_pct: None,
        rounds: None,
        p_value: None,
        noise_pct: None,
        verdict: Verdict::Unchanged,
        reason: unmeasured(metric, [("baseline", b), ("current", c)]),
    };
    // A figure newer than a record (null without a reason: its wsbench did not know it) is
    // what the newer side adds, not a gap to fail on.
    let predates = |side: Option<&TransportResult>| {
        side.is_some_and(|e| e.metric(metric).is_none() && e.not_measured_reason(metric).is_none())
    };
    match (predates(b), predates(c), row.current.is_some()) {
        (true, _, true) => {
            row.verdict = Verdict::New;
            row.reason = Some("the baseline's record predates this figure".into());
            return row;
        }
        (true, true, _) => {
            row.verdict = Verdict::Skipped;
            row.reason = Some("both records predate this figure".into());
            return row;
        }
        _ => {}
    }
    let skip = match machines {
        Some(differ) => Some(format!(
            "a timed figure measured on different machines ({differ}) does not compare"
        )),
        None => b.zip(c).and_then(|(b, c)| load::other_work_differs(b, c)),
    };
    match (stability, skip, &row.reason) {
        (Stability::Noisy, Some(why), _) => {
            row.change_pct = change_pct(row.baseline, row.current);
            row.verdict = Verdict::Skipped;
            row.reason = Some(why);
        }
        (_, _, Some(_)) => row.verdict = Verdict::NotMeasured,
        (Stability::Exact, _, None) => {
            (row.change_pct, row.verdict) =
                judge(row.direction, row.baseline, row.current, gates.tolerance);
        }
        (Stability::Noisy, None, None) if !gates.timed => {
            row.change_pct = change_pct(row.baseline, row.current);
            row.verdict = Verdict::NotGated;
            row.reason = Some(TIMED_NOT_GATED.into());
        }
        (Stability::Noisy, None, None) => {
            let rounds = |side: Option<&TransportResult>| side.map(|e| rounds(e, metric));
            judge_rounds(&mut row, rounds(b), rounds(c), gates);
        }
    }
    row
}

/// Each round's value of `metric` in `entry` (its `spread`, with `--repeat`), or its one
/// value.
fn rounds(entry: &TransportResult, metric: &str) -> Vec<f64> {
    let kept = entry
        .spread
        .as_ref()
        .and_then(|spread| spread.get(metric)?.get("values")?.as_array().cloned());
    match kept {
        Some(values) => values.iter().filter_map(|v| v.as_f64()).collect(),
        None => entry.metric(metric).into_iter().collect(),
    }
}

/// A timed figure judged on its rounds: a regression needs both a significant shift
/// (`alpha`) and a change of medians beyond the threshold, so that neither a consistent
/// but tiny drift nor one wild round cries wolf.
fn judge_rounds(row: &mut Row, before: Option<Vec<f64>>, after: Option<Vec<f64>>, gates: Gates) {
    let (before, after) = match (before, after) {
        (Some(b), Some(a)) => (b, a),
        (b, a) => {
            (row.change_pct, row.verdict) = judge(
                row.direction,
                b.and(row.baseline),
                a.and(row.current),
                gates.threshold,
            );
            return;
        }
    };
    row.rounds = Some([before.len(), after.len()]);
    row.baseline = stats::median(&before);
    row.current = stats::median(&after);
    row.change_pct = change_pct(row.baseline, row.current);
    if before.len().min(after.len()) < MIN_ROUNDS {
        row.verdict = Verdict::NotGated;
        row.reason = Some(format!(
            "a timed figure from {} and {} round(s): gated from {MIN_ROUNDS} rounds a side \
             (wsbench run --repeat 5; wsbench baseline)",
            before.len(),
            after.len()
        ));
        return;
    }
    let Some(shift) = stats::shift(&before, &after) else {
        return;
    };
    row.noise_pct = shift.noise.map(|n| n * 100.0);
    let (p_worse, p_better) = match row.direction {
        Direction::HigherIsBetter => (shift.p_smaller, shift.p_larger),
        _ => (shift.p_larger, shift.p_smaller),
    };
    row.p_value = Some(p_worse);
    let beyond = shift.change.is_some_and(|c| c.abs() > gates.threshold);
    row.verdict = match row.direction {
        Direction::Neutral if beyond => Verdict::Changed,
        Direction::Neutral => Verdict::Unchanged,
        _ if beyond && p_worse < gates.alpha => Verdict::Regressed,
        _ if beyond && p_better < gates.alpha => Verdict::Improved,
        _ => Verdict::WithinNoise,
    };
}

fn change_pct(baseline: Option<f64>, current: Option<f64>) -> Option<f64> {
    let (b, c) = (baseline?, current?);
    match (b == 0.0, c == 0.0) {
        (true, true) => Some(0.0),
        (true, false) => None,
        _ => Some((c - b) / b.abs() * 100.0),
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
    let change_pct = change_pct(Some(b), Some(c));
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
