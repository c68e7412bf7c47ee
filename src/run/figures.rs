//! The figures of one transport, computed from what the clients counted and what the
//! probes answered.

use std::collections::{BTreeMap, HashMap};

use hdrhistogram::Histogram;

use super::RunError;
use crate::client::{Recorder, Tally};
use crate::emit::Emitted;
use crate::feed::SendPlan;
use crate::metrics::probe::{Answer, ProbeAnswers, ProbeError, Segments, ServerBytes};
use crate::metrics::sequence::DeliveryCounts;
use crate::metrics::{cpu, latency, tcpinfo};
use crate::results::*;
use crate::transport_kind::Transport;
use crate::wire::{StatsReply, WindowStats};

/// What one transport's run collected, before it is turned into figures.
pub struct Collected<'a> {
    /// Clients that connected: the divisor of the server's memory per connection.
    pub connected: u64,
    /// Client socket bytes `(down, up)` as the window opened and as it closed.
    pub window_bytes: [(u64, u64); 2],
    /// Client socket bytes `(down, up)` over the whole run, beside the server's counters.
    pub run_bytes: (u64, u64),
    /// The server's `/stats` over the window.
    pub stats: &'a StatsReply,
    /// State feeds: the latest seq per key after the drain.
    pub final_state: Option<&'a HashMap<String, u64>>,
    pub tallies: &'a [Tally],
    /// A feed with topics: the topic client `id` subscribed to (for those that never
    /// reported, whose tallies are missing).
    pub topic_of: &'a dyn Fn(u64) -> Option<String>,
    /// What the clients sent, if they did (a chat, an echo).
    pub sends: Option<SendPlan>,
    /// An echo: each client is owed back what it sent, whatever the server says.
    pub echo: bool,
    /// A server we did not start (`--target`): its `/stats` window, if it serves one, is
    /// its own count; without one, delivery is judged by each client's seq gaps.
    pub external: bool,
    /// Who counted the window's events in `stats` (the target says: `Target::window_counted_by`).
    pub window_counted_by: PublishedSource,
    /// A target with a stream per connection: what those streams wrote in the window.
    pub emitted: Option<Emitted>,
    pub recorder: &'a Recorder,
    pub probes: ProbeAnswers,
    /// Deliveries already judged against the window and summed over shards (`wsbench
    /// merge`), with the reasons of those that are null: used instead of `tallies`.
    pub summed: Option<(Events, BTreeMap<String, String>)>,
}

/// Fills `result` (its transport, clients and window already set) with the figures of
/// what was collected. A figure whose probe had no answer is `None`, and so is every
/// figure derived from it; `not_measured` says why.
pub fn fill(result: &mut TransportResult, collected: Collected) {
    let Collected {
        connected,
        window_bytes: [bytes0, bytes1],
        run_bytes,
        stats,
        final_state,
        tallies,
        topic_of,
        sends,
        echo,
        external,
        window_counted_by,
        emitted,
        recorder,
        probes,
        summed,
    } = collected;
    let mut gaps = Gaps::default();
    let window_s = result.window_s;
    let clients = Clients {
        count: result.clients,
        tallies,
        topic_of,
        skip_own: sends.is_some_and(|plan| !plan.hears_own),
    };
    result.events = match (summed, &stats.window, external, emitted) {
        (Some((events, reasons)), _, _, _) => {
            gaps.0.extend(reasons);
            events
        }
        _ if echo => echo_events(clients.tallies, recorder),
        (None, _, true, Some(emitted)) => {
            super::seq_gaps::per_connection(clients.tallies, emitted, recorder, &mut gaps.0)
        }
        (None, None, true, None) => gap_judged(clients.tallies, recorder, &mut gaps),
        (None, _, _, _) => events(stats, &clients, final_state, recorder, &mut gaps),
    };
    if result.events.published_source == PublishedSource::ServerStats {
        result.events.published_source = window_counted_by;
    }
    latencies(result, recorder, &mut gaps);
    if final_state.is_some() {
        result.staleness_us = Some(latency::summarize(&recorder.staleness));
    }
    result.bytes = bytes(bytes0, bytes1, recorder, window_s, &mut gaps);
    if sends.is_some() {
        result.upstream = Some(upstream(result, stats, recorder, echo));
    }
    result.tcp = tcp(&result.bytes, probes.segments, recorder, &mut gaps);
    result.requests = Requests {
        total: recorder.requests,
        empty: recorder.empty,
        errors: recorder.status_errors,
        late_polls: recorder.late_polls,
    };
    result.errors = recorder.errors.clone();
    let delivered = result.events.delivered;
    result.cpu = cpu_figures(
        probes.server_cpu,
        probes.client_cpu,
        delivered,
        window_s,
        &mut gaps,
    );
    result.memory = memory(
        [probes.rss_idle, probes.rss_connected, probes.rss_peak],
        connected,
        &mut gaps,
    );
    result.cross_check = cross_check(probes.server_bytes, run_bytes, &mut gaps);
    result.not_measured = gaps.folded(result);
    crate::calibrate::apply(result, None);
}

/// Why figures are `None`, by figure path.
#[derive(Default)]
struct Gaps(BTreeMap<String, String>);

