//! How a hub's events reach its live subscribers. The whole feed's hub fans out through
//! tokio's broadcast, whose slots (`max_lag` of them) are allocated when the hub is made:
//! one queue for the whole server, on the path every run measures. A topic's hub has no
//! queue of its own: its subscribers read the topic's ring (which it keeps for `since`
//! anyway, and which grows as events come) by cursor, and wait on its latest seq. A feed
//! with thousands of topics then holds, per topic, what was published on it, not its limit.
//!
//! Both answer alike: events in seq order from the moment of subscribing; `Lagged(n)` when
//! the subscriber fell more than the lag allowance behind, after which it reads on from
//! the oldest event within it; `Closed` when the hub is gone.

use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio::sync::watch;

use super::hub::{Event, Hub};

/// What a hub does with each event it publishes.
pub(super) enum FanOut {
    /// Sent into a broadcast channel, for the whole feed.
    Broadcast(broadcast::Sender<Arc<Event>>),
    /// Left in the hub's ring, for a topic: subscribers read it by cursor. `max_lag` is
    /// the broadcast's rounding of the allowance (the next power of two), so that a topic's
    /// subscriber lags exactly where the whole feed's would.
    Ring { max_lag: u64 },
}

impl FanOut {
    pub(super) fn broadcast(max_lag: usize) -> Self {
        Self::Broadcast(broadcast::channel(max_lag.max(1)).0)
    }

    pub(super) fn ring(max_lag: usize) -> Self {
        Self::Ring {
            max_lag: ring_lag(max_lag) as u64,
        }
    }

    /// Hands `event` to the subscribers that have a queue: called under the hub's lock, so
    /// that they see events in seq order.
    pub(super) fn send(&self, event: &Arc<Event>) {
        if let Self::Broadcast(sender) = self {
            let _ = sender.send(event.clone());
        }
    }
}

/// The events a topic's ring must hold for its subscribers: their lag allowance, rounded
/// up as tokio's broadcast rounds its capacity.
pub(super) fn ring_lag(max_lag: usize) -> usize {
    max_lag.max(1).next_power_of_two()
}

/// A live stream of a hub's events, from the moment it was made.
pub enum Subscription {
    Broadcast(broadcast::Receiver<Arc<Event>>),
    Ring(RingCursor),
}

/// A subscriber of a topic: where it is in the topic's ring. It holds the topic, so that a
/// topic with a subscriber is never dropped.
pub struct RingCursor {
    hub: Arc<Hub>,
    /// The last seq received (or skipped, after a lag).
    last: u64,
    max_lag: u64,
    latest: watch::Receiver<u64>,
}

impl Subscription {
    pub(super) fn new(hub: &Arc<Hub>, fan_out: &FanOut) -> Self {
        match fan_out {
            FanOut::Broadcast(sender) => Self::Broadcast(sender.subscribe()),
            FanOut::Ring { max_lag } => {
                // Watched first: an event published before `last` is read is then both
                // counted in it and a wake-up, never neither.
                let latest = hub.watch();
                Self::Ring(RingCursor {
                    hub: hub.clone(),
                    last: hub.last_seq(),
                    max_lag: *max_lag,
                    latest,
                })
            }
        }
    }

    /// The next event, waiting for it. Cancel-safe: nothing is taken until it returns.
    pub async fn recv(&mut self) -> Result<Arc<Event>, RecvError> {
        let cursor = match self {
            Self::Broadcast(receiver) => return receiver.recv().await,
            Self::Ring(cursor) => cursor,
        };
        loop {
            // Seen before looking, so that an event published after the look wakes us.
            cursor.latest.borrow_and_update();
            match cursor.try_recv() {
                Err(TryRecvError::Empty) => {}
                Ok(event) => return Ok(event),
                Err(TryRecvError::Lagged(skipped)) => return Err(RecvError::Lagged(skipped)),
                Err(TryRecvError::Closed) => return Err(RecvError::Closed),
            }
            if cursor.latest.changed().await.is_err() {
                return Err(RecvError::Closed);
            }
        }
    }

    /// The next event if one is at hand.
    pub fn try_recv(&mut self) -> Result<Arc<Event>, TryRecvError> {
        match self {
            Self::Broadcast(receiver) => receiver.try_recv(),
            Self::Ring(cursor) => cursor.try_recv(),
        }
    }
}

impl RingCursor {
    fn try_recv(&mut self) -> Result<Arc<Event>, TryRecvError> {
        let ring = self.hub.ring_at(self.last + 1);
        let behind = ring.latest.saturating_sub(self.last);
        if behind == 0 {
            return Err(TryRecvError::Empty);
        }
        // Lagged as the broadcast lags: beyond the allowance, or past what is held (a
        // ring shorter than the allowance, which a topic's hub never has).
        let beyond_allowance = behind.saturating_sub(self.max_lag);
        let beyond_ring = ring.oldest.saturating_sub(self.last + 1);
        let skipped = beyond_allowance.max(beyond_ring);
        if skipped > 0 {
            self.last += skipped;
            return Err(TryRecvError::Lagged(skipped));
        }
        match ring.event {
            Some(event) => {
                self.last = event.seq;
                Ok(event)
            }
            None => Err(TryRecvError::Empty),
        }
    }
}

/// What a topic's ring holds for a cursor: the event it asked for, if held, the oldest
/// seq held and the latest published.
pub(super) struct RingRead {
    pub event: Option<Arc<Event>>,
    pub oldest: u64,
    pub latest: u64,
}
