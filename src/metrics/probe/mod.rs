//! Measurements that can fail, each behind a small trait (criterion's `Measurement` is the
//! model): a probe answers a reading or says why it has none, and the record then holds
//! `null` with that reason instead of a 0 that would rank as the cheapest.
//!
//! `Probes` bundles what one transport's run reads. The matched server, a child of ours,
//! gets every probe; a target without a local process gets absent process probes.

mod absent;
mod counters;
mod cpu;
mod memory;
mod segments;
mod tree;

use std::sync::Arc;

pub use absent::Absent;
pub use counters::{ServerBytes, StatsCounters};
pub use cpu::ProcessCpu;
pub use memory::{ProcessMemory, Rss};
pub use segments::{SegmentSum, Segments, TcpInfo};
pub use tree::{TreeCpu, TreeMemory};

use super::cpu::CpuSample;
use super::machine_cpu::MachineCpu;
use super::procfs::ProcError;

/// Why a target's byte counters are not read (so the drain is the scenario's fixed `drain`).
pub const NO_TARGET_COUNTERS: &str =
    "a target's own byte counters are not read (only the matched server's are)";

/// Why a probe has no figure; its message is the reason the record gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ProbeError {
    /// The target offers nothing this probe could read (no local process, no counters).
    #[error("{0}")]
    Absent(String),
    /// The probe tried and failed; the message names the file or the call.
    #[error("{0}")]
    Failed(String),
}

impl From<ProcError> for ProbeError {
    fn from(error: ProcError) -> Self {
        Self::Failed(error.to_string())
    }
}

/// A probe's answer.
pub type Answer<T> = Result<T, ProbeError>;

/// Something that reads one figure of a process or the machine, now.
pub trait Probe: Send + Sync {
    type Reading;
    fn read(&self) -> Answer<Self::Reading>;
}

/// Reads the TCP segment counters of one of our client sockets.
pub trait SocketProbe: Send + Sync {
    fn segments(&self, fd: std::os::fd::RawFd) -> Answer<Segments>;
}

/// Finds the server's own byte counters for one transport in its `/stats` reply.
pub trait CounterProbe: Send + Sync {
    fn bytes(&self, stats: &crate::wire::StatsReply, transport: &str) -> Answer<ServerBytes>;
}

/// Every probe one transport's run reads.
pub struct Probes {
    pub server_cpu: Box<dyn Probe<Reading = CpuSample>>,
    pub server_memory: Box<dyn Probe<Reading = Rss>>,
    /// The load generator's own CPU, apart from the server's.
    pub client_cpu: Box<dyn Probe<Reading = CpuSample>>,
    /// Shared with the client workers, which read it at their sockets.
    pub sockets: Arc<dyn SocketProbe>,
    pub server_counters: Box<dyn CounterProbe>,
}

/// The reason a target's CPU and memory are null without `--target-pid`.
pub const NO_TARGET_PID: &str = "not measured: no --target-pid";

impl Probes {
    /// The matched server as our child process `pid`: every probe can read it.
    pub fn local_server(pid: u32) -> Self {
        Self {
            server_cpu: Box::new(ProcessCpu { pid }),
            server_memory: Box::new(ProcessMemory { pid }),
            client_cpu: Box::new(ProcessCpu::own()),
            sockets: Arc::new(TcpInfo),
            server_counters: Box::new(StatsCounters),
        }
    }

    /// The matched server as several processes under our child `root`: CPU and memory
    /// summed over the tree, its byte counters from its summed `/stats`.
    pub fn local_group(root: u32) -> Self {
        Self {
            server_counters: Box::new(StatsCounters),
            ..Self::process_tree(root)
        }
    }

    /// A server we did not start: its process read from /proc when `pid` names it, else
    /// absent with `NO_TARGET_PID`; its own byte counters never (a third party's counters,
    /// if it keeps any, count differently); the load generator and its sockets as always.
    pub fn target(pid: Option<u32>) -> Self {
        let no_pid = NO_TARGET_PID;
        let (server_cpu, server_memory): (
            Box<dyn Probe<Reading = CpuSample>>,
            Box<dyn Probe<Reading = Rss>>,
        ) = match pid {
            // With its descendants: a server of several processes (nginx's master and
            // workers, `wsbench serve --processes`) is named by the one that started them.
            Some(root) => (Box::new(TreeCpu { root }), Box::new(TreeMemory::new(root))),
            None => (Box::new(Absent::new(no_pid)), Box::new(Absent::new(no_pid))),
        };
        Self {
            server_cpu,
            server_memory,
            client_cpu: Box::new(ProcessCpu::own()),
            sockets: Arc::new(TcpInfo),
            server_counters: Box::new(Absent::<()>::new(NO_TARGET_COUNTERS)),
        }
    }

