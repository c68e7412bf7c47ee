//! The results record (`results.json`, schema `wsbench.results.v3`): what a run measured,
//! for people and scripts alike. Adding fields is fine; renaming or removing one, or
//! letting a figure be `null`, is a new schema version.
//!
//! A figure that can be absent (a probe that failed: CPU, memory, TCP segments, the
//! server's counters, which events the target published; or nothing to summarise or divide
//! by: the latency of an entry that delivered nothing) is `Option`: `null` when not
//! measured, with the reason in the entry's `not_measured`, never a 0 that would rank as
//! cheapest or pass a gate. How each is derived, and why it is `null`, is `figures`'.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::transport_kind::Transport;

pub const SCHEMA: &str = "wsbench.results.v3";

/// The schema before latency, the generator's delay and the machine's cores and memory
/// could be `null`: an entry that delivered nothing has latencies of 0 (count 0).
pub const SCHEMA_V2: &str = "wsbench.results.v2";

/// The schema before figures could be `null`: its zeros read as numbers, as they always did.
pub const SCHEMA_V1: &str = "wsbench.results.v1";

/// Every schema `compare` and `report` read, newest first.
pub const READABLE: [&str; 3] = [SCHEMA, SCHEMA_V2, SCHEMA_V1];

/// Whether records of `schema` can be read (by `compare` and `report`).
pub fn readable(schema: &str) -> bool {
    READABLE.contains(&schema)
}

/// A whole run: the scenario as run, where it ran, and one entry per transport measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    /// `wsbench.results.v3` when written by this version; `v2` and `v1` records are read
    /// too.
    pub schema: String,
    /// Version of wsbench that measured this.
    pub wsbench_version: String,
    /// False while the run is under way or if it was interrupted: the transports listed
    /// are those finished so far.
    pub complete: bool,
    /// UTC start of the run, RFC 3339.
    pub started_at: String,
    /// UTC end of the run, RFC 3339 (absent while incomplete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    pub machine: Machine,
    /// The scenario as run: file values with command-line overrides and defaults applied.
    /// Its `description` is the file's, written for the file's values.
    pub scenario: serde_json::Value,
    /// The scenario values the command line changed, by flag, as run: `{"clients": 5}`.
    /// Empty (absent) when the run is the file's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, serde_json::Value>,
    /// Present when the scenario sweeps a parameter; each transport entry then carries
    /// its `sweep_value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepInfo>,
    /// Runs of each transport (`--repeat`); figures are medians when above 1.
    #[serde(default = "one")]
    pub repeat: u32,
    pub transports: Vec<TransportResult>,
    /// `[frontier]` entries: a transport measured alone at another value of its frontier
    /// setting (each with its `frontier`), for the latency–cost frontier. Not ranked,
    /// asserted or compared: `transports` holds the run's entries. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frontier: Vec<TransportResult>,
    /// `[[assert]]` outcomes, in scenario order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<AssertionOutcome>,
    /// Things a reader must know to read the figures right (a saturated load generator...).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// This machine's loopback floor (`wsbench calibrate`), which each transport's
    /// `cpu.floor_multiple` divides by. Absent when the run did not calibrate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationRecord>,
    /// With `--target`: the server already running that the clients measured, instead
    /// of the matched server. Absent for a run against the matched server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetRecord>,
    /// How the record was made, for a baseline that says where it came from. Absent in
    /// records before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// The command that made a record, and the wsbench it ran.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    /// The command line as given (`wsbench baseline scenarios/ci.toml --out results/baseline`).
    pub command: String,
    /// The commit wsbench was built from (`git rev-parse --short=12 HEAD` at build time);
    /// absent when it was not built from a git checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
}

impl Provenance {
    /// This process's command line and build.
    pub fn of_this_process() -> Self {
        Self {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            source_commit: option_env!("WSBENCH_SOURCE_COMMIT").map(str::to_string),
        }
    }
}

