//! What the report says, in order: the run's header, the side-by-side table, verdicts,
//! saturation, the sweep, the charts, the reference study, assertions and warnings.

use serde_json::Value;

use super::doc::{Block, Figure, Line, Table, code, strong, text};
use super::floor::{floor_cell, floor_text, floors_used, swept_floor_cell};
use super::{chat, compression, echo, lubbers, verdict};
use crate::analysis::{error_count, focus, focus_note, point_cell, saturation};
use crate::figures::{NOT_MEASURED, Style, Unit, show, text as figure};
use crate::plot::RenderedChart;
use crate::results::{Latency, ReceiveClock, Results, TransportResult};

/// A chart as the report refers to it: paths relative to the report's directory.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRef {
    pub name: String,
    pub title: String,
    pub caption: &'static str,
    pub png: String,
    pub svg: String,
}

impl ChartRef {
    /// `chart`'s files, relative to the report in `report_dir`.
    pub fn relative(chart: &RenderedChart, report_dir: &std::path::Path) -> Self {
        let rel = |p: &std::path::Path| {
            let p = p.strip_prefix(report_dir).unwrap_or(p);
            p.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        };
        Self {
            name: chart.name.clone(),
            title: chart.title.clone(),
            caption: chart.caption,
            png: rel(&chart.png),
            svg: rel(&chart.svg),
        }
    }
}

pub fn build(results: &Results, charts: &[ChartRef]) -> Vec<Block> {
    let mut blocks = header(results);
    let cores = results.machine.cores;
    let entries: Vec<(&TransportResult, bool)> = focus(results)
        .into_iter()
        .map(|t| (t, !saturation(t, cores).is_empty()))
        .collect();
    let at = focus_note(results);
    blocks.extend(generator_saturated(results));

    blocks.push(Block::Heading(2, format!("Results{at}")));
    blocks.push(Block::Table(results_table(
        &entries,
        results.calibration.is_some(),
    )));
    blocks.push(Block::Paragraph(vec![text(format!(
        "Bytes count both directions at the client sockets over the measurement window; \
         overhead is everything that is not event JSON; the wire figure adds an estimate of \
         TCP/IP headers and ACKs. {} CPU is per 1,000 delivered events; RSS is the server's \
         growth per connected client.",
        clock_sentence(&entries)
    ))]));
    blocks.extend(floors_used(results, &entries));
    blocks.extend(not_measured(&entries));
    blocks.extend(super::idle::section(&entries, &at));

    let verdicts = verdict::verdicts(&entries);
    if !verdicts.is_empty() {
        blocks.push(Block::Heading(2, format!("Verdict{at}")));
        blocks.push(Block::List(
            verdicts.iter().map(verdict::Verdict::line).collect(),
        ));
        // Each ranking above is one metric; the reader's choice weighs them.
        blocks.extend(super::weighed::section(results));
    }

    let saturated = saturated_lines(results);
    if !saturated.is_empty() {
        blocks.push(Block::Heading(2, "Saturation".into()));
        blocks.push(Block::Note(vec![text(format!(
            "{}. The charts flag these entries (a cross on the sweep chart); read them as \
             bounds.",
            crate::analysis::LIMITED_MEANS
        ))]));
        blocks.push(Block::List(saturated));
    }

    if results.sweep.is_some() {
        blocks.push(Block::Heading(2, "Sweep".into()));
        blocks.push(Block::Table(sweep_table(results)));
    }

    if chat::applies(results) {
        blocks.extend(chat::section(results));
    }

    if echo::applies(results) {
        blocks.extend(echo::section(results));
    }

    if compression::applies(results) {
        blocks.extend(compression::section(results));
    }

    // The reference study before the charts: for its scenario it is the point of the run.
    if lubbers::applies(results) {
        blocks.extend(lubbers::section(results));
    }

    if !charts.is_empty() {
        blocks.push(Block::Heading(2, "Charts".into()));
        for chart in charts {
            blocks.push(Block::Figure(Figure {
                name: chart.name.clone(),
                title: chart.title.clone(),
                png: chart.png.clone(),
                svg: chart.svg.clone(),
                caption: chart.caption.into(),
            }));
        }
    }

    if !results.assertions.is_empty() {
        blocks.push(Block::Heading(2, "Assertions".into()));
        let mut table = Table::numeric(&["Result", "Assertion", "Measured"]);
        table.align[1] = super::doc::Align::Left;
        for a in &results.assertions {
            let result = if a.passed { "PASS" } else { "FAIL" };
            // Worded as `wsbench run` prints them (crate::ci::render_text).
            let measured = match (a.measured, &a.reason) {
                (Some(v), _) => show(Some(v), Unit::Number, Style::Bare),
                (None, reason) => {
                    format!("not measured: {}", reason.as_deref().unwrap_or("no value"))
                }
            };
            table.row(vec![result.into(), a.description.clone(), measured]);
        }
        blocks.push(Block::Table(table));
    }

    if !results.warnings.is_empty() {
        blocks.push(Block::Heading(2, "Warnings".into()));
        blocks.push(Block::List(
            results.warnings.iter().map(|w| vec![text(w)]).collect(),
        ));
    }
    blocks
}

