//! How the server under test failed: it did not start, died, or refused what the run asked
//! of it. The run wraps these (`TargetError::UnderTest`).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("the server {} did not start: {reason}", exe.display())]
    ServerStart { exe: PathBuf, reason: String },
    #[error(
        "{transport}: the server (pid {pid}) {status} while it was measured; its last output: {output}"
    )]
    ServerExited {
        transport: String,
        pid: u32,
        /// "exited with status 1", "was killed by signal 9 (SIGKILL)".
        status: String,
        output: String,
    },
    #[error(transparent)]
    Spec(#[from] super::TargetSpecError),
    /// A server the run starts itself (`--launch`) could not be started.
    #[error("{server} did not start: {reason}")]
    Launch { server: String, reason: String },
    /// A server we did not start failed (down, another protocol, cut connections, silent).
    #[error("target {url}, {transport}: {what}")]
    Target {
        url: String,
        transport: String,
        what: String,
    },
    #[error("request {request} to the server failed: {reason}")]
    Control { request: String, reason: String },
}
