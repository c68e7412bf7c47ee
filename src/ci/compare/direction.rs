//! Which way each metric gets worse. Every metric path of the record is classified here;
//! a test fails when a field is added without saying which way it goes.

use serde::{Deserialize, Serialize};

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

impl Direction {
    /// The direction of a metric path; `Neutral` for one not classified.
    pub fn of(path: &str) -> Direction {
        Self::classify(path).unwrap_or(Direction::Neutral)
    }

    /// The direction of a metric path, `None` when the path is not classified.
    pub fn classify(path: &str) -> Option<Direction> {
        use Direction::*;
        let (section, field) = path.split_once('.').unwrap_or((path, ""));
        Some(match (section, field) {
            ("events", "lost") => ZeroTolerance,
            ("events", "duplicated" | "out_of_order" | "unread_at_stop") => LowerIsBetter,
            ("events", "delivered") => HigherIsBetter,
            ("events", "published" | "expected" | "coalesced" | "received_in_window") => Neutral,
            // The number of latency samples follows the deliveries; it is not a latency.
            ("latency_us" | "latency_app_us" | "generator_delay_us" | "staleness_us", "count") => {
                Neutral
            }
            (
                "latency_us" | "latency_app_us" | "generator_delay_us" | "staleness_us" | "bytes"
                | "tcp" | "cpu" | "memory" | "errors",
                _,
            ) => LowerIsBetter,
            ("sessions", "time_to_first_event_us.count") => Neutral,
            ("sessions", "completed") => HigherIsBetter,
            ("sessions", "timed_out" | "extra_events") => LowerIsBetter,
            ("sessions", f) if f.starts_with("time_to_first_event_us.") => LowerIsBetter,
            ("sessions", "started" | "unfinished" | "events_in_window" | "timeout_s") => Neutral,
            ("idle_cost", "notifications") => HigherIsBetter,
            ("idle_cost", "client_seconds") => Neutral,
            ("idle_cost", _) => LowerIsBetter,
            ("receive_stamps_missing", "") => LowerIsBetter,
            ("requests", "empty" | "errors" | "late_polls") => LowerIsBetter,
            ("drain", "unread_bytes") => LowerIsBetter,
            // The drain lasts as long as the clients need; its unread bytes tell the rest.
            ("drain", "seconds") => Neutral,
            ("requests", "total") => Neutral,
            ("clients" | "window_s" | "sweep_value", "") => Neutral,
            ("cross_check", _) => Neutral,
            _ => return None,
        })
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
