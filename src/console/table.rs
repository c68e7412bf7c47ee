//! The side-by-side summary in the terminal: transports as rows.

use super::saturation::{GENERATOR_MARK, MACHINE_MARK, limited_note, saturation_banner};
use crate::figures::{Style, Unit, catalog, show};
use crate::results::{Latency, ReceiveClock, Results};

pub fn render(results: &Results) -> String {
    let header = [
        "transport",
        "point",
        "clients",
        "B/event",
        "overhead",
        "p50 ms",
        "p99 ms",
        "gen delay ms",
        "srv ms/1k",
        "gen ms/1k",
        "×floor",
        "RSS/conn",
        "delivered",
        "lost",
        "unread",
        "errors",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    let parameter = results.sweep.as_ref().map_or("", |s| s.parameter.as_str());
    let limited = crate::analysis::limited(results);
    // The frontier's entries under the run's own, their point their setting's value.
    for t in crate::analysis::entries(results) {
        let errors = t.requests.errors
            + t.errors.connect
            + t.errors.timeout
            + t.errors.disconnect
            + t.errors.protocol;
        let name = match (
            t.generator_saturated,
            limited.iter().any(|l| std::ptr::eq(l.entry, t)),
        ) {
            (true, _) => format!("{} {GENERATOR_MARK}", t.transport),
            (false, true) => format!("{} {MACHINE_MARK}", t.transport),
            (false, false) => t.transport.to_string(),
        };
        let latency =
            |pick: fn(&Latency) -> f64| cell(t.latency_us.as_ref().map(pick), Unit::Micros);
        let count = |v: Option<u64>| cell(v.map(|v| v as f64), Unit::Count);
        rows.push(vec![
            name,
            match (t.sweep_value, &t.frontier) {
                (Some(v), _) => crate::analysis::point_cell(parameter, v),
                (None, Some(f)) => crate::analysis::frontier_cell(f),
                (None, None) => "-".into(),
            },
            t.clients.to_string(),
            cell(t.bytes.per_event, Unit::Bytes),
            cell(t.bytes.overhead_share, Unit::Share),
            latency(|l| l.p50),
            latency(|l| l.p99),
            t.generator_delay_us.as_ref().map_or_else(
                || cell(None, Unit::Micros),
                |d| {
                    let (p50, p99) = (Some(d.p50), Some(d.p99));
                    format!("{}/{}", cell(p50, Unit::Micros), cell(p99, Unit::Micros))
                },
            ),
            cell(t.cpu.server_us_per_event, Unit::CpuPerEvent),
            cell(t.cpu.client_us_per_event, Unit::CpuPerEvent),
            cell(t.cpu.floor_multiple, Unit::Multiple),
            cell(t.memory.server_rss_per_conn_bytes, Unit::Memory),
            count(Some(t.events.delivered)),
            count(t.events.lost),
            count(t.events.unread_at_stop),
            count(Some(errors)),
        ]);
    }
    let mut out = aligned(&rows);
    out.push_str(
        "srv/gen ms/1k: CPU milliseconds per 1,000 delivered events, server and load generator.\n",
    );
    out.push_str(
        "unread: window events still in flight to a client when the drain gave up (not lost).\n",
    );
    out.push_str(&clock_note(results));
    out.push_str(&idle_note(results));
    out.push_str(&floor_note(results));
    out.push_str(&not_measured_note(results));
    out.push_str(&limited_note(&limited));
    out.push_str(&saturation_banner(results));
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

/// Rows as columns: a header row underlined, the first column left-aligned and the
/// others (numbers) right-aligned. Widths are in bytes, as the table always had them.
fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
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
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (columns - 1)));
            out.push('\n');
        }
    }
    out
}

