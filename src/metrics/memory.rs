//! Resident memory of a process from `/proc/<pid>/status`: what the server holds per
//! connection is the figure that separates the transports at scale.

use super::procfs::{self, ProcError};

/// Resident memory of a process, bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rss {
    /// Resident set size now (`VmRSS`).
    pub current: u64,
    /// Peak resident set size since the process started (`VmHWM`).
    pub peak: u64,
}

/// Current and peak resident memory, from one read of `/proc/<pid>/status`.
pub fn rss(pid: u32) -> Result<Rss, ProcError> {
    let path = procfs::pid_path(pid, "status");
    let text = procfs::read(&path)?;
    let field = |key: &str| {
        parse_status(&text, key).ok_or_else(|| ProcError::Parse {
            path: path.clone(),
            detail: format!("no `{key}:` line with a size in kB"),
        })
    };
    Ok(Rss {
        current: field("VmRSS")?,
        peak: field("VmHWM")?,
    })
}

/// A `kB` field of `/proc/<pid>/status` text, in bytes.
pub fn parse_status(text: &str, key: &str) -> Option<u64> {
    procfs::kb_field(text, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\twsbench\nUmask:\t0022\nState:\tS (sleeping)\n\
                          VmPeak:\t  912340 kB\nVmSize:\t  911212 kB\nVmHWM:\t   48212 kB\n\
                          VmRSS:\t   30100 kB\nRssAnon:\t   20000 kB\nThreads:\t9\n";

    #[test]
    fn reads_rss_and_peak_in_bytes() {
        assert_eq!(parse_status(STATUS, "VmRSS"), Some(30_100 * 1024));
        assert_eq!(parse_status(STATUS, "VmHWM"), Some(48_212 * 1024));
        assert_eq!(parse_status(STATUS, "VmSwap"), None);
    }

    #[test]
    fn own_process_has_resident_memory() {
        let Rss { current, peak } = rss(std::process::id()).unwrap();
        assert!(current > 0 && current % 1024 == 0);
        assert!(peak % 1024 == 0 && peak >= current);
    }
}
