//! The hub's rules: history, state coalescing, encodings, windows, bounds, fan-out.

use super::*;

#[test]
fn client_messages_go_to_the_source_that_takes_them_or_nowhere() {
    let hub = Hub::new(Semantics::Events, limits(4, 4));
    let message = |text: &'static str| ClientMessage {
        transport: "ws",
        body: Bytes::from_static(text.as_bytes()),
    };
    assert!(!hub.client_sent(message("nobody listens")));
    let mut inbox = hub.client_messages(1);
    assert!(hub.client_sent(message("one")));
    assert!(
        !hub.client_sent(message("full")),
        "bounded: one waits at most"
    );
    assert_eq!(inbox.try_recv().unwrap(), message("one"));
    assert!(inbox.try_recv().is_err());
}

fn limits(history: usize, max_lag: usize) -> HubLimits {
    HubLimits {
        history,
        max_lag,
        window_log: 1000,
        encodings: 2,
    }
}

fn seqs(since: Since) -> Vec<u64> {
    match since {
        Since::Events(events) => events.iter().map(|e| e.seq).collect(),
        other => panic!("expected events, got {other:?}"),
    }
}

#[test]
fn event_feeds_answer_since_from_a_bounded_ring() {
    let hub = Hub::new(Semantics::Events, limits(3, 8));
    assert!(matches!(hub.since(None), Since::Nothing));
    for i in 0..5 {
        hub.publish(1_000 + i, None, "\"x\":1");
    }
    assert_eq!(seqs(hub.since(Some(2))), vec![3, 4, 5]);
    assert_eq!(seqs(hub.since(Some(3))), vec![4, 5]);
    assert_eq!(seqs(hub.since(None)), vec![5]);
    assert!(matches!(hub.since(Some(5)), Since::Nothing));
    assert!(matches!(hub.since(Some(1)), Since::Gone { oldest: 3 }));
}

#[test]
fn state_feeds_coalesce_per_key() {
    let hub = Hub::new(Semantics::State, limits(2, 8));
    for (i, key) in [1, 2, 1, 3, 1].into_iter().enumerate() {
        hub.publish(i as u64, Some(key), "\"v\":0");
    }
    // Keys 1, 2, 3 last changed at seqs 5, 2, 4.
    assert_eq!(seqs(hub.since(None)), vec![2, 4, 5]);
    assert_eq!(seqs(hub.since(Some(2))), vec![4, 5]);
    assert_eq!(seqs(hub.since(Some(0))), vec![2, 4, 5]);
}

