//! The topic map's rules: numbering, bounds, marks, and which topics it drops when.

use super::*;
use crate::feed::{Semantics, Since};

fn root(max_topics: usize) -> Arc<Hub> {
    small_root(max_topics)
}

#[test]
fn each_topic_numbers_its_own_events_and_bounds_hold() {
    let root = root(2);
    let a = root.topic("room-a").unwrap();
    let b = root.topic("room-b").unwrap();
    for ts in 1..=3 {
        a.publish(ts, None, "\"x\":1");
    }
    b.publish(10, None, "\"x\":2");
    assert!(std::sync::Arc::ptr_eq(&a, &root.topic("room-a").unwrap()));
    assert!(matches!(b.since(Some(0)), Since::Events(e) if e.len() == 1 && e[0].seq == 1));
    assert_eq!(a.last_seq(), 3);
    assert_eq!(root.topic("room-c").err(), Some(TopicError::TooMany(2)));
    let malformed = Some(TopicError::Malformed("a b".into()));
    assert_eq!(root.topic("a b").err(), malformed);
    let totals = TopicTotals {
        held: 2,
        events: 4,
        dropped_unused: 0,
        dropped_idle: 0,
    };
    assert_eq!(root.topic_totals(), Some(totals));
    let plain = Hub::new(Semantics::Events, HubLimits::SMALLEST);
    assert_eq!(plain.topic("a").err(), Some(TopicError::NoTopics));
}

#[test]
fn windows_are_per_topic_and_marks_and_stops_reach_later_topics() {
    let root = root(10);
    let early = root.topic("early").unwrap();
    early.publish(5, None, "");
    root.mark_window_start(10).unwrap();
    let late = root.topic("late").unwrap();
    for ts in [12, 13] {
        late.publish(ts, None, "");
        early.publish(ts, None, "");
    }
    let TopicWindows {
        topics: windows,
        dropped,
    } = root.topic_windows(10, 20).unwrap();
    assert_eq!(dropped, Dropped::Nothing);
    let first_last = |w: &Window| match *w {
        Window::Events { first, last, .. } => (first, last),
        _ => panic!("{w:?}"),
    };
    assert_eq!(windows.len(), 2);
    assert_eq!(&*windows[0].name, "early");
    assert_eq!(first_last(&windows[0].window), (2, 3));
    assert_eq!(first_last(&windows[1].window), (1, 2));
    assert_eq!(
        windows[0].senders, None,
        "a schedule's events have no senders"
    );
    root.stop();
    assert!(early.is_stopped() && late.is_stopped());
    assert!(root.topic("after").unwrap().is_stopped());
}

#[tokio::test]
async fn a_source_hears_of_topics_clients_open_first() {
    let root = root(10);
    let mut opened = root.opened_topics().unwrap();
    root.topic("by-source").unwrap();
    root.client_topic("login-1").unwrap();
    root.client_topic("login-1").unwrap();
    root.client_topic("by-source").unwrap();
    let first = opened.recv().await.unwrap();
    assert_eq!(&*first.name, "login-1");
    assert!(Arc::ptr_eq(
        &first.hub,
        &root.client_topic("login-1").unwrap()
    ));
    assert!(opened.try_recv().is_err());
}

#[test]
fn a_topic_the_source_was_told_of_is_held_until_the_source_lets_it_go() {
    let topics = topics(10);
    let mut opened = topics.opened();
    let now = Instant::now();
    drop(topics.get_at("login-1", true, now).unwrap());
    topics.sweep(now);
    assert_eq!(
        totals(&topics),
        (1, 0, 0, 0),
        "held on its way to the source"
    );
    let OpenedTopic { name, hub } = opened.try_recv().unwrap();
    topics.sweep(now);
    assert_eq!(totals(&topics), (1, 0, 0, 0), "held by the source");
    drop(hub);
    topics.sweep(now);
    assert_eq!(totals(&topics), (0, 0, 1, 0));
    // Named again once dropped, it opens again: a login page's next scan.
    drop(topics.get_at(&name, true, now).unwrap());
    assert_eq!(&*opened.try_recv().unwrap().name, "login-1");
}

const IDLE: Duration = Duration::from_secs(60);

/// A topic map of small topics, as `small_root`'s, that drops topics idle for `IDLE`.
fn topics(max_topics: usize) -> Topics {
    let limits = TopicLimits {
        max_topics,
        history: 4,
        max_lag: 4,
        window_log: 8,
    };
    Topics::new(Semantics::Events, limits, 0, IDLE)
}

fn totals(topics: &Topics) -> (usize, u64, u64, u64) {
    let t = topics.totals();
    (t.held, t.events, t.dropped_unused, t.dropped_idle)
}

#[test]
fn a_topic_nobody_holds_that_published_nothing_goes_at_the_next_sweep() {
    let topics = topics(100);
    let t0 = Instant::now();
    let held = topics.get_at("held", true, t0).unwrap();
    let subscribed = topics.get_at("subscribed", true, t0).unwrap();
    let subscription = subscribed.subscribe();
    drop(subscribed);
    topics.get_at("passing", true, t0).unwrap();
    assert_eq!(totals(&topics), (3, 0, 0, 0));
    topics.sweep(t0);
    assert_eq!(totals(&topics), (2, 0, 1, 0), "only `passing` goes");
    drop(subscription);
    topics.sweep(t0);
    assert_eq!(
        totals(&topics),
        (1, 0, 2, 0),
        "a subscriber held `subscribed`"
    );
    // Named again, a dropped topic is a new one, with nothing lost: it held nothing.
    assert!(!Arc::ptr_eq(
        &held,
        &topics.get_at("subscribed", true, t0).unwrap()
    ));
    assert!(Arc::ptr_eq(
        &held,
        &topics.get_at("held", true, t0).unwrap()
    ));
}