impl Gaps {
    /// `answer`'s value, or `None` with its reason noted for `path`.
    fn figure<T>(&mut self, path: &str, answer: Answer<T>) -> Option<T> {
        answer
            .map_err(|reason| self.0.insert(path.into(), reason.to_string()))
            .ok()
    }

    /// The reasons, a section's figures folded into the section when they all share one.
    fn folded(self, result: &TransportResult) -> BTreeMap<String, String> {
        result.fold_reasons(self.0)
    }
}

/// The latency figures. The headline runs to the kernel's receive stamps when every window
/// event had one; otherwise it runs wholly to the application's instants (one clock, never
/// a mix), and the generator's delay is not measured, with the unstamped events counted.
fn latencies(result: &mut TransportResult, recorder: &Recorder, gaps: &mut Gaps) {
    result.latency_app_us = latency::summarize(&recorder.latency_app);
    result.receive_stamps_missing = recorder.unstamped;
    let headline = if recorder.unstamped == 0 {
        result.receive_clock = ReceiveClock::Kernel;
        result.generator_delay_us = Some(latency::summarize(&recorder.generator_delay));
        &recorder.latency
    } else {
        result.receive_clock = ReceiveClock::Application;
        result.generator_delay_us = None;
        let why = recorder
            .stamp_error
            .as_deref()
            .unwrap_or("the kernel attached none to their reads");
        gaps.0.insert(
            "generator_delay_us".into(),
            format!(
                "{} of {} window events came without a kernel receive timestamp: {why}",
                recorder.unstamped,
                recorder.latency_app.len()
            ),
        );
        &recorder.latency_app
    };
    result.latency_us = latency::summarize(headline);
    result.percentiles = latency::percentile_curve(headline);
}

/// The reason per-delivery figures are null when nothing was delivered in the window.
pub const NOTHING_DELIVERED: &str = "no event was delivered in the window";

/// The reason per-event byte figures are null when no event was received in the window.
pub const NOTHING_RECEIVED: &str = "no event was received in the window";

/// The reason the overhead share is null when no byte moved either way in the window.
pub const NO_BYTES: &str = "no byte moved in the window";

/// The reason given when the target cannot say which events it published in the window.
pub const NO_WINDOW: &str = "the server cannot say which events it published in the window";

/// What the clients saw, and which topic each asked for.
struct Clients<'a> {
    count: u64,
    tallies: &'a [Tally],
    topic_of: &'a dyn Fn(u64) -> Option<String>,
    /// Chat members are not sent their own messages (`echo = false`), so not owed them.
    skip_own: bool,
}

/// A feed with topics: each client owes the events of its own topic's window (without
/// its own messages, when it is not sent them). Sums over the clients (missing ones lost
/// all theirs): `(counts, expected, missing clients' lost)`.
fn topic_counts(window: &WindowStats, clients: &Clients) -> (DeliveryCounts, u64, u64) {
    // `(first, last, seqs client sent itself)` of its topic's window, if it owes any.
    let owed = |client: u64, topic: Option<&str>| {
        let window = topic.and_then(|t| window.topics.get(t))?;
        let (first, last) = (window.first_seq?, window.last_seq?);
        window.events.filter(|&events| events > 0)?;
        let own: Vec<u64> = match (clients.skip_own, &window.senders) {
            (true, Some(senders)) => (first..=last)
                .zip(senders)
                .filter(|&(_, &sender)| sender == client)
                .map(|(seq, _)| seq)
                .collect(),
            _ => Vec::new(),
        };
        Some((first, last, own))
    };
    let size = |(first, last, own): &(u64, u64, Vec<u64>)| last - first + 1 - own.len() as u64;
    let mut counts = DeliveryCounts::default();
    let mut expected = 0;
    let mut reported = std::collections::HashSet::with_capacity(clients.tallies.len());
    for tally in clients.tallies {
        reported.insert(tally.client);
        if let Some(owed) = owed(tally.client, tally.topic.as_deref()) {
            let (first, last, own) = &owed;
            let behind = tally.behind_at_stop;
            counts += DeliveryCounts::window_without(&tally.seqs, *first, *last, behind, own);
            expected += size(&owed);
        }
    }
    let missing: u64 = (0..clients.count)
        .filter(|id| !reported.contains(id))
        .filter_map(|id| owed(id, (clients.topic_of)(id).as_deref()))
        .map(|owed| size(&owed))
        .sum();
    (counts, expected + missing, missing)
}

