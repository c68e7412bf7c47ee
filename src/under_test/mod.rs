//! The server under test: what a run measures against, a `Target`. The runner starts it,
//! reaches it at an address, reads it through probes, asks it to stop publishing, which
//! events it published in the window and the final state, and stops it. The matched server
//! (`wsbench serve` as a child process) is one target; a server we did not write, already
//! running (`--target`) or started by the run (`--launch websocketd`), is another.

mod child_process;
mod error;
mod external;
mod group;
mod matched;
mod preflight;
mod relay;
mod websocketd;

use std::collections::HashMap;
use std::net::SocketAddr;

pub use error::TargetError;
pub use external::{External, TargetSpec, TargetSpecError};
pub use matched::{MatchedServer, server_exe};
pub use preflight::FIRST_EVENT_TIMEOUT;
pub use websocketd::{Websocketd, WebsocketdLaunch};

use crate::dialect::Dialect;
use crate::emit::Emitted;
use crate::metrics::probe::Probes;
use crate::results::{PublishedSource, TransportResult};
use crate::scenario::Scenario;
use crate::transport_kind::Transport;
use crate::wire::StatsReply;

/// A server the run starts itself, for each transport, instead of the matched server
/// (`wsbench run --launch NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Launched {
    /// websocketd running `wsbench emit`: a process per connection, WebSocket only.
    Websocketd,
}

/// What to launch, and the program that is it.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    pub server: Launched,
    /// Found on PATH unless a path is given (tests name a missing one).
    pub program: std::path::PathBuf,
}

impl LaunchSpec {
    pub fn new(server: Launched) -> Self {
        let program = match server {
            Launched::Websocketd => websocketd::NAME,
        };
        Self {
            server,
            program: program.into(),
        }
    }
}

// Implemented and awaited on the run's one thread: no `Send` bound is needed on the futures.
#[allow(async_fn_in_trait)]
pub trait Target: Sized {
    /// What starting one takes (the matched server: the executable that serves).
    type Launch: ?Sized;

    /// Starts the target for one transport run of `scenario`, ready for clients.
    async fn start(launch: &Self::Launch, scenario: &Scenario) -> Result<Self, TargetError>;

    /// Where clients connect.
    fn addr(&self) -> SocketAddr;

    /// How it names and frames the transports.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Its probes: a local process's CPU and memory, or absent ones that say why not.
    fn probes(&self) -> Probes;

    /// A server the run did not start, without our control plane: its window is the
    /// events' `ts`, and without its own window count its loss is judged by seq gaps.
    fn external(&self) -> bool {
        false
    }

    /// Who counts the events its `stats` window says were published.
    fn window_counted_by(&self) -> PublishedSource {
        PublishedSource::ServerStats
    }

    /// Before `transport` is measured: whether the target serves it and sends an event.
    async fn check(&self, _transport: Transport) -> Result<(), TargetError> {
        Ok(())
    }

    /// After `transport` was measured: whether the figures measured the transport, or a
    /// target that failed under it.
    fn judge(&self, _result: &TransportResult) -> Result<(), TargetError> {
        Ok(())
    }

    /// Marks the measurement window's start, so that the window is counted exactly.
    async fn mark_window_start(&self, at_ns: u64) -> Result<(), TargetError>;

    /// Stops publishing: nothing published after this is owed to any client.
    async fn stop_publishing(&self) -> Result<(), TargetError>;

    /// Its counters, and which events it published in `[from_ns, to_ns]` when it can say
    /// (`window` absent or null when it cannot: then loss is not measured).
    async fn stats(&self, from_ns: u64, to_ns: u64) -> Result<StatsReply, TargetError>;

    /// A target whose every connection has a stream of its own (a process per connection):
    /// what those streams wrote in `[from_ns, to_ns]`, asked once the clients have closed
    /// their connections; `None` for a target whose clients share one stream.
    async fn emitted(&self, _from_ns: u64, _to_ns: u64) -> Result<Option<Emitted>, TargetError> {
        Ok(None)
    }

    /// State feeds: the latest seq per key after the drain.
    async fn final_state(
        &self,
        key_field: Option<&str>,
    ) -> Result<HashMap<String, u64>, TargetError>;

    /// Resolves, with the error that says so, if the target dies while it is measured;
    /// never for a target whose life the run cannot see.
    async fn died(&self, transport: &str) -> TargetError;

    /// Stops it (when the run started it).
    async fn stop(self);
}
