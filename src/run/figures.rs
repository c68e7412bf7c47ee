//! The figures of one transport, computed from what the clients and the server counted.

use std::collections::HashMap;

use hdrhistogram::Histogram;

use super::RunError;
use crate::client::{Recorder, Tally};
use crate::metrics::cpu;
use crate::metrics::sequence::DeliveryCounts;
use crate::metrics::tcpinfo;
use crate::results::*;
use crate::transport::Transport;

pub fn events(
    stats: &serde_json::Value,
    tallies: &[Tally],
    clients: u64,
    final_state: Option<&HashMap<String, u64>>,
    recorder: &Recorder,
) -> Result<Events, RunError> {
    let window = &stats["window"];
    // The server no longer holds the window's start: its counts are unknown, not zero.
    if let Some(reason) = window["error"].as_str() {
        return Err(RunError::Control {
            request: "GET /stats (window)".into(),
            reason: format!("delivery cannot be measured: {reason}"),
        });
    }
    let (first, last) = (
        window["first_seq"].as_u64().unwrap_or(0),
        window["last_seq"].as_u64().unwrap_or(0),
    );
    let published = window["events"].as_u64().unwrap_or(0);
    let mut counts = DeliveryCounts::default();
    let mut lost_keys = 0;
    // Keys whose final value was published in the window: those a client must end up with.
    let owed: Option<HashMap<String, u64>> = final_state.map(|state| {
        state
            .iter()
            .filter(|(_, seq)| published > 0 && **seq >= first)
            .map(|(key, seq)| (key.clone(), *seq))
            .collect()
    });
    for tally in tallies {
        if published > 0 {
            counts += DeliveryCounts::window(&tally.seqs, first, last);
        }
        if let (Some(view), Some(state)) = (&tally.view, &owed) {
            lost_keys += view.lost_keys(state);
        }
    }
    let expected = published * clients;
    // Clients whose task never reported missed everything.
    let missing_clients = clients.saturating_sub(tallies.len() as u64);
    let mut events = Events {
        published,
        expected,
        delivered: counts.delivered,
        lost: counts.lost + missing_clients * published,
        duplicated: counts.duplicated,
        out_of_order: counts.out_of_order,
        coalesced: 0,
        received_in_window: recorder.received_in_window,
    };
    if final_state.is_some() {
        // State feeds: a superseded value never sent is coalesced; only a key whose final
        // value a client lacks is lost.
        events.lost = lost_keys;
        events.coalesced = expected.saturating_sub(events.delivered + lost_keys);
    }
    Ok(events)
}

pub fn bytes(
    (down0, up0): (u64, u64),
    (down1, up1): (u64, u64),
    recorder: &Recorder,
    window_s: f64,
) -> ByteCounts {
    let down = down1 - down0;
    let up = up1 - up0;
    let total = down + up;
    let payload = recorder.payload_in_window;
    let per = |value: u64| {
        if recorder.received_in_window == 0 {
            0.0
        } else {
            value as f64 / recorder.received_in_window as f64
        }
    };
    ByteCounts {
        down,
        up,
        payload,
        overhead: total.saturating_sub(payload),
        per_event: per(total),
        payload_per_event: per(payload),
        overhead_share: if total == 0 {
            0.0
        } else {
            total.saturating_sub(payload) as f64 / total as f64
        },
        per_second: if window_s > 0.0 {
            total as f64 / window_s
        } else {
            0.0
        },
    }
}

pub fn tcp(bytes: &ByteCounts, recorder: &Recorder) -> Tcp {
    let segments = recorder.segments_out + recorder.segments_in;
    let wire = tcpinfo::wire_estimate(bytes.down + bytes.up, segments);
    Tcp {
        segments_out: recorder.segments_out,
        segments_in: recorder.segments_in,
        wire_bytes_estimate: wire,
        wire_per_event_estimate: if recorder.received_in_window == 0 {
            0.0
        } else {
            wire as f64 / recorder.received_in_window as f64
        },
    }
}

pub fn cpu_figures(
    server: Option<cpu::CpuSample>,
    client: Option<cpu::CpuSample>,
    delivered: u64,
    window_s: f64,
) -> Cpu {
    let server = server.unwrap_or_default();
    let client = client.unwrap_or_default();
    let per_event = |s: f64| {
        if delivered == 0 {
            0.0
        } else {
            s * 1e6 / delivered as f64
        }
    };
    let cores = |s: f64| if window_s > 0.0 { s / window_s } else { 0.0 };
    Cpu {
        server_s: server.total_s(),
        server_user_s: server.user_s,
        server_system_s: server.system_s,
        client_s: client.total_s(),
        server_us_per_event: per_event(server.total_s()),
        client_us_per_event: per_event(client.total_s()),
        client_cores: cores(client.total_s()),
        server_cores: cores(server.total_s()),
    }
}

pub fn cross_check(
    stats: &serde_json::Value,
    transport: Transport,
    client_down: u64,
    client_up: u64,
) -> CrossCheck {
    let slot = &stats["transports"][transport.name()];
    let server_written = slot["bytes_written"].as_u64().unwrap_or(0);
    let server_read = slot["bytes_read"].as_u64().unwrap_or(0);
    let diff = |ours: u64, theirs: u64| {
        if theirs == 0 {
            0.0
        } else {
            (ours as f64 - theirs as f64) * 100.0 / theirs as f64
        }
    };
    CrossCheck {
        client_down,
        client_up,
        server_written,
        server_read,
        down_diff_pct: diff(client_down, server_written),
        up_diff_pct: diff(client_up, server_read),
    }
}