/// The idle cost and the login sessions per transport, as a small table under the run's
/// table; nothing when no entry has an idle cost.
fn idle_note(results: &Results) -> String {
    let costed: Vec<_> = results
        .transports
        .iter()
        .filter_map(|t| Some((t, t.idle_cost.as_ref()?)))
        .collect();
    if costed.is_empty() {
        return String::new();
    }
    let header = [
        "transport",
        "notifications",
        "client-s",
        "B/notif",
        "B/client-s",
        "srv ms/notif",
        "srv ms/client-s",
        "logins done/started",
        "timed out",
        "1st event p50/p99 ms",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for (t, cost) in costed {
        let sessions = t.sessions.as_ref();
        rows.push(vec![
            t.transport.to_string(),
            cell(Some(cost.notifications as f64), Unit::Count),
            cell(Some(cost.client_seconds.round()), Unit::Number),
            cell(cost.bytes_per_notification, Unit::Bytes),
            cell(Some(cost.bytes_per_client_s), Unit::BytesPerSecond),
            cell(cost.server_cpu_us_per_notification, Unit::Micros),
            cell(cost.server_cpu_us_per_client_s, Unit::Micros),
            sessions.map_or("-".into(), |s| format!("{}/{}", s.completed, s.started)),
            sessions.map_or("-".into(), |s| s.timed_out.to_string()),
            match sessions.map(|s| s.time_to_first_event_us.as_ref()) {
                None => "-".into(),
                Some(None) => cell(None, Unit::Micros),
                Some(Some(l)) => format!(
                    "{}/{}",
                    cell(Some(l.p50), Unit::Micros),
                    cell(Some(l.p99), Unit::Micros)
                ),
            },
        ]);
    }
    let mut out = String::from(
        "idle cost: the window's bytes (both directions, every client) and server CPU, per \
         notification delivered and per client-second (clients x window s):\n",
    );
    out.push_str(&aligned(&rows));
    if results.transports.iter().any(|t| t.sessions.is_some()) {
        out.push_str(
            "logins: sessions started in the window that got their one event; 1st event: \
             from the session's connect to its event's receipt, the scan delay included.\n",
        );
    }
    out
}

/// A figure in its column's unit, or `n/m` when it was not measured (the footnote says why).
fn cell(value: Option<f64>, unit: Unit) -> String {
    show(value, unit, Style::Column)
}

/// Which instant the latency columns run to, in one line.
fn clock_note(results: &Results) -> String {
    let on_app: Vec<&str> = results
        .transports
        .iter()
        .filter(|t| t.receive_clock == ReceiveClock::Application)
        .map(|t| t.transport.name())
        .collect();
    // A chat's events carry their sender's send instant, not a publish instant; an echo's
    // come back to their sender.
    let from = match (
        results.transports.iter().any(|t| t.round_trip()),
        results.transports.iter().any(|t| t.upstream.is_some()),
    ) {
        (true, _) => "round trip (not one-way): a message's send, through its echo,",
        (false, true) => "send",
        (false, false) => "publish",
    };
    let kernel = format!(
        "p50/p99: {from} to the kernel's receive timestamp; gen delay: the load generator's \
         own delay after it (p50/p99), not in the latency"
    );
    if on_app.is_empty() {
        format!("{kernel}.\n")
    } else if on_app.len() == results.transports.len() {
        format!(
            "p50/p99: {from} to the load generator's receive instant (no kernel timestamps), \
             its own delay included.\n"
        )
    } else {
        format!(
            "{kernel}; {}: to the load generator's receive instant (no kernel timestamps).\n",
            on_app.join(", ")
        )
    }
}

/// What `×floor` divides by, or why the column is empty.
fn floor_note(results: &Results) -> String {
    match &results.calibration {
        Some(c) => {
            let used: Vec<String> = crate::analysis::focus(results)
                .into_iter()
                .filter(|t| t.cpu.floor_multiple.is_some())
                .map(|t| crate::figures::floor::floor_used(t, c))
                .collect();
            let used = match used.is_empty() {
                true => String::new(),
                false => format!("; used: {}", used.join("; ")),
            };
            format!(
                "×floor: server + generator CPU per delivery over this machine's loopback \
                 floor for writes like its own: {:.2} µs per {}-byte message one per write, \
                 {:.2} µs at {} per write ({}, {}; wsbench calibrate){used}.\n",
                c.floor_us_per_message,
                c.message_bytes,
                c.batched_us_per_message,
                c.messages_per_write,
                c.source,
                c.date,
            )
        }
        None => format!(
            "×floor: n/m, {} (wsbench calibrate; WSBENCH_CALIBRATION).\n",
            crate::calibrate::NO_CALIBRATION
        ),
    }
}

/// `n/m: not measured: ws memory (no local server process); ...`, or nothing. Figures
/// missing for the same reason on the same transports are told once (a target's counters
/// are missing on every transport). A missing calibration is said once, by `floor_note`,
/// rather than per transport.
fn not_measured_note(results: &Results) -> String {
    // (figure, reason) → transports, then (transports, reason) → figures, in first-seen order.
    let mut by_figure: Vec<((&str, &str), Vec<&str>)> = Vec::new();
    for t in &results.transports {
        for (figure, reason) in &t.not_measured {
            if reason.as_str() == crate::calibrate::NO_CALIBRATION {
                continue;
            }
            let key = (figure.as_str(), reason.as_str());
            match by_figure.iter_mut().find(|(k, _)| *k == key) {
                Some((_, transports)) => transports.push(t.transport.name()),
                None => by_figure.push((key, vec![t.transport.name()])),
            }
        }
    }
    let mut groups: Vec<((String, &str), Vec<&str>)> = Vec::new();
    for ((figure, reason), transports) in by_figure {
        let key = (transports.join(", "), reason);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, figures)) => figures.push(figure),
            None => groups.push((key, vec![figure])),
        }
    }
    let notes: Vec<String> = groups
        .into_iter()
        .map(|((transports, reason), figures)| {
            format!("{transports} {} ({reason})", figures.join(", "))
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
        ("latency_us.p99", "p99 ms"),
        ("bytes.per_event", "B/event"),
        ("cpu.server_us_per_event", "srv ms/1k"),
        ("cpu.client_us_per_event", "gen ms/1k"),
    ];
    shown
        .iter()
        .filter_map(|(path, label)| {
            let range = spread.get(*path)?;
            let unit = catalog::unit(path);
            let (min, max) = (range["min"].as_f64()?, range["max"].as_f64()?);
            Some(format!(
                "{label} {}–{}",
                cell(Some(min), unit),
                cell(Some(max), unit)
            ))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cells of `transport`'s row, its saturation mark left out.
    fn row<'a>(table: &'a str, transport: &str) -> Vec<&'a str> {
        let line = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(transport))
            .unwrap_or_else(|| panic!("no {transport} row in {table}"));
        line.split_whitespace()
            .filter(|cell| *cell != MACHINE_MARK)
            .collect()
    }

    #[test]
    fn unmeasured_figures_print_as_n_m_with_the_reason_below() {
        let mut results = crate::export::fixture::results();
        let ws = &mut results.transports[0];
        assert_eq!(ws.transport.name(), "ws");
        ws.memory = Default::default();
        ws.events.lost = None;
        ws.events.unread_at_stop = None;
        ws.not_measured = [
            ("memory".to_string(), "no local server process".to_string()),
            ("events.lost".to_string(), "no window".to_string()),
        ]
        .into();
        let table = render(&results);
        let ws_row = table.lines().find(|l| l.starts_with("ws ")).unwrap();
        let cells: Vec<&str> = ws_row.split_whitespace().collect();
        assert_eq!(cells[cells.len() - 3], "n/m", "lost: {ws_row}");
        assert_eq!(cells[cells.len() - 2], "n/m", "unread: {ws_row}");
        assert_eq!(cells[cells.len() - 5], "n/m", "RSS/conn: {ws_row}");
        assert!(
            table.contains(
                "n/m: not measured: ws events.lost (no window); ws memory (no local server process).\n"
            ),
            "{table}"
        );
        // The same figures missing for the same reason on several transports: told once.
        for t in &mut results.transports {
            t.not_measured
                .insert("cross_check.server_read".into(), "no counters".into());
        }
        assert!(
            render(&results).contains(
                "n/m: not measured: ws, poll cross_check.server_read (no counters); \
                 ws events.lost (no window); ws memory (no local server process).\n"
            ),
            "{}",
            render(&results)
        );
        let untouched = render(&crate::export::fixture::results());
        let ws_row = untouched.lines().find(|l| l.starts_with("ws ")).unwrap();
        assert!(!ws_row.contains("n/m") && !untouched.contains("not measured"));
    }

    #[test]
    fn the_idle_note_shows_each_transports_idle_cost_and_n_m_where_not_measured() {
        use crate::results::{IdleCost, SessionFigures};
        let mut results = crate::export::fixture::results();
        let (ws, poll) = results.transports.split_at_mut(1);
        poll[0].idle_cost = Some(IdleCost {
            client_seconds: 1000.0,
            notifications: 20,
            bytes_per_notification: Some(500.0),
            bytes_per_client_s: 10.0,
            server_cpu_us_per_notification: Some(25_000.0),
            server_cpu_us_per_client_s: Some(500.0),
        });
        poll[0].sessions = Some(SessionFigures {
            started: 2,
            completed: 1,
            timed_out: 1,
            time_to_first_event_us: ws[0].latency_us.clone(),
            ..Default::default()
        });
        ws[0].idle_cost = Some(IdleCost {
            client_seconds: 1000.0,
            bytes_per_client_s: 10.0,
            ..Default::default()
        });
        ws[0].sessions = Some(SessionFigures::default());
        let note = idle_note(&results);
        let rows: Vec<Vec<&str>> = note
            .lines()
            .skip(3)
            .take(2)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            rows[1],
            [
                "poll",
                "20",
                "1000",
                "500.0",
                "10.0",
                "25.00",
                "0.50",
                "1/2",
                "1",
                "0.25/1.20"
            ]
        );
        assert_eq!(
            rows[0],
            [
                "ws", "0", "1000", "n/m", "10.0", "n/m", "n/m", "0/0", "0", "n/m"
            ]
        );
        results
            .transports
            .iter_mut()
            .for_each(|t| t.idle_cost = None);
        assert_eq!(idle_note(&results), "");
    }

    #[test]
    fn a_latency_not_measured_is_n_m_never_zero() {
        let mut results = crate::export::fixture::results();
        let ws = &mut results.transports[0];
        ws.latency_us = None;
        ws.generator_delay_us = None;
        ws.not_measured.insert(
            "latency_us".into(),
            crate::figures::NOTHING_DELIVERED.into(),
        );
        let table = render(&results);
        let cells = row(&table, "ws");
        assert_eq!(cells[5..8], ["n/m", "n/m", "n/m"], "{table}");
        assert!(
            table.contains("ws latency_us (no event was delivered in the window)"),
            "{table}"
        );
    }

    #[test]
    fn a_saturated_generator_is_marked_in_the_row_and_a_banner() {
        let mut results = crate::export::fixture::results();
        assert_eq!(saturation_banner(&results), "");
        let ws = &mut results.transports[0];
        ws.generator_saturated = true;
        ws.generator_saturation = vec!["12 events still unread".into()];
        let table = render(&results);
        assert!(
            table.lines().any(|l| l.starts_with("ws [SATURATED] ")),
            "{table}"
        );
        assert!(
            table.contains("!!! LOAD GENERATOR SATURATED")
                && table.contains("!!!   ws: 12 events still unread\n"),
            "{table}"
        );
    }

    #[test]
    fn a_machine_limited_entry_is_marked_and_said_as_the_report_says_it() {
        let mut results = crate::export::fixture::results();
        results.machine.cores = Some(2);
        let ws = &mut results.transports[0];
        (ws.cpu.client_cores, ws.cpu.server_cores) = (Some(1.0), Some(0.95));
        (ws.events.lost, ws.requests.errors) = (Some(0), 0);
        let table = render(&results);
        assert!(
            table.lines().any(|l| l.starts_with("ws (saturated) ")),
            "{table}"
        );
        assert!(
            table.contains(
                "saturated: where a transport saturated the machine, its figures describe this \
                 machine's limit, not the transport's cost; read them as bounds:\n  ws: server + \
                 load generator at 1.95 of 2 cores.\n(saturated): the exit status is not changed"
            ),
            "{table}"
        );
        assert!(
            !table.contains("ws [SATURATED]") && !table.contains("!!!"),
            "{table}"
        );
        // The report names the same entry with the same words.
        let dir = tempfile::tempdir().unwrap();
        crate::report::render(&results, dir.path(), crate::report::ReportFormat::Md).unwrap();
        let md = std::fs::read_to_string(dir.path().join(crate::report::MARKDOWN_FILE)).unwrap();
        assert!(
            md.contains("ws (saturated)")
                && md.contains("**ws**: server + load generator at 1.95 of 2 cores."),
            "{md}"
        );
    }

    #[test]
    fn the_generator_delay_and_the_clock_are_shown_per_transport() {
        let mut results = crate::export::fixture::results();
        let table = render(&results);
        let column = |table: &str, name: &str| {
            let header: Vec<&str> = table.lines().next().unwrap().split("  ").collect();
            let at = header
                .iter()
                .filter(|c| !c.trim().is_empty())
                .position(|c| c.trim() == "gen delay ms")
                .unwrap();
            row(table, name)[at].to_string()
        };
        assert_eq!(column(&table, "ws"), "0.04/0.31");
        assert_eq!(column(&table, "poll"), "n/m");
        assert!(
            table.contains(
                "p50/p99: publish to the kernel's receive timestamp; gen delay: the load \
                 generator's own delay after it (p50/p99), not in the latency; poll: to the \
                 load generator's receive instant (no kernel timestamps).\n"
            ),
            "{table}"
        );
        results.transports.truncate(1);
        assert!(render(&results).contains("not in the latency.\n"));
        results.transports[0].receive_clock = ReceiveClock::Application;
        assert!(
            render(&results).contains("p50/p99: publish to the load generator's receive instant")
        );
    }
}
