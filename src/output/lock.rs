//! The lock a run holds on its results directory while it writes: a file created with
//! `create_new` (O_EXCL) holding the run's pid, removed when the run ends however it ends
//! short of SIGKILL. A lock whose process is gone is stale and is taken over.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// File name of the lock inside the results directory.
pub const LOCK_FILE: &str = "wsbench.lock";

/// A lock with no pid in it yet is one being written this instant, unless it is older.
const UNWRITTEN_GRACE: Duration = Duration::from_secs(5);

/// Who holds an existing lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A live process, or a lock being written (no pid yet).
    Alive(Option<u32>),
    /// The process named is gone, or the lock never got a pid: it may be taken over.
    Gone(Option<u32>),
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    Held(Option<u32>),
    Io(std::io::Error),
}

/// Held for the whole run; dropping it removes the file.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes `dir/wsbench.lock`, taking over a stale one (said on stderr).
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        let path = dir.join(LOCK_FILE);
        // A stale lock removed makes room for one more try; losing that try to another run
        // shows as a live holder on the next round.
        for _ in 0..3 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    if let Err(e) = writeln!(file, "{}", std::process::id()) {
                        let _ = std::fs::remove_file(&path);
                        return Err(LockError::Io(e));
                    }
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match holder(&path) {
                    Holder::Alive(pid) => return Err(LockError::Held(pid)),
                    Holder::Gone(pid) => take_over(&path, pid).map_err(LockError::Io)?,
                },
                Err(e) => return Err(LockError::Io(e)),
            }
        }
        Err(LockError::Held(read_pid(&path)))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Only our own: a lock another run took over after a stale read stays its own.
        if read_pid(&self.path) == Some(std::process::id()) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn take_over(path: &Path, pid: Option<u32>) -> std::io::Result<()> {
    let whose = pid.map_or("no process".to_string(), |pid| {
        format!("pid {pid}, which no longer runs")
    });
    eprintln!(
        "wsbench run: taking over the stale lock {} ({whose})",
        path.display()
    );
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Who holds the lock at `path` (a lock that vanished meanwhile is `Gone`).
pub fn holder(path: &Path) -> Holder {
    match read_pid(path) {
        Some(pid) if alive(pid) => Holder::Alive(Some(pid)),
        Some(pid) => Holder::Gone(Some(pid)),
        None => {
            let age = std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok());
            match age {
                Some(age) if age < UNWRITTEN_GRACE => Holder::Alive(None),
                _ => Holder::Gone(None),
            }
        }
    }
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether a process with this pid exists (signal 0 checks without sending anything).
fn alive(pid: u32) -> bool {
    // 0 and negative pids would address process groups, not one process.
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks the pid.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid that cannot be running: above the kernel's pid_max ceiling (2^22).
    const DEAD_PID: u32 = 99_999_999;

    #[test]
    fn a_lock_is_exclusive_and_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(dir.path()).unwrap();
        let path = dir.path().join(LOCK_FILE);
        assert_eq!(read_pid(&path), Some(std::process::id()));
        assert!(matches!(
            Lock::acquire(dir.path()),
            Err(LockError::Held(Some(pid))) if pid == std::process::id()
        ));
        drop(lock);
        assert!(!path.exists());
    }

    #[test]
    fn a_lock_of_a_gone_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        std::fs::write(&path, format!("{DEAD_PID}\n")).unwrap();
        assert_eq!(holder(&path), Holder::Gone(Some(DEAD_PID)));
        let _lock = Lock::acquire(dir.path()).unwrap();
        assert_eq!(read_pid(&path), Some(std::process::id()));
    }

    #[test]
    fn a_fresh_lock_without_a_pid_is_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        std::fs::write(&path, "").unwrap();
        assert_eq!(holder(&path), Holder::Alive(None));
        assert!(matches!(
            Lock::acquire(dir.path()),
            Err(LockError::Held(None))
        ));
    }

    #[test]
    fn a_dropped_lock_taken_over_by_another_run_stays() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(dir.path()).unwrap();
        let path = dir.path().join(LOCK_FILE);
        std::fs::write(&path, "1\n").unwrap();
        drop(lock);
        assert_eq!(read_pid(&path), Some(1));
    }
}