/// A server we did not write: already running (`wsbench run --target URL`) or started by
/// the run (`--launch NAME`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetRecord {
    /// Its base URL, as given: `http://127.0.0.1:9000`.
    pub url: String,
    /// How its transports are named and framed (`wsbench`: docs/PROTOCOL.md).
    pub dialect: String,
    /// The process whose CPU and memory were read (`--target-pid`); absent when they
    /// were not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// `--launch`: the command the run started for each transport; its CPU and memory are
    /// its whole process tree's (websocketd's process per connection included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launched: Option<String>,
}

/// The loopback floor a run compared its CPU figures with: what the kernel's TCP path
/// alone costs per small message on this machine, writer and reader together.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CalibrationRecord {
    /// When the floor was measured, RFC 3339 UTC.
    pub date: String,
    /// `cache` (measured earlier on this machine and still recent) or `measured` (at the
    /// start of this run).
    pub source: String,
    /// Loopback connections the messages were spread over.
    pub connections: u64,
    /// Bytes of each message.
    pub message_bytes: u64,
    /// Messages per write (and per read) of the batched floor.
    pub messages_per_write: u64,
    /// CPU µs per message with one message per write and per read: the floor.
    pub floor_us_per_message: f64,
    /// Messages per second moved at that floor.
    pub floor_messages_per_s: f64,
    /// CPU µs per message with `messages_per_write` messages per write.
    pub batched_us_per_message: f64,
    /// Messages per second moved batched.
    pub batched_messages_per_s: f64,
}

fn one() -> u32 {
    1
}

/// The machine the run measured on. Its kernel, CPU model and host name are empty when
/// they could not be read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Machine {
    /// CPUs this process could run on; `null` when they could not be counted.
    pub cores: Option<usize>,
    pub kernel: String,
    pub cpu_model: String,
    /// `MemTotal` of `/proc/meminfo`; `null` when it could not be read.
    pub memory_bytes: Option<u64>,
    pub hostname: String,
    /// `/proc/sys/kernel/random/boot_id`: one boot of one machine. VMs of one image share
    /// a host name; a reboot changes what timed figures depend on. Absent in older records
    /// and where it cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
    /// Why `cores` or `memory_bytes` is `null`, by field. Absent when both were read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub not_measured: BTreeMap<String, String>,
}

/// What a `[frontier]` entry was measured at.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FrontierSetting {
    /// Its transport's frontier setting, flat: `poll_interval`, `longpoll_timeout`.
    pub setting: String,
    /// The value it was measured at, seconds.
    pub value_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SweepInfo {
    /// `clients`, `rate`, `poll_interval` (seconds) or `coalesce` (milliseconds, 0: off).
    pub parameter: String,
    pub values: Vec<f64>,
}

