//! What the runner shares with every client of one transport run: the phase of the run,
//! the measurement window, the byte counters and the stop signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};

use tokio::sync::watch;
use tokio::time::Instant;

use crate::metrics::counting::ByteCounters;

/// The phases of one transport's run, in order: the clients and the progress display
/// read the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Phase {
    /// The clients connect (the ramp): events count for the timeline only.
    Connecting = 0,
    /// Every client is in, the window not yet open: events count for the timeline only.
    WarmUp = 1,
    /// The measurement window.
    Measuring = 2,
    /// After the window: in-flight events still arrive, nothing new is published.
    Draining = 3,
}

impl Phase {
    /// Its name on the progress display.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::WarmUp => "warm-up",
            Self::Measuring => "measuring",
            Self::Draining => "draining",
        }
    }

    /// Whether events received now count only for the timeline (before the window).
    pub fn before_window(self) -> bool {
        self < Self::Measuring
    }
}

pub struct RunControl {
    /// When the first client started: the timeline's second 0.
    pub started: Instant,
    phase: AtomicU8,
    /// Publish instants (ns since the epoch) bounding the window; events published inside
    /// it are the ones measured.
    window_start_ns: AtomicU64,
    window_end_ns: AtomicU64,
    pub bytes: Arc<ByteCounters>,
    /// Clients that have received their first answer or opened their stream.
    pub connected: AtomicU64,
    /// Live figures for the progress display only.
    pub delivered: AtomicU64,
    pub errors: AtomicU64,
    stop: watch::Sender<bool>,
}

impl RunControl {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            started: Instant::now(),
            phase: AtomicU8::new(Phase::Connecting as u8),
            window_start_ns: AtomicU64::new(u64::MAX),
            window_end_ns: AtomicU64::new(u64::MAX),
            bytes: ByteCounters::new(),
            connected: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            stop: watch::channel(false).0,
        })
    }

    /// Whether the run has told its clients to stop.
    pub fn is_stopped(&self) -> bool {
        *self.stop.borrow()
    }

    pub fn phase(&self) -> Phase {
        match self.phase.load(Relaxed) {
            0 => Phase::Connecting,
            1 => Phase::WarmUp,
            2 => Phase::Measuring,
            _ => Phase::Draining,
        }
    }

    /// Every client is in (or the ramp's grace is over): the warm-up begins.
    pub fn start_warm_up(&self) {
        self.phase.store(Phase::WarmUp as u8, Relaxed);
    }

    pub fn start_window(&self, now_ns: u64) {
        self.window_start_ns.store(now_ns, Relaxed);
        self.phase.store(Phase::Measuring as u8, Relaxed);
    }

    pub fn end_window(&self, now_ns: u64) {
        self.window_end_ns.store(now_ns, Relaxed);
        self.phase.store(Phase::Draining as u8, Relaxed);
    }

    /// Whether an event published at `ts_ns` belongs to the measurement window.
    pub fn in_window(&self, ts_ns: u64) -> bool {
        ts_ns >= self.window_start_ns.load(Relaxed) && ts_ns <= self.window_end_ns.load(Relaxed)
    }

    pub fn window_ns(&self) -> (u64, u64) {
        (
            self.window_start_ns.load(Relaxed),
            self.window_end_ns.load(Relaxed),
        )
    }

    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    pub fn stopped(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// A client's one wait for the stop signal, for all of its `select!`s.
    pub fn stop_signal(&self) -> super::StopSignal {
        super::StopSignal::new(self.stopped())
    }
}
