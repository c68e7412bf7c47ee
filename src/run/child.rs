//! The matched server as a child process: its own CPU and memory, measured from outside.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use super::RunError;

const START_TIMEOUT: Duration = Duration::from_secs(15);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub struct ServerChild {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
}

/// What the child serves: the scenario file plus the overrides that change the server.
pub struct ServeCommand<'a> {
    pub exe: &'a Path,
    pub scenario: &'a Path,
    pub seed: u64,
    pub rate: Option<f64>,
    pub max_connections: u64,
}

impl ServerChild {
    pub async fn spawn(command: &ServeCommand<'_>) -> Result<Self, RunError> {
        let mut cmd = Command::new(command.exe);
        cmd.arg("serve")
            .arg("--scenario")
            .arg(command.scenario)
            .args(["--listen", "127.0.0.1:0", "--control"])
            .args(["--seed", &command.seed.to_string()])
            .args(["--max-connections", &command.max_connections.to_string()]);
        if let Some(rate) = command.rate {
            cmd.args(["--rate", &rate.to_string()]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let start_error = |reason: String| RunError::ServerStart {
            exe: command.exe.to_owned(),
            reason,
        };
        let mut child = cmd.spawn().map_err(|e| start_error(e.to_string()))?;
        let pid = child
            .id()
            .ok_or_else(|| start_error("exited at once".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| start_error("no stdout".into()))?;
        let mut line = String::new();
        let read =
            tokio::time::timeout(START_TIMEOUT, BufReader::new(stdout).read_line(&mut line)).await;
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok());
        match (read, addr) {
            (Ok(Ok(_)), Some(addr)) => Ok(Self { child, pid, addr }),
            _ => {
                let _ = child.start_kill();
                let mut stderr = String::new();
                if let Some(mut err) = child.stderr.take() {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(2),
                        err.read_to_string(&mut stderr),
                    )
                    .await;
                }
                Err(start_error(format!(
                    "did not print its address within {}s (first line: {:?}; stderr: {})",
                    START_TIMEOUT.as_secs(),
                    line.trim(),
                    stderr.trim()
                )))
            }
        }
    }

    pub async fn get(&self, target: &str) -> Result<(u16, String), RunError> {
        request(self.addr, "GET", target).await
    }

    pub async fn post(&self, target: &str) -> Result<(u16, String), RunError> {
        request(self.addr, "POST", target).await
    }

    /// SIGTERM, then a kill if it has not exited within a few seconds.
    pub async fn stop(mut self) {
        // SAFETY: sending a signal to our own child by pid.
        unsafe {
            libc::kill(self.pid as i32, libc::SIGTERM);
        }
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// One control request to the server on its own connection (not counted as client bytes).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
) -> Result<(u16, String), RunError> {
    let failed = |reason: String| RunError::Control {
        request: format!("{method} {target}"),
        reason,
    };
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
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
pub fn server_exe(explicit: Option<&Path>) -> Result<PathBuf, RunError> {
    match explicit {
        Some(path) => Ok(path.to_owned()),
        None if std::env::var_os("WSBENCH_SERVER").is_some() => Ok(PathBuf::from(
            std::env::var_os("WSBENCH_SERVER").unwrap_or_default(),
        )),
        None => std::env::current_exe().map_err(|e| RunError::ServerStart {
            exe: PathBuf::from("wsbench"),
            reason: format!("cannot find this executable: {e}"),
        }),
    }
}
