//! The side-by-side summary in the terminal: transports as rows.

use crate::results::Results;

pub fn render(results: &Results) -> String {
    let header = [
        "transport",
        "point",
        "clients",
        "B/event",
        "overhead",
        "p50 ms",
        "p99 ms",
        "srv ms/1k",
        "gen ms/1k",
        "×floor",
        "RSS/conn",
        "delivered",
        "lost",
        "errors",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    let parameter = results.sweep.as_ref().map_or("", |s| s.parameter.as_str());
    for t in &results.transports {
        let errors = t.requests.errors
            + t.errors.connect
            + t.errors.timeout
            + t.errors.disconnect
            + t.errors.protocol;
        rows.push(vec![
            t.transport.to_string(),
            t.sweep_value
                .map_or("-".into(), |v| crate::analysis::point_cell(parameter, v)),
            t.clients.to_string(),
            format!("{:.1}", t.bytes.per_event),
            format!("{:.0}%", t.bytes.overhead_share * 100.0),
            format!("{:.2}", t.latency_us.p50 / 1000.0),
            format!("{:.2}", t.latency_us.p99 / 1000.0),
            measured(t.cpu.server_us_per_event, |v| format!("{v:.2}")),
            measured(t.cpu.client_us_per_event, |v| format!("{v:.2}")),
            measured(t.cpu.floor_multiple, |v| format!("{v:.1}×")),
            measured(t.memory.server_rss_per_conn_bytes, |v| {
                format!("{:.1} KiB", v / 1024.0)
            }),
            t.events.delivered.to_string(),
            measured(t.events.lost, |v| v.to_string()),
            errors.to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                if c == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
            out.push('\n');
        }
    }
    out.push_str(
        "srv/gen ms/1k: CPU milliseconds per 1,000 delivered events, server and load generator.\n",
    );
    out.push_str(&floor_note(results));
    out.push_str(&not_measured_note(results));
    if let Some(placement) = results.placement() {
        out.push_str(&format!("placement: {placement}.\n"));
    }
    if results.repeat > 1 {
        out.push_str(&format!("medians of {} runs; min–max:\n", results.repeat));
        for t in &results.transports {
            out.push_str(&format!("  {:<9}{}\n", t.transport, spread(t)));
        }
    }
    for warning in &results.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

/// A figure, or `n/m` when it was not measured (the footnote says why).
fn measured<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "n/m".into(), show)
}

/// What `×floor` divides by, or why the column is empty.
fn floor_note(results: &Results) -> String {
    match &results.calibration {
        Some(c) => format!(
            "×floor: server + generator CPU per delivery over this machine's loopback floor, \
             {:.2} µs per {}-byte message one per write ({}, {}; wsbench calibrate).\n",
            c.floor_us_per_message, c.message_bytes, c.source, c.date
        ),
        None => format!(
            "×floor: n/m, {} (wsbench calibrate; WSBENCH_CALIBRATION).\n",
            crate::calibrate::NO_CALIBRATION
        ),
    }
}

/// `n/m: not measured: ws memory (no local server process); ...`, or nothing. A missing
/// calibration is said once, by `floor_note`, rather than per transport.
fn not_measured_note(results: &Results) -> String {
    let notes: Vec<String> = results
        .transports
        .iter()
        .flat_map(|t| {
            t.not_measured
                .iter()
                .filter(|(_, reason)| reason.as_str() != crate::calibrate::NO_CALIBRATION)
                .map(move |(figure, reason)| format!("{} {figure} ({reason})", t.transport))
        })
        .collect();
    if notes.is_empty() {
        String::new()
    } else {
        format!("n/m: not measured: {}.\n", notes.join("; "))
    }
}

/// `p99 2.25–3.84 ms, B/event 80.6–80.6, ...` from a median entry's spread.
fn spread(t: &crate::results::TransportResult) -> String {
    let Some(spread) = &t.spread else {
        return String::new();
    };
    let shown = [
        ("latency_us.p99", "p99 ms", 1e-3),
        ("bytes.per_event", "B/event", 1.0),
        ("cpu.server_us_per_event", "srv ms/1k", 1.0),
        ("cpu.client_us_per_event", "gen ms/1k", 1.0),
    ];
    shown
        .iter()
        .filter_map(|(path, label, scale)| {
            let range = spread.get(*path)?;
            let (min, max) = (
                range["min"].as_f64()? * scale,
                range["max"].as_f64()? * scale,
            );
            Some(format!("{label} {min:.2}–{max:.2}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints the run's summary on stdout at its end: the table, the assertions and where the
/// results are, or with `--json` the results record itself.
pub struct ConsoleSummary {
    pub json: bool,
    pub dir: std::path::PathBuf,
}

impl super::observe::RunObserver for ConsoleSummary {
    fn finished(&self, results: &Results) -> Result<(), super::RunError> {
        use crate::export::Exporter;
        if self.json {
            let bytes = crate::export::json::JsonExporter
                .serialize(results)
                .map_err(|e| super::RunError::Output(e.to_string()))?;
            print!("{}", String::from_utf8_lossy(&bytes));
        } else {
            print!("{}", render(results));
            print!("{}", crate::ci::render_text(&results.assertions));
            println!("results: {}", self.dir.display());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmeasured_figures_print_as_n_m_with_the_reason_below() {
        let mut results = crate::export::fixture::results();
        let ws = &mut results.transports[0];
        assert_eq!(ws.transport, "ws");
        ws.memory = Default::default();
        ws.events.lost = None;
        ws.not_measured = [
            ("memory".to_string(), "no local server process".to_string()),
            ("events.lost".to_string(), "no window".to_string()),
        ]
        .into();
        let table = render(&results);
        let ws_row = table.lines().find(|l| l.starts_with("ws ")).unwrap();
        let cells: Vec<&str> = ws_row.split_whitespace().collect();
        assert_eq!(cells[cells.len() - 2], "n/m", "lost: {ws_row}");
        assert_eq!(cells[cells.len() - 4], "n/m", "RSS/conn: {ws_row}");
        assert!(
            table.contains(
                "n/m: not measured: ws events.lost (no window); ws memory (no local server process).\n"
            ),
            "{table}"
        );
        let untouched = render(&crate::export::fixture::results());
        let ws_row = untouched.lines().find(|l| l.starts_with("ws ")).unwrap();
        assert!(!ws_row.contains("n/m") && !untouched.contains("not measured"));
    }
}