fn events(
    stats: &StatsReply,
    clients: &Clients,
    final_state: Option<&HashMap<String, u64>>,
    recorder: &Recorder,
    gaps: &mut Gaps,
) -> Events {
    let tallies = clients.tallies;
    // A window the server cannot count (it no longer holds its start) has null figures and
    // an `error`: not measured, never zero.
    let window = stats.window.as_ref().filter(|w| w.events.is_some());
    let no_window = stats
        .window
        .as_ref()
        .and_then(|w| w.error.as_deref())
        .map_or_else(|| NO_WINDOW.to_string(), |e| format!("{NO_WINDOW}: {e}"));
    let (first, last) = window.map_or((0, 0), |w| {
        (w.first_seq.unwrap_or(0), w.last_seq.unwrap_or(0))
    });
    let published = window.and_then(|w| w.events).unwrap_or(0);
    let mut counts = DeliveryCounts::default();
    let mut lost_keys = 0;
    let mut unread_keys = 0;
    // Keys whose final value was published in the window: those a client must end up with.
    let owed: Option<HashMap<String, u64>> = final_state.map(|state| {
        state
            .iter()
            .filter(|(_, seq)| published > 0 && **seq >= first)
            .map(|(key, seq)| (key.clone(), *seq))
            .collect()
    });
    let topics = window.filter(|_| stats.topics.is_some());
    let (topic_expected, topic_missing_lost) = match topics {
        Some(window) => {
            let (topic_counts, expected, missing) = topic_counts(window, clients);
            counts = topic_counts;
            (expected, missing)
        }
        None => (0, 0),
    };
    for tally in tallies.iter().filter(|_| topics.is_none()) {
        if published > 0 {
            counts += DeliveryCounts::window(&tally.seqs, first, last, tally.behind_at_stop);
        }
        if let (Some(view), Some(state)) = (&tally.view, &owed) {
            // A client still behind at the stop had the final values in flight to it.
            match tally.behind_at_stop {
                true => unread_keys += view.lost_keys(state),
                false => lost_keys += view.lost_keys(state),
            }
        }
    }
    // Clients whose task never reported missed everything.
    let missing_clients = clients.count.saturating_sub(tallies.len() as u64);
    let (expected, missing_lost) = match topics {
        Some(_) => (topic_expected, topic_missing_lost),
        None => (published * clients.count, missing_clients * published),
    };
    let (lost, unread, coalesced) = match final_state {
        // State feeds: a superseded value never sent is coalesced; only a key whose final
        // value a client lacks is lost.
        Some(_) => (
            lost_keys,
            unread_keys,
            expected.saturating_sub(counts.delivered + lost_keys + unread_keys),
        ),
        None => (counts.lost + missing_lost, counts.unread, 0),
    };
    let mut measured = |path: &str, value: u64| {
        let answer = window
            .map(|_| value)
            .ok_or_else(|| ProbeError::Absent(no_window.clone()));
        gaps.figure(path, answer)
    };
    // Without the seq range the clients still know which events were published inside the
    // window by their own instants: the first receipts they timed are exactly those.
    let delivered = match window {
        Some(_) => counts.delivered,
        None => recorder.latency.len(),
    };
    Events {
        published: measured("events.published", published),
        expected: measured("events.expected", expected),
        delivered,
        lost: measured("events.lost", lost),
        unread_at_stop: measured("events.unread_at_stop", unread),
        duplicated: measured("events.duplicated", counts.duplicated),
        out_of_order: measured("events.out_of_order", counts.out_of_order),
        coalesced: measured("events.coalesced", coalesced),
        received_in_window: recorder.received_in_window,
        published_source: match window {
            Some(_) => PublishedSource::ServerStats,
            None => PublishedSource::NotMeasured,
        },
    }
}

/// A target without a window: what it published is not measured; loss, duplicates and
/// order are its clients' seq gaps (see `seq_gaps`).
fn gap_judged(tallies: &[Tally], recorder: &Recorder, gaps: &mut Gaps) -> Events {
    let judged = super::seq_gaps::judged(tallies);
    let mut unknown = |path: &str| {
        gaps.0
            .insert(path.into(), super::seq_gaps::NOT_PUBLISHED_BY_TARGET.into());
        None
    };
    let published = unknown("events.published");
    let expected = unknown("events.expected");
    let unread_at_stop = unknown("events.unread_at_stop");
    let coalesced = unknown("events.coalesced");
    let mut judged_figure = |path: &str, value: fn(&DeliveryCounts) -> u64| match &judged {
        Some(counts) => Some(value(counts)),
        None => {
            gaps.0.insert(path.into(), NOTHING_DELIVERED.into());
            None
        }
    };
    Events {
        published,
        expected,
        delivered: judged.map_or(0, |c| c.delivered),
        lost: judged_figure("events.lost", |c| c.lost),
        unread_at_stop,
        duplicated: judged_figure("events.duplicated", |c| c.duplicated),
        out_of_order: judged_figure("events.out_of_order", |c| c.out_of_order),
        coalesced,
        received_in_window: recorder.received_in_window,
        published_source: PublishedSource::NotMeasured,
    }
}

/// An echo: the clients' own messages are the events, each owed back to its sender.
fn echo_events(tallies: &[Tally], recorder: &Recorder) -> Events {
    let (sent, counts) = super::echoes::accounted(tallies);
    Events {
        published: Some(sent),
        expected: Some(sent),
        delivered: counts.delivered,
        lost: Some(counts.lost),
        unread_at_stop: Some(counts.unread),
        duplicated: Some(counts.duplicated),
        out_of_order: Some(counts.out_of_order),
        coalesced: Some(0),
        received_in_window: recorder.received_in_window,
        published_source: PublishedSource::Clients,
    }
}

/// A chat's or an echo's messages: what the clients sent and saw refused, what the server
/// said it took.
fn upstream(
    result: &TransportResult,
    stats: &StatsReply,
    recorder: &Recorder,
    round_trip: bool,
) -> Upstream {
    let slot = stats.transports.get(result.transport.name());
    let sent = recorder.sent_in_window;
    let per = |value: u64, of: u64| (of > 0).then(|| value as f64 / of as f64);
    Upstream {
        sent,
        refused_seen: recorder.sends_refused,
        server_published: slot.map(|s| s.messages_published),
        server_refused: slot.map(|s| s.messages_refused),
        deliveries_per_message: per(result.events.delivered, sent),
        bytes_up_per_message: per(result.bytes.up, sent),
        bytes_down_per_delivery: per(result.bytes.down, result.events.delivered),
        round_trip,
    }
}

