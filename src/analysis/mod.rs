//! Reading a results record the way charts and reports both need to: which entries to
//! headline, and which measurements not to trust because the machine, not the transport,
//! was the bottleneck.

mod frontier;

use std::fmt;

pub use frontier::{Frontier, Point as FrontierPoint, Series as FrontierSeries};

pub use crate::figures::generator::{
    CPU_SATURATION, GeneratorLimit, LATE_POLL_SHARE, generator_limits,
};

use crate::figures::{Style, Unit, show};
use crate::results::{Results, TransportResult};
use crate::transport_kind::Transport;

/// Why a measurement describes the machine's limits rather than the transport's cost.
#[derive(Debug, Clone, PartialEq)]
pub enum Saturation {
    /// Connect, timeout, disconnect, protocol or HTTP status errors.
    Errors(u64),
    /// Events a client never received.
    Lost(u64),
    /// The load generator used `cores` of the machine's `of` cores (records written
    /// before wsbench judged its generator itself).
    LoadGeneratorCpu { cores: f64, of: usize },
    /// The load generator fell behind, as the run judged it (`generator_saturation`).
    Generator(String),
    /// Server and load generator together used `cores` of the machine's `of` cores.
    MachineCpu { cores: f64, of: usize },
}

impl fmt::Display for Saturation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Errors(n) => write!(f, "{} errors", thousands(*n as i64)),
            Self::Lost(n) => write!(f, "{} events lost", thousands(*n as i64)),
            Self::LoadGeneratorCpu { cores, of } => {
                write!(f, "load generator at {cores:.2} of {of} cores")
            }
            Self::Generator(reason) => f.write_str(reason),
            Self::MachineCpu { cores, of } => {
                write!(f, "server + load generator at {cores:.2} of {of} cores")
            }
        }
    }
}

/// All errors a transport met, of every kind.
pub fn error_count(r: &TransportResult) -> u64 {
    let e = &r.errors;
    e.connect + e.timeout + e.disconnect + e.protocol + r.requests.errors
}

/// Reasons a transport's figures are limited by the machine; empty when they can be trusted.
/// `cores` is the machine's core count (`None` when unknown: CPU is then not judged).
pub fn saturation(r: &TransportResult, cores: Option<usize>) -> Vec<Saturation> {
    let mut reasons = Vec::new();
    let errors = error_count(r);
    if errors > 0 {
        reasons.push(Saturation::Errors(errors));
    }
    if let Some(lost) = r.events.lost.filter(|lost| *lost > 0) {
        reasons.push(Saturation::Lost(lost));
    }
    let judged = !r.generator_saturation.is_empty();
    reasons.extend(
        r.generator_saturation
            .iter()
            .map(|reason| Saturation::Generator(reason.clone())),
    );
    if let Some(cores) = cores.filter(|c| *c > 0) {
        // CPU not measured cannot show saturation; what was measured of it still can.
        let limit = CPU_SATURATION * cores as f64;
        let client = r.cpu.client_cores.unwrap_or(0.0);
        let both = client + r.cpu.server_cores.unwrap_or(0.0);
        if client >= limit {
            // The run's own verdict on its generator, when there is one, said it already.
            if !judged {
                reasons.push(Saturation::LoadGeneratorCpu {
                    cores: client,
                    of: cores,
                });
            }
        } else if both >= limit {
            // Both processes share the machine: together they can starve each other.
            reasons.push(Saturation::MachineCpu {
                cores: both,
                of: cores,
            });
        }
    }
    reasons
}

/// What an entry in `limited` means, in the words of both the report and the console.
pub const LIMITED_MEANS: &str = "Where a transport saturated the machine, its figures \
                                 describe this machine's limit, not the transport's cost";

/// An entry whose figures the machine limited, as the report's Saturation section and the
/// console's note both name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Limited<'a> {
    pub entry: &'a TransportResult,
    /// `ws`, or `ws at 1,000 clients` in a sweep.
    pub name: String,
    /// `server + load generator at 1.95 of 2 cores`, reasons joined by commas.
    pub reasons: String,
}

