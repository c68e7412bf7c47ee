//! The open-files limit: each connection is a file descriptor.

/// Raises the soft open-files limit towards `wanted` (up to the hard limit) and returns
/// the limit now in force.
pub fn raise_open_files(wanted: u64) -> std::io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if limit.rlim_cur >= wanted {
        return Ok(limit.rlim_cur);
    }
    let raised = libc::rlimit {
        rlim_cur: wanted.min(limit.rlim_max),
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit reads the struct we own.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(raised.rlim_cur)
}

/// The open-files limit for `connections` plus the process's own files, with a message
/// saying what to do when the hard limit is too low.
pub fn ensure_open_files(connections: u64, who: &str) -> Result<u64, String> {
    let wanted = connections + 256;
    let got = raise_open_files(wanted)
        .map_err(|e| format!("cannot read or raise the open-files limit: {e}"))?;
    if got < wanted {
        return Err(format!(
            "{who} needs {wanted} open files for {connections} connections, but the hard limit is {got}; \
             raise it (`ulimit -Hn {wanted}` as root, or LimitNOFILE= in a systemd unit) or use fewer connections"
        ));
    }
    Ok(got)
}