pub fn figure_warnings(result: &TransportResult) -> Vec<String> {
    let mut warnings = Vec::new();
    let t = &result.transport;
    let check = &result.cross_check;
    if check.down_diff_pct.abs() > 1.0 || check.up_diff_pct.abs() > 1.0 {
        warnings.push(format!(
            "{t}: client byte counts differ from the server's by {:.2}% down and {:.2}% up",
            check.down_diff_pct, check.up_diff_pct
        ));
    }
    if result.cpu.client_cores >= 0.9 {
        warnings.push(format!(
            "{t}: the load generator used {:.2} cores during the window and competes with the server \
             for this machine's CPU: latency may include waiting for a core, so read it as a loaded \
             machine, not a slow server",
            result.cpu.client_cores
        ));
    }
    warnings
}

/// A publisher that fell behind its schedule during the window: its late events carry
/// their intended instants, so the delay is in every transport's latency, not the transport's.
pub fn publisher_warning(stats: &serde_json::Value, transport: Transport) -> Option<String> {
    let window = &stats["window"];
    let late = window["late_events"].as_u64().filter(|&late| late > 0)?;
    Some(format!(
        "{transport}: the server's publisher fell behind its schedule: {late} of {} window events \
         went out more than {} ms late (worst {:.1} ms); that delay is in the latency figures",
        window["events"].as_u64().unwrap_or(0),
        crate::feed::LATE_TOLERANCE.as_millis(),
        window["max_late_us"].as_u64().unwrap_or(0) as f64 / 1000.0
    ))
}

pub fn histogram_log(started_unix_s: f64, recorder: &Recorder) -> Result<Vec<u8>, RunError> {
    let intervals: Vec<(f64, f64, &Histogram<u64>)> = recorder
        .timeline
        .iter()
        .map(|(second, histogram)| (second as f64, 1.0, histogram))
        .collect();
    let mut out = Vec::new();
    crate::export::hlog::write_interval_log(&mut out, started_unix_s, &intervals)
        .map_err(|e| RunError::Output(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::state::StateView;

    fn sse() -> Transport {
        Transport::named("sse").unwrap()
    }

    fn stats(first: u64, last: u64) -> serde_json::Value {
        serde_json::json!({ "window": { "first_seq": first, "last_seq": last, "events": last - first + 1 } })
    }

    fn tally(seqs: &[u64]) -> Tally {
        let mut tally = Tally::default();
        for &seq in seqs {
            tally.seqs.observe(seq);
        }
        tally
    }

    #[test]
    fn event_feeds_count_loss_duplicates_and_order_per_client_over_the_window() {
        // Window seqs 3..=7. Client A: all, one late and one duplicate; client B: misses 6 and 7;
        // client C never reported (its task failed): it lost all five.
        let tallies = [tally(&[1, 2, 3, 5, 4, 4, 6, 7, 8]), tally(&[3, 4, 5])];
        let events = events(&stats(3, 7), &tallies, 3, None, &Recorder::default()).unwrap();
        assert_eq!(events.published, 5);
        assert_eq!(events.expected, 15);
        assert_eq!(events.delivered, 5 + 3);
        assert_eq!(events.lost, 2 + 5);
        assert_eq!(events.duplicated, 1);
        assert_eq!(events.out_of_order, 1);
        assert_eq!(events.coalesced, 0);
    }

    #[test]
    fn a_publisher_late_in_the_window_is_a_warning() {
        let mut stats = stats(1, 100);
        stats["window"]["late_events"] = 3.into();
        stats["window"]["max_late_us"] = 12_500.into();
        assert_eq!(
            publisher_warning(&stats, sse()).as_deref(),
            Some(
                "sse: the server's publisher fell behind its schedule: 3 of 100 window events \
                 went out more than 5 ms late (worst 12.5 ms); that delay is in the latency figures"
            )
        );
        stats["window"]["late_events"] = 0.into();
        assert_eq!(publisher_warning(&stats, sse()), None);
    }

    #[test]
    fn a_window_the_server_no_longer_holds_is_not_counted() {
        let stats = serde_json::json!({ "window": {
            "first_seq": null, "last_seq": null, "events": null, "oldest_seq": 9,
            "error": "the window starts before the oldest publish instant the server keeps (seq 9)"
        }});
        let error = events(&stats, &[tally(&[9, 10])], 1, None, &Recorder::default()).unwrap_err();
        assert!(
            error.to_string().contains("delivery cannot be measured"),
            "{error}"
        );
    }

    #[test]
    fn state_feeds_report_superseded_values_as_coalesced_and_stale_keys_as_lost() {
        // Window seqs 1..=6 over keys a (1, 3, 6) and b (2, 4, 5). The client polled and saw
        // 3 (a), 5 (b) and 6 (a): it holds the final value of both keys.
        let mut fresh = tally(&[3, 5, 6]);
        let mut view = StateView::new();
        for (key, seq) in [("a", 3), ("b", 5), ("a", 6)] {
            view.observe(key, seq);
        }
        fresh.view = Some(view);
        // Another saw only 3 (a) and 4 (b): both keys are stale at the end.
        let mut stale = tally(&[3, 4]);
        let mut view = StateView::new();
        view.observe("a", 3);
        view.observe("b", 4);
        stale.view = Some(view);
        let final_state = HashMap::from([("a".to_string(), 6), ("b".to_string(), 5)]);
        let events = events(
            &stats(1, 6),
            &[fresh, stale],
            2,
            Some(&final_state),
            &Recorder::default(),
        )
        .unwrap();
        assert_eq!(events.expected, 12);
        assert_eq!(events.delivered, 5);
        assert_eq!(events.lost, 2);
        assert_eq!(events.coalesced, 12 - 5 - 2);
    }
}