/// What one transport cost and delivered over the measurement window.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TransportResult {
    /// The transport measured, by its name in the registry (`poll`, `ws`, ...).
    pub transport: Transport,
    /// The swept parameter's value at this point, when the scenario sweeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep_value: Option<f64>,
    /// A `[frontier]` entry's setting and value; absent from the run's own entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontier: Option<FrontierSetting>,
    /// Clients that took part.
    pub clients: u64,
    /// Address the server of this transport listened on (to match a packet capture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_addr: Option<String>,
    /// Request header profile: `minimal` or `browser`.
    pub header_profile: String,
    /// Length of the measurement window, seconds.
    pub window_s: f64,
    /// When the window opened, in seconds on the `timeline`'s clock (since the first
    /// client started); it closed `window_s` later. Absent in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start_s: Option<f64>,
    pub events: Events,
    /// True when the load generator, not the transport, limited these figures (reasons in
    /// `generator_saturation`): they describe wsbench's limit on this machine, the verdict
    /// does not rank this entry, and `wsbench run` exits 4 unless `--allow-saturated`.
    #[serde(default)]
    pub generator_saturated: bool,
    /// Why the load generator counts as saturated, in words; empty when it kept up.
    #[serde(default)]
    pub generator_saturation: Vec<String>,
    /// The drain after the window: how long it waited for the clients to read what the
    /// server had written, and what was left unread.
    #[serde(default)]
    pub drain: Drain,
    /// Publish to receipt: to the kernel's receive stamp on the client socket when
    /// `receive_clock` is `kernel`, else to the application's receive instant. `null` when
    /// no event was delivered in the window (`not_measured` says so): there is no latency
    /// to summarise, and a gate on it fails.
    pub latency_us: Option<Latency>,
    /// Publish to the application's receive instant: when the load generator had read and
    /// decoded the event. `null` when nothing was delivered in the window; absent in
    /// records of older versions, whose `latency_us` was this.
    #[serde(default)]
    pub latency_app_us: Option<Latency>,
    /// The load generator's own delay: the application's receive instant minus the kernel's
    /// receive stamp, per window event. `null` when any window event came without a kernel
    /// stamp (`not_measured` says how many, and why), or when none was delivered.
    #[serde(default)]
    pub generator_delay_us: Option<Latency>,
    /// The clock that ends `latency_us`: `kernel` (receive stamps) or `application`.
    #[serde(default)]
    pub receive_clock: ReceiveClock,
    /// Window events whose bytes came without a kernel receive stamp.
    #[serde(default)]
    pub receive_stamps_missing: u64,
    /// State feeds: age of a client's view of a key when it learned a newer value. Absent
    /// for event feeds, and for a state feed whose clients learned no newer value in the
    /// window (`not_measured` says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staleness_us: Option<Latency>,
    /// A feed whose clients send (a chat): what they sent, and what the server did with it.
    /// Bytes up (`bytes.up`) are what they sent, requests and messages; bytes down what
    /// they read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<Upstream>,
    pub bytes: ByteCounts,
    pub tcp: Tcp,
    pub requests: Requests,
    pub errors: Errors,
    pub cpu: Cpu,
    pub memory: Memory,
    /// The server's own byte counters beside ours.
    pub cross_check: CrossCheck,
    /// Sessions of clients that come and go (a notifications feed's login pages), over
    /// the sessions started in the window. Absent when no client does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<SessionFigures>,
    /// What serving mostly idle clients costs, per delivered notification and per
    /// client-second, for a feed with topics (each client waits for events of its own).
    /// Absent for other feeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_cost: Option<IdleCost>,
    /// Latency percentile curve for charts: `(percentile, microseconds)` pairs.
    #[serde(default)]
    pub percentiles: Vec<PercentilePoint>,
    /// Per second of the whole run (warm-up included): deliveries and p99.
    #[serde(default)]
    pub timeline: Vec<Second>,
    /// Name of this transport's HdrHistogram interval log in the results directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram_log: Option<String>,
    /// With `--repeat`: min and max of each headline metric over the runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<serde_json::Map<String, serde_json::Value>>,
    /// Why figures are `null`: by figure path (`cpu.server_s`) or, when a whole section
    /// is missing for one reason, by section (`memory`). Absent when all was measured.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub not_measured: BTreeMap<String, String>,
}

