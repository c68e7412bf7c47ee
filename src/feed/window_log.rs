//! Publish instants of the most recent events, for `/stats?from_ns=&to_ns=`: which seqs
//! were published inside a window, and how late the publisher was for them. A fixed ring:
//! its memory is set by `server.window_log`, whatever the length of the run.

use std::collections::VecDeque;

use super::publisher::LATE_TOLERANCE;

/// What the log knows about the events whose `ts` lies in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Seqs `first..=last`, exactly; of those, `late` were published more than
    /// `LATE_TOLERANCE` behind schedule, the worst by `max_late_us`.
    Events {
        first: u64,
        last: u64,
        late: u64,
        max_late_us: u64,
    },
    /// No event was published inside the window.
    Empty,
    /// The window reaches back before the oldest instant still held, so its count is
    /// unknown; `oldest_seq` is the oldest event held.
    NotRetained { oldest_seq: u64 },
}

pub struct WindowLog {
    /// `ts_ns` of seqs `oldest_seq..`, oldest first.
    ts: VecDeque<u64>,
    /// How late each of those was published, microseconds (saturating).
    late_us: VecDeque<u32>,
    capacity: usize,
    oldest_seq: u64,
    /// `ts_ns` of the newest event that no longer fits: windows reaching it are unknown.
    evicted_ts: Option<u64>,
}

impl WindowLog {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            ts: touched(capacity, u64::MAX),
            late_us: touched(capacity, u32::MAX),
            capacity,
            oldest_seq: 1,
            evicted_ts: None,
        }
    }

    /// Records seq `oldest_seq + len()`, the next one.
    pub fn push(&mut self, ts_ns: u64, late_us: u32) {
        if self.ts.len() == self.capacity {
            self.evicted_ts = self.ts.pop_front();
            self.late_us.pop_front();
            self.oldest_seq += 1;
        }
        self.ts.push_back(ts_ns);
        self.late_us.push_back(late_us);
    }

    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Events whose `ts` lies in `[from_ns, to_ns]`. Timestamps never decrease with seq,
    /// so the answer is exact whenever nothing evicted could lie in the window.
    pub fn window(&self, from_ns: u64, to_ns: u64) -> Window {
        if self.evicted_ts.is_some_and(|ts| ts >= from_ns) && from_ns <= to_ns {
            return Window::NotRetained {
                oldest_seq: self.oldest_seq,
            };
        }
        let first = self.ts.partition_point(|&ts| ts < from_ns);
        let end = self.ts.partition_point(|&ts| ts <= to_ns);
        if first >= end {
            return Window::Empty;
        }
        let tolerance_us = LATE_TOLERANCE.as_micros() as u32;
        let lateness = self.late_us.range(first..end);
        Window::Events {
            first: self.oldest_seq + first as u64,
            last: self.oldest_seq + end as u64 - 1,
            late: lateness.clone().filter(|&&l| l > tolerance_us).count() as u64,
            max_late_us: lateness.copied().max().map_or(0, u64::from),
        }
    }
}

/// A ring whose pages are written at once: the log is at its full size from the first
/// second, so a long run cannot grow it and the idle RSS a run subtracts already holds it.
/// `fill` must not be zero: the allocator hands out zeroed pages that are not resident
/// until written.
fn touched<T: Clone>(capacity: usize, fill: T) -> VecDeque<T> {
    let mut ring = VecDeque::from(vec![fill; capacity]);
    ring.clear();
    ring
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(capacity: usize, stamps: &[u64]) -> WindowLog {
        let mut log = WindowLog::new(capacity);
        for &ts in stamps {
            log.push(ts, 0);
        }
        log
    }

    fn events(first: u64, last: u64) -> Window {
        Window::Events {
            first,
            last,
            late: 0,
            max_late_us: 0,
        }
    }

    #[test]
    fn windows_are_exact_while_their_start_is_held() {
        let log = log(3, &[10, 20, 30, 40, 50]);
        assert_eq!(log.len(), 3);
        assert_eq!(log.window(25, 45), events(3, 4));
        assert_eq!(log.window(21, 100), events(3, 5));
        // Event 2 (ts 20) was evicted: a window from 20 or earlier cannot be counted.
        assert_eq!(log.window(20, 45), Window::NotRetained { oldest_seq: 3 });
        assert_eq!(log.window(51, 60), Window::Empty);
    }

    #[test]
    fn lateness_beyond_the_tolerance_is_counted_per_window() {
        let tolerance = LATE_TOLERANCE.as_micros() as u32;
        let mut log = WindowLog::new(10);
        for (ts, late) in [
            (1, 0),
            (2, tolerance + 1),
            (3, tolerance),
            (4, 9 * tolerance),
        ] {
            log.push(ts, late);
        }
        assert_eq!(
            log.window(2, 3),
            Window::Events {
                first: 2,
                last: 3,
                late: 1,
                max_late_us: u64::from(tolerance + 1)
            }
        );
        assert_eq!(
            log.window(1, 4),
            Window::Events {
                first: 1,
                last: 4,
                late: 2,
                max_late_us: u64::from(9 * tolerance)
            }
        );
    }
}
