//! An entry's figures from what its clients counted, raw: one path for an entry a run just
//! measured and for the shards of it that `wsbench merge` added up, so that a merged entry
//! is computed exactly as one process would have computed it.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::{Collected, fill, generator, idle};
use crate::client::{Recorder, Tally};
use crate::metrics::probe::ProbeAnswers;
use crate::results::{Events, PublishedSource, TransportResult};
use crate::scenario::Scenario;
use crate::wire::StatsReply;

/// How the entry's deliveries are judged against the target's window.
pub enum Delivery<'a> {
    /// From each client's seqs (a run).
    Tallies(&'a [Tally]),
    /// Already judged per shard, against the same window, and summed, with the reasons of
    /// those that are null (`wsbench merge`).
    Summed(Events, BTreeMap<String, String>),
}

/// One entry's raw counts, as one process measured them or as the shards' summed.
pub struct Raw<'a> {
    pub delivery: Delivery<'a>,
    /// A server the run did not start (`--target`).
    pub external: bool,
    /// The timeline's seconds that were the window.
    pub window_seconds: Range<u64>,
    /// Client worker threads (the cores the load generator could use).
    pub threads: usize,
    pub connected: u64,
    pub window_bytes: [(u64, u64); 2],
    pub run_bytes: (u64, u64),
    pub stats: &'a StatsReply,
    pub final_state: Option<&'a HashMap<String, u64>>,
    pub window_counted_by: PublishedSource,
    /// A target with a stream per connection: the events those streams wrote in the window.
    pub emitted_in_window: Option<u64>,
    pub recorder: &'a Recorder,
    pub probes: ProbeAnswers,
}

/// The figures of `raw`, an entry of `scenario` (at its sweep point). `head` names it: its
/// transport, clients, window, server address, header profile and drain already set.
pub fn entry(head: TransportResult, raw: Raw, scenario: &Scenario) -> TransportResult {
    let total = scenario.clients.count;
    let mut result = head;
    result.timeline = raw.recorder.timeline.to_seconds(raw.window_seconds);
    let (tallies, summed) = match raw.delivery {
        Delivery::Tallies(tallies) => (tallies, None),
        Delivery::Summed(events, reasons) => (&[][..], Some((events, reasons))),
    };
    fill(
        &mut result,
        Collected {
            connected: raw.connected,
            window_bytes: raw.window_bytes,
            run_bytes: raw.run_bytes,
            stats: raw.stats,
            final_state: raw.final_state,
            tallies,
            topic_of: &|id| scenario.feed.client_topic(id, total),
            sends: scenario.feed.sends(),
            echo: scenario.feed.echoes(),
            external: raw.external,
            window_counted_by: raw.window_counted_by,
            emitted_in_window: raw.emitted_in_window,
            recorder: raw.recorder,
            probes: raw.probes,
            summed,
        },
    );
    let session_limit = (0..total)
        .find_map(|id| scenario.feed.client_sessions(id, total))
        .map(|sessions| sessions.limit);
    // Waiting clients have an idle cost; a chat's members, sending all along, do not.
    let waiting = scenario.feed.topics().is_some() && scenario.feed.sends().is_none();
    idle::fill(&mut result, &raw.recorder.sessions, session_limit, waiting);
    let generator_limits = generator::generator_limits(&result, raw.threads);
    result.generator_saturated = !generator_limits.is_empty();
    result.generator_saturation = generator_limits.iter().map(|l| l.to_string()).collect();
    result
}
