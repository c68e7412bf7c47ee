//! Child processes: tied to their parent's life, and their end told in words. Shared by the
//! runner (its server child) and the server (a feed's program).

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// In the child before exec: a child must never outlive the process that started it (a
/// server its run, a feed's program its server), even when that one is killed with SIGKILL
/// and cannot stop it. Linux sends the signal when the *thread* that spawned the child
/// ends: spawn from a thread that lives as long as the child.
pub fn die_with_parent(parent: u32) -> std::io::Result<()> {
    // SAFETY: prctl and getppid are async-signal-safe.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // The parent may have died before prctl took effect.
        if libc::getppid() as u32 != parent {
            return Err(std::io::Error::other(
                "the parent exited before the child started",
            ));
        }
    }
    Ok(())
}

/// "exited with status 1", "was killed by signal 9 (SIGKILL)".
pub fn describe_exit(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    match status.signal() {
        Some(signal) => format!("was killed by signal {signal} ({})", signal_name(signal)),
        None => format!("ended ({status})"),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => "another signal",
    }
}