/// A chat's messages, sent by the clients and taken by the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Upstream {
    /// Messages the clients sent during the window.
    pub sent: u64,
    /// Messages the clients saw refused (an HTTP status other than 202) over the run; a
    /// WebSocket message is never answered, so this counts `POST /publish` only.
    pub refused_seen: u64,
    /// Messages the server published, and refused, over the run (its `/stats` for this
    /// transport: WebSocket messages and `POST /publish?via=` alike); `None` when it did
    /// not say.
    pub server_published: Option<u64>,
    pub server_refused: Option<u64>,
    /// Window deliveries per message sent in the window: the room's fan-out as measured.
    pub deliveries_per_message: Option<f64>,
    /// Client bytes up per message sent, and down per delivery, over the window.
    pub bytes_up_per_message: Option<f64>,
    pub bytes_down_per_delivery: Option<f64>,
    /// An echo feed: each message came back to its sender alone, and `latency_us` is the
    /// round trip from the send to the echo's receipt (both instants on the client's
    /// clock), not a one-way publish-to-receive time. `events` counts the echoes against
    /// the messages sent in the window.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub round_trip: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Events {
    /// Events published inside the measurement window; `null` when the target cannot say
    /// which it published (and so are `expected`, `lost` and `coalesced`).
    pub published: Option<u64>,
    /// Deliveries owed: published × clients (event feeds) or the same for state feeds,
    /// of which `coalesced` were legitimately replaced by a newer value.
    pub expected: Option<u64>,
    /// Window events received (first receipt per client). Counted by the clients from the
    /// events' own publish instants, so it is known even when the target cannot say which
    /// events it published.
    pub delivered: u64,
    /// Event feeds: window events a client never received although they were not in
    /// flight to it at the end (see `unread_at_stop`): they never left the server, or the
    /// connection carrying them was cut. State feeds: keys whose final value a client did
    /// not have at the end.
    pub lost: Option<u64>,
    /// Window events that had left the server but were still unread by a client when the
    /// drain gave up: the client's socket held unread bytes, and these events came after
    /// the last it read. Late, not lost; a load generator that leaves any is saturated.
    /// Null, like `lost`, without the window's seq range.
    #[serde(default)]
    pub unread_at_stop: Option<u64>,
    /// Window events received again. Null without the window's seq range.
    pub duplicated: Option<u64>,
    /// Window events received after a later one. Null without the window's seq range.
    pub out_of_order: Option<u64>,
    /// State feeds: values superseded by a newer value before the client asked.
    pub coalesced: Option<u64>,
    /// Events received during the window (by receive time), the divisor of `bytes.per_event`.
    pub received_in_window: u64,
    /// Who said which events were published in the window: the matched server's `/stats`
    /// (`server_stats`), a target's own wsbench `/stats` (`target_stats`), wsbench itself
    /// publishing through the target's publish API (`wsbench_publisher`), or nobody
    /// (`not_measured`: `published` and `expected` are null, and a target's loss is its
    /// clients' seq gaps between their first and last window events).
    #[serde(default)]
    pub published_source: PublishedSource,
}

/// Where `events.published` came from.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PublishedSource {
    /// The matched server's window count (`GET /stats?from_ns=&to_ns=`, marked exactly).
    #[default]
    ServerStats,
    /// A target's own wsbench `/stats` window, counted by the events' `ts`.
    TargetStats,
    /// wsbench published the feed through the target's publish API (a dialect with a
    /// publish path, such as `nchan`) and counted what it published in the window.
    WsbenchPublisher,
    /// The target cannot say what it published.
    NotMeasured,
    /// The clients counted it themselves: an echo's events are the messages they sent.
    Clients,
    /// Each connection's own publisher (a process per connection, `wsbench emit` under
    /// websocketd) recorded the events it wrote; their window's events are summed.
    PerConnection,
}

/// The drain: after the window nothing is published, and the run waits until the clients
/// have read every byte the server wrote to them (or until the scenario's `drain_limit`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Drain {
    /// How long the drain lasted, seconds.
    pub seconds: f64,
    /// Bytes the server had written that the clients had not read when it ended: 0 when
    /// they caught up; null without the target's byte counters to compare with.
    pub unread_bytes: Option<u64>,
}

/// Which instant a latency runs to.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReceiveClock {
    /// The kernel's receive stamp of the read that brought the event's last byte.
    Kernel,
    /// The load generator's clock once it had decoded the event (older records, and runs
    /// where the kernel gave no stamps).
    #[default]
    Application,
}

impl ReceiveClock {
    pub fn name(self) -> &'static str {
        match self {
            Self::Kernel => "kernel",
            Self::Application => "application",
        }
    }
}

impl std::fmt::Display for ReceiveClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Latency in microseconds: receive instant minus the event's publish instant.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    pub count: u64,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub p9999: f64,
    pub max: f64,
    pub mean: f64,
}

