//! `[[assert]]` entries checked against a finished run: a bound on one transport's metric,
//! or on its ratio to another transport's in the same run. Anything that leaves nothing to
//! measure (a transport not in the run, a figure not measured, a division by zero) fails,
//! and says why.

use super::{bare, pad};
use crate::results::{AssertionOutcome, Results, TransportResult};
use crate::scenario::AssertSpec;

/// Every assertion against every sweep point of the run, in scenario order. An assertion
/// without a transport gives one outcome per transport entry.
pub fn evaluate(asserts: &[AssertSpec], results: &Results) -> Vec<AssertionOutcome> {
    let parameter = results.sweep.as_ref().map(|s| s.parameter.as_str());
    let mut outcomes = Vec::new();
    for spec in asserts {
        for value in sweep_points(results) {
            let point = Point { parameter, value };
            let entries: Vec<&TransportResult> = results
                .transports
                .iter()
                .filter(|t| t.sweep_value == value)
                .collect();
            match spec.transport {
                Some(transport) => outcomes.push(check(spec, transport.name(), &entries, point)),
                None if entries.is_empty() => {
                    let reason = Err("the run measured no transport".into());
                    outcomes.push(outcome(spec, "all", point, reason));
                }
                None => outcomes.extend(
                    entries
                        .iter()
                        .map(|e| check(spec, e.transport.name(), &entries, point)),
                ),
            }
        }
    }
    outcomes
}

/// One line per outcome (`PASS  ws latency_us.p99 ≤ 5000  measured 3120`), then a count.
/// Empty when there are no assertions.
pub fn render_text(outcomes: &[AssertionOutcome]) -> String {
    if outcomes.is_empty() {
        return String::new();
    }
    let width = outcomes
        .iter()
        .map(|o| o.description.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for o in outcomes {
        let verdict = if o.passed { "PASS" } else { "FAIL" };
        out.push_str(&format!(
            "{verdict}  {}  {}\n",
            pad(&o.description, width),
            measured_in_words(o)
        ));
    }
    let total = outcomes.len();
    let noun = if total == 1 {
        "assertion"
    } else {
        "assertions"
    };
    match outcomes.iter().filter(|o| !o.passed).count() {
        0 => out.push_str(&format!("{total} of {total} {noun} passed\n")),
        failed => out.push_str(&format!("{failed} of {total} {noun} failed\n")),
    }
    out
}

/// A GitHub table of the outcomes, for reports and job summaries. Empty when there are no
/// assertions.
pub fn render_markdown(outcomes: &[AssertionOutcome]) -> String {
    if outcomes.is_empty() {
        return String::new();
    }
    let mut out = String::from("| Result | Assertion | Measured |\n| --- | --- | ---: |\n");
    for o in outcomes {
        let verdict = if o.passed { "✅ PASS" } else { "❌ FAIL" };
        out.push_str(&format!(
            "| {verdict} | {} | {} |\n",
            o.description,
            measured(o)
        ));
    }
    out
}

/// `measured 0.413`, or `not measured: poll is not in this run`: an outcome's figure in
/// words, as the terminal's line ends.
pub(super) fn measured_in_words(o: &AssertionOutcome) -> String {
    match o.measured {
        Some(_) => format!("measured {}", measured(o)),
        None => measured(o),
    }
}

/// ` at clients = 1000`: where in a sweep an outcome or a comparison row applies; empty
/// when the run does not sweep.
pub(super) fn at_point(parameter: Option<&str>, value: Option<f64>) -> String {
    Point { parameter, value }.suffix()
}

/// The measured value, or why there is none.
fn measured(o: &AssertionOutcome) -> String {
    match o.measured {
        Some(v) => bare(Some(v)),
        None => format!(
            "not measured: {}",
            o.reason.as_deref().unwrap_or("no value")
        ),
    }
}

/// Where in a sweep an outcome applies; `value` is `None` when the run does not sweep.
#[derive(Clone, Copy)]
struct Point<'a> {
    parameter: Option<&'a str>,
    value: Option<f64>,
}

