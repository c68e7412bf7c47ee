//! The signals that stop a run or a server: SIGINT, SIGTERM and SIGHUP. A run handles each
//! like Ctrl-C: the clients and the server child stop, what was measured is written, and
//! the exit status names the signal (128 + its number, as a shell reports a process killed
//! by it). A server closes its connections and exits.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// Lets a write past a file-size limit (`ulimit -f`) fail with `EFBIG`, which names the file
/// it could not write, instead of killing the process with SIGXFSZ mid-write.
pub fn ignore_file_size_limit_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN touches no Rust state.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// A signal that ended a run early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    Interrupt,
    Terminate,
    Hangup,
}

impl StopSignal {
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
            Self::Hangup => "SIGHUP",
        }
    }

    /// The conventional exit status: 130, 143 or 129.
    pub fn exit_status(self) -> u8 {
        let number = match self {
            Self::Interrupt => libc::SIGINT,
            Self::Terminate => libc::SIGTERM,
            Self::Hangup => libc::SIGHUP,
        };
        128 + number as u8
    }
}

/// Listens for the stop signals from the moment it is made: made before the first child
/// starts, a signal can never meet the default action (death without a word).
#[derive(Clone)]
pub struct StopSignals {
    received: watch::Receiver<Option<StopSignal>>,
}

impl StopSignals {
    /// Must be called inside a runtime.
    pub fn listen() -> std::io::Result<Self> {
        let (tx, received) = watch::channel(None);
        let mut streams = Vec::new();
        for (kind, which) in [
            (SignalKind::interrupt(), StopSignal::Interrupt),
            (SignalKind::terminate(), StopSignal::Terminate),
            (SignalKind::hangup(), StopSignal::Hangup),
        ] {
            streams.push((signal(kind)?, which));
        }
        for (mut stream, which) in streams {
            let tx = tx.clone();
            tokio::spawn(async move {
                while stream.recv().await.is_some() {
                    // The first signal names the stop; later ones change nothing.
                    tx.send_if_modified(|current| {
                        let first = current.is_none();
                        if first {
                            *current = Some(which);
                        }
                        first
                    });
                }
            });
        }
        Ok(Self { received })
    }

    /// The signal received so far, if any.
    pub fn received(&self) -> Option<StopSignal> {
        *self.received.borrow()
    }

    /// Resolves when a stop signal arrives (at once if one already has).
    pub async fn wait(&self) -> StopSignal {
        let mut received = self.received.clone();
        loop {
            if let Some(which) = *received.borrow_and_update() {
                return which;
            }
            if received.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_follow_the_shell_convention() {
        assert_eq!(StopSignal::Interrupt.exit_status(), 130);
        assert_eq!(StopSignal::Terminate.exit_status(), 143);
        assert_eq!(StopSignal::Hangup.exit_status(), 129);
    }
}