/// Bytes counted at the client sockets over the measurement window, both directions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ByteCounts {
    /// Server to clients.
    pub down: u64,
    /// Clients to server.
    pub up: u64,
    /// Event JSON bytes delivered.
    pub payload: u64,
    /// `down + up - payload`: headers, framing, keep-alives, empty responses.
    pub overhead: u64,
    /// `(down + up) / received_in_window`; `null` when nothing was received in the window.
    pub per_event: Option<f64>,
    /// `payload / received_in_window`; `null` when nothing was received in the window.
    pub payload_per_event: Option<f64>,
    /// `overhead / (down + up)`; `null` when no byte moved in the window.
    pub overhead_share: Option<f64>,
    /// `(down + up) / window_s`.
    pub per_second: f64,
}

/// TCP segments from Linux `TCP_INFO` on the client sockets, and an on-the-wire estimate;
/// all `null` when a socket's segments could not be read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Tcp {
    pub segments_out: Option<u64>,
    pub segments_in: Option<u64>,
    /// Estimate: socket bytes + 52 bytes (IPv4 20 + TCP 32 with timestamps) per segment,
    /// ACK-only segments included. An estimate, not a capture.
    pub wire_bytes_estimate: Option<u64>,
    pub wire_per_event_estimate: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Requests {
    /// HTTP requests sent (including WebSocket and SSE handshakes).
    pub total: u64,
    /// `204 No Content` answers.
    pub empty: u64,
    /// Answers with a status other than 200, 204 and 101.
    pub errors: u64,
    /// Scheduled polls (short polling) the load generator sent more than 5 ms after they
    /// were due, during the window: it was too busy to keep its schedule.
    #[serde(default)]
    pub late_polls: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Errors {
    pub connect: u64,
    pub timeout: u64,
    /// Connections closed by the server or the network before the end.
    pub disconnect: u64,
    /// Malformed responses or frames.
    pub protocol: u64,
}

/// CPU over the window, server and load generator apart: each side `null` when its
/// process could not be read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cpu {
    /// Server process user+system CPU over the window, seconds.
    pub server_s: Option<f64>,
    pub server_user_s: Option<f64>,
    pub server_system_s: Option<f64>,
    /// Load generator process CPU over the window, seconds.
    pub client_s: Option<f64>,
    /// The generator's user and system (kernel) parts: on loopback its system time holds
    /// the TCP work of its reads, the acknowledgements they send and the server socket's
    /// processing of them. Absent in older records.
    #[serde(default)]
    pub client_user_s: Option<f64>,
    #[serde(default)]
    pub client_system_s: Option<f64>,
    pub server_us_per_event: Option<f64>,
    pub client_us_per_event: Option<f64>,
    /// Load generator CPU as a share of one core over the window (1.0 = a full core).
    pub client_cores: Option<f64>,
    pub server_cores: Option<f64>,
    /// Deliveries per server socket write: the server's bytes per write over the run over
    /// the clients' bytes down per event in the window (a poll's answer carries every event
    /// since the last poll). `null` when the server counts no writes (a target, an older
    /// server). Absent in older records.
    #[serde(default)]
    pub events_per_write: Option<f64>,
    /// The loopback floor this entry is compared with, CPU µs per message: the
    /// calibration's, taken at `events_per_write` (one per write at 1 or fewer, or when not
    /// measured; the batched floor from its batch up; linear in 1/k between). `null` without
    /// a calibration. Absent in older records.
    #[serde(default)]
    pub floor_us_per_event: Option<f64>,
    /// `(server_us_per_event + client_us_per_event) / floor_us_per_event`: a delivery's
    /// CPU, both sides, as a multiple of this machine's loopback floor for writes like its
    /// own. Absent in older records (whose multiple divided by the one-per-write floor).
    #[serde(default)]
    pub floor_multiple: Option<f64>,
    /// Cores the rest of the machine used over the window: every process's time and the
    /// hypervisor's steal (`/proc/stat`) less the server's and the load generator's, as a
    /// share of one core. Other work inflates CPU and latency alike: `compare` skips timed
    /// figures when the two sides' other work differs. `null` when `/proc/stat` or a side's
    /// CPU could not be read. Absent in older records.
    #[serde(default)]
    pub others_cores: Option<f64>,
}