impl Point<'_> {
    fn suffix(self) -> String {
        match (self.parameter, self.value) {
            (Some("poll_interval"), Some(v)) => format!(" at poll_interval = {}s", bare(Some(v))),
            (Some("coalesce"), Some(v)) => format!(" at coalesce = {}ms", bare(Some(v))),
            (Some(p), Some(v)) => format!(" at {p} = {}", bare(Some(v))),
            (None, Some(v)) => format!(" at sweep value {}", bare(Some(v))),
            (_, None) => String::new(),
        }
    }
}

/// The sweep's values in order, then any an entry carries that the sweep does not list;
/// a single `None` point when the run does not sweep.
fn sweep_points(results: &Results) -> Vec<Option<f64>> {
    let mut points: Vec<Option<f64>> = results
        .sweep
        .iter()
        .flat_map(|s| s.values.iter().map(|v| Some(*v)))
        .collect();
    for entry in &results.transports {
        if !points.contains(&entry.sweep_value) {
            points.push(entry.sweep_value);
        }
    }
    if points.is_empty() {
        points.push(None);
    }
    points
}

fn check(
    spec: &AssertSpec,
    transport: &str,
    entries: &[&TransportResult],
    point: Point,
) -> AssertionOutcome {
    outcome(
        spec,
        transport,
        point,
        measure(spec, transport, entries, point),
    )
}

/// The metric, or its ratio to the other transport's; why not, when there is nothing to
/// measure.
fn measure(
    spec: &AssertSpec,
    transport: &str,
    entries: &[&TransportResult],
    point: Point,
) -> Result<f64, String> {
    let value = lookup(entries, transport, &spec.metric, point)?;
    let measured = match spec.relative_to {
        None => value,
        Some(other) => {
            let base = lookup(entries, other.name(), &spec.metric, point)?;
            if base == 0.0 {
                return Err(format!(
                    "{other} {} is 0, so the ratio is undefined",
                    spec.metric
                ));
            }
            value / base
        }
    };
    if !measured.is_finite() {
        return Err(format!("the measured value is {measured}, not a number"));
    }
    Ok(measured)
}

fn lookup(
    entries: &[&TransportResult],
    transport: &str,
    metric: &str,
    point: Point,
) -> Result<f64, String> {
    let entry = entries
        .iter()
        .find(|e| e.transport.name() == transport)
        .ok_or_else(|| format!("{transport} is not in this run{}", point.suffix()))?;
    entry
        .metric(metric)
        .ok_or_else(|| match entry.not_measured_reason(metric) {
            Some(reason) => format!("{transport} {metric}: {reason}"),
            None => format!("{transport} has no value for {metric}"),
        })
}

fn outcome(
    spec: &AssertSpec,
    transport: &str,
    point: Point,
    measured: Result<f64, String>,
) -> AssertionOutcome {
    let (min, max) = bounds(spec);
    let (measured, passed, reason) = match measured {
        Ok(v) => {
            let passed = min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
            (Some(v), passed, None)
        }
        Err(reason) => (None, false, Some(reason)),
    };
    AssertionOutcome {
        description: describe(spec, transport, point),
        transport: transport.to_string(),
        metric: spec.metric.clone(),
        sweep_value: point.value,
        measured,
        passed,
        reason,
    }
}

/// `min`/`max`, or `min_ratio`/`max_ratio` for a ratio.
fn bounds(spec: &AssertSpec) -> (Option<f64>, Option<f64>) {
    match spec.relative_to {
        Some(_) => (spec.min_ratio, spec.max_ratio),
        None => (spec.min, spec.max),
    }
}

/// The assertion in words: `ws latency_us.p99 ≤ 5000`, `ws bytes.per_event ÷ poll ≤ 0.1`.
fn describe(spec: &AssertSpec, transport: &str, point: Point) -> String {
    let subject = match spec.relative_to {
        Some(other) => format!("{transport} {} ÷ {other}", spec.metric),
        None => format!("{transport} {}", spec.metric),
    };
    let bounds = match bounds(spec) {
        (Some(lo), Some(hi)) => format!(" ≥ {} and ≤ {}", bare(Some(lo)), bare(Some(hi))),
        (Some(lo), None) => format!(" ≥ {}", bare(Some(lo))),
        (None, Some(hi)) => format!(" ≤ {}", bare(Some(hi))),
        (None, None) => String::new(),
    };
    format!("{subject}{bounds}{}", point.suffix())
}

#[cfg(test)]
mod tests;
