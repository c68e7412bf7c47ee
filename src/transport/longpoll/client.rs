//! Each client asks again at once with the last seq it holds.

use std::time::Duration;

use crate::client::poll_loop::{ANSWER_SLACK, PollRequest, poll_loop};
use crate::client::{Client, Tally};

pub async fn run(client: Client, timeout: Duration) -> Tally {
    let request = PollRequest {
        query: format!("timeout_ms={}", timeout.as_millis()),
        // The server's own timeout, plus slack for a loaded machine.
        answer_limit: timeout + ANSWER_SLACK,
    };
    poll_loop(client, request, |_| None).await
}
