//! Which event sequence numbers a client received, kept as merged ranges: a client that
//! hears every event holds one range however long the run, so delivery can be checked
//! exactly without a sample per event.

pub use super::state::{StateView, Update};

/// How one received sequence number relates to those received before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Above everything received so far: the normal case.
    New,
    /// Not received before, but below the highest received: out of order.
    Late,
    /// Received before.
    Duplicate,
}

/// A set of received sequence numbers, as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeqSet {
    ranges: Vec<(u64, u64)>,
    duplicates: u64,
    late: u64,
}

impl SeqSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `seq` and says how it arrived; duplicates and late arrivals are counted.
    pub fn observe(&mut self, seq: u64) -> Arrival {
        let arrival = self.insert(seq);
        match arrival {
            Arrival::New => {}
            Arrival::Late => self.late += 1,
            Arrival::Duplicate => self.duplicates += 1,
        }
        arrival
    }

    fn insert(&mut self, seq: u64) -> Arrival {
        match self.ranges.last_mut() {
            None => {
                self.ranges.push((seq, seq));
                return Arrival::New;
            }
            Some(last) if seq > last.1 => {
                if seq == last.1 + 1 {
                    last.1 = seq;
                } else {
                    self.ranges.push((seq, seq));
                }
                return Arrival::New;
            }
            Some(_) => {}
        }
        // The first range ending at or after `seq`; one exists since the last one does.
        let i = self.ranges.partition_point(|r| r.1 < seq);
        let next_start = self.ranges[i].0;
        if next_start <= seq {
            return Arrival::Duplicate;
        }
        let joins_next = seq + 1 == next_start;
        let joins_prev = i > 0 && self.ranges[i - 1].1 + 1 == seq;
        match (joins_prev, joins_next) {
            (true, true) => {
                self.ranges[i - 1].1 = self.ranges[i].1;
                self.ranges.remove(i);
            }
            (true, false) => self.ranges[i - 1].1 = seq,
            (false, true) => self.ranges[i].0 = seq,
            (false, false) => self.ranges.insert(i, (seq, seq)),
        }
        Arrival::Late
    }

    pub fn contains(&self, seq: u64) -> bool {
        let i = self.ranges.partition_point(|r| r.1 < seq);
        self.ranges.get(i).is_some_and(|r| r.0 <= seq)
    }

    /// How many received sequence numbers fall in `[first, last]`.
    pub fn count_in(&self, first: u64, last: u64) -> u64 {
        if first > last {
            return 0;
        }
        let start = self.ranges.partition_point(|r| r.1 < first);
        self.ranges[start..]
            .iter()
            .take_while(|r| r.0 <= last)
            .map(|r| r.1.min(last) - r.0.max(first) + 1)
            .sum()
    }

    /// Distinct sequence numbers received.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|r| r.1 - r.0 + 1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The highest sequence number received.
    pub fn max(&self) -> Option<u64> {
        self.ranges.last().map(|r| r.1)
    }

    /// The received numbers as inclusive `(first, last)` ranges, ascending.
    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.ranges
    }

    /// Receipts of a number already received, over everything observed.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// First receipts below the highest number received, over everything observed.
    pub fn late(&self) -> u64 {
        self.late
    }
}

/// Delivery over a measurement window of sequence numbers, summable over clients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub delivered: u64,
    pub lost: u64,
    /// Events above the highest a client received that were still in flight to it when
    /// the run stopped (its socket held bytes it had not read): late, not lost.
    pub unread: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
}

impl DeliveryCounts {
    /// Delivery of `[first, last]` to one client. Duplicates and late arrivals are the
    /// set's own counts, over everything it observed: the window is usually only known at
    /// the end of the run, and keeping each anomaly to filter later would cost memory
    /// exactly when a run goes wrong.
    ///
    /// `behind` says the client's socket still held unread bytes when the run stopped:
    /// the window's events above the highest it received had then left the server and
    /// were waiting for the client, so they count as `unread`. A stream delivers in
    /// order, so events missing below that highest are lost whatever the socket held.
    pub fn window(set: &SeqSet, first: u64, last: u64, behind: bool) -> Self {
        let size = if first > last { 0 } else { last - first + 1 };
        let delivered = set.count_in(first, last);
        let missing = size - delivered;
        let unread = if behind && size > 0 {
            // Every number above the highest received (or the whole window) is missing.
            let above = set
                .max()
                .map_or(first, |max| max.saturating_add(1).max(first));
            if above <= last { last - above + 1 } else { 0 }
        } else {
            0
        };
        Self {
            delivered,
            lost: missing - unread,
            unread,
            duplicated: set.duplicates(),
            out_of_order: set.late(),
        }
    }
}

