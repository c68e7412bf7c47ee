//! websocketd, started by the run for each transport (`wsbench run --launch websocketd`):
//! `websocketd --port=PORT --address=127.0.0.1 wsbench emit`, on a free loopback port. It
//! starts one `wsbench emit` process per connection, so each connection has a publisher of
//! its own (seq from 1, the scenario's rate per connection); each records what it wrote,
//! which is how the run knows what was published. Its CPU and memory are the whole process
//! tree's: websocketd plus a process per connection.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::process::Command;

use super::child_process::ChildProcess;
use super::{Target, TargetError};
use crate::child::{describe_exit, die_with_parent};
use crate::dialect::{self, Dialect};
use crate::emit::{self, Emitted};
use crate::metrics::probe::Probes;
use crate::metrics::procfs::process_tree;
use crate::results::{TargetRecord, TransportResult};
use crate::scenario::Scenario;
use crate::transport_kind::Transport;
use crate::wire::StatsReply;

/// websocketd's stdout or stderr, read into its output tail.
type Output = Box<dyn tokio::io::AsyncRead + Unpin + Send>;

/// The name the run gives it in errors and results.
pub const NAME: &str = "websocketd";
/// How long websocketd may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Between two attempts to connect to a websocketd starting.
const CONNECT_AGAIN: Duration = Duration::from_millis(20);
/// How long the emitters may take to record what they wrote once their connections closed.
const RECORD_TIMEOUT: Duration = Duration::from_secs(5);
const STOP_GRACE: Duration = Duration::from_secs(2);

/// What starting websocketd takes: its program, and the wsbench that emits the feed.
#[derive(Debug, Clone)]
pub struct WebsocketdLaunch {
    /// `websocketd` (found on PATH) unless a caller names another.
    pub program: PathBuf,
    /// The executable whose `emit` command websocketd runs per connection.
    pub emitter: PathBuf,
}

impl WebsocketdLaunch {
    /// Why it does not serve `transport`, if it does not: said once in the results, not an
    /// error (its dialect has a path for WebSocket alone).
    pub fn not_served(&self, transport: Transport) -> Option<String> {
        dialect::Websocketd
            .path(transport)
            .is_none()
            .then(|| format!("{transport}: not served: websocketd serves WebSocket only (ws)"))
    }

    /// What results say of it: the command, with the port and paths chosen per transport
    /// left as words.
    pub fn record(&self) -> TargetRecord {
        TargetRecord {
            url: "http://127.0.0.1".into(),
            dialect: dialect::Websocketd.name().into(),
            pid: None,
            launched: Some(format!(
                "{} --port=PORT --address=127.0.0.1 --loglevel=error {} emit --resolved FILE \
                 --record DIR",
                self.program.display(),
                self.emitter.display()
            )),
        }
    }
}

pub struct Websocketd {
    pid: u32,
    addr: SocketAddr,
    process: ChildProcess,
    /// Where the scenario is handed to the emitters and where they record what they wrote.
    records: PathBuf,
}

fn launch_failed(reason: impl Into<String>) -> TargetError {
    TargetError::Launch {
        server: NAME.into(),
        reason: reason.into(),
    }
}

impl Websocketd {
    fn failed(&self, transport: impl ToString, what: impl Into<String>) -> TargetError {
        TargetError::Target {
            url: format!("{NAME} at http://{}", self.addr),
            transport: transport.to_string(),
            what: what.into(),
        }
    }

    async fn spawn(launch: &WebsocketdLaunch, scenario: &Scenario) -> Result<Self, TargetError> {
        if let Some(error) = emit::unsupported(&scenario.feed) {
            return Err(launch_failed(error.to_string()));
        }
        let records = records_dir().map_err(|e| launch_failed(e.to_string()))?;
        let resolved = records.join("scenario.json");
        let json = serde_json::to_vec(scenario)
            .map_err(|e| launch_failed(format!("cannot serialise the scenario: {e}")))?;
        std::fs::write(&resolved, json)
            .map_err(|e| launch_failed(format!("cannot write {}: {e}", resolved.display())))?;
        let port = free_port().map_err(|e| launch_failed(format!("no free port: {e}")))?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut cmd = Command::new(&launch.program);
        cmd.arg(format!("--port={port}"))
            .arg("--address=127.0.0.1")
            // Its access log would be a line per connection on a pipe nobody needs.
            .arg("--loglevel=error")
            .arg(&launch.emitter)
            .args(["emit", "--resolved"])
            .arg(&resolved)
            .arg("--record")
            .arg(&records)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, which its emitters join: stopped together at the end.
            .process_group(0)
            .kill_on_drop(true);
        let parent = std::process::id();
        // SAFETY: between fork and exec only async-signal-safe calls (prctl, getppid).
        unsafe {
            cmd.pre_exec(move || die_with_parent(parent));
        }
        let mut child = cmd.spawn().map_err(|e| {
            let _ = std::fs::remove_dir_all(&records);
            launch_failed(match e.kind() {
                std::io::ErrorKind::NotFound => format!(
                    "`{}` is not installed (not found on PATH); scripts/setup.sh installs \
                     Debian's websocketd",
                    launch.program.display()
                ),
                _ => format!("cannot run `{}`: {e}", launch.program.display()),
            })
        })?;
        let pid = child.id().ok_or_else(|| launch_failed("exited at once"))?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let process = ChildProcess::watch(child, pid);
        for stream in [
            stdout.map(|s| Box::new(s) as Output),
            stderr.map(|s| Box::new(s) as Output),
        ]
        .into_iter()
        .flatten()
        {
            process.output.collect(stream);
        }
        let server = Self {
            pid,
            addr,
            process,
            records,
        };
        match server.accepting().await {
            Ok(()) => Ok(server),
            Err(reason) => {
                server.stop().await;
                Err(launch_failed(reason))
            }
        }
    }