fn scenario_str<'a>(results: &'a Results, pointer: &str) -> Option<&'a str> {
    results.scenario.pointer(pointer).and_then(Value::as_str)
}

fn scenario_num(results: &Results, pointer: &str) -> Option<f64> {
    results.scenario.pointer(pointer).and_then(Value::as_f64)
}

/// A command feed's program and arguments, space-separated.
fn program(results: &Results) -> Option<String> {
    let words = results.scenario.pointer("/feed/command")?.as_array()?;
    let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
    Some(words.join(" "))
}

fn header(results: &Results) -> Vec<Block> {
    let name = scenario_str(results, "/name").unwrap_or("scenario");
    let mut blocks = vec![Block::Heading(1, format!("wsbench report: {name}"))];
    blocks.extend(description(results));
    if !results.complete {
        blocks.push(Block::Note(vec![
            strong("Incomplete run."),
            text(" Only the transports listed finished; the others are missing, not zero."),
        ]));
    }
    let mut table = Table::numeric(&["", ""]);
    table.align[1] = super::doc::Align::Left;
    table.header = vec!["Run".into(), String::new()];
    let mut row = |k: &str, v: String| table.row(vec![k.into(), v]);
    row("Scenario", name.to_string());
    let feed = match (
        scenario_str(results, "/feed/kind"),
        scenario_num(results, "/feed/rate"),
    ) {
        (Some(kind), Some(rate)) => format!("{kind}, {} events/s", figure(rate, Unit::Number)),
        // A feed without a rate publishes a program's output: the program sets the pace.
        (Some(kind), None) => match program(results) {
            Some(program) => format!("{kind} ({program}), at the program's pace"),
            None => kind.to_string(),
        },
        _ => "—".into(),
    };
    row("Feed", feed);
    let headers = results
        .transports
        .first()
        .map_or("—", |t| t.header_profile.as_str());
    let clients = match &results.sweep {
        Some(s) if s.parameter == "clients" => {
            let values: Vec<_> = s.values.iter().map(|v| figure(*v, Unit::Count)).collect();
            format!("swept: {}", values.join(", "))
        }
        _ => results
            .transports
            .first()
            .map_or("—".into(), |t| figure(t.clients as f64, Unit::Count)),
    };
    row("Clients", format!("{clients}; {headers} request headers"));
    if let Some(s) = results.sweep.as_ref().filter(|s| s.parameter != "clients") {
        let values: Vec<_> = s.values.iter().map(|v| figure(*v, Unit::Number)).collect();
        row("Sweep", format!("{}: {}", s.parameter, values.join(", ")));
    }
    if let Some(delay) = scenario_str(results, "/server/coalesce").filter(|d| *d != "0s") {
        row(
            "Write coalescing",
            format!("SSE and WebSocket gather events for up to {delay} per write"),
        );
    }
    let window = results.transports.first().map(|t| t.window_s);
    let warmup = scenario_str(results, "/warmup");
    row(
        "Window",
        match (window, warmup) {
            (Some(w), Some(warm)) => format!(
                "{} s measured, after {warm} of warm-up",
                figure(w, Unit::Number)
            ),
            (Some(w), None) => format!("{} s measured", figure(w, Unit::Number)),
            _ => "—".into(),
        },
    );
    row(
        "CPU placement",
        results.placement().map_or_else(
            || "none: the server and the load generator share every CPU".into(),
            |placement| placement.to_string(),
        ),
    );
    let names = crate::analysis::transports_in_order(results)
        .into_iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ");
    row(
        "Transports",
        if names.is_empty() {
            "none finished".into()
        } else {
            names
        },
    );
    let finished = results.finished_at.as_deref().unwrap_or("(not finished)");
    row(
        "Date (UTC)",
        format!("{} to {finished}", results.started_at),
    );
    row("Loopback floor", floor_text(results));
    if let Some(target) = &results.target {
        row(
            "Server",
            format!(
                "{} ({} dialect), already running, not the matched server; {}",
                target.url,
                target.dialect,
                target.pid.map_or_else(
                    || format!(
                        "its CPU and memory {}",
                        crate::metrics::probe::NO_TARGET_PID
                    ),
                    |pid| format!("CPU and memory of pid {pid}")
                )
            ),
        );
    }
    let m = &results.machine;
    let memory = m.memory_bytes.map_or_else(
        || NOT_MEASURED.into(),
        |bytes| format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64),
    );
    // What could not be read of it, and why, where the row says n/m.
    let unread: String = m
        .not_measured
        .iter()
        .map(|(field, reason)| format!("; {field} not measured: {reason}"))
        .collect();
    row(
        "Machine",
        format!(
            "{}: {}, {} cores, {memory} RAM, Linux {}{unread}",
            m.hostname,
            m.cpu_model,
            measured(m.cores.map(|c| c as f64), Unit::Count),
            m.kernel
        ),
    );
    row(
        "wsbench",
        format!(
            "{} (results schema {})",
            results.wsbench_version, results.schema
        ),
    );
    if results.repeat > 1 {
        row(
            "Repeat",
            format!("{} runs per transport; figures are medians", results.repeat),
        );
    }
    blocks.push(Block::Table(table));
    blocks
}

