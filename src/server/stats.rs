//! The server's own counters, served at `GET /stats`: the load generator cross-checks its
//! socket byte counts against these.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use crate::feed::{LATE_TOLERANCE, Schedule};
use crate::transport_kind::Transport;
use crate::wire::{ConnectionStats, PublisherStats, SlotStats, StatsReply};

/// Counter slots: one per transport, then one for everything else (`/stats`, 404s...):
/// this one's index.
pub fn other_slot() -> usize {
    Transport::count()
}

#[derive(Default)]
pub struct SlotCounters {
    pub connections_open: AtomicI64,
    pub requests: AtomicU64,
    pub responses: AtomicU64,
    /// Requests answered 4xx or 5xx, by routing or by the HTTP layer before routing.
    pub errors: AtomicU64,
    pub bytes_written: AtomicU64,
    /// Writes to sockets that moved bytes: with `bytes_written`, what coalescing saves.
    pub writes: AtomicU64,
    pub bytes_read: AtomicU64,
    pub streams_open: AtomicI64,
    pub slow_consumer_disconnects: AtomicU64,
    /// Connections closed because a request head did not arrive within `server.head_timeout`.
    pub head_timeouts: AtomicU64,
    /// Requests answered 408 because their body did not arrive within `server.body_timeout`.
    pub body_timeouts: AtomicU64,
    pub messages_received: AtomicU64,
    /// Messages from clients (WebSocket messages, `POST /publish`) the feed published.
    pub messages_published: AtomicU64,
    /// Messages from clients the feed refused (malformed, too big, too fast, stopped).
    pub messages_refused: AtomicU64,
}

pub struct ServerStats {
    started: Instant,
    /// By transport index, then `other_slot()`.
    pub slots: Box<[SlotCounters]>,
    /// Connections accepted and not yet closed, whatever they asked for.
    pub connections_live: AtomicI64,
    pub connections_accepted: AtomicU64,
    /// Connections taken over `server.max_connections` into the reserve (see `reserve`).
    pub connections_reserved: AtomicU64,
    /// Of `connections_live`, those in the reserve: the cap counts the others.
    pub reserve_live: AtomicI64,
    pub connections_rejected: AtomicU64,
    pub accept_errors: AtomicU64,
}

impl Default for ServerStats {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            slots: (0..=other_slot())
                .map(|_| SlotCounters::default())
                .collect(),
            connections_live: AtomicI64::new(0),
            connections_accepted: AtomicU64::new(0),
            connections_reserved: AtomicU64::new(0),
            reserve_live: AtomicI64::new(0),
            connections_rejected: AtomicU64::new(0),
            accept_errors: AtomicU64::new(0),
        }
    }
}

impl ServerStats {
    pub fn slot(&self, transport: Transport) -> &SlotCounters {
        &self.slots[transport.index()]
    }

    pub fn connections_open(&self) -> i64 {
        self.connections_live.load(Relaxed)
    }

    /// The `/stats` reply, without a window.
    pub fn reply(&self, last_seq: u64, schedule: Schedule) -> StatsReply {
        let slot = |s: &SlotCounters| SlotStats {
            connections_open: s.connections_open.load(Relaxed),
            requests: s.requests.load(Relaxed),
            responses: s.responses.load(Relaxed),
            errors: s.errors.load(Relaxed),
            bytes_written: s.bytes_written.load(Relaxed),
            writes: s.writes.load(Relaxed),
            bytes_read: s.bytes_read.load(Relaxed),
            streams_open: s.streams_open.load(Relaxed),
            slow_consumer_disconnects: s.slow_consumer_disconnects.load(Relaxed),
            head_timeouts: s.head_timeouts.load(Relaxed),
            body_timeouts: s.body_timeouts.load(Relaxed),
            messages_received: s.messages_received.load(Relaxed),
            messages_published: s.messages_published.load(Relaxed),
            messages_refused: s.messages_refused.load(Relaxed),
        };
        StatsReply {
            uptime_s: self.started.elapsed().as_secs_f64(),
            events_published: last_seq,
            last_seq,
            topics: None,
            topics_dropped: None,
            connections: ConnectionStats {
                open: self.connections_open(),
                accepted: self.connections_accepted.load(Relaxed),
                reserved: self.connections_reserved.load(Relaxed),
                rejected: self.connections_rejected.load(Relaxed),
                accept_errors: self.accept_errors.load(Relaxed),
            },
            publisher: PublisherStats {
                late_events: schedule.late_events,
                max_late_us: schedule.max_late_us,
                late_tolerance_us: LATE_TOLERANCE.as_micros() as u64,
                ..Default::default()
            },
            transports: Transport::all()
                .iter()
                .map(|&t| (t.name().to_string(), slot(self.slot(t))))
                .collect(),
            other: slot(&self.slots[other_slot()]),
            window: None,
            group: None,
            control: None,
        }
    }
}

/// Counts a stream (an SSE response, a WebSocket session) as open for as long as it lives.
pub struct OpenStream {
    stats: std::sync::Arc<ServerStats>,
    transport: Transport,
}

impl OpenStream {
    pub fn new(stats: std::sync::Arc<ServerStats>, transport: Transport) -> Self {
        stats.slot(transport).streams_open.fetch_add(1, Relaxed);
        Self { stats, transport }
    }

    pub fn slow_consumer(&self) {
        self.stats
            .slot(self.transport)
            .slow_consumer_disconnects
            .fetch_add(1, Relaxed);
    }

    pub fn message_received(&self) {
        self.stats
            .slot(self.transport)
            .messages_received
            .fetch_add(1, Relaxed);
    }

    /// A message from the client was published (`true`) or refused by the feed.
    pub fn message_taken(&self, published: bool) {
        let slot = self.stats.slot(self.transport);
        match published {
            true => slot.messages_published.fetch_add(1, Relaxed),
            false => slot.messages_refused.fetch_add(1, Relaxed),
        };
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.stats
            .slot(self.transport)
            .streams_open
            .fetch_sub(1, Relaxed);
    }
}