fn bytes(
    (down0, up0): (u64, u64),
    (down1, up1): (u64, u64),
    recorder: &Recorder,
    window_s: f64,
    gaps: &mut Gaps,
) -> ByteCounts {
    let down = down1 - down0;
    let up = up1 - up0;
    let total = down + up;
    let payload = recorder.payload_in_window;
    // Nothing received leaves nothing to divide by: not measured, never 0 (the cheapest).
    let mut per = |path: &str, value: u64| match recorder.received_in_window {
        0 => {
            gaps.0.insert(path.into(), NOTHING_RECEIVED.into());
            None
        }
        received => Some(value as f64 / received as f64),
    };
    let per_event = per("bytes.per_event", total);
    let payload_per_event = per("bytes.payload_per_event", payload);
    let overhead_share = match total {
        0 => {
            gaps.0
                .insert("bytes.overhead_share".into(), NO_BYTES.into());
            None
        }
        total => Some(total.saturating_sub(payload) as f64 / total as f64),
    };
    ByteCounts {
        down,
        up,
        payload,
        overhead: total.saturating_sub(payload),
        per_event,
        payload_per_event,
        overhead_share,
        per_second: if window_s > 0.0 {
            total as f64 / window_s
        } else {
            0.0
        },
    }
}

fn tcp(
    bytes: &ByteCounts,
    segments: Answer<Segments>,
    recorder: &Recorder,
    gaps: &mut Gaps,
) -> Tcp {
    let wire = segments
        .clone()
        .map(|s| tcpinfo::wire_estimate(bytes.down + bytes.up, s.sent + s.received));
    let received = recorder.received_in_window;
    Tcp {
        segments_out: gaps.figure("tcp.segments_out", segments.clone().map(|s| s.sent)),
        segments_in: gaps.figure("tcp.segments_in", segments.map(|s| s.received)),
        wire_bytes_estimate: gaps.figure("tcp.wire_bytes_estimate", wire.clone()),
        wire_per_event_estimate: gaps.figure(
            "tcp.wire_per_event_estimate",
            wire.map(|w| {
                if received == 0 {
                    0.0
                } else {
                    w as f64 / received as f64
                }
            }),
        ),
    }
}

fn cpu_figures(
    server: Answer<cpu::CpuSample>,
    client: Answer<cpu::CpuSample>,
    delivered: u64,
    window_s: f64,
    gaps: &mut Gaps,
) -> Cpu {
    // Nothing delivered leaves nothing to divide by: not measured, never 0 (the cheapest).
    let per_event = |s: Answer<f64>| {
        s.and_then(|s| match delivered {
            0 => Err(ProbeError::Absent(NOTHING_DELIVERED.into())),
            n => Ok(s * 1e6 / n as f64),
        })
    };
    let cores = |s: f64| if window_s > 0.0 { s / window_s } else { 0.0 };
    let server_s = server.clone().map(|c| c.total_s());
    let client_s = client.clone().map(|c| c.total_s());
    Cpu {
        server_s: gaps.figure("cpu.server_s", server_s.clone()),
        server_user_s: gaps.figure("cpu.server_user_s", server.clone().map(|c| c.user_s)),
        server_system_s: gaps.figure("cpu.server_system_s", server.map(|c| c.system_s)),
        client_s: gaps.figure("cpu.client_s", client_s.clone()),
        client_user_s: gaps.figure("cpu.client_user_s", client.clone().map(|c| c.user_s)),
        client_system_s: gaps.figure("cpu.client_system_s", client.map(|c| c.system_s)),
        server_us_per_event: gaps.figure("cpu.server_us_per_event", per_event(server_s.clone())),
        client_us_per_event: gaps.figure("cpu.client_us_per_event", per_event(client_s.clone())),
        client_cores: gaps.figure("cpu.client_cores", client_s.map(cores)),
        server_cores: gaps.figure("cpu.server_cores", server_s.map(cores)),
        // Set by the run against its calibration, which one transport's figures lack.
        floor_multiple: None,
    }
}

/// Server memory from its RSS when idle, connected and at its peak.
fn memory([idle, connected, peak]: [Answer<u64>; 3], clients: u64, gaps: &mut Gaps) -> Memory {
    // Divided by the clients that connected: the others hold no server memory.
    let per_conn = idle.clone().and_then(|idle| {
        let connected = connected.clone()?;
        // Never a 0 that would rank as free: a server that gave memory back meanwhile
        // shows no growth to divide.
        match connected.checked_sub(idle) {
            Some(growth) => Ok(growth as f64 / clients.max(1) as f64),
            None => Err(ProbeError::Failed(format!(
                "the server's RSS shrank from {idle} B idle to {connected} B with the clients \
                 connected (it gave memory back to the system): its growth per connection \
                 cannot be read"
            ))),
        }
    });
    Memory {
        server_peak_rss_bytes: gaps.figure("memory.server_peak_rss_bytes", peak),
        server_rss_idle_bytes: gaps.figure("memory.server_rss_idle_bytes", idle),
        server_rss_connected_bytes: gaps.figure("memory.server_rss_connected_bytes", connected),
        server_rss_per_conn_bytes: gaps.figure("memory.server_rss_per_conn_bytes", per_conn),
    }
}

