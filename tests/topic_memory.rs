//! What one topic of a chat feed costs in memory, counted by the allocator: an empty one,
//! one with a subscriber, one that published an event. A feed may hold thousands of
//! topics (a room each, a user each), so each must cost what it holds, not its limits.
//!
//! One test in this file: the allocator's count is this test's alone.

#[path = "common/server.rs"]
mod common_server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

use common_server::scenario;
use wsbench::feed::Hub;
use wsbench::server::new_hub;

/// Counts the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TOPICS: usize = 1_000;

/// An empty topic holds its name, its place in the map and a hub with nothing in it.
const EMPTY_TOPIC_BOUND: isize = 2 << 10;
/// A subscriber holds a cursor into its topic's ring, whatever the topic's lag allowance.
const SUBSCRIBER_BOUND: isize = 256;

#[test]
fn a_topic_costs_what_it_holds_not_its_limits() {
    let hub = new_hub(&scenario("kind = \"chat\"", "").serving());
    let names: Vec<String> = (0..TOPICS).map(|i| format!("room-{i}")).collect();
    let mut topics: Vec<Arc<Hub>> = Vec::with_capacity(TOPICS);
    let mut subscriptions = Vec::with_capacity(TOPICS);

    let start = LIVE.load(Relaxed);
    for name in &names {
        topics.push(hub.topic(name).expect("within the topic limit"));
    }
    let empty = (LIVE.load(Relaxed) - start) / TOPICS as isize;
    let start = LIVE.load(Relaxed);
    for topic in &topics {
        subscriptions.push(topic.subscribe());
    }
    let subscribed = (LIVE.load(Relaxed) - start) / TOPICS as isize;
    let start = LIVE.load(Relaxed);
    for topic in &topics {
        topic.publish(1, None, "\"text\":\"hello\"");
    }
    let one_event = (LIVE.load(Relaxed) - start) / TOPICS as isize;
    eprintln!(
        "bytes per topic: {empty} empty, {subscribed} more with a subscriber, {one_event} \
         more with one event published"
    );
    assert!(
        empty <= EMPTY_TOPIC_BOUND,
        "an empty topic takes {empty} bytes, beyond {EMPTY_TOPIC_BOUND}"
    );
    assert!(
        subscribed <= SUBSCRIBER_BOUND,
        "a subscriber takes {subscribed} bytes, beyond {SUBSCRIBER_BOUND}"
    );
    drop(subscriptions);
}