    /// Waits until websocketd accepts connections, or says why it does not.
    async fn accepting(&self) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            if let Some(status) = self.process.exit_status() {
                self.process.output.settle().await;
                return Err(format!(
                    "{} before it accepted connections on {}; its output: {}",
                    describe_exit(&status),
                    self.addr,
                    self.process.output.text()
                ));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "did not accept connections on {} within {} s; its output: {}",
                    self.addr,
                    START_TIMEOUT.as_secs(),
                    self.process.output.text()
                ));
            }
            tokio::time::sleep(CONNECT_AGAIN).await;
        }
    }
}

/// A directory of its own under the system's temporary one, for one transport's run.
fn records_dir() -> std::io::Result<PathBuf> {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wsbench-websocketd-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Relaxed)
    ));
    // A directory left by a run killed with this pid and count is stale.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A loopback port nothing listens on now (websocketd cannot take port 0 and say which).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

impl Target for Websocketd {
    type Launch = WebsocketdLaunch;

    async fn start(launch: &WebsocketdLaunch, scenario: &Scenario) -> Result<Self, TargetError> {
        Self::spawn(launch, scenario).await
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &dialect::Websocketd
    }

    fn probes(&self) -> Probes {
        Probes::process_tree(self.pid)
    }

    fn external(&self) -> bool {
        true
    }

    async fn check(&self, transport: Transport) -> Result<(), TargetError> {
        let path = self
            .dialect()
            .path(transport)
            .ok_or_else(|| self.failed(transport, "serves WebSocket only"))?;
        super::preflight::first_event(self.addr, path, self.dialect(), transport, false)
            .await
            .map_err(|what| self.failed(transport, what))
    }

    fn judge(&self, result: &TransportResult) -> Result<(), TargetError> {
        match super::external::failure(result, false) {
            Some(what) => Err(self.failed(result.transport, what)),
            None => Ok(()),
        }
    }

    /// Each emitter's window is the events' `ts`: nothing to mark.
    async fn mark_window_start(&self, _at_ns: u64) -> Result<(), TargetError> {
        Ok(())
    }

    /// Each connection's emitter publishes until its connection closes; what it writes after
    /// the window is not counted.
    async fn stop_publishing(&self) -> Result<(), TargetError> {
        Ok(())
    }

    /// No wsbench `/stats`: what was published is each connection's (`emitted`).
    async fn stats(&self, _from_ns: u64, _to_ns: u64) -> Result<StatsReply, TargetError> {
        Ok(StatsReply::default())
    }

    async fn final_state(
        &self,
        _key_field: Option<&str>,
    ) -> Result<HashMap<String, u64>, TargetError> {
        Ok(HashMap::new())
    }

    /// Once the clients closed their connections, websocketd closes each emitter's stdin
    /// and the emitter records what it wrote and exits: the records are whole when only
    /// websocketd is left of the tree.
    async fn emitted(&self, from_ns: u64, to_ns: u64) -> Result<Option<Emitted>, TargetError> {
        let deadline = tokio::time::Instant::now() + RECORD_TIMEOUT;
        loop {
            let alive = process_tree(self.pid).len().saturating_sub(1);
            if alive == 0 {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(self.failed(
                    "stats",
                    format!(
                        "{alive} emitter processes were still running {} s after their \
                         connections closed, so what they published is not known",
                        RECORD_TIMEOUT.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        emit::emitted(&self.records, from_ns, to_ns)
            .map(Some)
            .map_err(|e| self.failed("stats", e.to_string()))
    }

    async fn died(&self, transport: &str) -> TargetError {
        let status = self.process.exited().await;
        self.process.output.settle().await;
        self.failed(
            transport,
            format!(
                "{NAME} (pid {}) {} while it was measured; its output: {}",
                self.pid,
                describe_exit(&status),
                self.process.output.text()
            ),
        )
    }

    /// Stops websocketd and every emitter it started (the whole group), and removes the
    /// records.
    async fn stop(self) {
        self.process.signal_group(libc::SIGTERM);
        if tokio::time::timeout(STOP_GRACE, self.process.exited())
            .await
            .is_err()
        {
            self.process.signal_group(libc::SIGKILL);
            let _ = tokio::time::timeout(Duration::from_secs(1), self.process.exited()).await;
        }
        // Emitters that outlived websocketd (their stdin still open) end with the group.
        self.process.signal_group(libc::SIGKILL);
        let _ = std::fs::remove_dir_all(&self.records);
    }
}
