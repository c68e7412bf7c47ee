//! The matched server as a child process: its own CPU and memory, measured from outside.
//! The target `wsbench run` measures by default.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Command;

use super::child_process::ChildProcess;
use super::{Target, TargetError};
use crate::child::{describe_exit, die_with_parent};
use crate::dialect::{Dialect, Wsbench};
use crate::metrics::probe::Probes;
use crate::scenario::Scenario;
use crate::server::ControlToken;
use crate::server::control::Handover;
use crate::wire::StatsReply;

const START_TIMEOUT: Duration = Duration::from_secs(15);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stopped server may take to close its connections before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

pub struct MatchedServer {
    pub pid: u32,
    pub addr: SocketAddr,
    /// This run's secret for the server's control plane, handed over on its stdin.
    token: ControlToken,
    /// A server of several processes: each one's own address (the window is marked and
    /// the feed stopped in each); empty for one process.
    members: Vec<SocketAddr>,
    process: ChildProcess,
}

impl MatchedServer {
    /// Starts `exe serve` with `scenario` handed over as data (JSON on its stdin), so that
    /// the child serves exactly what the run measures.
    pub async fn spawn(exe: &Path, scenario: &Scenario) -> Result<Self, TargetError> {
        let mut served = scenario.clone();
        // Room for every client and then some, not the scenario's cap of 100,000 sockets.
        served.server.max_connections = served
            .server
            .max_connections
            .min(served.clients.count + 1024);
        let start_error = |reason: String| TargetError::ServerStart {
            exe: exe.to_owned(),
            reason,
        };
        let token = ControlToken::generate().map_err(|e| start_error(e.to_string()))?;
        let handover = Handover {
            scenario: &served,
            control_token: Some(token.as_str().to_string()),
        };
        let resolved = serde_json::to_vec(&handover)
            .map_err(|e| start_error(format!("cannot serialise the scenario: {e}")))?;
        let mut cmd = Command::new(exe);
        cmd.args([
            "serve",
            "--resolved",
            "--listen",
            "127.0.0.1:0",
            "--control",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A terminal's Ctrl-C goes to the run alone, which stops its child in order.
        .process_group(0)
        .kill_on_drop(true);
        let parent = std::process::id();
        let cpus = scenario
            .cpus
            .as_ref()
            .map(|placement| crate::placement::cpu_set(&placement.server));
        // SAFETY: between fork and exec only async-signal-safe calls (prctl, getppid,
        // sched_setaffinity).
        unsafe {
            cmd.pre_exec(move || {
                if let Some(cpus) = &cpus {
                    crate::placement::pin_current_thread(cpus)?;
                }
                die_with_parent(parent)
            });
        }
        let mut child = cmd.spawn().map_err(|e| start_error(e.to_string()))?;
        let pid = child
            .id()
            .ok_or_else(|| start_error("exited at once".into()))?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(start_error("no stdin, stdout or stderr".into()));
        };
        // Closed once written: the child reads the handover to its end. The token travels
        // on a pipe only the two processes hold, never on a command line others can read.
        let handed_over = stdin.write_all(&resolved).await;
        drop(stdin);
        let process = ChildProcess::watch(child, pid);
        process.output.collect(stderr);
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = tokio::time::timeout(START_TIMEOUT, stdout.read_line(&mut line)).await;
        process.output.collect(stdout);
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok());
        let mut server = Self {
            pid,
            token,
            addr: addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
            members: Vec::new(),
            process,
        };
        match (read, addr) {
            (Ok(Ok(_)), Some(_)) if handed_over.is_ok() => {
                if scenario.server.processes > 1 {
                    let (_, reply) = super::group::stats(server.addr, "/stats").await?;
                    server.members = super::group::members(server.addr, &reply);
                }
                Ok(server)
            }
            _ => {
                server.process.kill();
                let status =
                    tokio::time::timeout(Duration::from_secs(2), server.process.exited()).await;
                server.process.output.settle().await;
                Err(start_error(format!(
                    "did not print its address within {}s (first line: {:?}; {}; output: {})",
                    START_TIMEOUT.as_secs(),
                    line.trim(),
                    status.map_or("still running".into(), |s| describe_exit(&s)),
                    server.process.output.text()
                )))
            }
        }
    }