impl DeliveryCounts {
    /// `window` for a client owed every seq of `[first, last]` but `skipped` (sorted): a
    /// chat member's own messages, which the server does not send it with `echo = false`.
    /// One it was sent anyway is a delivery beyond what was owed: `duplicated`.
    pub fn window_without(
        set: &SeqSet,
        first: u64,
        last: u64,
        behind: bool,
        skipped: &[u64],
    ) -> Self {
        let all = Self::window(set, first, last, behind);
        let skipped: Vec<u64> = skipped
            .iter()
            .copied()
            .filter(|s| (first..=last).contains(s))
            .collect();
        let received = skipped.iter().filter(|&&s| set.contains(s)).count() as u64;
        let missing = skipped.len() as u64 - received;
        // `window` counts as unread every seq above the highest received: own ones there
        // were never owed.
        let above = set
            .max()
            .map_or(first, |max| max.saturating_add(1).max(first));
        let unread = match all.unread {
            0 => 0,
            _ => skipped.iter().filter(|&&s| s >= above).count() as u64,
        };
        Self {
            delivered: all.delivered - received,
            lost: all.lost - (missing - unread),
            unread: all.unread - unread,
            duplicated: all.duplicated + received,
            out_of_order: all.out_of_order,
        }
    }
}

impl std::ops::AddAssign for DeliveryCounts {
    fn add_assign(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.lost += other.lost;
        self.unread += other.unread;
        self.duplicated += other.duplicated;
        self.out_of_order += other.out_of_order;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    fn observe_all(seqs: &[u64]) -> (SeqSet, Vec<Arrival>) {
        let mut set = SeqSet::new();
        let arrivals = seqs.iter().map(|&s| set.observe(s)).collect();
        (set, arrivals)
    }

    #[test]
    fn a_member_is_not_owed_its_own_messages() {
        // Seqs 3 and 6 are its own; 5 is lost; 8 and 9 (its own) follow its last read.
        let (set, _) = observe_all(&[1, 2, 4, 7]);
        let counts = DeliveryCounts::window_without(&set, 1, 9, true, &[3, 6, 9]);
        let expected = DeliveryCounts {
            delivered: 4,
            lost: 1,
            unread: 1,
            duplicated: 0,
            out_of_order: 0,
        };
        assert_eq!(counts, expected, "8 was in flight, 9 was never owed");
        let whole = DeliveryCounts::window_without(&set, 1, 9, false, &[3, 6, 9]);
        assert_eq!((whole.lost, whole.unread), (2, 0), "5 and 8 lost");
        // Sent one of its own anyway: beyond what was owed.
        let (echoed, _) = observe_all(&[1, 2, 3, 4]);
        let counts = DeliveryCounts::window_without(&echoed, 1, 4, false, &[3]);
        assert_eq!(
            (counts.delivered, counts.duplicated, counts.lost),
            (3, 1, 0)
        );
        let (set, _) = observe_all(&[1, 2]);
        assert_eq!(
            DeliveryCounts::window_without(&set, 1, 2, false, &[]),
            DeliveryCounts::window(&set, 1, 2, false)
        );
    }

    #[test]
    fn a_crafted_run_counts_every_kind_of_arrival() {
        let (set, arrivals) = observe_all(&[1, 2, 3, 5, 4, 4, 7]);
        use Arrival::*;
        assert_eq!(arrivals, [New, New, New, New, Late, Duplicate, New]);
        assert_eq!(set.ranges(), [(1, 5), (7, 7)]);
        let counts = DeliveryCounts::window(&set, 1, 7, false);
        let expected = DeliveryCounts {
            delivered: 6,
            lost: 1,
            unread: 0,
            duplicated: 1,
            out_of_order: 1,
        };
        assert_eq!(counts, expected);
        assert!(!set.contains(6));
        assert_eq!(set.count_in(6, 6), 0);
    }

    #[test]
    fn late_arrivals_merge_ranges_on_both_sides() {
        let (set, _) = observe_all(&[10, 12, 14, 11, 13]);
        assert_eq!(set.ranges(), [(10, 14)]);
        assert_eq!((set.len(), set.late(), set.duplicates()), (5, 2, 0));
    }

    #[test]
    fn windows_outside_the_data_and_reversed_windows() {
        let (set, _) = observe_all(&[3, 4, 5]);
        assert_eq!(DeliveryCounts::window(&set, 6, 9, false).lost, 4);
        assert_eq!(
            DeliveryCounts::window(&set, 9, 6, true),
            DeliveryCounts::default()
        );
        assert_eq!(set.count_in(0, u64::MAX), 3);
    }

    #[test]
    fn counts_add_over_clients() {
        let mut total = DeliveryCounts::default();
        for seqs in [&[1u64, 2, 2][..], &[2, 1][..]] {
            total += DeliveryCounts::window(&observe_all(seqs).0, 1, 3, false);
        }
        let expected = DeliveryCounts {
            delivered: 4,
            lost: 2,
            unread: 0,
            duplicated: 1,
            out_of_order: 1,
        };
        assert_eq!(total, expected);
    }

    #[test]
    fn a_client_behind_at_stop_has_its_missing_tail_unread_and_its_holes_lost() {
        // Received 1–3 and 5 of 1–9; its socket still held bytes when the run stopped.
        let (set, _) = observe_all(&[1, 2, 3, 5]);
        let behind = DeliveryCounts::window(&set, 1, 9, true);
        assert_eq!((behind.delivered, behind.lost, behind.unread), (4, 1, 4));
        // The same client with nothing left to read lost all five.
        let drained = DeliveryCounts::window(&set, 1, 9, false);
        assert_eq!((drained.delivered, drained.lost, drained.unread), (4, 5, 0));
        // A client that received nothing of the window, behind: all of it is unread.
        let (early, _) = observe_all(&[1]);
        let nothing = DeliveryCounts::window(&early, 4, 6, true);
        assert_eq!((nothing.delivered, nothing.lost, nothing.unread), (0, 0, 3));
        assert_eq!(DeliveryCounts::window(&SeqSet::new(), 4, 6, true).unread, 3);
        // Past the window's end: nothing of it is owed any more.
        let (past, _) = observe_all(&[1, 2, 3, 12]);
        let past = DeliveryCounts::window(&past, 1, 9, true);
        assert_eq!((past.delivered, past.lost, past.unread), (3, 6, 0));
    }

    proptest! {
        #[test]
        fn agrees_with_a_btreeset(
            seqs in prop::collection::vec(0u64..64, 0..200),
            windows in prop::collection::vec((0u64..70, 0u64..70), 1..8),
        ) {
            let mut model = BTreeSet::new();
            let (mut dups, mut late) = (0, 0);
            let mut set = SeqSet::new();
            for &seq in &seqs {
                let expected = if model.contains(&seq) {
                    dups += 1;
                    Arrival::Duplicate
                } else if model.last().is_some_and(|&max| seq < max) {
                    late += 1;
                    Arrival::Late
                } else {
                    Arrival::New
                };
                model.insert(seq);
                prop_assert_eq!(set.observe(seq), expected);
            }
            for seq in 0..70 {
                prop_assert_eq!(set.contains(seq), model.contains(&seq));
            }
            for (first, last) in windows {
                let expected = if first > last { 0 } else { model.range(first..=last).count() };
                prop_assert_eq!(set.count_in(first, last), expected as u64);
            }
            prop_assert_eq!(set.len(), model.len() as u64);
            prop_assert_eq!(set.max(), model.last().copied());
            prop_assert_eq!((set.duplicates(), set.late()), (dups, late));
            for pair in set.ranges().windows(2) {
                prop_assert!(pair[0].0 <= pair[0].1 && pair[0].1 + 1 < pair[1].0);
            }
        }
    }
}
