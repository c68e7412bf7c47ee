//! What each figure of a transport entry is: which way it gets worse (for `wsbench
//! compare`) and what it counts (for every place that writes it). Every metric path of the
//! record is classified here; a test fails when a field is added without saying both.

use serde::{Deserialize, Serialize};

use super::format::Unit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Latency, bytes, TCP segments, CPU, memory, errors: a rise is worse.
    LowerIsBetter,
    /// Deliveries: a fall is worse.
    HigherIsBetter,
    /// Lost events: any rise is a regression, whatever the threshold.
    ZeroTolerance,
    /// Describes the load rather than how well it was served (clients, events published):
    /// a change is reported, never judged.
    Neutral,
}

/// The metric paths under a latency summary (`latency_us.p99`) and the sections that hold one.
const LATENCIES: [&str; 4] = [
    "latency_us",
    "latency_app_us",
    "generator_delay_us",
    "staleness_us",
];

/// A metric path's direction and unit; `None` when the path is not classified.
pub fn classify(path: &str) -> Option<(Direction, Unit)> {
    use Direction::*;
    use Unit::*;
    // A session's time to first event is a latency summary one level down.
    let (section, field) = match path.strip_prefix("sessions.time_to_first_event_us") {
        Some(rest) => ("time_to_first_event_us", rest.trim_start_matches('.')),
        None => path.split_once('.').unwrap_or((path, "")),
    };
    let latency = LATENCIES.contains(&section) || section == "time_to_first_event_us";
    Some(match (section, field) {
        // The number of latency samples follows the deliveries; it is not a latency.
        (_, "count") if latency => (Neutral, Count),
        _ if latency => (LowerIsBetter, Micros),
        ("events", "lost") => (ZeroTolerance, Count),
        ("events", "duplicated" | "out_of_order" | "unread_at_stop") => (LowerIsBetter, Count),
        ("events", "delivered") => (HigherIsBetter, Count),
        ("events", "published" | "expected" | "coalesced" | "received_in_window") => {
            (Neutral, Count)
        }
        ("bytes", "overhead_share") => (LowerIsBetter, Share),
        ("bytes", "per_second") => (LowerIsBetter, BytesPerSecond),
        ("bytes", _) => (LowerIsBetter, Bytes),
        ("tcp", "segments_out" | "segments_in") => (LowerIsBetter, Count),
        ("tcp", _) => (LowerIsBetter, Bytes),
        ("cpu", "server_us_per_event" | "client_us_per_event") => (LowerIsBetter, CpuPerEvent),
        ("cpu", "server_cores" | "client_cores") => (LowerIsBetter, Cores),
        ("cpu", "floor_multiple") => (LowerIsBetter, Multiple),
        // Deliveries per server write: the counted stand-in for CPU (a write is a syscall
        // and a TCP segment), fewer writes per event costing less.
        ("cpu", "events_per_write") => (HigherIsBetter, Number),
        // The machine's floor for writes like this entry's: it describes, it does not judge.
        ("cpu", "floor_us_per_event") => (Neutral, Micros),
        // The machine's other work: it describes the conditions, it does not judge.
        ("cpu", "others_cores") => (Neutral, Cores),
        ("cross_check", "server_writes") => (Neutral, Count),
        ("cpu", _) => (LowerIsBetter, Seconds),
        ("memory", _) => (LowerIsBetter, Memory),
        ("errors", _) => (LowerIsBetter, Count),
        ("sessions", "completed") => (HigherIsBetter, Count),
        ("sessions", "timed_out" | "extra_events") => (LowerIsBetter, Count),
        ("sessions", "timeout_s") => (Neutral, Seconds),
        ("sessions", "started" | "unfinished" | "events_in_window") => (Neutral, Count),
        ("idle_cost", "notifications") => (HigherIsBetter, Count),
        ("idle_cost", "client_seconds") => (Neutral, Number),
        ("idle_cost", "bytes_per_notification") => (LowerIsBetter, Bytes),
        ("idle_cost", "bytes_per_client_s") => (LowerIsBetter, BytesPerSecond),
        ("idle_cost", _) => (LowerIsBetter, Micros),
        ("receive_stamps_missing", "") => (LowerIsBetter, Count),
        ("requests", "empty" | "errors" | "late_polls") => (LowerIsBetter, Count),
        ("drain", "unread_bytes") => (LowerIsBetter, Bytes),
        // The drain lasts as long as the clients need; its unread bytes tell the rest.
        ("drain", "seconds") => (Neutral, Seconds),
        ("requests", "total") => (Neutral, Count),
        ("clients", "") => (Neutral, Count),
        ("window_s" | "window_start_s", "") => (Neutral, Seconds),
        ("sweep_value", "") => (Neutral, Number),
        ("cross_check", "down_diff_pct" | "up_diff_pct") => (Neutral, Percent),
        ("cross_check", _) => (Neutral, Bytes),
        _ => return None,
    })
}

