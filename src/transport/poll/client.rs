//! Each client polls on a fixed schedule from a random phase. A poll that falls due while
//! the previous answer is still out is sent as soon as that answer is in, and its lateness
//! shows in latency. With a zero interval the loop is closed: each poll goes out as soon
//! as the previous answer is in, as wrk runs.

use std::time::Duration;

use tokio::time::Instant;

use crate::client::poll_loop::{ANSWER_SLACK, PollRequest, poll_loop};
use crate::client::{Client, Tally};

pub async fn run(client: Client, interval: Duration) -> Tally {
    let offset = client.first_poll_offset(interval);
    let mut next = Instant::now() + offset;
    let request = PollRequest {
        query: String::new(),
        // A few intervals, plus slack for a loaded machine.
        answer_limit: (interval * 4).max(ANSWER_SLACK),
    };
    poll_loop(client, request, move |_| {
        if interval.is_zero() {
            return None;
        }
        let due = next;
        next += interval;
        Some(due)
    })
    .await
}
