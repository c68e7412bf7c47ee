//! What the matched server is told: its own settings, and what it serves.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::feed::FeedSpec;
use crate::transport_kind::TransportSettings;
use crate::units::{SETTING_MEMORY, duration_text};

/// What a server serves: a feed, seeded, with its settings and the transports'. A view of
/// a scenario (`Scenario::serving`), so that the server needs nothing else of it.
#[derive(Debug, Clone, Copy)]
pub struct Serving<'a> {
    pub feed: &'a FeedSpec,
    pub seed: u64,
    pub server: &'a ServerSettings,
    pub transport: &'a TransportSettings,
    /// Where a program the feed runs writes its stderr; `None`: the server's own stderr.
    pub feed_stderr: Option<&'a Path>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerSettings {
    pub max_connections: u64,
    /// Events a streaming client may fall behind before it is disconnected as a slow consumer.
    pub max_lag: u64,
    /// Events kept for `since` requests; older ones answer 410.
    pub history: u64,
    /// Events whose publish instants the server keeps for `/stats` windows; `None`: ten
    /// minutes of the feed's rate, within `WINDOW_LOG_DEFAULT_RANGE`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub window_log: Option<u64>,
    /// How long a write to a client may make no progress before the connection is cut.
    #[serde(with = "duration_text")]
    pub stall_timeout: Duration,
    /// How long an SSE or WebSocket connection, once it has an event to send, keeps
    /// gathering later ones to write them all with one syscall; zero: no delay (what is
    /// already at hand is still written together). Absent in older records: zero.
    #[serde(with = "duration_text", default)]
    pub coalesce: Duration,
    /// Server processes sharing the port (`SO_REUSEPORT`), each publishing the same feed
    /// from the same start instant. Absent in older records: one.
    #[serde(default = "one_process")]
    pub processes: u64,
    /// How long a request head may take to arrive, counted from when the server starts
    /// waiting for it (on a kept-alive connection, from the end of the previous answer).
    /// Absent in older records: the 30 s those servers used.
    #[serde(with = "duration_text", default = "default_deadline")]
    pub head_timeout: Duration,
    /// How long a request body may take to arrive, whole, from the end of its head: a
    /// body that dribbles gets no more time than one that stays silent. Absent in older
    /// records: 30 s.
    #[serde(with = "duration_text", default = "default_deadline")]
    pub body_timeout: Duration,
    /// A feed with topics: how long a topic that published may go unused (nobody holds,
    /// names or publishes on it) before it is dropped; one that published nothing goes as
    /// soon as nobody holds it. Absent in older records: the default.
    #[serde(with = "duration_text", default = "topic_idle_default")]
    pub topic_idle: Duration,
}

fn topic_idle_default() -> Duration {
    TOPIC_IDLE_DEFAULT
}

/// How long a topic that published may go unused (nobody holding, naming or publishing on
/// it) before the server drops it: as long as the longest long poll and login scan, so that
/// no run's client comes back to a topic dropped meanwhile.
pub const TOPIC_IDLE_DEFAULT: Duration = Duration::from_secs(10 * 60);

fn one_process() -> u64 {
    1
}

/// `server.head_timeout` and `server.body_timeout` unless set.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// The longest `server.head_timeout` or `server.body_timeout`: beyond it, a client that
/// sends nothing holds its connection (and a slot under `server.max_connections`) for
/// longer than a long poll may wait.
pub const DEADLINE_MAX: Duration = Duration::from_secs(600);

fn default_deadline() -> Duration {
    DEFAULT_DEADLINE
}

/// The span of publishing the default `server.window_log` covers, and its bounds in events:
/// slow feeds keep a long span for little memory, fast ones at most 4M × 12 bytes.
pub const WINDOW_LOG_DEFAULT_SPAN: Duration = Duration::from_secs(600);
pub const WINDOW_LOG_DEFAULT_RANGE: (u64, u64) = (100_000, 4_000_000);

/// What the server keeps of an event it holds (in its history, or in a lag slot until the
/// slot is overwritten): the event's header, its JSON and an encoding for each transport
/// that sent it. About 1 KiB for the shipped scheduled feeds, whose JSON is under 100
/// bytes.
pub const HELD_EVENT_BYTES: u64 = 1024;

/// A slot of the broadcast channel that fans events out to streaming connections: tokio
/// allocates `max_lag` slots (rounded up to a power of two) at once, each a mutex, two
/// counters and the event's pointer.
pub const LAG_SLOT_BYTES: u64 = 32;

/// A publish instant the window log keeps: a `u64` stamp and a `u32` lateness, written at
/// start so that the log never grows during a run.
pub const WINDOW_LOG_EVENT_BYTES: u64 = 12;

/// The largest `server.max_lag`: a power of two (tokio rounds the slots up to one) whose
/// slots and the events they hold fit [`SETTING_MEMORY`].
pub const MAX_LAG_MAX: u64 =
    prev_power_of_two(SETTING_MEMORY / (LAG_SLOT_BYTES + HELD_EVENT_BYTES));

/// The largest `server.history`: the events it holds fit [`SETTING_MEMORY`].
pub const HISTORY_MAX: u64 = SETTING_MEMORY / HELD_EVENT_BYTES;

/// The largest `server.window_log`: its instants, written at start, fit [`SETTING_MEMORY`].
pub const WINDOW_LOG_MAX: u64 = SETTING_MEMORY / WINDOW_LOG_EVENT_BYTES;

/// The most connections a process can hold: each is a file descriptor, a C `int`.
pub const CONNECTIONS_MAX: u64 = i32::MAX as u64;

const fn prev_power_of_two(n: u64) -> u64 {
    1 << (63 - n.leading_zeros())
}

/// Why `value` of `[server]`'s memory-bound `key` cannot be held, if it cannot: the range
/// and what each unit takes.
pub fn memory_problem(key: &str, value: i128) -> Option<String> {
    use crate::units::thousands;
    let (max, what) = match key {
        "max_lag" => (
            MAX_LAG_MAX,
            format!(
                "{LAG_SLOT_BYTES} bytes a slot, allocated up front and rounded up to a power of \
                 two, and each slot holds its event, about {} KiB, until it is overwritten",
                HELD_EVENT_BYTES >> 10
            ),
        ),
        "history" => (
            HISTORY_MAX,
            format!("each held, about {} KiB", HELD_EVENT_BYTES >> 10),
        ),
        "window_log" => (
            WINDOW_LOG_MAX,
            format!("{WINDOW_LOG_EVENT_BYTES} bytes each, written up front"),
        ),
        _ => return None,
    };
    (!(1..=max.into()).contains(&value)).then(|| {
        format!(
            "must be 1 to {} events ({what}: at most {} GiB per server process), found {}",
            thousands(max),
            SETTING_MEMORY >> 30,
            thousands(value)
        )
    })
}

impl ServerSettings {
    /// Events the window log keeps at `rate` events per second.
    /// `rate`: the feed's, if it publishes on a schedule.
    pub fn window_log_events(&self, rate: Option<f64>) -> u64 {
        self.window_log.unwrap_or_else(|| {
            let (least, most) = WINDOW_LOG_DEFAULT_RANGE;
            let span = rate.unwrap_or(0.0) * WINDOW_LOG_DEFAULT_SPAN.as_secs_f64();
            (span.ceil() as u64).clamp(least, most)
        })
    }
}