#[test]
fn a_topic_that_published_goes_once_unused_for_the_idle_time() {
    let topics = topics(100);
    let t0 = Instant::now();
    let room = topics.get_at("room", false, t0).unwrap();
    room.publish(5, None, "");
    room.publish(6, None, "");
    // Held through the first sweeps: its idle time starts at the last sweep that saw it held.
    topics.sweep(t0 + IDLE * 5);
    drop(room);
    let released = t0 + IDLE * 5;
    topics.sweep(released + IDLE - Duration::from_nanos(1));
    assert_eq!(totals(&topics), (1, 2, 0, 0));
    // Named again: its idle time starts anew.
    let named = released + IDLE / 2;
    drop(topics.get_at("room", false, named).unwrap());
    topics.sweep(released + IDLE);
    assert_eq!(totals(&topics), (1, 2, 0, 0));
    // Published on by a holder between two sweeps: the later sweep sees it used.
    let room = topics.get_at("room", false, named).unwrap();
    room.publish(7, None, "");
    drop(room);
    let seen = named + IDLE * 3;
    topics.sweep(seen);
    assert_eq!(totals(&topics), (1, 3, 0, 0));
    topics.sweep(seen + IDLE - Duration::from_nanos(1));
    assert_eq!(totals(&topics), (1, 3, 0, 0));
    topics.sweep(seen + IDLE);
    assert_eq!(totals(&topics), (0, 3, 0, 1), "its events stay counted");
}

/// Drops every topic nobody holds: two sweeps, the second `IDLE` after the first.
fn drop_idle(topics: &Topics) {
    let now = Instant::now() + IDLE * 100;
    topics.sweep(now);
    topics.sweep(now + IDLE);
}

#[test]
fn windows_count_what_dropped_topics_published_from_a_mark_or_say_they_cannot() {
    let topics = topics(100);
    topics.mark_window_start(100);
    let room = topics.get("room", false).unwrap();
    room.publish(90, None, "");
    room.publish(110, None, "");
    room.publish_late(120, crate::feed::LATE_TOLERANCE * 2, None, "");
    drop(room);
    drop_idle(&topics);
    assert_eq!(totals(&topics), (0, 3, 0, 1));
    let late_us = (crate::feed::LATE_TOLERANCE * 2).as_micros() as u64;
    let counted = Dropped::Counted(Tally {
        events: 2,
        late: 1,
        max_late_us: late_us,
    });
    let unknown = Dropped::Unknown {
        topics: 1,
        newest_ns: 120,
    };
    let dropped = |from, to| topics.windows(from, to).dropped;
    assert_eq!(dropped(100, 200), counted, "marked before the drop: exact");
    assert_eq!(
        dropped(105, 200),
        unknown,
        "unmarked, reaching back to its events"
    );
    assert_eq!(
        dropped(100, 115),
        unknown,
        "marked, but ending before its last event"
    );
    assert_eq!(dropped(121, 200), Dropped::Nothing, "after its events");
    // Marked after the drop: its events from the instant on were not counted.
    topics.mark_window_start(115);
    assert_eq!(dropped(115, 200), unknown);
    topics.mark_window_start(121);
    assert_eq!(dropped(121, 200), Dropped::Nothing);
    // The same name later is a new topic, numbered from 1, marked with the window starts.
    let again = topics.get("room", false).unwrap();
    assert_eq!(again.publish(130, None, "").unwrap().seq, 1);
    let windows = topics.windows(100, 200);
    assert_eq!(windows.topics.len(), 1);
    assert_eq!(windows.dropped, counted);
    assert_eq!(totals(&topics), (1, 4, 0, 1));
}

#[test]
fn a_flood_of_names_nobody_holds_never_fills_the_map() {
    let topics = topics(10);
    let held: Vec<_> = (0..9)
        .map(|i| topics.get(&format!("held-{i}"), true).unwrap())
        .collect();
    // Beyond the limit only while nobody holds what fills it.
    for i in 0..1_000 {
        topics.get(&format!("flood-{i}"), true).unwrap();
    }
    assert_eq!(totals(&topics), (10, 0, 999, 0));
    let last = topics.get("last", true).unwrap();
    assert_eq!(
        topics.get("one-more", true).err(),
        Some(TopicError::TooMany(10))
    );
    drop((held, last));

    // Below the limit, the map is swept when it doubles: at most `SWEEP_FLOOR` at a time.
    let topics = self::topics(1_000_000);
    let held: Vec<_> = (0..2_000)
        .map(|i| topics.get(&format!("held-{i}"), true).unwrap())
        .collect();
    let mut most = 0;
    for i in 0..100_000 {
        topics.get(&format!("flood-{i}"), true).unwrap();
        most = most.max(read(&topics.map).hubs.len());
    }
    assert_eq!(most, 2 * held.len(), "swept whenever it doubles");
    let (held_now, _, unused, _) = totals(&topics);
    assert_eq!(held_now as u64 + unused, 2_000 + 100_000);
}
