//! What the matched server is told: its own settings, and what it serves.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::feed::FeedSpec;
use crate::transport::TransportSettings;
use crate::units::duration_text;

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