/// The server process's resident memory; `null` where it could not be read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Memory {
    pub server_peak_rss_bytes: Option<u64>,
    pub server_rss_idle_bytes: Option<u64>,
    pub server_rss_connected_bytes: Option<u64>,
    /// `(connected - idle) / clients`.
    pub server_rss_per_conn_bytes: Option<f64>,
}

/// wsbench's byte counts for the whole run beside the server's own `/stats` counters;
/// the server's side and the differences are `null` when it has no counters to give.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CrossCheck {
    pub client_down: u64,
    pub client_up: u64,
    pub server_written: Option<u64>,
    pub server_read: Option<u64>,
    /// The server's socket writes that moved bytes, whole run (`/stats` `writes`); `null`
    /// when it does not count them. Absent in older records.
    #[serde(default)]
    pub server_writes: Option<u64>,
    /// `(client_down - server_written) / server_written`, percent.
    pub down_diff_pct: Option<f64>,
    pub up_diff_pct: Option<f64>,
}

/// Sessions that each waited on a fresh topic for one event and left (a login page and
/// its phone's scan), counted over those started in the window:
/// `started = completed + timed_out + unfinished`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionFigures {
    /// Sessions started while the window was open.
    pub started: u64,
    /// Of those, sessions that got their event (before the run stopped).
    pub completed: u64,
    /// Of those, sessions that got nothing within `timeout_s` and gave up.
    pub timed_out: u64,
    /// Of those, sessions still waiting when the run stopped: nothing is published after
    /// the window, so a session whose scan fell due after it waits in vain.
    pub unfinished: u64,
    /// Events completed sessions got beyond the one they waited for (the matched server
    /// publishes one per session: anything else here is a fault).
    pub extra_events: u64,
    /// Session events received while the window was open.
    pub events_in_window: u64,
    /// How long a session waits before it counts as timed out, seconds.
    pub timeout_s: f64,
    /// Time to first event, µs, of the completed sessions: from the session's start, just
    /// before it opens its connection (TCP connect, the request or WebSocket upgrade, and
    /// the server's scripted scan delay included) to the receipt of its event's bytes (the
    /// kernel's receive stamp where there was one). `null` when no session completed.
    pub time_to_first_event_us: Option<Latency>,
}

/// What serving mostly idle clients costs: the window's whole cost (every client's bytes
/// and the server's CPU, login sessions and their connection churn included) divided two
/// ways, per notification delivered and per client-second.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IdleCost {
    /// `clients × window_s`: every client, a user's or a login page's, counted for the
    /// whole window, whether connected or between sessions (a login page reconnects at
    /// once).
    pub client_seconds: f64,
    /// Notifications delivered in the window: `events.delivered` (users' events published
    /// in the window, first receipt per client) plus `sessions.events_in_window`.
    pub notifications: u64,
    /// `(bytes.down + bytes.up) / notifications`; `null` when none was delivered.
    pub bytes_per_notification: Option<f64>,
    /// `(bytes.down + bytes.up) / client_seconds`.
    pub bytes_per_client_s: f64,
    /// `cpu.server_s / notifications`, µs; `null` when none was delivered or the server's
    /// CPU was not measured.
    pub server_cpu_us_per_notification: Option<f64>,
    /// `cpu.server_s / client_seconds`, µs; `null` when the server's CPU was not measured.
    pub server_cpu_us_per_client_s: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PercentilePoint {
    pub percentile: f64,
    pub latency_us: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Second {
    /// Seconds since the first client connected.
    pub t_s: f64,
    pub delivered: u64,
    /// `null` for a second that delivered nothing: no latency to take a percentile of.
    pub p99_us: Option<f64>,
    /// True inside the measurement window.
    pub in_window: bool,
}

/// One `[[assert]]` evaluated against this run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AssertionOutcome {
    /// The assertion as written, in words.
    pub description: String,
    pub transport: String,
    pub metric: String,
    /// The sweep point this outcome is about, when the scenario sweeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep_value: Option<f64>,
    /// The metric, or the ratio for `relative_to`; absent when there was nothing to
    /// measure (see `reason`), which fails the assertion.
    pub measured: Option<f64>,
    pub passed: bool,
    /// Why `measured` is absent: transport not in the run, division by zero...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Results {
    /// The CPU placement the run used (`scenario.cpus`), if it pinned anything.
    pub fn placement(&self) -> Option<crate::placement::Placement> {
        serde_json::from_value(self.scenario.get("cpus")?.clone()).ok()
    }
}

