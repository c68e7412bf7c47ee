//! A figure's one home: how each is derived from what the clients counted and the probes
//! answered, why it is `null` when it cannot be (its reason, in `not_measured`), which way
//! it gets worse and in what unit it counts (`catalog`), and how it is written, in the
//! table, the report, the CSV, a comparison and an assertion alike (`format`).
//!
//! Between `metrics` (what was counted) and `results` (the record) on one side and every
//! reader of the record (`run`'s table, `report`, `export`, `ci`, `plot`) on the other: it
//! reads none of those.

mod bytes;
pub mod catalog;
mod cpu;
mod delivery;
mod echoes;
mod entry;
pub mod floor;
pub mod format;
mod gaps;
pub mod generator;
mod idle;
mod latency;
mod memory;
mod seq_gaps;
#[cfg(test)]
mod test_support;
mod topics;
mod upstream;
mod warnings;

use std::collections::{BTreeMap, HashMap};

pub use bytes::NO_BYTES;
pub use catalog::{Direction, Stability, stability};
pub use delivery::NO_WINDOW;
pub use entry::{Delivery, Raw, entry};
pub use format::{NOT_MEASURED, Style, Unit, show, text};
pub use gaps::{NOTHING_DELIVERED, NOTHING_RECEIVED};
pub use idle::NO_SESSION_COMPLETED;
pub use latency::NO_STALENESS;
pub use memory::NO_SERVER_BYTES;
pub use seq_gaps::{NO_UNREAD_PER_CONNECTION, NOT_PUBLISHED_BY_TARGET};
pub use upstream::{NO_SERVER_COUNT, NOTHING_SENT};
pub use warnings::{figure_warnings, publisher_warning, source_warnings};

use crate::client::{Recorder, Tally};
use crate::feed::SendPlan;
use crate::metrics::probe::ProbeAnswers;
use crate::results::{Events, PublishedSource, Requests, TransportResult};
use crate::wire::StatsReply;
use delivery::Clients;
use gaps::Gaps;

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
    /// A target with a stream per connection: the events those streams wrote in the window.
    pub emitted_in_window: Option<u64>,
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
        emitted_in_window,
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
    result.events = match (summed, &stats.window, external, emitted_in_window) {
        (Some((events, reasons)), _, _, _) => {
            gaps.0.extend(reasons);
            events
        }
        _ if echo => echoes::echo_events(clients.tallies, recorder),
        (None, _, true, Some(emitted)) => {
            seq_gaps::per_connection(clients.tallies, emitted, recorder, &mut gaps.0)
        }
        (None, None, true, None) => seq_gaps::gap_judged(clients.tallies, recorder, &mut gaps),
        (None, _, _, _) => delivery::events(stats, &clients, final_state, recorder, &mut gaps),
    };
    if result.events.published_source == PublishedSource::ServerStats {
        result.events.published_source = window_counted_by;
    }
    latency::fill(result, recorder, final_state.is_some(), &mut gaps);
    result.bytes = bytes::bytes(bytes0, bytes1, recorder, window_s, &mut gaps);
    if sends.is_some() {
        result.upstream = Some(upstream::upstream(result, stats, recorder, echo, &mut gaps));
    }
    result.tcp = bytes::tcp(&result.bytes, probes.segments, recorder, &mut gaps);
    result.requests = Requests {
        total: recorder.requests,
        empty: recorder.empty,
        errors: recorder.status_errors,
        late_polls: recorder.late_polls,
    };
    result.errors = recorder.errors.clone();
    let delivered = result.events.delivered;
    result.cpu = cpu::figures(
        probes.server_cpu,
        probes.client_cpu,
        probes.machine_cpu,
        delivered,
        window_s,
        &mut gaps,
    );
    result.memory = memory::memory(
        [probes.rss_idle, probes.rss_connected, probes.rss_peak],
        connected,
        &mut gaps,
    );
    result.cpu.events_per_write = gaps.figure(
        "cpu.events_per_write",
        floor::events_per_write(
            probes.server_bytes.clone(),
            result.bytes.down,
            result.events.received_in_window,
        ),
    );
    result.cross_check = memory::cross_check(probes.server_bytes, run_bytes, &mut gaps);
    result.not_measured = gaps.folded(result);
    floor::apply(result, None);
}
