//! A shard's record (`shard.json` in its results directory): for each entry it measured,
//! what its clients counted, raw, before any ratio or percentile was taken from it (the
//! workers' merged `Recorder` with its histograms whole, byte counters, probe answers, the
//! target's window), so that shards add up into the run's figures exactly.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::ShardSpec;
use crate::client::{Recorder, Tally};
use crate::figures::{Delivery, Raw};
use crate::metrics::probe::ProbeAnswers;
use crate::results::{Drain, Events, TransportResult};
use crate::scenario::Scenario;
use crate::transport_kind::Transport;
use crate::wire::StatsReply;

/// The record's file in a results directory.
pub use crate::output::SHARD_FILE;
/// Its format; `wsbench merge` refuses another.
pub const FORMAT: &str = "wsbench.shard.v1";

#[derive(Serialize, Deserialize)]
pub struct ShardRecord {
    pub format: String,
    pub wsbench_version: String,
    pub shard: ShardSpec,
    /// The first entry's window start, ns since the epoch (`--window-start`).
    pub window_start_ns: u64,
    /// The scenario as run (resolved, with the command line's overrides).
    pub scenario: serde_json::Value,
    /// The target's URL, as given.
    pub target: Option<String>,
    /// The target's process, when named: its CPU and memory are read by every shard.
    pub target_pid: Option<u32>,
    pub host: String,
    pub entries: Vec<RawEntry>,
}

/// One entry (a transport at a sweep point) as one shard measured it.
#[derive(Serialize, Deserialize)]
pub struct RawEntry {
    /// Its histogram log's name, which names the entry (`ws.hlog`, `ws-100.hlog`).
    pub log_name: String,
    pub transport: Transport,
    pub sweep_value: Option<f64>,
    /// This shard's client ids, `[start, end)`.
    pub ids: (u64, u64),
    pub connected: u64,
    /// Client worker threads (the cores the shard could use).
    pub threads: usize,
    /// The window on the wall clock, ns: the schedule's instants, the same in every shard.
    pub window_ns: (u64, u64),
    pub window_s: f64,
    pub window_start_s: Option<f64>,
    /// The timeline's seconds of the window, counted from the entry's start.
    pub window_seconds: (u64, u64),
    pub started_unix_s: f64,
    pub server_addr: Option<String>,
    pub header_profile: String,
    /// Client socket bytes `(down, up)` as the window opened and closed.
    pub window_bytes: [(u64, u64); 2],
    pub run_bytes: (u64, u64),
    pub stats: StatsReply,
    /// Who counted the events `stats`' window says were published (the target says).
    #[serde(default)]
    pub window_counted_by: crate::results::PublishedSource,
    /// A target with a stream per connection (websocketd): what those streams wrote in the
    /// window.
    #[serde(default)]
    pub emitted: Option<crate::emit::Emitted>,
    pub final_state: Option<HashMap<String, u64>>,
    pub probes: ProbeAnswers,
    pub drain: Drain,
    /// This shard's clients judged against the target's window: sums over clients.
    pub events: Events,
    /// Why its event figures that are null are (`not_measured`'s `events…` entries).
    pub event_reasons: BTreeMap<String, String>,
    pub recorder: Recorder,
}

impl RawEntry {
    /// The entry's figures (`figures::entry`): from each client's `tallies` for an entry a
    /// run just measured, or from `events` as summed over shards by `wsbench merge` when
    /// there are none, so that both are computed by the one path. `external`: a target the
    /// run did not start.
    pub fn figures(
        &self,
        scenario: &Scenario,
        external: bool,
        tallies: Option<&[Tally]>,
    ) -> TransportResult {
        let head = TransportResult {
            transport: self.transport,
            clients: self.ids.1 - self.ids.0,
            server_addr: self.server_addr.clone(),
            header_profile: self.header_profile.clone(),
            window_s: self.window_s,
            window_start_s: self.window_start_s,
            drain: self.drain.clone(),
            ..Default::default()
        };
        let delivery = match tallies {
            Some(tallies) => Delivery::Tallies(tallies),
            None => Delivery::Summed(self.events.clone(), self.event_reasons.clone()),
        };
        let raw = Raw {
            delivery,
            external,
            window_seconds: self.window_seconds.0..self.window_seconds.1,
            threads: self.threads,
            connected: self.connected,
            window_bytes: self.window_bytes,
            run_bytes: self.run_bytes,
            stats: &self.stats,
            final_state: self.final_state.as_ref(),
            window_counted_by: self.window_counted_by,
            emitted_in_window: self.emitted.map(|e| e.events_in_window),
            recorder: &self.recorder,
            probes: self.probes.clone(),
        };
        crate::figures::entry(head, raw, scenario)
    }
}

impl ShardRecord {
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
}
