//! A feed with topics: each client is owed the window's events of its own topic only,
//! and a chat member not sent its own messages is not owed them.

use super::delivery::Clients;
use crate::metrics::sequence::DeliveryCounts;
use crate::wire::WindowStats;

/// A feed with topics: each client owes the events of its own topic's window (without
/// its own messages, when it is not sent them). Sums over the clients (missing ones lost
/// all theirs): `(counts, expected, missing clients' lost)`.
pub fn topic_counts(window: &WindowStats, clients: &Clients) -> (DeliveryCounts, u64, u64) {
    // `(first, last, seqs client sent itself)` of its topic's window, if it owes any.
    let owed = |client: u64, topic: Option<&str>| {
        let window = topic.and_then(|t| window.topics.get(t))?;
        let (first, last) = (window.first_seq?, window.last_seq?);
        window.events.filter(|&events| events > 0)?;
        let own: Vec<u64> = match (clients.skip_own, &window.senders) {
            (true, Some(senders)) => (first..=last)
                .zip(senders)
                .filter(|&(_, &sender)| sender == client)
                .map(|(seq, _)| seq)
                .collect(),
            _ => Vec::new(),
        };
        Some((first, last, own))
    };
    let size = |(first, last, own): &(u64, u64, Vec<u64>)| last - first + 1 - own.len() as u64;
    let mut counts = DeliveryCounts::default();
    let mut expected = 0;
    let mut reported = std::collections::HashSet::with_capacity(clients.tallies.len());
    for tally in clients.tallies {
        reported.insert(tally.client);
        if let Some(owed) = owed(tally.client, tally.topic.as_deref()) {
            let (first, last, own) = &owed;
            let behind = tally.behind_at_stop;
            counts += DeliveryCounts::window_without(&tally.seqs, *first, *last, behind, own);
            expected += size(&owed);
        }
    }
    let missing: u64 = (0..clients.count)
        .filter(|id| !reported.contains(id))
        .filter_map(|id| owed(id, (clients.topic_of)(id).as_deref()))
        .map(|owed| size(&owed))
        .sum();
    (counts, expected + missing, missing)
}

#[cfg(test)]
mod tests {
    use super::super::delivery::events;
    use super::super::gaps::Gaps;
    use super::super::test_support::{reply, tally};
    use super::*;
    use crate::client::Recorder;
    use crate::results::Events;
    use crate::wire::StatsReply;

    #[test]
    fn a_feed_with_topics_owes_each_client_its_own_topics_window() {
        // Topic `a` published 2..=4 in the window, topic `b` 1..=2, topic `c` nothing.
        // Client 0 (a) read 2, 4 and a duplicate 4; client 1 (b) read 1, 2; client 2 (c)
        // read nothing and owed nothing; client 3 (b) never reported: it lost b's two.
        let stats = reply(serde_json::json!({
            "topics": 3,
            "window": { "events": 5, "late_events": 0, "max_late_us": 0, "topics": {
                "a": { "first_seq": 2, "last_seq": 4, "events": 3 },
                "b": { "first_seq": 1, "last_seq": 2, "events": 2 }
            }}
        }));
        let topics = ["a", "b", "c", "b"];
        let with_topic = |client: u64, seqs: &[u64]| {
            let mut tally = tally(seqs);
            tally.client = client;
            tally.topic = Some(topics[client as usize].into());
            tally
        };
        let tallies = [
            with_topic(0, &[1, 2, 4, 4]),
            with_topic(1, &[1, 2]),
            with_topic(2, &[]),
        ];
        let clients = Clients {
            count: 4,
            tallies: &tallies,
            topic_of: &|id| Some(topics[id as usize].to_string()),
            skip_own: false,
        };
        let mut gaps = Gaps::default();
        let events = events(&stats, &clients, None, &Recorder::default(), &mut gaps);
        assert_eq!(events.published, Some(5));
        assert_eq!(events.expected, Some(3 + 2 + 2));
        assert_eq!(events.delivered, 2 + 2);
        assert_eq!(events.lost, Some(1 + 2), "a's 3, and client 3's two of b");
        assert_eq!(events.duplicated, Some(1));
        assert!(gaps.0.is_empty());
    }

    #[test]
    fn a_chat_member_not_sent_its_own_messages_owes_only_the_others() {
        // Room `r` of clients 0, 1 and 2 published 5..=10 in the window, sent by 0, 1, 0,
        // 2, 1, 0. Client 0 read 6 and 8 (the others'), client 1 read 5, 7 and 10 but not
        // 8, and one of its own, 9; client 2 never reported: it lost the five not its own.
        let stats = reply(serde_json::json!({
            "topics": 1,
            "window": { "events": 6, "late_events": 0, "max_late_us": 0, "topics": {
                "r": { "first_seq": 5, "last_seq": 10, "events": 6,
                       "senders": [0, 1, 0, 2, 1, 0] }
            }}
        }));
        let member = |client: u64, seqs: &[u64]| {
            let mut tally = tally(seqs);
            tally.client = client;
            tally.topic = Some("r".into());
            tally
        };
        let tallies = [member(0, &[6, 8]), member(1, &[5, 7, 9, 10])];
        let clients = Clients {
            count: 3,
            tallies: &tallies,
            topic_of: &|_| Some("r".into()),
            skip_own: true,
        };
        let mut gaps = Gaps::default();
        let events = events(&stats, &clients, None, &Recorder::default(), &mut gaps);
        assert_eq!(events.expected, Some(3 + 4 + 5));
        assert_eq!(events.delivered, 2 + 3);
        assert_eq!(
            events.lost,
            Some(1 + 1 + 5),
            "0 lost 10, 1 lost 8, 2 all five"
        );
        assert_eq!(events.duplicated, Some(1), "1 was sent its own 9");
        let clients = Clients {
            skip_own: false,
            ..clients
        };
        let events = events_of(&stats, &clients);
        assert_eq!(events.expected, Some(6 * 3), "with echo, each owes all six");
    }

    fn events_of(stats: &StatsReply, clients: &Clients) -> Events {
        events(
            stats,
            clients,
            None,
            &Recorder::default(),
            &mut Gaps::default(),
        )
    }
}
