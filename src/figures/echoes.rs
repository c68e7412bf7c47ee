//! An echo's delivery: each client is owed back exactly the messages it sent during the
//! window, by its own numbering (`Tally::sent_window`). What it sent is known to the
//! clients themselves, so an echo is accounted the same against the matched server and a
//! server we did not write: echoed, lost (no echo by the end of the drain), unread (still
//! in the client's socket when the drain gave up), duplicated, out of order.

use crate::client::{Recorder, Tally};
use crate::metrics::sequence::DeliveryCounts;
use crate::results::{Events, PublishedSource};

/// Messages sent in the window and their echoes' delivery, summed over the clients.
pub fn accounted(tallies: &[Tally]) -> (u64, DeliveryCounts) {
    let mut sent = 0;
    let mut counts = DeliveryCounts::default();
    for tally in tallies {
        let Some((first, last)) = tally.sent_window else {
            continue;
        };
        sent += last - first + 1;
        counts += DeliveryCounts::window(&tally.seqs, first, last, tally.behind_at_stop);
    }
    (sent, counts)
}

/// An echo: the clients' own messages are the events, each owed back to its sender.
pub fn echo_events(tallies: &[Tally], recorder: &Recorder) -> Events {
    let (sent, counts) = accounted(tallies);
    Events {
        published: Some(sent),
        expected: Some(sent),
        delivered: counts.delivered,
        lost: Some(counts.lost),
        unread_at_stop: Some(counts.unread),
        duplicated: Some(counts.duplicated),
        out_of_order: Some(counts.out_of_order),
        coalesced: Some(0),
        received_in_window: recorder.received_in_window,
        published_source: PublishedSource::Clients,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client that sent `sent` in the window and read the echoes `echoes`, in order.
    fn tally(echoes: &[u64], sent: Option<(u64, u64)>, behind: bool) -> Tally {
        let mut tally = Tally::default();
        for &seq in echoes {
            tally.seqs.observe(seq);
        }
        tally.sent_window = sent;
        tally.behind_at_stop = behind;
        tally
    }

    #[test]
    fn every_message_echoed_once_is_all_delivered() {
        let (sent, counts) = accounted(&[tally(&[1, 2, 3, 4, 5], Some((2, 5)), false)]);
        assert_eq!(sent, 4);
        assert_eq!(
            counts,
            DeliveryCounts {
                delivered: 4,
                ..DeliveryCounts::default()
            }
        );
    }

    #[test]
    fn a_missing_echo_a_duplicate_and_one_out_of_order() {
        // Sent 1..=8 in the window: 4 never came back, 6 came twice, 2 after 3.
        let a = tally(&[1, 3, 2, 5, 6, 6, 7, 8], Some((1, 8)), false);
        // Sent 10..=12; 12's echo never came, and nothing was left in its socket.
        let b = tally(&[9, 10, 11], Some((10, 12)), false);
        // Connected but sent nothing in the window (it joined late): owed nothing, and its
        // warm-up echoes are not counted.
        let c = tally(&[1, 2], None, false);
        let (sent, counts) = accounted(&[a, b, c]);
        assert_eq!(sent, 8 + 3);
        assert_eq!(
            counts,
            DeliveryCounts {
                delivered: 7 + 2,
                lost: 1 + 1,
                unread: 0,
                duplicated: 1,
                out_of_order: 1,
            }
        );
    }

    #[test]
    fn echoes_still_in_the_socket_at_the_stop_are_unread_not_lost() {
        // Sent 1..=6; read 1, 2 and 4; bytes were still waiting in its socket at the stop:
        // 5 and 6 were in flight (unread), 3 is a hole below what it read (lost).
        let (sent, counts) = accounted(&[tally(&[1, 2, 4], Some((1, 6)), true)]);
        assert_eq!(sent, 6);
        assert_eq!((counts.delivered, counts.lost, counts.unread), (3, 1, 2));
    }
}