impl Direction {
    /// The direction of a metric path; `Neutral` for one not classified.
    pub fn of(path: &str) -> Direction {
        Self::classify(path).unwrap_or(Direction::Neutral)
    }

    /// The direction of a metric path, `None` when the path is not classified.
    pub fn classify(path: &str) -> Option<Direction> {
        classify(path).map(|(direction, _)| direction)
    }

    /// True when going from `before` to `after` is a move in the worse direction.
    pub fn is_worse(self, before: f64, after: f64) -> bool {
        match self {
            Direction::LowerIsBetter | Direction::ZeroTolerance => after > before,
            Direction::HigherIsBetter => after < before,
            Direction::Neutral => false,
        }
    }
}

/// How far a figure moves between two runs of the same scenario and seed on one machine:
/// what a comparison may gate it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stability {
    /// Counted, not timed: bytes per event, the overhead's share, events per server write,
    /// lost, duplicated and out-of-order events, errors. The same workload gives the same figure within a hair
    /// (the digits of a seq or a timestamp), on any machine: gated at a small tolerance.
    Exact,
    /// Timed: latency, CPU, memory, segments. A shared machine moves them 10–100% from run
    /// to run, and another machine more: gated only from repeated runs on one machine.
    Noisy,
}

/// Whether a metric path is counted or timed.
pub fn stability(path: &str) -> Stability {
    let (section, field) = path.split_once('.').unwrap_or((path, ""));
    match (section, field) {
        ("bytes", "per_event" | "payload_per_event" | "overhead_share") => Stability::Exact,
        ("events", "lost" | "duplicated" | "out_of_order") => Stability::Exact,
        ("errors", _) | ("requests", "errors") => Stability::Exact,
        // A ratio of byte counts: what the server wrote per write over what each event
        // took, as deterministic as bytes per event.
        ("cpu", "events_per_write") => Stability::Exact,
        _ => Stability::Noisy,
    }
}

/// The unit of a metric path; a plain number for one not classified.
pub fn unit(path: &str) -> Unit {
    classify(path).map_or(Unit::Number, |(_, unit)| unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::TransportResult;

    #[test]
    fn every_metric_of_the_record_has_a_direction_and_a_unit() {
        for path in TransportResult::metric_paths() {
            assert!(
                classify(&path).is_some(),
                "{path} has no direction or unit: add it to figures/catalog.rs"
            );
        }
        for (path, direction) in [
            ("latency_us.p99", Direction::LowerIsBetter),
            ("latency_us.count", Direction::Neutral),
            ("bytes.per_event", Direction::LowerIsBetter),
            ("tcp.segments_out", Direction::LowerIsBetter),
            ("cpu.server_us_per_event", Direction::LowerIsBetter),
            ("memory.server_rss_per_conn_bytes", Direction::LowerIsBetter),
            ("requests.empty", Direction::LowerIsBetter),
            ("requests.errors", Direction::LowerIsBetter),
            ("errors.connect", Direction::LowerIsBetter),
            ("events.duplicated", Direction::LowerIsBetter),
            ("events.out_of_order", Direction::LowerIsBetter),
            ("events.delivered", Direction::HigherIsBetter),
            ("events.published", Direction::Neutral),
            (
                "sessions.time_to_first_event_us.p99",
                Direction::LowerIsBetter,
            ),
            ("sessions.time_to_first_event_us.count", Direction::Neutral),
            ("clients", Direction::Neutral),
        ] {
            assert_eq!(Direction::of(path), direction, "{path}");
        }
        assert_eq!(Direction::classify("nope.nothing"), None);
    }

    #[test]
    fn each_figure_counts_in_its_own_unit() {
        for (path, expected) in [
            ("latency_us.p99", Unit::Micros),
            ("staleness_us.p50", Unit::Micros),
            ("sessions.time_to_first_event_us.p50", Unit::Micros),
            ("latency_us.count", Unit::Count),
            ("bytes.per_event", Unit::Bytes),
            ("bytes.overhead_share", Unit::Share),
            ("cpu.server_us_per_event", Unit::CpuPerEvent),
            ("cpu.floor_multiple", Unit::Multiple),
            ("cpu.server_s", Unit::Seconds),
            ("memory.server_rss_per_conn_bytes", Unit::Memory),
            ("events.lost", Unit::Count),
            ("nope", Unit::Number),
        ] {
            assert_eq!(unit(path), expected, "{path}");
        }
    }
}
