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
        "RSS/conn",
        "delivered",
        "lost",
        "errors",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for t in &results.transports {
        let errors = t.requests.errors
            + t.errors.connect
            + t.errors.timeout
            + t.errors.disconnect
            + t.errors.protocol;
        rows.push(vec![
            t.transport.clone(),
            t.sweep_value.map_or("-".into(), |v| format!("{v}")),
            t.clients.to_string(),
            format!("{:.1}", t.bytes.per_event),
            format!("{:.0}%", t.bytes.overhead_share * 100.0),
            format!("{:.2}", t.latency_us.p50 / 1000.0),
            format!("{:.2}", t.latency_us.p99 / 1000.0),
            format!("{:.2}", t.cpu.server_us_per_event),
            format!("{:.2}", t.cpu.client_us_per_event),
            format!("{:.1} KiB", t.memory.server_rss_per_conn_bytes / 1024.0),
            t.events.delivered.to_string(),
            t.events.lost.to_string(),
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
    for warning in &results.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}
