//! CPU time of one process from `/proc/<pid>/stat` and its CPU clock.

use super::{Answer, Probe};
use crate::metrics::cpu::{self, CpuSample};

/// CPU used by process `pid` since it started.
#[derive(Debug, Clone, Copy)]
pub struct ProcessCpu {
    pub pid: u32,
}

impl ProcessCpu {
    /// The load generator itself.
    pub fn own() -> Self {
        Self {
            pid: std::process::id(),
        }
    }
}

impl Probe for ProcessCpu {
    type Reading = CpuSample;
    fn read(&self) -> Answer<CpuSample> {
        Ok(cpu::sample(self.pid)?)
    }
}
