//! `GET /stats` and the control replies: built by the server, read by the runner, one type.
//! Every field defaults when absent, so that a reader takes a partial reply (an older
//! server, a test) and sees what is missing as absent rather than failing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /stats[?from_ns=A&to_ns=B]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatsReply {
    pub uptime_s: f64,
    pub events_published: u64,
    pub last_seq: u64,
    /// A feed with topics: how many the server holds (`events_published` is then the sum
    /// over them, each numbering its own events from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topics: Option<u64>,
    pub connections: ConnectionStats,
    pub publisher: PublisherStats,
    /// Per transport, by name.
    pub transports: BTreeMap<String, SlotStats>,
    /// Every other path (`/stats`, 404s, control).
    pub other: SlotStats,
    /// With `from_ns` and `to_ns`: the events published in that window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowStats>,
    /// A server of several processes sharing its port (`wsbench serve --processes K`):
    /// this reply is one process's, and `group` says where to read the others'.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<ProcessGroup>,
}

/// The processes of one server that share its port (`SO_REUSEPORT`), each publishing the
/// same feed on the same schedule. Each also answers on a port of its own, where a request
/// reaches it and no other: `/stats` there is its own counters, `/control/*` its own feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessGroup {
    /// Which process answered, from 0; `None` in a sum over all of them.
    pub index: Option<u32>,
    /// Each process's own port, by index, on the address the shared port is on.
    pub ports: Vec<u16>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionStats {
    pub open: i64,
    pub accepted: u64,
    pub rejected: u64,
    pub accept_errors: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublisherStats {
    /// Events published later than `late_tolerance_us` after their intended instant.
    pub late_events: u64,
    pub max_late_us: u64,
    pub late_tolerance_us: u64,
    /// A feed published as things happen (a program's output): lines read but dropped
    /// because the server published slower than they came, since the start.
    pub dropped_at_source: u64,
    /// Lines the source refused (not UTF-8, over the length limit), since the start.
    pub skipped_at_source: u64,
    /// What the source reported in words (a program that ended, a refused line), oldest
    /// first, bounded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_notes: Vec<String>,
}

/// One transport's counters (or the `other` slot's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlotStats {
    pub connections_open: i64,
    pub requests: u64,
    pub responses: u64,
    pub errors: u64,
    pub bytes_written: u64,
    /// Socket writes (syscalls) that moved bytes; absent from older servers: 0.
    pub writes: u64,
    pub bytes_read: u64,
    pub streams_open: i64,
    pub slow_consumer_disconnects: u64,
    pub messages_received: u64,
    /// Messages from clients (WebSocket messages, `POST /publish`) the feed published, and
    /// those it refused; absent from older servers: 0.
    pub messages_published: u64,
    pub messages_refused: u64,
}

/// The events whose `ts` lies in a window. The counts are `null` when the server cannot
/// know them (the window starts before what it keeps, and was not marked); `error` says why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowStats {
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub events: Option<u64>,
    pub late_events: Option<u64>,
    pub max_late_us: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest_seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A feed with topics: each topic's window (by name), for the topics that published in
    /// it; the counts above are their sums, and `first_seq`/`last_seq` are null.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub topics: BTreeMap<String, WindowStats>,
    /// A chat room's window: who sent each of its events, `first_seq` first, so that a
    /// member that is not sent its own messages is owed only the others'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub senders: Option<Vec<u64>>,
}

impl WindowStats {
    /// A window with nothing published in it.
    pub fn empty() -> Self {
        Self::counted(0, 0, 0, 0, 0)
    }

    /// Whether `other` says the same events were published: the same seqs, as many.
    pub fn same_events(&self, other: &Self) -> bool {
        let published = |w: &Self| (w.first_seq, w.last_seq, w.events);
        published(self) == published(other)
    }

    /// What it says was published: `seq 11 to 30 (20 events)`, `unknown` where not known.
    pub fn published(&self) -> String {
        let show = |v: Option<u64>| v.map_or("unknown".to_string(), |v| v.to_string());
        format!(
            "seq {} to {} ({} events)",
            show(self.first_seq),
            show(self.last_seq),
            show(self.events)
        )
    }

    pub fn counted(first: u64, last: u64, events: u64, late: u64, max_late_us: u64) -> Self {
        Self {
            first_seq: Some(first),
            last_seq: Some(last),
            events: Some(events),
            late_events: Some(late),
            max_late_us: Some(max_late_us),
            oldest_seq: None,
            error: None,
            topics: BTreeMap::new(),
            senders: None,
        }
    }
}

/// `POST /control/stop`: publishing has stopped for good after `last_seq`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopReply {
    pub last_seq: u64,
}

/// `POST /control/mark?at_ns=A`: the window start `A` is marked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkReply {
    pub at_ns: u64,
}
