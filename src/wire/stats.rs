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
    /// A feed with topics: the topics dropped since the start (their events stay counted in
    /// `events_published`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topics_dropped: Option<TopicsDropped>,
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
    /// What the control plane (`/control/*`) was asked, for a runner to tell its own
    /// requests from anyone else's; absent when it is not served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<ControlStats>,
}

/// The control plane's log: the stop and the window starts it took, and what it refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ControlStats {
    /// When `POST /control/stop` first stopped publishing (wall clock, ns since the epoch).
    pub stopped_at_ns: Option<u64>,
    /// The window starts marked with `POST /control/mark`, the latest `MARKS_REPORTED`,
    /// oldest first.
    pub marks: Vec<MarkRecord>,
    /// Every mark taken since the start: more than `marks` holds once they overflowed.
    pub marks_total: u64,
    /// Control requests refused for a missing or wrong token.
    pub refused: u64,
}

/// Marks `/stats` reports: a run makes one per server it starts.
pub const MARKS_REPORTED: usize = 64;

/// One `POST /control/mark?at_ns=A` the server took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkRecord {
    /// The window start it marked.
    pub at_ns: u64,
    /// When it arrived (wall clock, ns since the epoch).
    pub received_ns: u64,
}

/// The topics a server dropped: the memory of a feed with topics follows the topics in use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicsDropped {
    /// Nobody held them (no connection, no waiting poll) and nothing was published on
    /// them: dropped at once, with nothing to lose.
    pub unused: u64,
    /// They published, then nobody held, named or published on them for
    /// `server.topic_idle`. A window reaching back to their events is counted only if its
    /// start was marked before they were dropped (`window.dropped_topics`).
    pub idle: u64,
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
    /// Connections live now, the reserve's included.
    pub open: i64,
    /// Connections taken under `server.max_connections`.
    pub accepted: u64,
    /// Connections taken over the cap into the reserve, which serves `GET /stats` and
    /// `POST /control/*` only; absent from older servers: 0.
    pub reserved: u64,
    /// Connections the cap refused: closed at accept with the reserve full too, or taken
    /// into the reserve and answered 503 for asking for anything else.
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
    /// Connections closed because a request head did not arrive within
    /// `server.head_timeout`, and requests answered 408 because their body did not arrive
    /// within `server.body_timeout`; absent from older servers: 0.
    pub head_timeouts: u64,
    pub body_timeouts: u64,
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
    /// A feed with topics: the events in the window of topics dropped since (idle for
    /// `server.topic_idle`), summed; counted in the sums above, and gone from `topics`.
    /// Absent when none of theirs lies in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_topics: Option<Box<WindowStats>>,
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
            dropped_topics: None,
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
