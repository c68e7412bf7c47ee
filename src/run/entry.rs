//! An entry's figures from what its clients counted, raw: one path for an entry a run just
//! measured and for the shards of it that `wsbench merge` added up, so that a merged entry
//! is computed exactly as one process would have computed it.

use super::figures::{Collected, fill};
use super::shard::RawEntry;
use crate::client::Tally;
use crate::results::TransportResult;
use crate::scenario::Scenario;

/// How the entry's deliveries are judged against the target's window.
pub enum Delivery<'a> {
    /// From each client's seqs (a run).
    Tallies(&'a [Tally]),
    /// Already judged per shard, against the same window, and summed: `raw.events`.
    Summed,
}

/// The figures of `raw`, an entry of `scenario` (at its sweep point). `external`: a target
/// the run did not start.
pub fn figures(
    raw: &RawEntry,
    scenario: &Scenario,
    external: bool,
    delivery: Delivery,
) -> TransportResult {
    let total = scenario.clients.count;
    let mut result = TransportResult {
        transport: raw.transport,
        clients: raw.ids.1 - raw.ids.0,
        server_addr: raw.server_addr.clone(),
        header_profile: raw.header_profile.clone(),
        window_s: raw.window_s,
        window_start_s: raw.window_start_s,
        ..Default::default()
    };
    result.timeline = raw
        .recorder
        .timeline
        .to_seconds(raw.window_seconds.0..raw.window_seconds.1);
    let (tallies, summed) = match delivery {
        Delivery::Tallies(tallies) => (tallies, None),
        Delivery::Summed => (
            &[][..],
            Some((raw.events.clone(), raw.event_reasons.clone())),
        ),
    };
    fill(
        &mut result,
        Collected {
            connected: raw.connected,
            window_bytes: raw.window_bytes,
            run_bytes: raw.run_bytes,
            stats: &raw.stats,
            final_state: raw.final_state.as_ref(),
            tallies,
            topic_of: &|id| scenario.feed.client_topic(id, total),
            sends: scenario.feed.sends(),
            echo: scenario.feed.echoes(),
            external,
            window_counted_by: raw.window_counted_by,
            emitted: raw.emitted,
            recorder: &raw.recorder,
            probes: raw.probes.clone(),
            summed,
        },
    );
    let session_limit = (0..total)
        .find_map(|id| scenario.feed.client_sessions(id, total))
        .map(|sessions| sessions.limit);
    // Waiting clients have an idle cost; a chat's members, sending all along, do not.
    let waiting = scenario.feed.topics().is_some() && scenario.feed.sends().is_none();
    super::idle::fill(&mut result, &raw.recorder.sessions, session_limit, waiting);
    result.drain = raw.drain.clone();
    let generator_limits = crate::analysis::generator_limits(&result, raw.threads);
    result.generator_saturated = !generator_limits.is_empty();
    result.generator_saturation = generator_limits.iter().map(|l| l.to_string()).collect();
    result
}
