//! The figures of a feed whose clients wait for events of their own: the login sessions'
//! counts and time to first event, and the idle cost, per delivered notification and per
//! client-second. A figure with nothing to divide by is `null` with its reason, never 0.

use std::time::Duration;

use super::gaps::NOTHING_DELIVERED;
use crate::client::SessionCounts;
use crate::metrics::latency;
use crate::results::{IdleCost, SessionFigures, TransportResult};

/// Why a session's time to first event is `null`.
pub const NO_SESSION_COMPLETED: &str = "no login session started in the window got its event";

/// Fills `sessions` when clients came and went (`session_limit`: how long each waited),
/// then `idle_cost` for a feed whose clients wait on topics of their own (`waiting`). Call
/// after the transport's other figures.
pub fn fill(
    result: &mut TransportResult,
    counts: &SessionCounts,
    session_limit: Option<Duration>,
    waiting: bool,
) {
    if let Some(limit) = session_limit {
        let first = latency::summarize(&counts.time_to_first_event);
        let completed = first.is_some();
        result.sessions = Some(SessionFigures {
            started: counts.started,
            completed: counts.completed,
            timed_out: counts.timed_out,
            unfinished: counts.unfinished,
            extra_events: counts.extra_events,
            events_in_window: counts.events_in_window,
            timeout_s: limit.as_secs_f64(),
            time_to_first_event_us: first,
        });
        if !completed {
            result.not_measured.insert(
                "sessions.time_to_first_event_us".into(),
                NO_SESSION_COMPLETED.into(),
            );
        }
    }
    if waiting {
        result.idle_cost = Some(idle_cost(result));
    }
}

fn idle_cost(result: &mut TransportResult) -> IdleCost {
    let client_seconds = result.clients as f64 * result.window_s;
    let notifications =
        result.events.delivered + result.sessions.as_ref().map_or(0, |s| s.events_in_window);
    let bytes = (result.bytes.down + result.bytes.up) as f64;
    let server_us = result.cpu.server_s.map(|s| s * 1e6);
    let per_notification = |value: f64| (notifications > 0).then(|| value / notifications as f64);
    let cost = IdleCost {
        client_seconds,
        notifications,
        bytes_per_notification: per_notification(bytes),
        bytes_per_client_s: bytes / client_seconds.max(f64::MIN_POSITIVE),
        server_cpu_us_per_notification: server_us.and_then(per_notification),
        server_cpu_us_per_client_s: server_us.map(|us| us / client_seconds.max(f64::MIN_POSITIVE)),
    };
    let cpu_reason = result
        .not_measured_reason("cpu.server_s")
        .map(|why| format!("the server's CPU was not measured: {why}"));
    let mut why = |path: &str, reason: Option<String>| {
        if let Some(reason) = reason {
            result
                .not_measured
                .insert(format!("idle_cost.{path}"), reason);
        }
    };
    if notifications == 0 {
        why("bytes_per_notification", Some(NOTHING_DELIVERED.into()));
        why(
            "server_cpu_us_per_notification",
            Some(NOTHING_DELIVERED.into()).filter(|_| cost.server_cpu_us_per_client_s.is_some()),
        );
    }
    if cost.server_cpu_us_per_client_s.is_none() {
        why("server_cpu_us_per_notification", cpu_reason.clone());
        why("server_cpu_us_per_client_s", cpu_reason);
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Outcome;

    fn entry(delivered: u64, server_s: Option<f64>) -> TransportResult {
        let mut result = TransportResult {
            clients: 100,
            window_s: 10.0,
            ..Default::default()
        };
        result.events.delivered = delivered;
        result.bytes.down = 9_000;
        result.bytes.up = 1_000;
        result.cpu.server_s = server_s;
        if server_s.is_none() {
            result
                .not_measured
                .insert("cpu".into(), "no local server process".into());
        }
        result
    }

    #[test]
    fn the_idle_cost_divides_the_windows_cost_by_notifications_and_client_seconds() {
        let mut counts = SessionCounts::default();
        counts.record(Outcome::Completed {
            first_us: 1_500_000,
            extra: 0,
        });
        counts.record(Outcome::TimedOut);
        counts.events_in_window = 5;
        let mut result = entry(15, Some(0.5));
        fill(&mut result, &counts, Some(Duration::from_secs(30)), true);
        let cost = result.idle_cost.clone().unwrap();
        assert_eq!((cost.client_seconds, cost.notifications), (1_000.0, 20));
        assert_eq!(cost.bytes_per_notification, Some(500.0));
        assert_eq!(cost.bytes_per_client_s, 10.0);
        assert_eq!(cost.server_cpu_us_per_notification, Some(25_000.0));
        assert_eq!(cost.server_cpu_us_per_client_s, Some(500.0));
        let sessions = result.sessions.unwrap();
        assert_eq!(
            (sessions.started, sessions.completed, sessions.timed_out),
            (2, 1, 1)
        );
        assert_eq!(sessions.timeout_s, 30.0);
        assert_eq!(sessions.time_to_first_event_us.map(|l| l.count), Some(1));
        assert!(result.not_measured.is_empty(), "{:?}", result.not_measured);
    }

    #[test]
    fn nothing_to_divide_by_is_null_with_its_reason_never_zero() {
        let mut result = entry(0, None);
        fill(
            &mut result,
            &SessionCounts::default(),
            Some(Duration::from_secs(5)),
            true,
        );
        let cost = result.idle_cost.clone().unwrap();
        assert_eq!(cost.bytes_per_notification, None);
        assert_eq!(
            (
                cost.server_cpu_us_per_notification,
                cost.server_cpu_us_per_client_s
            ),
            (None, None)
        );
        let reason = |path: &str| result.not_measured.get(path).map(String::as_str);
        assert_eq!(
            reason("idle_cost.bytes_per_notification"),
            Some(NOTHING_DELIVERED)
        );
        assert_eq!(
            reason("idle_cost.server_cpu_us_per_client_s"),
            Some("the server's CPU was not measured: no local server process")
        );
        assert_eq!(
            reason("sessions.time_to_first_event_us"),
            Some(NO_SESSION_COMPLETED)
        );
        assert_eq!(result.sessions.unwrap().time_to_first_event_us, None);
        let mut plain = entry(3, Some(1.0));
        fill(&mut plain, &SessionCounts::default(), None, false);
        assert_eq!((plain.sessions, plain.idle_cost), (None, None));
    }
}
