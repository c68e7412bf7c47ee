//! CPU and memory of a process and all its descendants: what a server that runs a process
//! per connection (websocketd) costs is its own process plus one child per connection.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::{Answer, Probe, Rss};
use crate::metrics::cpu::{self, CpuSample};
use crate::metrics::procfs::{self, ProcError};
use crate::metrics::{memory, procfs::process_tree};

/// CPU used by process `root` and its descendants: those alive now from their CPU clocks,
/// and those that ended and were waited for from `root`'s `cutime` and `cstime` (so that a
/// child that exits moves its CPU from one sum to the other, rather than out of both).
#[derive(Debug, Clone, Copy)]
pub struct TreeCpu {
    pub root: u32,
}

impl Probe for TreeCpu {
    type Reading = CpuSample;
    fn read(&self) -> Answer<CpuSample> {
        let hz = cpu::ticks_per_second() as f64;
        let root_ticks = stat_ticks(self.root)?;
        let reaped_s = (root_ticks.cutime + root_ticks.cstime) as f64 / hz;
        let mut sample = CpuSample {
            total_ns: (reaped_s * 1e9) as u64,
            user_s: root_ticks.cutime as f64 / hz,
            system_s: root_ticks.cstime as f64 / hz,
        };
        for pid in process_tree(self.root) {
            let (ticks, total_ns) = match (stat_ticks(pid), cpu::process_cpu_ns(pid)) {
                (Ok(ticks), Ok(total_ns)) => (ticks, total_ns),
                // A descendant that ended since the tree was listed: counted when reaped.
                (Err(_), _) | (_, Err(_)) if pid != self.root => continue,
                (Err(e), _) | (_, Err(e)) => return Err(e.into()),
            };
            sample.total_ns += total_ns;
            sample.user_s += ticks.utime as f64 / hz;
            sample.system_s += ticks.stime as f64 / hz;
        }
        Ok(sample)
    }
}

fn stat_ticks(pid: u32) -> Result<cpu::StatTicks, ProcError> {
    let path = procfs::pid_path(pid, "stat");
    cpu::parse_stat(&procfs::read(&path)?).map_err(|detail| ProcError::Parse { path, detail })
}

/// Resident memory of process `root` and its descendants, summed. A page shared between
/// them (the program's own code) counts once per process, as `ps` shows it: what each
/// connection's process holds. No file keeps the tree's peak: it is the highest of the
/// sums this probe read and of the live processes' own peaks summed (processes that ended
/// took theirs with them).
#[derive(Debug)]
pub struct TreeMemory {
    pub root: u32,
    highest: AtomicU64,
}

impl TreeMemory {
    pub fn new(root: u32) -> Self {
        Self {
            root,
            highest: AtomicU64::new(0),
        }
    }
}

impl Probe for TreeMemory {
    type Reading = Rss;
    fn read(&self) -> Answer<Rss> {
        let mut sum = memory::rss(self.root)?;
        for pid in process_tree(self.root).into_iter().skip(1) {
            // A descendant that ended since the tree was listed holds nothing now.
            if let Ok(rss) = memory::rss(pid) {
                sum.current += rss.current;
                sum.peak += rss.peak;
            }
        }
        let highest = self
            .highest
            .fetch_max(sum.current, Relaxed)
            .max(sum.current);
        sum.peak = sum.peak.max(highest);
        Ok(sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::probe::{ProcessCpu, ProcessMemory};

    #[test]
    fn a_tree_holds_at_least_its_root() {
        let own = std::process::id();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let tree_rss = TreeMemory::new(own).read().unwrap();
        let root_rss = ProcessMemory { pid: own }.read().unwrap();
        let child_rss = ProcessMemory { pid: child.id() }.read().unwrap();
        let root_cpu = ProcessCpu { pid: own }.read().unwrap();
        let tree_cpu = TreeCpu { root: own }.read().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        // Read one after the other while the process grows: bounds, not equalities.
        assert!(tree_rss.current >= child_rss.current + root_rss.current / 2);
        assert!(tree_cpu.total_ns >= root_cpu.total_ns);
        assert!(tree_rss.peak >= tree_rss.current);
    }

    #[test]
    fn a_missing_root_names_its_file() {
        let error = TreeMemory::new(4_194_305).read().unwrap_err().to_string();
        assert!(error.contains("/proc/4194305/status"), "{error}");
        let error = TreeCpu { root: 4_194_305 }.read().unwrap_err().to_string();
        assert!(error.contains("/proc/4194305/stat"), "{error}");
    }
}