fn cross_check(
    server: Answer<ServerBytes>,
    (client_down, client_up): (u64, u64),
    gaps: &mut Gaps,
) -> CrossCheck {
    let diff = |ours: u64, theirs: u64| {
        if theirs == 0 {
            0.0
        } else {
            (ours as f64 - theirs as f64) * 100.0 / theirs as f64
        }
    };
    let written = server.clone().map(|s| s.written);
    let read = server.map(|s| s.read);
    CrossCheck {
        client_down,
        client_up,
        server_written: gaps.figure("cross_check.server_written", written.clone()),
        server_read: gaps.figure("cross_check.server_read", read.clone()),
        down_diff_pct: gaps.figure(
            "cross_check.down_diff_pct",
            written.map(|w| diff(client_down, w)),
        ),
        up_diff_pct: gaps.figure("cross_check.up_diff_pct", read.map(|r| diff(client_up, r))),
    }
}

pub fn figure_warnings(result: &TransportResult) -> Vec<String> {
    let mut warnings = Vec::new();
    let t = &result.transport;
    let check = &result.cross_check;
    if let (Some(down), Some(up)) = (check.down_diff_pct, check.up_diff_pct)
        && (down.abs() > 1.0 || up.abs() > 1.0)
    {
        warnings.push(format!(
            "{t}: client byte counts differ from the server's by {down:.2}% down and {up:.2}% up"
        ));
    }
    if result.receive_clock == ReceiveClock::Application && result.latency_us.count > 0 {
        let why = result
            .not_measured_reason("generator_delay_us")
            .unwrap_or("no kernel receive timestamps");
        warnings.push(format!(
            "{t}: latency runs to the load generator's own receive instant, not the kernel's \
             receive timestamp ({why}), so it includes the generator's delay in reading the events"
        ));
    }
    if let Some(cores) = result.cpu.client_cores.filter(|c| *c >= 0.9) {
        warnings.push(format!(
            "{t}: the load generator used {cores:.2} cores during the window and competes with the server \
             for this machine's CPU: latency may include waiting for a core, so read it as a loaded \
             machine, not a slow server"
        ));
    }
    warnings
}

/// A publisher that fell behind during the window: its late events carry their intended
/// instants, so the delay is in every transport's latency, not the transport's. A feed on a
/// `scheduled` rate falls behind its schedule; one published as things happen (a program's
/// output) behind the instants its lines were read.
pub fn publisher_warning(
    stats: &StatsReply,
    transport: Transport,
    scheduled: bool,
) -> Option<String> {
    let window = stats.window.as_ref()?;
    let late = window.late_events.filter(|&late| late > 0)?;
    let behind = if scheduled {
        "its schedule"
    } else {
        "the instants its input was read"
    };
    Some(format!(
        "{transport}: the server's publisher fell behind {behind}: {late} of {} window events \
         went out more than {} ms late (worst {:.1} ms); that delay is in the latency figures",
        window.events.unwrap_or(0),
        crate::feed::LATE_TOLERANCE.as_millis(),
        window.max_late_us.unwrap_or(0) as f64 / 1000.0
    ))
}

/// What the feed's source reported (a program that ended, lines it refused or dropped),
/// one warning each: a feed that published less than it was given is never silent.
pub fn source_warnings(stats: &StatsReply, transport: Transport) -> Vec<String> {
    let publisher = &stats.publisher;
    let mut warnings: Vec<String> = publisher
        .source_notes
        .iter()
        .map(|note| format!("{transport}: {note}"))
        .collect();
    if publisher.skipped_at_source > 0 {
        warnings.push(format!(
            "{transport}: lines of the feed's program refused (not published): {}",
            publisher.skipped_at_source
        ));
    }
    if publisher.dropped_at_source > 0 {
        warnings.push(format!(
            "{transport}: lines of the feed's program dropped at the source (written faster \
             than the server published them): {}",
            publisher.dropped_at_source
        ));
    }
    warnings
}

