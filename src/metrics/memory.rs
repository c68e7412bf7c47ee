//! Resident memory of a process from `/proc/<pid>/status`: what the server holds per
//! connection is the figure that separates the transports at scale.

use super::procfs::{self, ProcError};

/// Current resident set size, bytes (`VmRSS`).
pub fn rss_bytes(pid: u32) -> Result<u64, ProcError> {
    status_field(pid, "VmRSS")
}

/// Peak resident set size since the process started, bytes (`VmHWM`).
pub fn peak_rss_bytes(pid: u32) -> Result<u64, ProcError> {
    status_field(pid, "VmHWM")
}

/// A `kB` field of `/proc/<pid>/status` text, in bytes.
pub fn parse_status(text: &str, key: &str) -> Option<u64> {
    procfs::kb_field(text, key)
}

fn status_field(pid: u32, key: &str) -> Result<u64, ProcError> {
    let path = procfs::pid_path(pid, "status");
    let text = procfs::read(&path)?;
    parse_status(&text, key).ok_or_else(|| ProcError::Parse {
        path,
        detail: format!("no `{key}:` line with a size in kB"),
    })
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
        let pid = std::process::id();
        let (rss, peak) = (rss_bytes(pid).unwrap(), peak_rss_bytes(pid).unwrap());
        assert!(rss > 0 && rss % 1024 == 0);
        assert!(peak % 1024 == 0 && peak > 0);
    }
}
