//! `metrics.prom`: every figure of every transport entry in the OpenMetrics text format,
//! which Prometheus's own text format reads too (a Pushgateway, node_exporter's textfile
//! collector). A metric is named after its results.json path (`bytes.per_event` is
//! `wsbench_bytes_per_event`), each latency summary is a summary with quantiles
//! (`wsbench_latency_us{transport="ws",quantile="0.99"}`), and every sample is labelled by
//! transport, and by sweep value in a sweep. A figure not measured is left out, never 0,
//! and its family's HELP says for which entries and why. Only gauges and summaries: a
//! counter's name differs between the two formats, and these are one run's figures.

use std::fmt::Write;

use serde_json::Value;

use super::{ExportError, Exporter};
use crate::figures::{Style, Unit, catalog, show};
use crate::results::{Results, TransportResult};

pub struct OpenMetricsExporter;

/// Where a metric's name begins.
const PREFIX: &str = "wsbench_";

/// A latency summary's fields as quantiles: its min is the 0-quantile, its max the 1-quantile.
const QUANTILES: [(&str, &str); 7] = [
    ("min", "0"),
    ("p50", "0.5"),
    ("p90", "0.9"),
    ("p99", "0.99"),
    ("p999", "0.999"),
    ("p9999", "0.9999"),
    ("max", "1"),
];

/// One transport entry: the record, as JSON to find its figures by path, and its labels.
struct Entry<'a> {
    record: &'a TransportResult,
    json: Value,
    labels: String,
}

impl Exporter for OpenMetricsExporter {
    fn file_name(&self) -> &str {
        "metrics.prom"
    }

    fn serialize(&self, results: &Results) -> Result<Vec<u8>, ExportError> {
        let entries = results
            .transports
            .iter()
            .map(|record| {
                Ok(Entry {
                    json: serde_json::to_value(record)?,
                    labels: entry_labels(record),
                    record,
                })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()?;
        let mut out = String::new();
        run_info(&mut out, results);
        generator_saturated(&mut out, &entries);
        let paths = TransportResult::metric_paths();
        let summaries: Vec<&str> = paths
            .iter()
            .filter_map(|p| p.strip_suffix(".p50"))
            .collect();
        let mut written: Vec<&str> = Vec::new();
        for path in &paths {
            let summary = summaries
                .iter()
                .find(|s| path.strip_prefix(**s).is_some_and(|f| f.starts_with('.')));
            match summary {
                Some(section) if !written.contains(section) => {
                    summary_family(&mut out, section, &entries);
                    written.push(section);
                }
                Some(_) => {}
                // A label of every sample of its entry, not a figure.
                None if path == "sweep_value" => {}
                None => gauge_family(&mut out, path, &entries),
            }
        }
        out.push_str("# EOF\n");
        Ok(out.into_bytes())
    }
}

/// The run itself, as an info gauge of value 1 whose labels say what it was.
fn run_info(out: &mut String, results: &Results) {
    let name = format!("{PREFIX}run_info");
    header(
        out,
        &name,
        "gauge",
        "the run this file describes (always 1): its scenario, record schema, wsbench \
         version, start and whether it ran to its end",
    );
    let scenario = results
        .scenario
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut labels = vec![
        ("scenario", scenario.to_string()),
        ("schema", results.schema.clone()),
        ("wsbench_version", results.wsbench_version.clone()),
        ("started_at", results.started_at.clone()),
        ("complete", results.complete.to_string()),
        ("repeat", results.repeat.to_string()),
    ];
    if let Some(sweep) = &results.sweep {
        labels.push(("sweep_parameter", sweep.parameter.clone()));
    }
    let labels: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
        .collect();
    let _ = writeln!(out, "{name}{{{}}} 1", labels.join(","));
}

fn generator_saturated(out: &mut String, entries: &[Entry]) {
    let name = format!("{PREFIX}generator_saturated");
    header(
        out,
        &name,
        "gauge",
        "1 when the load generator, not the transport, limited the entry's figures \
         (generator_saturated in results.json; wsbench run exits 4 unless \
         --allow-saturated), else 0",
    );
    for e in entries {
        let value = u8::from(e.record.generator_saturated);
        let _ = writeln!(out, "{name}{{{}}} {value}", e.labels);
    }
}

/// What an entry has at a path: a number, a section of them, `null` (not measured), or
/// nothing (a section it does not have, like a ticker's `idle_cost`).
enum Found<'v> {
    Number(&'v serde_json::Number),
    Section,
    NotMeasured,
    Absent,
}

fn find<'v>(json: &'v Value, path: &str) -> Found<'v> {
    match path.split('.').try_fold(json, |v, key| v.get(key)) {
        Some(Value::Number(n)) => Found::Number(n),
        Some(Value::Object(_)) => Found::Section,
        Some(Value::Null) => Found::NotMeasured,
        _ => Found::Absent,
    }
}