    /// A server we started that runs a process per connection: process `root` and all its
    /// descendants; its own byte counters never (it keeps none we can read).
    pub fn process_tree(root: u32) -> Self {
        Self {
            server_cpu: Box::new(TreeCpu { root }),
            server_memory: Box::new(TreeMemory::new(root)),
            client_cpu: Box::new(ProcessCpu::own()),
            sockets: Arc::new(TcpInfo),
            server_counters: Box::new(Absent::<()>::new(NO_TARGET_COUNTERS)),
        }
    }

    /// Probes that all answer `reason`: what a target we can measure nothing of gets.
    pub fn absent(reason: &str) -> Self {
        Self {
            server_cpu: Box::new(Absent::new(reason)),
            server_memory: Box::new(Absent::new(reason)),
            client_cpu: Box::new(Absent::new(reason)),
            sockets: Arc::new(Absent::<()>::new(reason)),
            server_counters: Box::new(Absent::<()>::new(reason)),
        }
    }

    /// CPU of the server, of the load generator and of the whole machine, read together
    /// as the window opens.
    pub fn open_window(&self) -> CpuWindow {
        CpuWindow {
            server: self.server_cpu.read(),
            client: self.client_cpu.read(),
            machine: machine_cpu(),
        }
    }
}

fn machine_cpu() -> Answer<MachineCpu> {
    MachineCpu::read().map_err(|e| ProbeError::Failed(e.to_string()))
}

/// CPU readings at the start of the window, closed into what the window used.
pub struct CpuWindow {
    server: Answer<CpuSample>,
    client: Answer<CpuSample>,
    machine: Answer<MachineCpu>,
}

/// CPU used over the window: the server's, the load generator's, the machine's.
pub struct WindowCpu {
    pub server: Answer<CpuSample>,
    pub client: Answer<CpuSample>,
    pub machine: Answer<MachineCpu>,
}

impl CpuWindow {
    /// What each used since the window opened.
    pub fn close(self, probes: &Probes) -> WindowCpu {
        let since = |start: Answer<CpuSample>, end: Answer<CpuSample>| {
            let start = start?;
            end.map(|end| end.since(&start))
        };
        let machine = machine_cpu();
        WindowCpu {
            server: since(self.server, probes.server_cpu.read()),
            client: since(self.client, probes.client_cpu.read()),
            machine: self
                .machine
                .and_then(|start| machine.map(|end| end.since(&start))),
        }
    }
}

fn not_recorded() -> Answer<MachineCpu> {
    Err(ProbeError::Absent(
        "not recorded by the wsbench that measured it".into(),
    ))
}

/// What the probes answered over one transport's run, phase by phase.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProbeAnswers {
    /// Server RSS before any client connected.
    pub rss_idle: Answer<u64>,
    /// Server RSS with every client connected, after the warm-up.
    pub rss_connected: Answer<u64>,
    /// Server peak RSS at the end of the run.
    pub rss_peak: Answer<u64>,
    /// CPU used over the window.
    pub server_cpu: Answer<CpuSample>,
    pub client_cpu: Answer<CpuSample>,
    /// The whole machine's CPU over the window (absent from shards of older versions).
    #[serde(default = "not_recorded")]
    pub machine_cpu: Answer<MachineCpu>,
    /// TCP segments of the client sockets over the window.
    pub segments: Answer<Segments>,
    /// The server's byte counters over the whole run, for the cross-check.
    pub server_bytes: Answer<ServerBytes>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_bundle_answers_its_reason_everywhere() {
        let probes = Probes::absent("no local server process");
        let reason = ProbeError::Absent("no local server process".into());
        let WindowCpu { server, client, .. } = probes.open_window().close(&probes);
        assert_eq!(server, Err(reason.clone()));
        assert_eq!(client, Err(reason.clone()));
        assert_eq!(probes.server_memory.read(), Err(reason.clone()));
        assert_eq!(probes.sockets.segments(0), Err(reason.clone()));
        let stats = crate::wire::StatsReply::default();
        assert_eq!(probes.server_counters.bytes(&stats, "ws"), Err(reason));
    }

    #[test]
    fn the_local_bundle_measures_our_own_process() {
        let probes = Probes::local_server(std::process::id());
        let window = probes.open_window();
        let WindowCpu { server, client, .. } = window.close(&probes);
        assert!(server.is_ok() && client.is_ok(), "{server:?} {client:?}");
        let rss = probes.server_memory.read().unwrap();
        assert!(rss.current > 0 && rss.peak >= rss.current);
    }

    #[test]
    fn a_window_whose_end_cannot_be_read_says_why() {
        // Above the kernel's pid_max limit (2^22), so never a live process.
        let probes = Probes::local_server(4_194_305);
        let WindowCpu { server, .. } = probes.open_window().close(&probes);
        let reason = server.unwrap_err().to_string();
        assert!(
            reason.starts_with("cannot read /proc/4194305/stat: "),
            "{reason}"
        );
    }
}
