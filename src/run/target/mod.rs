//! What a run measures against: a target. The runner starts it, reaches it at an address,
//! reads it through probes, asks it to stop publishing, which events it published in the
//! window and the final state, and stops it. The matched server (`wsbench serve` as a
//! child process) is one target; a server we did not write is another.

mod matched;

use std::collections::HashMap;
use std::net::SocketAddr;

pub use matched::{MatchedServer, server_exe};

use super::RunError;
use crate::dialect::Dialect;
use crate::metrics::probe::Probes;
use crate::scenario::Scenario;
use crate::wire::StatsReply;

// Implemented and awaited on the run's one thread: no `Send` bound is needed on the futures.
#[allow(async_fn_in_trait)]
pub trait Target: Sized {
    /// What starting one takes (the matched server: the executable that serves).
    type Launch: ?Sized;

    /// Starts the target for one transport run of `scenario`, ready for clients.
    async fn start(launch: &Self::Launch, scenario: &Scenario) -> Result<Self, RunError>;

    /// Where clients connect.
    fn addr(&self) -> SocketAddr;

    /// How it names and frames the transports.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Its probes: a local process's CPU and memory, or absent ones that say why not.
    fn probes(&self) -> Probes;

    /// Marks the measurement window's start, so that the window is counted exactly.
    async fn mark_window_start(&self, at_ns: u64) -> Result<(), RunError>;

    /// Stops publishing: nothing published after this is owed to any client.
    async fn stop_publishing(&self) -> Result<(), RunError>;

    /// Its counters, and which events it published in `[from_ns, to_ns]` when it can say
    /// (`window` absent or null when it cannot: then loss is not measured).
    async fn stats(&self, from_ns: u64, to_ns: u64) -> Result<StatsReply, RunError>;

    /// State feeds: the latest seq per key after the drain.
    async fn final_state(&self, key_field: Option<&str>) -> Result<HashMap<String, u64>, RunError>;

    /// Resolves, with the error that says so, if the target dies while it is measured;
    /// never for a target whose life the run cannot see.
    async fn died(&self, transport: &str) -> RunError;

    /// Stops it (when the run started it).
    async fn stop(self);
}
