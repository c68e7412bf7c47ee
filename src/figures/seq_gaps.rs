//! Delivery from a target that cannot say what it published (no wsbench `/stats` window):
//! each client's stream is judged by its own seq gaps. The events it received whose `ts`
//! lies in the window bound what it was owed, from the first of them to the last; every
//! seq between that it lacks is lost. Events after a client's last window event (a tail
//! cut off) are not judged, since nothing says they existed.
//!
//! A target whose every connection has a publisher of its own (websocketd running `wsbench
//! emit`) says what each wrote: then the window's events of all connections are owed, and
//! every one not delivered is lost, a cut-off tail included.

use std::collections::BTreeMap;

use super::gaps::{Gaps, NOTHING_DELIVERED};
use crate::client::{Recorder, Tally};
use crate::metrics::sequence::DeliveryCounts;
use crate::results::{Events, PublishedSource};

/// Why a per-connection entry has no `unread_at_stop`.
pub const NO_UNREAD_PER_CONNECTION: &str = "the target keeps no byte counters, so an event in \
     flight at the stop cannot be told from a lost one: both count as lost";
/// Why a per-connection entry has no `lost` when its clients received more than was recorded.
const RECORDS_SHORT: &str = "the connections' publishers recorded fewer window events than \
     their clients received, so their records are incomplete";

/// Why a gap-judged entry has no `published`, `expected`, `unread_at_stop` or `coalesced`.
pub const NOT_PUBLISHED_BY_TARGET: &str = "the target serves no wsbench /stats window, so what it \
     published is not known; loss is judged by each client's seq gaps";

/// Summed over the clients that received at least one window event; `None` when none did
/// (then nothing bounds what any client was owed).
pub fn judged(tallies: &[Tally]) -> Option<DeliveryCounts> {
    let mut judged = None;
    for tally in tallies {
        if let Some((first, last)) = tally.window_seqs {
            // In flight at the stop is not judged: nothing was owed past a client's last.
            *judged.get_or_insert_with(DeliveryCounts::default) +=
                DeliveryCounts::window(&tally.seqs, first, last, false);
        }
    }
    judged
}

/// The events of a target with a publisher per connection: `published` is the events they
/// all wrote in the window (each owed to the one client on its connection); duplicates and
/// order are the clients' own streams'. `reasons` gets why a figure is null, by path.
pub fn per_connection(
    tallies: &[Tally],
    published: u64,
    recorder: &Recorder,
    reasons: &mut BTreeMap<String, String>,
) -> Events {
    let judged = judged(tallies).unwrap_or_default();
    let lost = published.checked_sub(judged.delivered);
    if lost.is_none() {
        reasons.insert("events.lost".into(), RECORDS_SHORT.into());
    }
    reasons.insert(
        "events.unread_at_stop".into(),
        NO_UNREAD_PER_CONNECTION.into(),
    );
    Events {
        published: Some(published),
        expected: Some(published),
        delivered: judged.delivered,
        lost,
        unread_at_stop: None,
        duplicated: Some(judged.duplicated),
        out_of_order: Some(judged.out_of_order),
        // Every line an emitter writes is a message of its own.
        coalesced: Some(0),
        received_in_window: recorder.received_in_window,
        published_source: PublishedSource::PerConnection,
    }
}

/// A target without a window: what it published is not measured; loss, duplicates and
/// order are its clients' seq gaps (see `seq_gaps`).
pub fn gap_judged(tallies: &[Tally], recorder: &Recorder, gaps: &mut Gaps) -> Events {
    let judged = judged(tallies);
    let mut unknown = |path: &str| {
        gaps.0.insert(path.into(), NOT_PUBLISHED_BY_TARGET.into());
        None
    };
    let published = unknown("events.published");
    let expected = unknown("events.expected");
    let unread_at_stop = unknown("events.unread_at_stop");
    let coalesced = unknown("events.coalesced");
    let mut judged_figure = |path: &str, value: fn(&DeliveryCounts) -> u64| match &judged {
        Some(counts) => Some(value(counts)),
        None => {
            gaps.0.insert(path.into(), NOTHING_DELIVERED.into());
            None
        }
    };
    Events {
        published,
        expected,
        delivered: judged.map_or(0, |c| c.delivered),
        lost: judged_figure("events.lost", |c| c.lost),
        unread_at_stop,
        duplicated: judged_figure("events.duplicated", |c| c.duplicated),
        out_of_order: judged_figure("events.out_of_order", |c| c.out_of_order),
        coalesced,
        received_in_window: recorder.received_in_window,
        published_source: PublishedSource::NotMeasured,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(seqs: &[u64], window: Option<(u64, u64)>) -> Tally {
        let mut tally = Tally::default();
        for &seq in seqs {
            tally.seqs.observe(seq);
        }
        tally.window_seqs = window;
        tally
    }

    #[test]
    fn every_seq_between_a_clients_first_and_last_window_event_is_owed() {
        // A: window events 10..=20: 17 missing, 15 twice, 12 after 13.
        let a = tally(
            &[9, 10, 11, 13, 12, 14, 15, 15, 16, 18, 19, 20, 21],
            Some((10, 20)),
        );
        // B: its own stream (a process per connection) 1..=5, nothing missing.
        let b = tally(&[1, 2, 3, 4, 5], Some((1, 5)));
        // C: connected but saw no window event: not judged.
        let c = tally(&[], None);
        let counts = judged(&[a, b, c]).expect("two clients judged");
        assert_eq!(counts.delivered, 10 + 5);
        assert_eq!(counts.lost, 1, "17 (13 came late)");
        assert_eq!(counts.duplicated, 1);
        assert_eq!(counts.out_of_order, 1);
        assert_eq!(counts.unread, 0);
    }

    #[test]
    fn per_connection_every_window_event_not_delivered_is_lost() {
        // A: its stream 1..=6, 4 missing, 6 never came (a cut-off tail); B: 1..=3 whole.
        let a = tally(&[1, 2, 3, 5], Some((1, 5)));
        let b = tally(&[1, 2, 3, 3], Some((1, 3)));
        let mut reasons = BTreeMap::new();
        let events = per_connection(&[a, b], 6 + 3, &Recorder::default(), &mut reasons);
        assert_eq!(
            (events.published, events.expected, events.delivered),
            (Some(9), Some(9), 4 + 3)
        );
        assert_eq!(events.lost, Some(2), "4 and 6");
        assert_eq!((events.duplicated, events.out_of_order), (Some(1), Some(0)));
        assert_eq!(events.published_source, PublishedSource::PerConnection);
        assert_eq!(events.unread_at_stop, None);
        assert_eq!(
            reasons.keys().collect::<Vec<_>>(),
            ["events.unread_at_stop"]
        );
        // Records that say less than was received are incomplete: lost is not measured.
        let mut reasons = BTreeMap::new();
        let events = per_connection(
            &[tally(&[1, 2, 3], Some((1, 3)))],
            2,
            &Recorder::default(),
            &mut reasons,
        );
        assert_eq!(events.lost, None);
        assert!(reasons.contains_key("events.lost"));
    }

    #[test]
    fn no_window_event_at_all_judges_nothing() {
        assert_eq!(judged(&[tally(&[1, 2], None)]), None);
        assert_eq!(judged(&[]), None);
    }
}
