//! Clients that come and go: a session waits on a topic of its own for a few events, then
//! leaves, and a new session with a new topic takes its place (a login page waiting for
//! its phone's scan). The feed kind says which clients do this; the shared client layer
//! runs the sessions over any transport.

use std::time::Duration;

/// What each session of one client does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sessions {
    /// Session `n` subscribes to topic `{prefix}-{n}`.
    pub prefix: String,
    /// Events a session waits for before it leaves.
    pub events: u64,
    /// How long a session waits for them before it gives up and counts as timed out.
    pub limit: Duration,
}

impl Sessions {
    /// The topic of session `n`, fresh for every session.
    pub fn topic(&self, n: u64) -> String {
        format!("{}-{n}", self.prefix)
    }
}
