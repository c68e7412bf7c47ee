//! The figures of a feed whose clients wait for events of their own: the login sessions'
//! counts and time to first event, and the idle cost, per delivered notification and per
//! client-second. A figure with nothing to divide by is `null` with its reason, never 0.

use std::time::Duration;

use super::figures::NOTHING_DELIVERED;
use crate::client::SessionCounts;
use crate::metrics::latency;
use crate::results::{IdleCost, Results, SessionFigures, TransportResult};

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
        let completed = counts.completed > 0;
        result.sessions = Some(SessionFigures {
            started: counts.started,
            completed: counts.completed,
            timed_out: counts.timed_out,
            unfinished: counts.unfinished,
            extra_events: counts.extra_events,
            events_in_window: counts.events_in_window,
            timeout_s: limit.as_secs_f64(),
            time_to_first_event_us: completed
                .then(|| latency::summarize(&counts.time_to_first_event)),
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

/// The idle cost and the login sessions per transport, as a small table under the run's
/// table; nothing when no entry has an idle cost.
pub fn table_note(results: &Results) -> String {
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
        "srv us/notif",
        "srv us/client-s",
        "logins done/started",
        "timed out",
        "1st event p50/p99 ms",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    let n_m = |v: Option<f64>| v.map_or_else(|| "n/m".into(), |v| format!("{v:.1}"));
    for (t, cost) in costed {
        let sessions = t.sessions.as_ref();
        rows.push(vec![
            t.transport.to_string(),
            cost.notifications.to_string(),
            format!("{:.0}", cost.client_seconds),
            n_m(cost.bytes_per_notification),
            format!("{:.1}", cost.bytes_per_client_s),
            n_m(cost.server_cpu_us_per_notification),
            n_m(cost.server_cpu_us_per_client_s),
            sessions.map_or("-".into(), |s| format!("{}/{}", s.completed, s.started)),
            sessions.map_or("-".into(), |s| s.timed_out.to_string()),
            match sessions.map(|s| s.time_to_first_event_us.as_ref()) {
                None => "-".into(),
                Some(None) => "n/m".into(),
                Some(Some(l)) => format!("{:.1}/{:.1}", l.p50 / 1e3, l.p99 / 1e3),
            },
        ]);
    }
    let mut out = String::from(
        "idle cost: the window's bytes (both directions, every client) and server CPU, per \
         notification delivered and per client-second (clients x window s):\n",
    );
    out.push_str(&super::table::aligned(&rows));
    if results.transports.iter().any(|t| t.sessions.is_some()) {
        out.push_str(
            "logins: sessions started in the window that got their one event; 1st event: \
             from the session's connect to its event's receipt, the scan delay included.\n",
        );
    }
    out
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
    fn the_table_note_shows_each_transports_idle_cost_and_n_m_where_not_measured() {
        let mut counts = SessionCounts::default();
        counts.record(Outcome::Completed {
            first_us: 1_500_000,
            extra: 0,
        });
        counts.record(Outcome::TimedOut);
        let mut poll = entry(20, Some(0.5));
        poll.transport = "poll".parse().unwrap();
        fill(&mut poll, &counts, Some(Duration::from_secs(30)), true);
        let mut ws = entry(0, None);
        ws.transport = "ws".parse().unwrap();
        fill(
            &mut ws,
            &SessionCounts::default(),
            Some(Duration::from_secs(30)),
            true,
        );
        let mut results = crate::export::fixture::results();
        results.transports = vec![poll, ws];
        let note = table_note(&results);
        let rows: Vec<Vec<&str>> = note
            .lines()
            .skip(3)
            .take(2)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            rows[0],
            [
                "poll",
                "20",
                "1000",
                "500.0",
                "10.0",
                "25000.0",
                "500.0",
                "1/2",
                "1",
                "1500.2/1500.2"
            ]
        );
        assert_eq!(
            rows[1],
            [
                "ws", "0", "1000", "n/m", "10.0", "n/m", "n/m", "0/0", "0", "n/m"
            ]
        );
        results
            .transports
            .iter_mut()
            .for_each(|t| t.idle_cost = None);
        assert_eq!(table_note(&results), "");
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
