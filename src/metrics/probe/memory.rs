//! Resident memory of one process from `/proc/<pid>/status`.

use super::{Answer, Probe};
use crate::metrics::memory;

pub use crate::metrics::memory::Rss;

/// Current and peak resident memory of process `pid`.
#[derive(Debug, Clone, Copy)]
pub struct ProcessMemory {
    pub pid: u32,
}

impl Probe for ProcessMemory {
    type Reading = Rss;
    fn read(&self) -> Answer<Rss> {
        Ok(memory::rss(self.pid)?)
    }
}