/// Every entry whose figures describe the machine's limit rather than the transport's cost
/// (`saturation` not empty), in record order.
pub fn limited(results: &Results) -> Vec<Limited<'_>> {
    entries(results)
        .filter_map(|t| {
            let reasons = saturation(t, results.machine.cores);
            if reasons.is_empty() {
                return None;
            }
            let reasons: Vec<String> = reasons.iter().map(|r| r.to_string()).collect();
            Some(Limited {
                entry: t,
                name: entry_name(results, t),
                reasons: reasons.join(", "),
            })
        })
        .collect()
}

/// The entries whose load generator was saturated, each named as the run's messages name
/// it: `ws at 1000` (a sweep point's raw value), else as `entry_name`.
pub fn generator_saturated(results: &Results) -> Vec<(&TransportResult, String)> {
    entries(results)
        .filter(|t| t.generator_saturated)
        .map(|t| match t.sweep_value {
            Some(value) => (t, format!("{} at {value}", t.transport)),
            None => (t, entry_name(results, t)),
        })
        .collect()
}

/// Every entry the run measured: its own, then its `[frontier]` entries.
pub fn entries(results: &Results) -> impl Iterator<Item = &TransportResult> {
    results.transports.iter().chain(&results.frontier)
}

/// An entry in words: `ws`, `ws at 1,000 clients` in a sweep, `poll at 100ms interval` for
/// a `[frontier]` entry.
pub fn entry_name(results: &Results, t: &TransportResult) -> String {
    match (&results.sweep, t.sweep_value, &t.frontier) {
        (Some(s), Some(v), _) => format!("{} at {}", t.transport, point_label(&s.parameter, v)),
        (_, _, Some(f)) => {
            let (key, value) = frontier_parts(f);
            format!("{} at {value} {key}", t.transport)
        }
        _ => t.transport.to_string(),
    }
}

/// The entries that single-run charts and tables headline: every entry, or for a sweep the
/// entries at the largest swept value (the point where transports differ most).
pub fn focus(results: &Results) -> Vec<&TransportResult> {
    match largest_sweep_value(results) {
        Some(largest) => results
            .transports
            .iter()
            .filter(|t| t.sweep_value == Some(largest))
            .collect(),
        None => results.transports.iter().collect(),
    }
}

/// What a headline shows of a sweep: ` at 10,000 clients`, or nothing.
pub fn focus_note(results: &Results) -> String {
    match (&results.sweep, largest_sweep_value(results)) {
        (Some(sweep), Some(value)) => format!(" at {}", point_label(&sweep.parameter, value)),
        _ => String::new(),
    }
}

/// The largest swept value that has results, when the run is a sweep.
pub fn largest_sweep_value(results: &Results) -> Option<f64> {
    results.sweep.as_ref()?;
    results
        .transports
        .iter()
        .filter_map(|t| t.sweep_value)
        .fold(None, |max: Option<f64>, v| {
            Some(max.map_or(v, |m| m.max(v)))
        })
}

/// The transports in the order they first appear in the record (the scenario's order).
pub fn transports_in_order(results: &Results) -> Vec<Transport> {
    let mut transports: Vec<Transport> = Vec::new();
    for t in &results.transports {
        if !transports.contains(&t.transport) {
            transports.push(t.transport);
        }
    }
    transports
}

/// A swept value in words: `10,000 clients`, `20 events/s`, `2 s poll interval`.
pub fn point_label(parameter: &str, value: f64) -> String {
    let number = if value.fract() == 0.0 && value.abs() < 1e15 {
        thousands(value as i64)
    } else {
        format!("{value}")
    };
    match parameter {
        "clients" => format!("{number} clients"),
        "rate" => format!("{number} events/s"),
        "poll_interval" => format!("{number} s poll interval"),
        "coalesce" if value == 0.0 => "coalescing off".into(),
        "coalesce" => format!("{number} ms coalescing"),
        other => format!("{other} = {number}"),
    }
}

/// A swept value in a table cell, with its unit where it has one: `off` and `5ms` for
/// coalescing, `0.5s` for a poll interval, the bare number otherwise.
pub fn point_cell(parameter: &str, value: f64) -> String {
    let unit = match parameter {
        "coalesce" if value == 0.0 => return "off".into(),
        "coalesce" => Unit::Millis,
        "poll_interval" => Unit::Seconds,
        _ => Unit::Number,
    };
    show(Some(value), unit, Style::Column)
}

