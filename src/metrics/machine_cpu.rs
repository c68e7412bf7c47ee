//! The whole machine's CPU time, from the first line of `/proc/stat`: what every process
//! used, ours and others', so that a run can say how much other work shared the machine
//! while it measured. Timed figures from a machine busy with other work are not comparable
//! with figures from a quiet one.

use super::cpu::ticks_per_second;
use super::procfs::{self, ProcError};

/// CPU the machine spent working, since boot, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MachineCpu {
    /// `user + nice + system`: time spent in processes, any process. Interrupt and softirq
    /// time are left out: on loopback much of it is our own traffic's, which no process is
    /// charged with.
    pub busy_s: f64,
    /// `steal`: time the hypervisor gave this machine's virtual CPUs to another guest.
    pub steal_s: f64,
}

impl MachineCpu {
    /// Reads `/proc/stat` now.
    pub fn read() -> Result<Self, ProcError> {
        parse_stat(&procfs::read("/proc/stat")?, ticks_per_second() as f64).map_err(|detail| {
            ProcError::Parse {
                path: "/proc/stat".into(),
                detail,
            }
        })
    }

    /// The time spent between `earlier` and this reading.
    pub fn since(&self, earlier: &MachineCpu) -> MachineCpu {
        MachineCpu {
            busy_s: (self.busy_s - earlier.busy_s).max(0.0),
            steal_s: (self.steal_s - earlier.steal_s).max(0.0),
        }
    }
}

/// The aggregate `cpu` line: `cpu user nice system idle iowait irq softirq steal ...`, in
/// clock ticks.
pub fn parse_stat(text: &str, ticks_per_s: f64) -> Result<MachineCpu, String> {
    let line = text
        .lines()
        .find(|l| l.starts_with("cpu "))
        .ok_or("no aggregate `cpu` line")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().map_err(|_| format!("`{f}` is not a tick count")))
        .collect::<Result<_, _>>()?;
    let field = |n: usize| fields.get(n).copied().unwrap_or(0) as f64 / ticks_per_s;
    if fields.len() < 4 {
        return Err(format!("{} fields, at least 4 expected", fields.len()));
    }
    Ok(MachineCpu {
        busy_s: field(0) + field(1) + field(2),
        steal_s: field(7),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aggregate_line_gives_busy_and_steal() {
        let text = "cpu  100 20 30 4000 5 6 70 8 0 0\ncpu0 50 10 15 2000 2 3 35 4 0 0\n";
        let machine = parse_stat(text, 100.0).unwrap();
        assert_eq!(
            machine,
            MachineCpu {
                busy_s: 1.5,
                steal_s: 0.08
            }
        );
        assert!(parse_stat("cpu0 1 2 3 4\n", 100.0).is_err());
        assert!(parse_stat("cpu  1 x 3 4\n", 100.0).is_err());
    }

    #[test]
    fn this_machine_reads() {
        let a = MachineCpu::read().unwrap();
        let b = MachineCpu::read().unwrap();
        assert!(b.since(&a).busy_s >= 0.0);
    }
}