/// The scenario file's description, and, when flags changed the run, which: the file's
/// "1,000 clients" must not stand for a run of 5.
fn description(results: &Results) -> Vec<Block> {
    let description = scenario_str(results, "/description").filter(|d| !d.is_empty());
    let mut blocks: Vec<Block> = description
        .map(|d| Block::Paragraph(vec![text(d)]))
        .into_iter()
        .collect();
    if results.overrides.is_empty() {
        return blocks;
    }
    let mut line = vec![strong("Run with overrides:")];
    for (i, (flag, value)) in results.overrides.iter().enumerate() {
        let value = match value {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        line.push(text(if i == 0 { " " } else { ", " }));
        line.push(code(format!("--{flag} {value}")));
    }
    let whose = if description.is_some() {
        ". The description above is the scenario file's; the figures below are this run's."
    } else {
        ". The figures below are this run's, not the scenario file's."
    };
    line.push(text(whose));
    blocks.push(Block::Note(line));
    blocks
}

/// A figure as the report prints it, or `n/m` (the list below the table says why).
pub(super) fn measured(value: Option<f64>, unit: Unit) -> String {
    show(value, unit, Style::Text)
}

/// A latency percentile as the report prints it, or `n/m`.
pub(super) fn latency(latency: Option<&Latency>, pick: fn(&Latency) -> f64) -> String {
    measured(latency.map(pick), Unit::Micros)
}

/// What was not measured, per transport and figure, with the reason; nothing when all was.
fn not_measured(entries: &[(&TransportResult, bool)]) -> Vec<Block> {
    let lines: Vec<Line> = entries
        .iter()
        .flat_map(|(t, _)| {
            // A missing calibration is said once, in the header, not per transport.
            let reasons = t
                .not_measured
                .iter()
                .filter(|(_, reason)| reason.as_str() != crate::calibrate::NO_CALIBRATION);
            reasons.map(|(figure, reason)| {
                vec![
                    strong(t.transport.name()),
                    text(" "),
                    code(figure),
                    text(format!(": not measured: {reason}.")),
                ]
            })
        })
        .collect();
    if lines.is_empty() {
        return Vec::new();
    }
    vec![
        Block::Paragraph(vec![text(
            "Figures marked \"n/m\" were not measured: they are missing, not zero, no verdict \
             ranks on them and a gate on them fails.",
        )]),
        Block::List(lines),
    ]
}

pub(super) fn name_cell(t: &TransportResult, saturated: bool) -> String {
    if saturated {
        format!("{} (saturated)", t.transport)
    } else {
        t.transport.to_string()
    }
}

/// The generator's delay, p50 / p99; not measured (with a reason below), or a dash in a
/// record of an older version, which did not take kernel timestamps.
fn generator_delay(t: &TransportResult) -> String {
    match &t.generator_delay_us {
        Some(d) => format!(
            "{} / {}",
            figure(d.p50, Unit::Micros),
            figure(d.p99, Unit::Micros)
        ),
        None if t.not_measured_reason("generator_delay_us").is_some() => NOT_MEASURED.into(),
        None => "–".into(),
    }
}

/// Which instant latency runs to, naming the entries timed by the application's clock.
fn clock_sentence(entries: &[(&TransportResult, bool)]) -> String {
    let on_app: Vec<&str> = entries
        .iter()
        .filter(|(t, _)| t.receive_clock == ReceiveClock::Application)
        .map(|(t, _)| t.transport.name())
        .collect();
    // A chat's events carry their sender's send instant, not a publish instant; an echo's
    // come back to their sender, so its latency is a round trip.
    let from = match (
        entries.iter().any(|(t, _)| t.round_trip()),
        entries.iter().any(|(t, _)| t.upstream.is_some()),
    ) {
        (true, _) => {
            "a message's send instant, as a round trip (not one-way: the way to the server, \
             its echo and the way back),"
        }
        (false, true) => "the sender's send instant",
        (false, false) => "the publish instant",
    };
    let kernel = format!(
        "Latency runs from {from} to the kernel's receive timestamp on the client socket; \
         the load generator's own delay after it (reading and parsing) is shown apart and is \
         not in the latency"
    );
    if on_app.is_empty() {
        format!("{kernel}.")
    } else if on_app.len() == entries.len() {
        format!(
            "Latency runs from {from} to the load generator's receive instant, its own delay \
             included."
        )
    } else {
        format!(
            "{kernel}; for {} it runs to the load generator's receive instant (no kernel \
             timestamps), its own delay included.",
            on_app.join(", ")
        )
    }
}

/// `calibrated`: the run has a loopback floor; without one (an older record, or
/// calibration off) the floor column is a dash, and the header says why once.
fn results_table(entries: &[(&TransportResult, bool)], calibrated: bool) -> Table {
    let mut table = Table::numeric(&[
        "Transport",
        "Delivered",
        "Bytes/event",
        "Overhead",
        "Wire bytes/event (est.)",
        "p50",
        "p99",
        "Generator delay (p50 / p99)",
        "Server CPU per 1k events",
        "CPU vs loopback floor",
        "RSS per connection",
        "Lost",
        "Errors",
    ]);
    for (t, saturated) in entries {
        table.row(vec![
            name_cell(t, *saturated),
            match t.events.expected {
                Some(expected) => format!(
                    "{} of {}",
                    figure(t.events.delivered as f64, Unit::Count),
                    figure(expected as f64, Unit::Count)
                ),
                None => format!(
                    "{} of {NOT_MEASURED}",
                    figure(t.events.delivered as f64, Unit::Count)
                ),
            },
            measured(t.bytes.per_event, Unit::Bytes),
            measured(t.bytes.overhead_share, Unit::Share),
            measured(t.tcp.wire_per_event_estimate, Unit::Bytes),
            latency(t.latency_us.as_ref(), |l| l.p50),
            latency(t.latency_us.as_ref(), |l| l.p99),
            generator_delay(t),
            measured(t.cpu.server_us_per_event, Unit::CpuPerEvent),
            floor_cell(t, calibrated),
            measured(t.memory.server_rss_per_conn_bytes, Unit::Memory),
            measured(t.events.lost.map(|v| v as f64), Unit::Count),
            figure(error_count(t) as f64, Unit::Count),
        ]);
    }
    table
}

fn sweep_table(results: &Results) -> Table {
    let parameter = results
        .sweep
        .as_ref()
        .map_or("value", |s| s.parameter.as_str());
    let mut table = Table::numeric(&[
        parameter,
        "Transport",
        "Deliveries/s",
        "Bandwidth (Mbit/s)",
        "Server CPU (cores)",
        "Load generator CPU (cores)",
        "CPU vs floor",
        "p50",
        "p99",
        "Bytes/event",
        "Status",
    ]);
    table.align[1] = super::doc::Align::Left;
    table.align[10] = super::doc::Align::Left;
    let mut entries: Vec<&TransportResult> = results
        .transports
        .iter()
        .filter(|t| t.sweep_value.is_some())
        .collect();
    entries.sort_by(|a, b| {
        a.sweep_value
            .unwrap_or(0.0)
            .total_cmp(&b.sweep_value.unwrap_or(0.0))
    });
    for t in entries {
        let reasons: Vec<String> = saturation(t, results.machine.cores)
            .iter()
            .map(|r| r.to_string())
            .collect();
        let status = if reasons.is_empty() {
            "ok".into()
        } else {
            format!("saturated: {}", reasons.join(", "))
        };
        let value = match parameter {
            "coalesce" | "poll_interval" => point_cell(parameter, t.sweep_value.unwrap_or(0.0)),
            _ => figure(t.sweep_value.unwrap_or(0.0), Unit::Number),
        };
        table.row(vec![
            value,
            t.transport.to_string(),
            deliveries_per_s(t),
            figure(t.bytes.per_second * 8.0 / 1e6, Unit::Number),
            measured(t.cpu.server_cores, Unit::Cores),
            measured(t.cpu.client_cores, Unit::Cores),
            swept_floor_cell(t, results.calibration.is_some()),
            latency(t.latency_us.as_ref(), |l| l.p50),
            latency(t.latency_us.as_ref(), |l| l.p99),
            measured(t.bytes.per_event, Unit::Bytes),
            status,
        ]);
    }
    table
}

/// Before the results, where no reader can miss it: the entries whose load generator was
/// saturated, and why.
fn generator_saturated(results: &Results) -> Option<Block> {
    let saturated: Vec<&TransportResult> = crate::analysis::entries(results)
        .filter(|t| t.generator_saturated)
        .collect();
    if saturated.is_empty() {
        return None;
    }
    let mut line = vec![strong(
        "The load generator was saturated. These figures describe wsbench's limit on this \
         machine, not the transport's cost, and the verdict does not rank them: ",
    )];
    let entries: Vec<String> = saturated
        .iter()
        .map(|t| {
            format!(
                "{} ({})",
                crate::analysis::entry_name(results, t),
                t.generator_saturation.join("; ")
            )
        })
        .collect();
    line.push(text(format!("{}.", entries.join(", "))));
    Some(Block::Note(line))
}

fn deliveries_per_s(t: &TransportResult) -> String {
    if t.window_s > 0.0 {
        figure(
            (t.events.delivered as f64 / t.window_s).round(),
            Unit::Count,
        )
    } else {
        "—".into()
    }
}

fn saturated_lines(results: &Results) -> Vec<Line> {
    crate::analysis::limited(results)
        .into_iter()
        .map(|l| vec![strong(l.name), text(format!(": {}.", l.reasons))])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(overrides: serde_json::Value) -> String {
        let mut results = crate::export::fixture::results();
        results.scenario = serde_json::json!({"description": "1,000 clients on a ticker"});
        results.overrides = serde_json::from_value(overrides).unwrap();
        super::super::markdown::render(&description(&results))
    }

    #[test]
    fn a_machine_not_read_is_n_m_with_its_reason() {
        let mut results = crate::export::fixture::results();
        results.machine.memory_bytes = None;
        results.machine.not_measured = [(
            "memory_bytes".to_string(),
            "cannot read /proc/meminfo".to_string(),
        )]
        .into();
        let md = super::super::markdown::render(&header(&results));
        assert!(
            md.contains(
                "| Machine | : , n/m cores, n/m RAM, Linux ; memory\\_bytes not measured: \
                 cannot read /proc/meminfo |"
            ),
            "{md}"
        );
    }

    #[test]
    fn the_description_is_the_files_and_the_overrides_are_named() {
        assert_eq!(
            described(serde_json::json!({})),
            "1,000 clients on a ticker\n"
        );
        assert_eq!(
            described(serde_json::json!({"clients": 5, "transports": ["ws", "sse"]})),
            "1,000 clients on a ticker\n\n> **Run with overrides:** `--clients 5`, \
             `--transports ws,sse`. The description above is the scenario file's; the figures \
             below are this run's.\n"
        );
    }
}
