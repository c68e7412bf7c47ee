//! Delivery: the window's events each client was owed, against what it received. The
//! server's `/stats` window says which events were published in it; without one, what was
//! published (and so what was lost) is not measured, never 0.

use std::collections::HashMap;

use super::gaps::Gaps;
use crate::client::{Recorder, Tally};
use crate::metrics::probe::ProbeError;
use crate::metrics::sequence::DeliveryCounts;
use crate::results::{Events, PublishedSource};
use crate::wire::StatsReply;

/// The reason given when the target cannot say which events it published in the window.
pub const NO_WINDOW: &str = "the server cannot say which events it published in the window";

/// What the clients saw, and which topic each asked for.
pub struct Clients<'a> {
    pub count: u64,
    pub tallies: &'a [Tally],
    pub topic_of: &'a dyn Fn(u64) -> Option<String>,
    /// Chat members are not sent their own messages (`echo = false`), so not owed them.
    pub skip_own: bool,
}

/// The window's deliveries against what the server says it published in it (and, for a
/// state feed, the final value of each key).
pub fn events(
    stats: &StatsReply,
    clients: &Clients,
    final_state: Option<&HashMap<String, u64>>,
    recorder: &Recorder,
    gaps: &mut Gaps,
) -> Events {
    let tallies = clients.tallies;
    // A window the server cannot count (it no longer holds its start) has null figures and
    // an `error`: not measured, never zero.
    let window = stats.window.as_ref().filter(|w| w.events.is_some());
    let no_window = stats
        .window
        .as_ref()
        .and_then(|w| w.error.as_deref())
        .map_or_else(|| NO_WINDOW.to_string(), |e| format!("{NO_WINDOW}: {e}"));
    let (first, last) = window.map_or((0, 0), |w| {
        (w.first_seq.unwrap_or(0), w.last_seq.unwrap_or(0))
    });
    let published = window.and_then(|w| w.events).unwrap_or(0);
    let mut counts = DeliveryCounts::default();
    let mut lost_keys = 0;
    let mut unread_keys = 0;
    // Keys whose final value was published in the window: those a client must end up with.
    let owed: Option<HashMap<String, u64>> = final_state.map(|state| {
        state
            .iter()
            .filter(|(_, seq)| published > 0 && **seq >= first)
            .map(|(key, seq)| (key.clone(), *seq))
            .collect()
    });
    let topics = window.filter(|_| stats.topics.is_some());
    let (topic_expected, topic_missing_lost) = match topics {
        Some(window) => {
            let (topic_counts, expected, missing) = super::topics::topic_counts(window, clients);
            counts = topic_counts;
            (expected, missing)
        }
        None => (0, 0),
    };
    for tally in tallies.iter().filter(|_| topics.is_none()) {
        if published > 0 {
            counts += DeliveryCounts::window(&tally.seqs, first, last, tally.behind_at_stop);
        }
        if let (Some(view), Some(state)) = (&tally.view, &owed) {
            // A client still behind at the stop had the final values in flight to it.
            match tally.behind_at_stop {
                true => unread_keys += view.lost_keys(state),
                false => lost_keys += view.lost_keys(state),
            }
        }
    }
    // Clients whose task never reported missed everything.
    let missing_clients = clients.count.saturating_sub(tallies.len() as u64);
    let (expected, missing_lost) = match topics {
        Some(_) => (topic_expected, topic_missing_lost),
        None => (published * clients.count, missing_clients * published),
    };
    let (lost, unread, coalesced) = match final_state {
        // State feeds: a superseded value never sent is coalesced; only a key whose final
        // value a client lacks is lost.
        Some(_) => (
            lost_keys,
            unread_keys,
            expected.saturating_sub(counts.delivered + lost_keys + unread_keys),
        ),
        None => (counts.lost + missing_lost, counts.unread, 0),
    };
    let mut measured = |path: &str, value: u64| {
        let answer = window
            .map(|_| value)
            .ok_or_else(|| ProbeError::Absent(no_window.clone()));
        gaps.figure(path, answer)
    };
    // Without the seq range the clients still know which events were published inside the
    // window by their own instants: the first receipts they timed are exactly those.
    let delivered = match window {
        Some(_) => counts.delivered,
        None => recorder.latency.len(),
    };
    Events {
        published: measured("events.published", published),
        expected: measured("events.expected", expected),
        delivered,
        lost: measured("events.lost", lost),
        unread_at_stop: measured("events.unread_at_stop", unread),
        duplicated: measured("events.duplicated", counts.duplicated),
        out_of_order: measured("events.out_of_order", counts.out_of_order),
        coalesced: measured("events.coalesced", coalesced),
        received_in_window: recorder.received_in_window,
        published_source: match window {
            Some(_) => PublishedSource::ServerStats,
            None => PublishedSource::NotMeasured,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{plain, reply, stats, tally};
    use super::*;
    use crate::metrics::state::StateView;

    #[test]
    fn event_feeds_count_loss_duplicates_and_order_per_client_over_the_window() {
        // Window seqs 3..=7. Client A: all, one late and one duplicate; client B: misses 6 and 7;
        // client C never reported (its task failed): it lost all five.
        let tallies = [tally(&[1, 2, 3, 5, 4, 4, 6, 7, 8]), tally(&[3, 4, 5])];
        let mut gaps = Gaps::default();
        let recorder = Recorder::default();
        let events = events(
            &stats(3, 7),
            &plain(&tallies, 3),
            None,
            &recorder,
            &mut gaps,
        );
        assert_eq!(events.published, Some(5));
        assert_eq!(events.expected, Some(15));
        assert_eq!(events.delivered, 5 + 3);
        assert_eq!(events.lost, Some(2 + 5));
        assert_eq!(events.duplicated, Some(1));
        assert_eq!(events.out_of_order, Some(1));
        assert_eq!(events.coalesced, Some(0));
        assert!(gaps.0.is_empty());
    }

    #[test]
    fn a_backlog_in_the_clients_sockets_at_stop_is_unread_not_lost() {
        // Window seqs 3..=10. Client A read 3..=6 and its socket still held bytes at the
        // stop: 7..=10 were in flight to it. Client B read 3..=5 and 7, holes and all, with
        // nothing left unread: 6 and 8..=10 never reached it. Client C, behind, read 3, 5.
        let mut a = tally(&[3, 4, 5, 6]);
        a.behind_at_stop = true;
        let b = tally(&[3, 4, 5, 7]);
        let mut c = tally(&[3, 5]);
        c.behind_at_stop = true;
        let mut gaps = Gaps::default();
        let recorder = Recorder::default();
        let events = events(
            &stats(3, 10),
            &plain(&[a, b, c], 3),
            None,
            &recorder,
            &mut gaps,
        );
        assert_eq!(events.delivered, 4 + 4 + 2);
        assert_eq!(events.unread_at_stop, Some(4 + 5));
        assert_eq!(events.lost, Some(4 + 1), "B's four, and C's hole at 4");
        assert_eq!(
            events.delivered + events.unread_at_stop.unwrap() + events.lost.unwrap(),
            events.expected.unwrap()
        );
    }

    #[test]
    fn without_a_window_what_was_published_lost_or_coalesced_is_not_measured() {
        let tallies = [tally(&[3, 4, 5])];
        for stats in [
            reply(serde_json::json!({})),
            reply(serde_json::json!({"window": null})),
        ] {
            let mut gaps = Gaps::default();
            // Two first receipts the clients timed as published inside the window.
            let mut recorder = Recorder::default();
            recorder.latency.record(100).unwrap();
            recorder.latency.record(250).unwrap();
            let events = events(&stats, &plain(&tallies, 1), None, &recorder, &mut gaps);
            assert_eq!(
                (
                    events.published,
                    events.expected,
                    events.lost,
                    events.unread_at_stop,
                    events.coalesced
                ),
                (None, None, None, None, None)
            );
            assert_eq!((events.duplicated, events.out_of_order), (None, None));
            assert_eq!(events.delivered, 2, "the clients' own count, not 0");
            let paths: Vec<&str> = gaps.0.keys().map(String::as_str).collect();
            assert_eq!(
                paths,
                [
                    "events.coalesced",
                    "events.duplicated",
                    "events.expected",
                    "events.lost",
                    "events.out_of_order",
                    "events.published",
                    "events.unread_at_stop"
                ]
            );
            assert!(gaps.0.values().all(|r| r == NO_WINDOW));
        }
    }

    #[test]
    fn a_window_the_server_no_longer_holds_is_not_counted() {
        let stats = reply(serde_json::json!({ "window": {
            "first_seq": null, "last_seq": null, "events": null, "oldest_seq": 9,
            "error": "the window starts before the oldest publish instant the server keeps (seq 9)"
        }}));
        let mut gaps = Gaps::default();
        let events = events(
            &stats,
            &plain(&[tally(&[9, 10])], 1),
            None,
            &Recorder::default(),
            &mut gaps,
        );
        assert_eq!((events.published, events.lost), (None, None));
        assert_eq!(
            gaps.0.get("events.lost").map(String::as_str),
            Some(
                "the server cannot say which events it published in the window: the window \
                 starts before the oldest publish instant the server keeps (seq 9)"
            )
        );
    }

    #[test]
    fn state_feeds_report_superseded_values_as_coalesced_and_stale_keys_as_lost() {
        // Window seqs 1..=6 over keys a (1, 3, 6) and b (2, 4, 5). The client polled and saw
        // 3 (a), 5 (b) and 6 (a): it holds the final value of both keys.
        let mut fresh = tally(&[3, 5, 6]);
        let mut view = StateView::new();
        for (key, seq) in [("a", 3), ("b", 5), ("a", 6)] {
            view.observe(key, seq);
        }
        fresh.view = Some(view);
        // Another saw only 3 (a) and 4 (b): both keys are stale at the end.
        let mut stale = tally(&[3, 4]);
        let mut view = StateView::new();
        view.observe("a", 3);
        view.observe("b", 4);
        stale.view = Some(view);
        let final_state = HashMap::from([("a".to_string(), 6), ("b".to_string(), 5)]);
        let events = events(
            &stats(1, 6),
            &plain(&[fresh, stale], 2),
            Some(&final_state),
            &Recorder::default(),
            &mut Gaps::default(),
        );
        assert_eq!(events.expected, Some(12));
        assert_eq!(events.delivered, 5);
        assert_eq!(events.lost, Some(2));
        assert_eq!(events.coalesced, Some(12 - 5 - 2));
    }
}
