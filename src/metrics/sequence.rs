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
    pub duplicated: u64,
    pub out_of_order: u64,
}

impl DeliveryCounts {
    /// Delivery of `[first, last]` to one client. Duplicates and late arrivals are the
    /// set's own counts, over everything it observed: the window is usually only known at
    /// the end of the run, and keeping each anomaly to filter later would cost memory
    /// exactly when a run goes wrong.
    pub fn window(set: &SeqSet, first: u64, last: u64) -> Self {
        let size = if first > last { 0 } else { last - first + 1 };
        let delivered = set.count_in(first, last);
        Self {
            delivered,
            lost: size - delivered,
            duplicated: set.duplicates(),
            out_of_order: set.late(),
        }
    }
}

impl std::ops::AddAssign for DeliveryCounts {
    fn add_assign(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.lost += other.lost;
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
    fn a_crafted_run_counts_every_kind_of_arrival() {
        let (set, arrivals) = observe_all(&[1, 2, 3, 5, 4, 4, 7]);
        use Arrival::*;
        assert_eq!(arrivals, [New, New, New, New, Late, Duplicate, New]);
        assert_eq!(set.ranges(), [(1, 5), (7, 7)]);
        let counts = DeliveryCounts::window(&set, 1, 7);
        let expected = DeliveryCounts {
            delivered: 6,
            lost: 1,
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
        assert_eq!(DeliveryCounts::window(&set, 6, 9).lost, 4);
        assert_eq!(
            DeliveryCounts::window(&set, 9, 6),
            DeliveryCounts::default()
        );
        assert_eq!(set.count_in(0, u64::MAX), 3);
    }

    #[test]
    fn counts_add_over_clients() {
        let mut total = DeliveryCounts::default();
        for seqs in [&[1u64, 2, 2][..], &[2, 1][..]] {
            total += DeliveryCounts::window(&observe_all(seqs).0, 1, 3);
        }
        let expected = DeliveryCounts {
            delivered: 4,
            lost: 2,
            duplicated: 1,
            out_of_order: 1,
        };
        assert_eq!(total, expected);
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
