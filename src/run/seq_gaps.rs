//! Delivery from a target that cannot say what it published (no wsbench `/stats` window):
//! each client's stream is judged by its own seq gaps. The events it received whose `ts`
//! lies in the window bound what it was owed, from the first of them to the last; every
//! seq between that it lacks is lost. Events after a client's last window event (a tail
//! cut off) are not judged, since nothing says they existed.

use crate::client::Tally;
use crate::metrics::sequence::DeliveryCounts;

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
    fn no_window_event_at_all_judges_nothing() {
        assert_eq!(judged(&[tally(&[1, 2], None)]), None);
        assert_eq!(judged(&[]), None);
    }
}