impl TransportResult {
    /// Whether its latency is a round trip (an echo feed), not one-way.
    pub fn round_trip(&self) -> bool {
        self.upstream.as_ref().is_some_and(|u| u.round_trip)
    }

    /// Every numeric metric path in a transport entry (`latency_us.p99`, `bytes.per_event`),
    /// derived from the record itself so the list can never go stale. The figures that may
    /// be `null` are `null` in a default record, so they are listed too.
    pub fn metric_paths() -> Vec<String> {
        let value = serde_json::to_value(Self::with_every_section()).unwrap_or_default();
        let mut paths = Vec::new();
        collect_numeric_paths(&value, String::new(), &mut paths);
        paths
    }

    /// A default record with its optional sections present, empty: the latency summaries
    /// (a state feed's staleness too), a feed with topics' `idle_cost` and login
    /// `sessions`, so that their paths are metrics too.
    pub fn with_every_section() -> Self {
        Self {
            latency_us: Some(Latency::default()),
            latency_app_us: Some(Latency::default()),
            staleness_us: Some(Latency::default()),
            generator_delay_us: Some(Latency::default()),
            sessions: Some(SessionFigures {
                time_to_first_event_us: Some(Latency::default()),
                ..SessionFigures::default()
            }),
            idle_cost: Some(IdleCost::default()),
            ..Self::default()
        }
    }

    /// A metric by path, as a number; `None` when absent or not measured (`null`).
    pub fn metric(&self, path: &str) -> Option<f64> {
        let value = serde_json::to_value(self).ok()?;
        path.split('.')
            .try_fold(&value, |v, key| v.get(key))?
            .as_f64()
    }

    /// Paths of the section figures that are `null` (not measured).
    pub fn null_figures(&self) -> Vec<String> {
        section_fields(self)
            .into_iter()
            .filter(|(_, value)| value.is_null())
            .map(|(path, _)| path)
            .collect()
    }

    /// `reasons` by figure path, with a section's figures folded into the section when
    /// they all share one reason: `{"memory": …}` rather than four entries.
    pub fn fold_reasons(&self, mut reasons: BTreeMap<String, String>) -> BTreeMap<String, String> {
        let fields = section_fields(self);
        let sections: std::collections::BTreeSet<&str> = fields
            .iter()
            .filter_map(|(p, _)| p.split_once('.'))
            .map(|(s, _)| s)
            .collect();
        for section in sections {
            let prefix = format!("{section}.");
            let paths: Vec<&String> = fields
                .iter()
                .map(|(p, _)| p)
                .filter(|p| p.starts_with(&prefix))
                .collect();
            let shared = reasons.get(paths[0].as_str()).cloned();
            if let Some(reason) = shared
                && paths
                    .iter()
                    .all(|p| reasons.get(p.as_str()) == Some(&reason))
            {
                for path in paths {
                    reasons.remove(path.as_str());
                }
                reasons.insert(section.to_string(), reason);
            }
        }
        reasons
    }

    /// Why the figure at `path` was not measured: its own entry in `not_measured`, or its
    /// section's.
    pub fn not_measured_reason(&self, path: &str) -> Option<&str> {
        let section = path.split('.').next().unwrap_or(path);
        self.not_measured
            .get(path)
            .or_else(|| self.not_measured.get(section))
            .map(String::as_str)
    }
}

