//! Publish instants of the most recent events, for `/stats?from_ns=&to_ns=`: which seqs
//! were published inside a window, and how late the publisher was for them. A fixed ring:
//! its memory is set by `server.window_log`, whatever the length of the run. A window
//! longer than the ring is still counted exactly when its start was marked while it was
//! recent (`POST /control/mark`, as `wsbench run` does when its window opens).

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
    /// Events ever published late beyond the tolerance.
    late_total: u64,
    /// The most recent window starts marked, oldest first.
    marks: VecDeque<Mark>,
}

/// Window starts kept: a run marks one per transport, and asks for it seconds later.
const MARKS_KEPT: usize = 16;

/// A window start, fixed while its events were recent.
#[derive(Debug, Clone, Copy)]
struct Mark {
    at_ns: u64,
    /// The first seq with `ts >= at_ns`, once published.
    first_seq: Option<u64>,
    /// `late_total` before that seq.
    late_before: u64,
    /// The worst lateness from that seq on.
    max_late_us: u32,
}

/// Why a window start cannot be marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the instant is older than the oldest publish instant kept (seq {oldest_seq})")]
pub struct TooOld {
    pub oldest_seq: u64,
}

impl WindowLog {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self::with_rings(
            touched(capacity, u64::MAX),
            touched(capacity, u32::MAX),
            capacity,
        )
    }

    /// A log that takes memory as it fills, up to `capacity`: for the many small logs of a
    /// feed with topics, whose memory should follow what they hold.
    pub fn untouched(capacity: usize) -> Self {
        Self::with_rings(VecDeque::new(), VecDeque::new(), capacity.max(1))
    }

    fn with_rings(ts: VecDeque<u64>, late_us: VecDeque<u32>, capacity: usize) -> Self {
        Self {
            ts,
            late_us,
            capacity,
            oldest_seq: 1,
            evicted_ts: None,
            late_total: 0,
            // Grown as marks come: most of a feed's thousands of topic logs have one or two.
            marks: VecDeque::new(),
        }
    }

    fn is_late(late_us: u32) -> bool {
        late_us > LATE_TOLERANCE.as_micros() as u32
    }

    /// Records seq `oldest_seq + len()`, the next one.
    pub fn push(&mut self, ts_ns: u64, late_us: u32) {
        let seq = self.oldest_seq + self.ts.len() as u64;
        for mark in &mut self.marks {
            match mark.first_seq {
                Some(_) => mark.max_late_us = mark.max_late_us.max(late_us),
                None if ts_ns >= mark.at_ns => {
                    mark.first_seq = Some(seq);
                    mark.late_before = self.late_total;
                    mark.max_late_us = late_us;
                }
                None => {}
            }
        }
        self.late_total += u64::from(Self::is_late(late_us));
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

    /// The instant of the latest event, if one was published.
    pub fn newest_ns(&self) -> Option<u64> {
        self.ts.back().copied()
    }

    /// Marks `at_ns` as a window's start, while the events from it on are still held.
    pub fn mark(&mut self, at_ns: u64) -> Result<(), TooOld> {
        if self.evicted_ts.is_some_and(|ts| ts >= at_ns) {
            return Err(TooOld {
                oldest_seq: self.oldest_seq,
            });
        }
        let from = self.ts.partition_point(|&ts| ts < at_ns);
        let held = self.late_us.range(from..);
        let mark = Mark {
            at_ns,
            first_seq: (from < self.ts.len()).then(|| self.oldest_seq + from as u64),
            late_before: self.late_total
                - held.clone().filter(|&&l| Self::is_late(l)).count() as u64,
            max_late_us: held.copied().max().unwrap_or(0),
        };
        if self.marks.len() == MARKS_KEPT {
            self.marks.pop_front();
        }
        self.marks.push_back(mark);
        Ok(())
    }

    /// Events whose `ts` lies in `[from_ns, to_ns]`. Timestamps never decrease with seq,
    /// so the answer is exact whenever nothing evicted could lie in the window, or the
    /// window's start was marked.
    pub fn window(&self, from_ns: u64, to_ns: u64) -> Window {
        let end = self.ts.partition_point(|&ts| ts <= to_ns);
        if self.evicted_ts.is_some_and(|ts| ts >= from_ns) && from_ns <= to_ns {
            return self.marked_window(from_ns, end);
        }
        let first = self.ts.partition_point(|&ts| ts < from_ns);
        if first >= end {
            return Window::Empty;
        }
        let lateness = self.late_us.range(first..end);
        Window::Events {
            first: self.oldest_seq + first as u64,
            last: self.oldest_seq + end as u64 - 1,
            late: lateness.clone().filter(|&&l| Self::is_late(l)).count() as u64,
            max_late_us: lateness.copied().max().map_or(0, u64::from),
        }
    }

    /// A window whose start is no longer held: known only from a mark, up to `end` (the
    /// index past its last event), which must still be held.
    fn marked_window(&self, from_ns: u64, end: usize) -> Window {
        let not_retained = Window::NotRetained {
            oldest_seq: self.oldest_seq,
        };
        let Some(mark) = self.marks.iter().rev().find(|m| m.at_ns == from_ns) else {
            return not_retained;
        };
        let Some(first) = mark.first_seq else {
            return Window::Empty;
        };
        if end == 0 {
            return not_retained;
        }
        let after = self.late_us.range(end..);
        let late_after = after.clone().filter(|&&l| Self::is_late(l)).count() as u64;
        Window::Events {
            first,
            last: self.oldest_seq + end as u64 - 1,
            late: self.late_total - late_after - mark.late_before,
            // From the mark to the latest event: a run stops publishing when its window ends.
            max_late_us: u64::from(mark.max_late_us),
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
    fn a_marked_window_is_exact_however_long() {
        let tolerance = LATE_TOLERANCE.as_micros() as u32;
        let mut log = WindowLog::new(3);
        log.push(10, 0);
        log.push(20, tolerance + 1);
        // The window opens at 25, before any event of it is published.
        log.mark(25).unwrap();
        for (ts, late) in [(30, tolerance + 2), (40, 0), (50, 7), (60, 0), (70, 0)] {
            log.push(ts, late);
        }
        // Events 3 (ts 30) to 6 (ts 60), though 3 and 4 are evicted; one of them was late.
        assert_eq!(
            log.window(25, 65),
            Window::Events {
                first: 3,
                last: 6,
                late: 1,
                max_late_us: u64::from(tolerance + 2)
            }
        );
        // An unmarked start as old is not guessed; nor can a start be marked once evicted.
        assert_eq!(log.window(26, 65), Window::NotRetained { oldest_seq: 5 });
        assert_eq!(log.mark(40), Err(TooOld { oldest_seq: 5 }));
    }

    #[test]
    fn a_mark_in_the_past_counts_from_the_events_held() {
        let mut log = WindowLog::new(2);
        log.push(10, 0);
        log.push(20, 0);
        log.mark(15).unwrap();
        log.push(30, 0);
        log.push(40, 0);
        assert_eq!(log.window(15, 40), events(2, 4));
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