#[test]
fn events_are_encoded_once_for_every_transport() {
    let hub = Hub::new(Semantics::Events, limits(4, 4));
    let event = hub.publish(77, None, "\"sym\":\"A\"").unwrap();
    assert_eq!(&event.json[..], br#"{"seq":1,"ts":77,"sym":"A"}"#);
    let length = |e: &Event| e.json.len();
    let first: *const usize = event.encoded(1, length).unwrap();
    // A second ask finds the first encoding: `encode` differs, the answer does not.
    let again = event.encoded(1, |_| 0usize).unwrap();
    assert_eq!((*again, std::ptr::eq(first, again)), (27, true));
    assert_eq!(event.encoded(1, |_| "another type"), None);
    assert_eq!(event.encoded(2, length), None);
}

#[test]
fn stop_is_final_and_windows_are_by_timestamp() {
    let hub = Hub::new(Semantics::Events, limits(10, 4));
    for ts in [10, 20, 30, 40] {
        hub.publish(ts, None, "");
    }
    let window = |first, last| Window::Events {
        first,
        last,
        late: 0,
        max_late_us: 0,
    };
    assert_eq!(hub.window(15, 35), window(2, 3));
    assert_eq!(hub.window(10, 40), window(1, 4));
    assert_eq!(hub.window(41, 50), Window::Empty);
    assert_eq!(hub.stop(), 4);
    assert!(hub.publish(50, None, "").is_none());
    assert_eq!(hub.last_seq(), 4);
}

/// Millions of events through a small hub: everything it keeps stays at its bound,
/// and the window log still answers exactly for what it holds.
#[test]
fn a_long_run_keeps_every_structure_within_its_bound() {
    const EVENTS: u64 = 1_000_000;
    const KEYS: u32 = 500;
    let bounds = HubLimits {
        history: 1000,
        max_lag: 64,
        window_log: 50_000,
        encodings: 0,
    };
    for semantics in [Semantics::Events, Semantics::State] {
        let hub = Hub::new(semantics, bounds);
        let _subscriber = hub.subscribe();
        for seq in 1..=EVENTS {
            let key = (semantics == Semantics::State).then_some(seq as u32 % KEYS);
            hub.publish(seq * 10, key, "");
        }
        let keys = if semantics == Semantics::State {
            500
        } else {
            0
        };
        assert_eq!(
            hub.retained(),
            Retained {
                history: 1000,
                window_log: 50_000,
                window_log_capacity: 50_000,
                state_keys: keys,
                state_index: keys,
            }
        );
        let oldest = EVENTS - 50_000 + 1;
        assert_eq!(
            hub.window(oldest * 10, EVENTS * 10),
            Window::Events {
                first: oldest,
                last: EVENTS,
                late: 0,
                max_late_us: 0
            }
        );
        assert_eq!(
            hub.window((oldest - 1) * 10, EVENTS * 10),
            Window::NotRetained { oldest_seq: oldest }
        );
    }
}

#[test]
fn publishing_late_is_counted_beyond_the_tolerance() {
    let hub = Hub::new(Semantics::Events, limits(10, 4));
    let tolerance = LATE_TOLERANCE;
    hub.publish_late(1, tolerance, None, "");
    hub.publish_late(2, tolerance * 3, None, "");
    hub.publish_late(3, Duration::ZERO, None, "");
    assert_eq!(
        hub.schedule(),
        Schedule {
            late_events: 1,
            max_late_us: (tolerance * 3).as_micros() as u64
        }
    );
}

/// What a subscriber reads, step by step, while `script` publishes (`Some(n)`: n events)
/// and reads (`None`: everything at hand).
fn reads(hub: &Arc<Hub>, script: &[Option<u64>]) -> Vec<String> {
    use tokio::sync::broadcast::error::TryRecvError;
    let mut subscription = hub.subscribe();
    let mut seen = Vec::new();
    for step in script {
        match step {
            Some(events) => (0..*events).for_each(|_| drop(hub.publish(1, None, ""))),
            None => loop {
                match subscription.try_recv() {
                    Ok(event) => seen.push(format!("event {}", event.seq)),
                    Err(TryRecvError::Lagged(skipped)) => seen.push(format!("lagged {skipped}")),
                    Err(TryRecvError::Empty) => break seen.push("empty".into()),
                    Err(TryRecvError::Closed) => break seen.push("closed".into()),
                }
            },
        }
    }
    seen
}

#[test]
fn a_topics_subscriber_reads_and_lags_exactly_as_the_whole_feeds_does() {
    // 5 rounds up to 8, as tokio's broadcast rounds its capacity.
    for max_lag in [4, 5, 8] {
        let script = [
            Some(3),
            None,
            Some(max_lag as u64),
            None,
            Some(13),
            None,
            Some(1),
            None,
        ];
        let whole = reads(&Hub::new(Semantics::Events, limits(100, max_lag)), &script);
        let topic = reads(
            &Hub::for_topic(Semantics::Events, limits(2, max_lag)),
            &script,
        );
        assert_eq!(topic, whole, "max_lag {max_lag}");
        let allowance = max_lag.next_power_of_two() as u64;
        let first_kept = 3 + max_lag as u64 + 13 - allowance + 1;
        assert!(
            whole.contains(&format!("lagged {}", first_kept - 3 - max_lag as u64 - 1))
                && whole.contains(&format!("event {first_kept}")),
            "{whole:?}"
        );
    }
}

#[test]
fn a_topic_takes_memory_as_it_is_used_and_keeps_what_its_subscribers_need() {
    let topic = Hub::for_topic(Semantics::Events, limits(4, 16));
    let capacity = |hub: &Hub| hub.state.read().unwrap().ring.capacity();
    assert_eq!(capacity(&topic), 0, "an empty topic holds no ring");
    assert!(matches!(topic.fan_out, FanOut::Ring { max_lag: 16 }));
    for ts in 1..=3 {
        topic.publish(ts, None, "");
    }
    assert!(capacity(&topic) < 16, "{}", capacity(&topic));
    for ts in 4..=40 {
        topic.publish(ts, None, "");
    }
    // A history of 4 is held to the 16 its subscribers may lag, and no further.
    assert_eq!(topic.retained().history, 16);
    assert!(matches!(topic.since(Some(23)), Since::Gone { oldest: 25 }));
    assert!(capacity(&topic) <= 32, "{}", capacity(&topic));
    let whole = Hub::new(Semantics::Events, limits(4, 16));
    assert!(matches!(whole.fan_out, FanOut::Broadcast(_)));
    assert!(
        capacity(&whole) >= 4,
        "the whole feed's ring is allocated up front"
    );
}

#[tokio::test]
async fn a_topics_subscriber_waits_for_the_next_event_and_holds_the_topic() {
    let topic = Hub::for_topic(Semantics::Events, limits(8, 8));
    topic.publish(1, None, "");
    let mut subscription = topic.subscribe();
    assert_eq!(Arc::strong_count(&topic), 2, "a subscriber holds its topic");
    let waiting = tokio::spawn(async move { subscription.recv().await.map(|e| e.seq) });
    tokio::task::yield_now().await;
    topic.publish(2, None, "");
    let received = tokio::time::timeout(Duration::from_secs(10), waiting).await;
    assert_eq!(
        received.unwrap().unwrap(),
        Ok(2),
        "only what came after subscribing"
    );
    assert_eq!(Arc::strong_count(&topic), 1);
}