    /// A control request with this run's token, to every process of the server; an answer
    /// other than 200 (or `also_ok`) is an error that names it.
    async fn post(&self, target: &str, also_ok: Option<u16>) -> Result<(), TargetError> {
        let authorization = format!("Authorization: {}\r\n", self.token.header_value());
        let (status, body) =
            super::group::post_all(self.addr, &self.members, target, &authorization).await?;
        match status {
            200 => Ok(()),
            status if Some(status) == also_ok => Ok(()),
            status => Err(TargetError::Control {
                request: format!("POST {target}"),
                reason: format!("answered {status}: {}", body.trim()),
            }),
        }
    }
}

impl Target for MatchedServer {
    type Launch = Path;

    async fn start(exe: &Path, scenario: &Scenario) -> Result<Self, TargetError> {
        Self::spawn(exe, scenario).await
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &Wsbench
    }

    /// Our child: every probe can read it (a server of several processes: the one that
    /// started them and they, summed).
    fn probes(&self) -> Probes {
        match self.members.is_empty() {
            true => Probes::local_server(self.pid),
            false => Probes::local_group(self.pid),
        }
    }

    /// A 410 (the instant is older than the server keeps) leaves the window uncounted,
    /// which its figures then say, rather than failing the entry.
    async fn mark_window_start(&self, at_ns: u64) -> Result<(), TargetError> {
        self.post(&format!("/control/mark?at_ns={at_ns}"), Some(410))
            .await
    }

    async fn stop_publishing(&self) -> Result<(), TargetError> {
        self.post("/control/stop", None).await
    }

    async fn stats(&self, from_ns: u64, to_ns: u64) -> Result<StatsReply, TargetError> {
        let target = format!("/stats?from_ns={from_ns}&to_ns={to_ns}");
        super::group::stats(self.addr, &target)
            .await
            .map(|(_, reply)| reply)
    }

    /// The latest seq per key, from `GET /poll` (the whole state).
    async fn final_state(
        &self,
        key_field: Option<&str>,
    ) -> Result<HashMap<String, u64>, TargetError> {
        read_final_state(self.addr, &Wsbench, key_field).await
    }

    async fn died(&self, transport: &str) -> TargetError {
        let status = self.process.exited().await;
        self.process.output.settle().await;
        TargetError::ServerExited {
            transport: transport.to_string(),
            pid: self.pid,
            status: describe_exit(&status),
            output: self.process.output.text(),
        }
    }

    async fn stop(self) {
        self.process.terminate(STOP_GRACE).await;
    }
}

/// The latest seq per key, from the dialect's state path (the whole state); empty when it
/// has none or answers anything but 200.
pub async fn read_final_state(
    addr: SocketAddr,
    dialect: &dyn Dialect,
    key_field: Option<&str>,
) -> Result<HashMap<String, u64>, TargetError> {
    let mut state = HashMap::new();
    let Some(path) = dialect.state_path() else {
        return Ok(state);
    };
    let (status, body) = request(addr, "GET", path).await?;
    if status != 200 {
        return Ok(state);
    }
    let bad = |reason: String| TargetError::Control {
        request: format!("GET {path}"),
        reason,
    };
    for event in dialect.poll_events(body.as_bytes()).map_err(bad)? {
        let head = dialect
            .event_head(event.get().as_bytes(), key_field)
            .map_err(bad)?;
        if let Some(key) = head.key {
            state.insert(key, head.seq);
        }
    }
    Ok(state)
}

/// One control request to the server on its own connection (not counted as client bytes).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
) -> Result<(u16, String), TargetError> {
    request_with(addr, method, target, "").await
}

/// `request` with more header lines (each ending in CRLF).
pub async fn request_with(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &str,
) -> Result<(u16, String), TargetError> {
    let failed = |reason: String| TargetError::Control {
        request: format!("{method} {target}"),
        reason,
    };
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| failed("timed out".into()))?
        .map_err(|e| failed(e.to_string()))?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| failed("no header block".into()))?;
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| failed(format!("bad status line {:?}", head.lines().next())))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// The executable that serves: the one a caller (a test) names, else `$WSBENCH_SERVER`
/// (another build of wsbench), else this one.
pub fn server_exe(explicit: Option<&Path>) -> Result<PathBuf, TargetError> {
    match explicit {
        Some(path) => Ok(path.to_owned()),
        None if std::env::var_os("WSBENCH_SERVER").is_some() => Ok(PathBuf::from(
            std::env::var_os("WSBENCH_SERVER").unwrap_or_default(),
        )),
        None => std::env::current_exe().map_err(|e| TargetError::ServerStart {
            exe: PathBuf::from("wsbench"),
            reason: format!("cannot find this executable: {e}"),
        }),
    }
}