/// One gauge per metric path; nothing when no entry has the path at all.
fn gauge_family(out: &mut String, path: &str, entries: &[Entry]) {
    let found: Vec<(&Entry, Found)> = entries.iter().map(|e| (e, find(&e.json, path))).collect();
    if found.iter().all(|(_, f)| matches!(f, Found::Absent)) {
        return;
    }
    let name = metric_name(path);
    let help = format!(
        "{path} of each transport entry in results.json ({}){}",
        catalog::unit(path).noun(),
        unmeasured(path, &found)
    );
    header(out, &name, "gauge", &help);
    for (e, f) in &found {
        if let Found::Number(n) = f {
            let _ = writeln!(out, "{name}{{{}}} {n}", e.labels);
        }
    }
}

/// A latency summary: its percentiles as quantiles and its count, then its mean as a
/// gauge of its own (a summary's `_sum` would be a figure the record does not hold).
fn summary_family(out: &mut String, section: &str, entries: &[Entry]) {
    let found: Vec<(&Entry, Found)> = entries
        .iter()
        .map(|e| (e, find(&e.json, section)))
        .collect();
    if found.iter().all(|(_, f)| matches!(f, Found::Absent)) {
        return;
    }
    let name = metric_name(section);
    let not_measured = unmeasured(section, &found);
    let help = format!(
        "{section} of each transport entry in results.json: its percentiles as quantiles \
         (min 0, max 1) and its count ({}){not_measured}",
        catalog::unit(&format!("{section}.p50")).noun()
    );
    header(out, &name, "summary", &help);
    let measured: Vec<&Entry> = found
        .iter()
        .filter(|(_, f)| matches!(f, Found::Section))
        .map(|(e, _)| *e)
        .collect();
    for e in &measured {
        for (field, quantile) in QUANTILES {
            if let Found::Number(n) = find(&e.json, &format!("{section}.{field}")) {
                let _ = writeln!(out, "{name}{{{},quantile=\"{quantile}\"}} {n}", e.labels);
            }
        }
        if let Found::Number(n) = find(&e.json, &format!("{section}.count")) {
            let _ = writeln!(out, "{name}_count{{{}}} {n}", e.labels);
        }
    }
    let mean = format!("{name}_mean");
    header(
        out,
        &mean,
        "gauge",
        &format!(
            "{section}.mean of each transport entry in results.json ({}){not_measured}",
            catalog::unit(&format!("{section}.mean")).noun()
        ),
    );
    for e in &measured {
        if let Found::Number(n) = find(&e.json, &format!("{section}.mean")) {
            let _ = writeln!(out, "{mean}{{{}}} {n}", e.labels);
        }
    }
}

/// ` Not measured, so left out (never 0): ws (no local server process).`, or nothing.
fn unmeasured(path: &str, found: &[(&Entry, Found)]) -> String {
    let missing: Vec<String> = found
        .iter()
        .filter(|(_, f)| matches!(f, Found::NotMeasured))
        .map(|(e, _)| {
            let reason = e.record.not_measured_reason(path).unwrap_or("null");
            format!("{} ({reason})", entry_name(e.record))
        })
        .collect();
    match missing.is_empty() {
        true => String::new(),
        false => format!(
            ". Not measured, so left out (never 0): {}.",
            missing.join("; ")
        ),
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", help_text(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// `bytes.per_event` → `wsbench_bytes_per_event`.
fn metric_name(path: &str) -> String {
    format!("{PREFIX}{}", path.replace('.', "_"))
}

/// `transport="ws"`, with `sweep_value="1000"` in a sweep.
fn entry_labels(t: &TransportResult) -> String {
    let mut labels = format!("transport=\"{}\"", label_value(t.transport.name()));
    if let Some(value) = t.sweep_value {
        let value = show(Some(value), Unit::Number, Style::Raw);
        let _ = write!(labels, ",sweep_value=\"{}\"", label_value(&value));
    }
    labels
}

/// `ws`, or `ws at 1000` in a sweep.
fn entry_name(t: &TransportResult) -> String {
    match t.sweep_value {
        Some(v) => format!(
            "{} at {}",
            t.transport,
            show(Some(v), Unit::Number, Style::Raw)
        ),
        None => t.transport.to_string(),
    }
}

/// A label value: backslash, double quote and line feed escaped, as both formats read them.
fn label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// HELP text: backslash and line feed escaped; a double quote, which the two formats
/// escape differently, written as a single one.
fn help_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('"', "'")
}

#[cfg(test)]
mod tests;