/// A `[frontier]` entry's point in a table cell: `interval 100ms`, its setting's key and
/// value.
pub fn frontier_cell(f: &crate::results::FrontierSetting) -> String {
    let (key, value) = frontier_parts(f);
    format!("{key} {value}")
}

/// A `[frontier]` entry's setting key (`interval`) and value (`100ms`).
fn frontier_parts(f: &crate::results::FrontierSetting) -> (&str, String) {
    let key = f
        .setting
        .split_once('_')
        .map_or(f.setting.as_str(), |(_, k)| k);
    let value = std::time::Duration::try_from_secs_f64(f.value_s)
        .map_or_else(|_| format!("{}s", f.value_s), crate::units::format_duration);
    (key, value)
}

pub use crate::units::thousands;

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(transport: &str, sweep_value: Option<f64>) -> TransportResult {
        TransportResult {
            transport: crate::transport_kind::Transport::named(transport).unwrap(),
            sweep_value,
            ..Default::default()
        }
    }

    #[test]
    fn clean_run_is_not_saturated() {
        let mut r = entry("ws", None);
        r.cpu.client_cores = Some(0.5);
        r.cpu.server_cores = Some(0.5);
        assert!(saturation(&r, Some(2)).is_empty());
    }

    #[test]
    fn each_reason_is_reported() {
        let mut r = entry("poll", None);
        r.errors.timeout = 3;
        r.requests.errors = 2;
        r.events.lost = Some(7);
        r.cpu.client_cores = Some(1.8);
        assert_eq!(
            saturation(&r, Some(2)),
            vec![
                Saturation::Errors(5),
                Saturation::Lost(7),
                Saturation::LoadGeneratorCpu { cores: 1.8, of: 2 }
            ]
        );
        r.cpu.client_cores = Some(1.0);
        r.cpu.server_cores = Some(0.8);
        assert_eq!(
            saturation(&r, Some(2))[2],
            Saturation::MachineCpu { cores: 1.8, of: 2 }
        );
        assert_eq!(
            saturation(&r, None).len(),
            2,
            "unknown core count: CPU is not judged"
        );
        r.cpu.client_cores = None;
        r.events.lost = None;
        assert_eq!(
            saturation(&r, Some(2)),
            vec![Saturation::Errors(5)],
            "not measured is not saturated"
        );
    }

    #[test]
    fn sweeps_focus_on_the_largest_value() {
        let mut results: Results = serde_json::from_value(serde_json::json!({
            "schema": "wsbench.results.v1", "wsbench_version": "0", "complete": true,
            "started_at": "", "machine": {"cores": 2, "kernel": "", "cpu_model": "",
            "memory_bytes": 0, "hostname": ""}, "scenario": {}, "transports": []
        }))
        .unwrap();
        results.transports = vec![
            entry("poll", Some(1000.0)),
            entry("poll", Some(10000.0)),
            entry("ws", Some(1000.0)),
            entry("ws", Some(10000.0)),
        ];
        assert_eq!(focus(&results).len(), 4, "no [sweep]: every entry");
        results.sweep = Some(crate::results::SweepInfo {
            parameter: "clients".into(),
            values: vec![1000.0, 10000.0],
        });
        let names: Vec<_> = focus(&results)
            .iter()
            .map(|t| (t.transport.to_string(), t.sweep_value))
            .collect();
        assert_eq!(
            names,
            vec![("poll".into(), Some(10000.0)), ("ws".into(), Some(10000.0))]
        );
        let names: Vec<_> = transports_in_order(&results)
            .into_iter()
            .map(Transport::name)
            .collect();
        assert_eq!(names, ["poll", "ws"]);
    }

    #[test]
    fn points_and_numbers_in_words() {
        assert_eq!(point_label("clients", 10000.0), "10,000 clients");
        assert_eq!(point_label("rate", 0.5), "0.5 events/s");
        assert_eq!(point_label("poll_interval", 2.0), "2 s poll interval");
        assert_eq!(point_label("coalesce", 0.0), "coalescing off");
        assert_eq!(point_label("coalesce", 5.0), "5 ms coalescing");
        assert_eq!(point_cell("coalesce", 0.0), "off");
        assert_eq!(point_cell("coalesce", 0.5), "0.5ms");
        assert_eq!(point_cell("poll_interval", 2.0), "2s");
        assert_eq!(point_cell("clients", 1000.0), "1000");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