/// `(section.field, value)` of every field of the entry's sections (`cpu`, `memory`…),
/// and `(section, null)` for a section not measured at all (`generator_delay_us`).
fn section_fields(entry: &TransportResult) -> Vec<(String, serde_json::Value)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(entry) else {
        return Vec::new();
    };
    map.into_iter()
        .flat_map(|(section, value)| match value {
            serde_json::Value::Object(fields) => fields
                .into_iter()
                .map(|(field, value)| (format!("{section}.{field}"), value))
                .collect(),
            serde_json::Value::Null => vec![(section, serde_json::Value::Null)],
            _ => Vec::new(),
        })
        .collect()
}

fn collect_numeric_paths(value: &serde_json::Value, prefix: String, out: &mut Vec<String>) {
    if let serde_json::Value::Object(map) = value {
        for (key, child) in map {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match child {
                serde_json::Value::Number(_) | serde_json::Value::Null => out.push(path),
                serde_json::Value::Object(_) => collect_numeric_paths(child, path, out),
                _ => {}
            }
        }
    }
}

/// Checks an `[[assert]]` metric path against the record's numeric fields.
pub fn check_metric_path(path: &str) -> Result<(), String> {
    let paths = TransportResult::metric_paths();
    if paths.iter().any(|p| p == path) {
        Ok(())
    } else {
        Err(format!(
            "unknown metric `{path}`; valid metrics: {}",
            paths.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_paths_come_from_the_record() {
        let paths = TransportResult::metric_paths();
        for path in [
            "latency_us.p99",
            "bytes.per_event",
            "events.lost",
            "cpu.server_us_per_event",
        ] {
            assert!(
                paths.contains(&path.to_string()),
                "{path} missing from {paths:?}"
            );
        }
        assert!(!paths.contains(&"transport".to_string()));
        assert!(
            check_metric_path("latency_us.p100")
                .unwrap_err()
                .contains("latency_us.p99")
        );
    }

    #[test]
    fn metrics_read_by_path() {
        let mut r = TransportResult::default();
        assert_eq!(r.metric("latency_us.p99"), None, "not measured");
        r.latency_us = Some(Latency {
            p99: 1234.5,
            ..Latency::default()
        });
        r.events.lost = Some(3);
        assert_eq!(r.metric("latency_us.p99"), Some(1234.5));
        assert_eq!(r.metric("events.lost"), Some(3.0));
        assert_eq!(r.metric("events.nope"), None);
        assert_eq!(r.metric("memory.server_rss_per_conn_bytes"), None, "null");
    }

    #[test]
    fn a_figure_finds_its_own_reason_or_its_sections() {
        let mut r = TransportResult::default();
        r.not_measured
            .insert("memory".into(), "no local server process".into());
        r.not_measured
            .insert("cpu.server_s".into(), "cannot read /proc/9/stat".into());
        let reason = |path| r.not_measured_reason(path);
        assert_eq!(
            reason("memory.server_peak_rss_bytes"),
            Some("no local server process")
        );
        assert_eq!(reason("cpu.server_s"), Some("cannot read /proc/9/stat"));
        assert_eq!(reason("cpu.client_s"), None);
    }

    #[test]
    fn null_figures_are_written_as_null_and_v1_zeros_read_as_numbers() {
        let value = serde_json::to_value(TransportResult::default()).unwrap();
        assert_eq!(
            value["memory"]["server_rss_per_conn_bytes"],
            serde_json::Value::Null
        );
        assert_eq!(value["cpu"]["client_s"], serde_json::Value::Null);
        assert!(value.get("not_measured").is_none(), "absent when empty");
        let mut v1 = value;
        v1["memory"]["server_rss_per_conn_bytes"] = 0.0.into();
        let back: TransportResult = serde_json::from_value(v1).unwrap();
        assert_eq!(back.memory.server_rss_per_conn_bytes, Some(0.0));
    }
}
