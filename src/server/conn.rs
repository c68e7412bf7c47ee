//! A server connection's socket, counting the bytes it reads and writes into the
//! per-transport counters. A connection is attributed to a transport when its first
//! request is routed; bytes read before that are held and credited then.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use tokio::net::TcpStream;

use super::stall::Stall;
use super::stats::{ServerStats, other_slot};
use crate::metrics::counting::{ByteSink, CountingStream};

/// The server's side of a connection: its socket, counted into its transport's slot.
pub type CountedStream = CountingStream<TcpStream, Arc<ConnTag>>;

const UNTAGGED: usize = usize::MAX;

/// Which counters a connection's bytes go to; shared with the request router. It lives as
/// long as the connection's socket, an upgraded WebSocket's included (hyper's connection
/// task ends at the upgrade), so it also keeps the live-connection count.
pub struct ConnTag {
    slot: AtomicUsize,
    pending_read: AtomicU64,
    stats: Arc<ServerStats>,
    /// Whether the client still takes what is written to it.
    pub stall: Stall,
    /// Taken over `server.max_connections`, into the reserve for `/stats` and control.
    pub reserve: bool,
}

impl ConnTag {
    pub fn new(stats: Arc<ServerStats>, reserve: bool) -> Arc<Self> {
        stats.connections_live.fetch_add(1, Relaxed);
        if reserve {
            stats.reserve_live.fetch_add(1, Relaxed);
        }
        Arc::new(Self {
            slot: AtomicUsize::new(UNTAGGED),
            pending_read: AtomicU64::new(0),
            stats,
            stall: Stall::default(),
            reserve,
        })
    }

    /// The slot the connection is attributed to, or the other slot before its first request.
    pub fn slot_or_other(&self) -> usize {
        match self.slot.load(Relaxed) {
            UNTAGGED => other_slot(),
            slot => slot,
        }
    }

    /// A client cut off for not reading what is written to it.
    pub fn slow_consumer(&self) {
        self.stats.slots[self.slot_or_other()]
            .slow_consumer_disconnects
            .fetch_add(1, Relaxed);
    }

    /// A request the HTTP layer refused before routing (a 400 or 431 from hyper itself).
    pub fn rejected_request(&self) {
        let slot = &self.stats.slots[self.slot_or_other()];
        slot.requests.fetch_add(1, Relaxed);
        slot.errors.fetch_add(1, Relaxed);
    }

    /// A connection closed because its next request head did not arrive in time.
    pub fn head_timed_out(&self) {
        self.stats.slots[self.slot_or_other()]
            .head_timeouts
            .fetch_add(1, Relaxed);
    }

    /// Attributes the connection (from now on) to a counter slot.
    pub fn set_slot(&self, slot: usize) {
        let previous = self.slot.swap(slot, Relaxed);
        if previous == slot {
            return;
        }
        if previous != UNTAGGED {
            self.stats.slots[previous]
                .connections_open
                .fetch_sub(1, Relaxed);
        }
        self.stats.slots[slot]
            .connections_open
            .fetch_add(1, Relaxed);
        let pending = self.pending_read.swap(0, Relaxed);
        self.stats.slots[slot]
            .bytes_read
            .fetch_add(pending, Relaxed);
    }
}

impl ByteSink for Arc<ConnTag> {
    fn read(&self, n: u64) {
        match self.slot.load(Relaxed) {
            UNTAGGED => {
                self.pending_read.fetch_add(n, Relaxed);
            }
            slot => {
                self.stats.slots[slot].bytes_read.fetch_add(n, Relaxed);
            }
        }
    }

    fn written(&self, n: u64) {
        if n == 0 {
            return;
        }
        self.stall.write_progressed();
        let slot = &self.stats.slots[self.slot_or_other()];
        slot.bytes_written.fetch_add(n, Relaxed);
        slot.writes.fetch_add(1, Relaxed);
    }

    fn write_pending(&self) {
        self.stall.write_blocked();
    }
}

impl Drop for ConnTag {
    fn drop(&mut self) {
        self.stats.connections_live.fetch_sub(1, Relaxed);
        if self.reserve {
            self.stats.reserve_live.fetch_sub(1, Relaxed);
        }
        match self.slot.load(Relaxed) {
            UNTAGGED => {
                let pending = self.pending_read.load(Relaxed);
                self.stats.slots[other_slot()]
                    .bytes_read
                    .fetch_add(pending, Relaxed);
            }
            slot => {
                self.stats.slots[slot]
                    .connections_open
                    .fetch_sub(1, Relaxed);
            }
        }
    }
}
