//! CPU time of one process, server or load generator, read per process rather than from
//! `RUSAGE_CHILDREN`, which lumps every child together and only counts the reaped.

use super::procfs::{self, ProcError};

/// CPU used by a process since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CpuSample {
    /// User plus system time from the process CPU clock, in nanoseconds: exact, where the
    /// tick counts below move in steps of 10 ms.
    pub total_ns: u64,
    /// User time from `/proc/<pid>/stat`, seconds.
    pub user_s: f64,
    /// System time from `/proc/<pid>/stat`, seconds.
    pub system_s: f64,
}

impl CpuSample {
    /// CPU used between `earlier` and this sample.
    pub fn since(&self, earlier: &CpuSample) -> CpuSample {
        CpuSample {
            total_ns: self.total_ns.saturating_sub(earlier.total_ns),
            user_s: (self.user_s - earlier.user_s).max(0.0),
            system_s: (self.system_s - earlier.system_s).max(0.0),
        }
    }

    pub fn total_s(&self) -> f64 {
        self.total_ns as f64 / 1e9
    }
}

/// `utime` and `stime` of `/proc/<pid>/stat`, in clock ticks, and those of its children
/// that it has waited for (`cutime`, `cstime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatTicks {
    pub utime: u64,
    pub stime: u64,
    pub cutime: u64,
    pub cstime: u64,
}

/// Parses `/proc/<pid>/stat`. The command name sits in parentheses and may itself hold
/// spaces and parentheses, so fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Result<StatTicks, String> {
    let close = text.rfind(')').ok_or("no `)` closing the command name")?;
    // Fields after the name start at field 3 (state); utime is field 14, stime 15.
    let fields: Vec<&str> = text[close + 1..].split_whitespace().collect();
    let field = |n: usize, name: &str| -> Result<u64, String> {
        let raw = fields
            .get(n - 3)
            .ok_or_else(|| format!("no field {n} ({name})"))?;
        raw.parse()
            .map_err(|_| format!("field {n} ({name}) is `{raw}`, not a count"))
    };
    Ok(StatTicks {
        utime: field(14, "utime")?,
        stime: field(15, "stime")?,
        cutime: field(16, "cutime")?,
        cstime: field(17, "cstime")?,
    })
}

/// Clock ticks per second of the `/proc` tick counts.
pub fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as u64 } else { 100 }
}

/// User plus system CPU time of any process, in nanoseconds, from its CPU-time clock:
/// Linux lets any process read another's.
pub fn process_cpu_ns(pid: u32) -> Result<u64, ProcError> {
    let clock_error = |code: i32| ProcError::Clock {
        pid,
        error: std::io::Error::from_raw_os_error(code),
    };
    let mut clock: libc::clockid_t = 0;
    // SAFETY: `clock` is a valid place for the id; the call only writes there.
    let rc = unsafe { libc::clock_getcpuclockid(pid as libc::pid_t, &mut clock) };
    if rc != 0 {
        // Returns the error number rather than setting errno.
        return Err(clock_error(rc));
    }
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write to.
    if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
        let code = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        return Err(clock_error(code));
    }
    Ok(now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64)
}

pub fn sample(pid: u32) -> Result<CpuSample, ProcError> {
    let path = procfs::pid_path(pid, "stat");
    let ticks =
        parse_stat(&procfs::read(&path)?).map_err(|detail| ProcError::Parse { path, detail })?;
    let total_ns = process_cpu_ns(pid)?;
    let hz = ticks_per_second() as f64;
    Ok(CpuSample {
        total_ns,
        user_s: ticks.utime as f64 / hz,
        system_s: ticks.stime as f64 / hz,
    })
}

pub fn sample_self() -> Result<CpuSample, ProcError> {
    sample(std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (my (weird) proc) S 1 4242 4242 0 -1 4194560 1523 0 12 0 \
                        731 219 0 0 20 0 9 0 123456 987654321 2048 18446744073709551615 \
                        1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

    #[test]
    fn parses_ticks_past_a_name_with_parentheses() {
        let ticks = parse_stat(STAT).unwrap();
        assert_eq!(
            ticks,
            StatTicks {
                utime: 731,
                stime: 219,
                cutime: 0,
                cstime: 0
            }
        );
    }

    #[test]
    fn truncated_stat_names_the_missing_field() {
        assert_eq!(
            parse_stat("1 (a) S 1 2 3").unwrap_err(),
            "no field 14 (utime)"
        );
        assert!(parse_stat("1 a S").unwrap_err().contains("`)`"));
    }

    #[test]
    fn own_cpu_clock_runs_forward() {
        let first = sample(std::process::id()).unwrap();
        // Burn a little CPU so a coarse clock would have something to show.
        let spin: u64 = (0..200_000u64).map(std::hint::black_box).sum();
        let second = sample_self().unwrap();
        assert!(spin > 0);
        assert!(first.total_ns > 0);
        assert!(second.total_ns >= first.total_ns);
        assert!(second.user_s >= first.user_s && second.system_s >= first.system_s);
        assert_eq!(
            second.since(&first).total_ns,
            second.total_ns - first.total_ns
        );
    }

    #[test]
    fn a_missing_process_is_an_error_naming_its_file() {
        // Above the kernel's pid_max limit (2^22), so never a live process.
        let err = sample(4_194_305).unwrap_err();
        assert!(err.to_string().contains("/proc/4194305/stat"), "{err}");
    }
}
