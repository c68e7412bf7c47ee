//! Stalled writers: a client that stops reading fills its socket, and the server's write to
//! it then makes no progress at all. hyper simply stops polling an SSE body, and a
//! WebSocket session waits in its flush, so neither notices by itself; this watch does,
//! for every connection and transport alike, and cuts the connection after a bound.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::conn::ConnTag;

/// When a connection's writes last stopped making progress.
pub struct Stall {
    born: Instant,
    /// Nanoseconds after `born` at which writes started to block, plus one; 0 while they flow.
    blocked_since: AtomicU64,
    blocked: Notify,
}

impl Default for Stall {
    fn default() -> Self {
        Self {
            born: Instant::now(),
            blocked_since: AtomicU64::new(0),
            blocked: Notify::new(),
        }
    }
}

impl Stall {
    pub fn write_blocked(&self) {
        if self.blocked_since.load(Relaxed) == 0 {
            let now = self.born.elapsed().as_nanos() as u64 + 1;
            if self
                .blocked_since
                .compare_exchange(0, now, Relaxed, Relaxed)
                .is_ok()
            {
                self.blocked.notify_one();
            }
        }
    }

    pub fn write_progressed(&self) {
        if self.blocked_since.load(Relaxed) != 0 {
            self.blocked_since.store(0, Relaxed);
        }
    }

    /// Resolves once writes have been blocked without progress for `timeout`. Costs no
    /// timer while writes flow: it sleeps only from the moment a write blocks.
    async fn stalled(&self, timeout: Duration) {
        loop {
            match self.blocked_since.load(Relaxed) {
                // A block between the load and the wait leaves a permit: no wake-up is lost.
                0 => self.blocked.notified().await,
                since => {
                    let deadline = self.born + Duration::from_nanos(since - 1) + timeout;
                    if Instant::now() >= deadline {
                        return;
                    }
                    tokio::time::sleep_until(deadline).await;
                }
            }
        }
    }
}

/// Runs `work` (a connection, or an upgraded session) until it ends, or until its writes
/// stall for `timeout`: then drops it, which closes the socket and ends its stream, and
/// counts a slow consumer for the connection's transport.
pub async fn guard<F: Future<Output = ()>>(tag: &ConnTag, timeout: Duration, work: F) {
    tokio::select! {
        () = work => {}
        () = tag.stall.stalled(timeout) => tag.slow_consumer(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn only_writes_blocked_for_the_whole_bound_count_as_a_stall() {
        let stall = Stall::default();
        let bound = Duration::from_secs(10);
        let waiting = stall.stalled(bound);
        tokio::pin!(waiting);
        // Flowing writes: no stall however long.
        assert!(
            tokio::time::timeout(bound * 3, waiting.as_mut())
                .await
                .is_err()
        );
        stall.write_blocked();
        tokio::time::sleep(bound / 2).await;
        // Progress restarts the clock.
        stall.write_progressed();
        stall.write_blocked();
        assert!(
            tokio::time::timeout(bound * 3 / 4, waiting.as_mut())
                .await
                .is_err()
        );
        assert!(
            tokio::time::timeout(bound / 2, waiting.as_mut())
                .await
                .is_ok()
        );
    }
}