pub fn histogram_log(started_unix_s: f64, recorder: &Recorder) -> Result<Vec<u8>, RunError> {
    let intervals: Vec<(f64, f64, &Histogram<u64>)> = recorder
        .timeline
        .iter()
        .map(|(second, histogram)| (second as f64, 1.0, histogram))
        .collect();
    let mut out = Vec::new();
    crate::export::hlog::write_interval_log(&mut out, started_unix_s, &intervals)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::state::StateView;
    use crate::wire::WindowStats;

    fn sse() -> Transport {
        Transport::named("sse").unwrap()
    }

    fn stats(first: u64, last: u64) -> StatsReply {
        StatsReply {
            window: Some(WindowStats::counted(first, last, last - first + 1, 0, 0)),
            ..Default::default()
        }
    }

    fn reply(json: serde_json::Value) -> StatsReply {
        serde_json::from_value(json).unwrap()
    }

    /// `count` clients of a feed without topics, of which `tallies` reported.
    fn plain(tallies: &[Tally], count: u64) -> Clients<'_> {
        Clients {
            count,
            tallies,
            topic_of: &|_| None,
            skip_own: false,
        }
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
        let mut gaps = Gaps::default();
        let recorder = Recorder::default();
        let events = events(
            &stats(3, 7),
            &plain(&tallies, 3),
            None,
            &recorder,
            &mut gaps,
        );
        assert_eq!(events.published, Some(5));
        assert_eq!(events.expected, Some(15));
        assert_eq!(events.delivered, 5 + 3);
        assert_eq!(events.lost, Some(2 + 5));
        assert_eq!(events.duplicated, Some(1));
        assert_eq!(events.out_of_order, Some(1));
        assert_eq!(events.coalesced, Some(0));
        assert!(gaps.0.is_empty());
    }

    #[test]
    fn a_feed_with_topics_owes_each_client_its_own_topics_window() {
        // Topic `a` published 2..=4 in the window, topic `b` 1..=2, topic `c` nothing.
        // Client 0 (a) read 2, 4 and a duplicate 4; client 1 (b) read 1, 2; client 2 (c)
        // read nothing and owed nothing; client 3 (b) never reported: it lost b's two.
        let stats = reply(serde_json::json!({
            "topics": 3,
            "window": { "events": 5, "late_events": 0, "max_late_us": 0, "topics": {
                "a": { "first_seq": 2, "last_seq": 4, "events": 3 },
                "b": { "first_seq": 1, "last_seq": 2, "events": 2 }
            }}
        }));
        let topics = ["a", "b", "c", "b"];
        let with_topic = |client: u64, seqs: &[u64]| {
            let mut tally = tally(seqs);
            tally.client = client;
            tally.topic = Some(topics[client as usize].into());
            tally
        };
        let tallies = [
            with_topic(0, &[1, 2, 4, 4]),
            with_topic(1, &[1, 2]),
            with_topic(2, &[]),
        ];
        let clients = Clients {
            count: 4,
            tallies: &tallies,
            topic_of: &|id| Some(topics[id as usize].to_string()),
            skip_own: false,
        };
        let mut gaps = Gaps::default();
        let events = events(&stats, &clients, None, &Recorder::default(), &mut gaps);
        assert_eq!(events.published, Some(5));
        assert_eq!(events.expected, Some(3 + 2 + 2));
        assert_eq!(events.delivered, 2 + 2);
        assert_eq!(events.lost, Some(1 + 2), "a's 3, and client 3's two of b");
        assert_eq!(events.duplicated, Some(1));
        assert!(gaps.0.is_empty());
    }

    #[test]
    fn a_chat_member_not_sent_its_own_messages_owes_only_the_others() {
        // Room `r` of clients 0, 1 and 2 published 5..=10 in the window, sent by 0, 1, 0,
        // 2, 1, 0. Client 0 read 6 and 8 (the others'), client 1 read 5, 7 and 10 but not
        // 8, and one of its own, 9; client 2 never reported: it lost the five not its own.
        let stats = reply(serde_json::json!({
            "topics": 1,
            "window": { "events": 6, "late_events": 0, "max_late_us": 0, "topics": {
                "r": { "first_seq": 5, "last_seq": 10, "events": 6,
                       "senders": [0, 1, 0, 2, 1, 0] }
            }}
        }));
        let member = |client: u64, seqs: &[u64]| {
            let mut tally = tally(seqs);
            tally.client = client;
            tally.topic = Some("r".into());
            tally
        };
        let tallies = [member(0, &[6, 8]), member(1, &[5, 7, 9, 10])];
        let clients = Clients {
            count: 3,
            tallies: &tallies,
            topic_of: &|_| Some("r".into()),
            skip_own: true,
        };
        let mut gaps = Gaps::default();
        let events = events(&stats, &clients, None, &Recorder::default(), &mut gaps);
        assert_eq!(events.expected, Some(3 + 4 + 5));
        assert_eq!(events.delivered, 2 + 3);
        assert_eq!(
            events.lost,
            Some(1 + 1 + 5),
            "0 lost 10, 1 lost 8, 2 all five"
        );
        assert_eq!(events.duplicated, Some(1), "1 was sent its own 9");
        let clients = Clients {
            skip_own: false,
            ..clients
        };
        let events = events_of(&stats, &clients);
        assert_eq!(events.expected, Some(6 * 3), "with echo, each owes all six");
    }

    fn events_of(stats: &StatsReply, clients: &Clients) -> Events {
        events(
            stats,
            clients,
            None,
            &Recorder::default(),
            &mut Gaps::default(),
        )
    }

    #[test]
    fn a_backlog_in_the_clients_sockets_at_stop_is_unread_not_lost() {
        // Window seqs 3..=10. Client A read 3..=6 and its socket still held bytes at the
        // stop: 7..=10 were in flight to it. Client B read 3..=5 and 7, holes and all, with
        // nothing left unread: 6 and 8..=10 never reached it. Client C, behind, read 3, 5.
        let mut a = tally(&[3, 4, 5, 6]);
        a.behind_at_stop = true;
        let b = tally(&[3, 4, 5, 7]);
        let mut c = tally(&[3, 5]);
        c.behind_at_stop = true;
        let mut gaps = Gaps::default();
        let recorder = Recorder::default();
        let events = events(
            &stats(3, 10),
            &plain(&[a, b, c], 3),
            None,
            &recorder,
            &mut gaps,
        );
        assert_eq!(events.delivered, 4 + 4 + 2);
        assert_eq!(events.unread_at_stop, Some(4 + 5));
        assert_eq!(events.lost, Some(4 + 1), "B's four, and C's hole at 4");
        assert_eq!(
            events.delivered + events.unread_at_stop.unwrap() + events.lost.unwrap(),
            events.expected.unwrap()
        );
    }

    #[test]
    fn without_a_window_what_was_published_lost_or_coalesced_is_not_measured() {
        let tallies = [tally(&[3, 4, 5])];
        for stats in [
            reply(serde_json::json!({})),
            reply(serde_json::json!({"window": null})),
        ] {
            let mut gaps = Gaps::default();
            // Two first receipts the clients timed as published inside the window.
            let mut recorder = Recorder::default();
            recorder.latency.record(100).unwrap();
            recorder.latency.record(250).unwrap();
            let events = events(&stats, &plain(&tallies, 1), None, &recorder, &mut gaps);
            assert_eq!(
                (
                    events.published,
                    events.expected,
                    events.lost,
                    events.unread_at_stop,
                    events.coalesced
                ),
                (None, None, None, None, None)
            );
            assert_eq!((events.duplicated, events.out_of_order), (None, None));
            assert_eq!(events.delivered, 2, "the clients' own count, not 0");
            let paths: Vec<&str> = gaps.0.keys().map(String::as_str).collect();
            assert_eq!(
                paths,
                [
                    "events.coalesced",
                    "events.duplicated",
                    "events.expected",
                    "events.lost",
                    "events.out_of_order",
                    "events.published",
                    "events.unread_at_stop"
                ]
            );
            assert!(gaps.0.values().all(|r| r == NO_WINDOW));
        }
    }

    fn received(kernel_ns: Option<u64>, app_ns: u64) -> crate::client::Received {
        crate::client::Received { kernel_ns, app_ns }
    }

    #[test]
    fn with_every_event_stamped_latency_runs_to_the_kernel_and_the_delay_is_apart() {
        let mut recorder = Recorder::default();
        recorder.record_window_latency(1_000_000, received(Some(1_300_000), 1_800_000));
        recorder.record_window_latency(1_000_000, received(Some(1_100_000), 1_150_000));
        let mut result = TransportResult::default();
        let mut gaps = Gaps::default();
        latencies(&mut result, &recorder, &mut gaps);
        assert_eq!(result.receive_clock, ReceiveClock::Kernel);
        assert_eq!(result.receive_stamps_missing, 0);
        assert_eq!(
            (
                result.latency_us.count,
                result.latency_us.min,
                result.latency_us.max
            ),
            (2, 100.0, 300.0)
        );
        assert_eq!(
            (result.latency_app_us.min, result.latency_app_us.max),
            (150.0, 800.0)
        );
        let delay = result.generator_delay_us.clone().expect("measured");
        assert_eq!((delay.count, delay.min, delay.max), (2, 50.0, 500.0));
        assert_eq!(result.percentiles.last().map(|p| p.latency_us), Some(300.0));
        assert!(gaps.0.is_empty());
        assert!(figure_warnings(&result).is_empty());
    }

    #[test]
    fn an_event_without_a_kernel_stamp_falls_back_to_the_application_clock_visibly() {
        let mut recorder = Recorder::default();
        recorder.note_stamp_error("setsockopt(SO_TIMESTAMPNS) failed: refused".into());
        recorder.record_window_latency(1_000_000, received(Some(1_300_000), 1_800_000));
        recorder.record_window_latency(1_000_000, received(None, 1_900_000));
        let mut result = TransportResult {
            transport: sse(),
            ..Default::default()
        };
        let mut gaps = Gaps::default();
        latencies(&mut result, &recorder, &mut gaps);
        assert_eq!(result.receive_clock, ReceiveClock::Application);
        assert_eq!(result.receive_stamps_missing, 1);
        assert_eq!(result.generator_delay_us, None);
        assert_eq!(
            result.latency_us, result.latency_app_us,
            "one clock, not a mix"
        );
        assert_eq!(
            (result.latency_us.min, result.latency_us.max),
            (800.0, 900.0)
        );
        let reason = "1 of 2 window events came without a kernel receive timestamp: \
                      setsockopt(SO_TIMESTAMPNS) failed: refused";
        assert_eq!(
            gaps.0.get("generator_delay_us").map(String::as_str),
            Some(reason)
        );
        result.not_measured = gaps.folded(&result);
        assert!(
            result
                .null_figures()
                .contains(&"generator_delay_us".to_string())
        );
        assert_eq!(
            result.not_measured_reason("generator_delay_us"),
            Some(reason)
        );
        assert_eq!(
            figure_warnings(&result),
            [format!(
                "sse: latency runs to the load generator's own receive instant, not the \
                 kernel's receive timestamp ({reason}), so it includes the generator's delay \
                 in reading the events"
            )]
        );
    }

    #[test]
    fn nothing_delivered_leaves_cpu_per_delivery_not_measured_never_zero() {
        let second = || {
            Ok(cpu::CpuSample {
                total_ns: 1_000_000_000,
                user_s: 0.5,
                system_s: 0.5,
            })
        };
        let mut gaps = Gaps::default();
        let cpu = cpu_figures(second(), second(), 0, 2.0, &mut gaps);
        assert_eq!((cpu.server_s, cpu.client_cores), (Some(1.0), Some(0.5)));
        assert_eq!(
            (cpu.server_us_per_event, cpu.client_us_per_event),
            (None, None)
        );
        assert_eq!(
            gaps.0.get("cpu.server_us_per_event").map(String::as_str),
            Some(NOTHING_DELIVERED)
        );
        let mut gaps = Gaps::default();
        let cpu = cpu_figures(second(), second(), 4, 2.0, &mut gaps);
        assert_eq!(cpu.client_us_per_event, Some(250_000.0));
        assert!(gaps.0.is_empty());
    }

    #[test]
    fn memory_per_connection_needs_both_idle_and_connected_rss() {
        let failed = || Err(ProbeError::Failed("cannot read /proc/7/status".into()));
        let mut gaps = Gaps::default();
        let m = memory([Ok(1000), Ok(5096), failed()], 4, &mut gaps);
        assert_eq!(m.server_rss_per_conn_bytes, Some(1024.0));
        assert_eq!(m.server_peak_rss_bytes, None);
        assert_eq!(
            gaps.folded(&TransportResult::default()),
            BTreeMap::from([(
                "memory.server_peak_rss_bytes".to_string(),
                "cannot read /proc/7/status".to_string()
            )])
        );
        let mut gaps = Gaps::default();
        let m = memory([Ok(1000), failed(), Ok(9000)], 4, &mut gaps);
        assert_eq!(
            (m.server_rss_connected_bytes, m.server_rss_per_conn_bytes),
            (None, None),
            "derived from a missing figure"
        );
        assert_eq!(gaps.0.len(), 2);
        let mut gaps = Gaps::default();
        let m = memory([Ok(5000), Ok(4000), Ok(9000)], 4, &mut gaps);
        assert_eq!(m.server_rss_per_conn_bytes, None, "a shrink is not 0 B");
        assert!(
            gaps.0["memory.server_rss_per_conn_bytes"]
                .starts_with("the server's RSS shrank from 5000 B idle to 4000 B"),
            "{:?}",
            gaps.0
        );
    }

    #[test]
    fn missing_server_counters_leave_the_cross_check_unmeasured_not_passed() {
        let mut gaps = Gaps::default();
        let absent = Err(ProbeError::Absent(
            "the target keeps no byte counters".into(),
        ));
        let check = cross_check(absent, (1000, 200), &mut gaps);
        assert_eq!((check.client_down, check.client_up), (1000, 200));
        assert_eq!((check.down_diff_pct, check.up_diff_pct), (None, None));
        let result = TransportResult {
            cross_check: check,
            ..Default::default()
        };
        assert!(figure_warnings(&result).is_empty());
        let reasons = gaps.folded(&result);
        assert_eq!(
            reasons.len(),
            4,
            "client side measured: not folded: {reasons:?}"
        );
        let measured = Ok(ServerBytes {
            written: 800,
            read: 200,
        });
        let check = cross_check(measured, (1000, 200), &mut Gaps::default());
        assert_eq!(
            (check.down_diff_pct, check.up_diff_pct),
            (Some(25.0), Some(0.0))
        );
    }

    #[test]
    fn a_publisher_late_in_the_window_is_a_warning() {
        let mut stats = stats(1, 100);
        let window = stats.window.as_mut().unwrap();
        window.late_events = Some(3);
        window.max_late_us = Some(12_500);
        assert_eq!(
            publisher_warning(&stats, sse(), true).as_deref(),
            Some(
                "sse: the server's publisher fell behind its schedule: 3 of 100 window events \
                 went out more than 5 ms late (worst 12.5 ms); that delay is in the latency figures"
            )
        );
        assert!(
            publisher_warning(&stats, sse(), false)
                .unwrap()
                .starts_with(
                    "sse: the server's publisher fell behind the instants its input was read: 3"
                )
        );
        stats.window.as_mut().unwrap().late_events = Some(0);
        assert_eq!(publisher_warning(&stats, sse(), true), None);
    }

    #[test]
    fn a_window_the_server_no_longer_holds_is_not_counted() {
        let stats = reply(serde_json::json!({ "window": {
            "first_seq": null, "last_seq": null, "events": null, "oldest_seq": 9,
            "error": "the window starts before the oldest publish instant the server keeps (seq 9)"
        }}));
        let mut gaps = Gaps::default();
        let events = events(
            &stats,
            &plain(&[tally(&[9, 10])], 1),
            None,
            &Recorder::default(),
            &mut gaps,
        );
        assert_eq!((events.published, events.lost), (None, None));
        assert_eq!(
            gaps.0.get("events.lost").map(String::as_str),
            Some(
                "the server cannot say which events it published in the window: the window \
                 starts before the oldest publish instant the server keeps (seq 9)"
            )
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
            &plain(&[fresh, stale], 2),
            Some(&final_state),
            &Recorder::default(),
            &mut Gaps::default(),
        );
        assert_eq!(events.expected, Some(12));
        assert_eq!(events.delivered, 5);
        assert_eq!(events.lost, Some(2));
        assert_eq!(events.coalesced, Some(12 - 5 - 2));
    }
}
