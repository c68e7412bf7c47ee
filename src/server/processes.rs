//! `wsbench serve --processes K`: one server made of K processes. Each is a `wsbench serve`
//! of its own (its runtime, its hub, its open-files limit) listening on the shared port with
//! `SO_REUSEPORT`, so that the kernel spreads connections over them, and on a port of its
//! own. All publish the scenario's feed from one wall-clock start instant, so they publish
//! the same events with the same `seq`, `ts` and bytes, and a client sees one feed
//! whichever process accepted it. `/stats` on any process names the group's own ports,
//! where a reader (the runner) reads each process and sums them (`wire::sum_group`).
//!
//! This process starts them, says where they listen once all do, and stops them: when it
//! is told to, or when one of them exits (a server with a process missing is not the
//! server measured).

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::child::{describe_exit, die_with_parent};
use crate::feed::wall_clock_ns;

/// How far ahead of now the processes' feed starts: room for K processes to start and
/// bind before their first interval begins.
const FEED_START_AHEAD: Duration = Duration::from_secs(1);
/// How long a process may take to say it listens.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long stopped processes may take to close their connections before they are killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("cannot reserve {addr} for the server's processes: {error}")]
    Reserve {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("cannot start server process {index}: {reason}")]
    Start { index: u32, reason: String },
    #[error("server process {index} (pid {pid}) {status}; the others were stopped")]
    Exited {
        index: u32,
        pid: u32,
        status: String,
    },
}

/// What the group serves: the handover (the resolved scenario and the control token) as
/// JSON, handed to every process on stdin.
pub struct GroupPlan<'a> {
    pub exe: &'a Path,
    pub handover_json: &'a [u8],
    pub listen: SocketAddr,
    pub control: bool,
    pub processes: u32,
}

struct Process {
    index: u32,
    pid: u32,
    child: Child,
}

/// Starts the processes, prints `listening on http://ADDR` once all listen, and serves
/// until `stop` resolves (then stops them) or one of them exits (an error).
pub async fn serve(
    plan: &GroupPlan<'_>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), GroupError> {
    let reserve = |addr: SocketAddr| {
        super::reserve(addr, true).map_err(|error| GroupError::Reserve { addr, error })
    };
    // Held, not listening, until every process has bound: the ports stay ours meanwhile.
    let shared = reserve(plan.listen)?;
    let shared_addr = shared.local_addr().map_err(|error| GroupError::Reserve {
        addr: plan.listen,
        error,
    })?;
    let own: Vec<_> = (0..plan.processes)
        .map(|_| reserve(SocketAddr::new(plan.listen.ip(), 0)))
        .collect::<Result<_, _>>()?;
    let ports: Vec<u16> = own
        .iter()
        .map(|s| s.local_addr().map_or(0, |a| a.port()))
        .collect();
    let feed_start_ns = wall_clock_ns() + FEED_START_AHEAD.as_nanos() as u64;
    let mut processes = Vec::new();
    for index in 0..plan.processes {
        match start(plan, index, shared_addr, &ports, feed_start_ns).await {
            Ok(process) => processes.push(process),
            Err(error) => {
                stop_all(&mut processes).await;
                return Err(error);
            }
        }
    }
    drop((shared, own));
    println!("listening on http://{shared_addr}");
    for p in &processes {
        println!(
            "process {} of {}: pid {}, own port {}",
            p.index, plan.processes, p.pid, ports[p.index as usize]
        );
    }
    std::io::stdout().flush().ok();
    let exited = async {
        let waits = processes.iter_mut().map(|p| {
            Box::pin(async move {
                let status = p.child.wait().await;
                (p.index, p.pid, status)
            })
        });
        futures_util::future::select_all(waits).await.0
    };
    let outcome = tokio::select! {
        () = stop => Ok(()),
        (index, pid, status) = exited => Err(GroupError::Exited {
            index,
            pid,
            status: status.map_or_else(|e| format!("could not be waited for: {e}"), |s| describe_exit(&s)),
        }),
    };
    stop_all(&mut processes).await;
    outcome
}

async fn start(
    plan: &GroupPlan<'_>,
    index: u32,
    shared: SocketAddr,
    ports: &[u16],
    feed_start_ns: u64,
) -> Result<Process, GroupError> {
    let failed = |reason: String| GroupError::Start { index, reason };
    let ports_arg = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut cmd = Command::new(plan.exe);
    cmd.args(["serve", "--resolved", "--listen", &shared.to_string()])
        .args(["--member", &index.to_string(), "--member-ports", &ports_arg])
        .args(["--feed-start-ns", &feed_start_ns.to_string()])
        .args(plan.control.then_some("--control"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let parent = std::process::id();
    // SAFETY: between fork and exec only async-signal-safe calls (prctl, getppid).
    unsafe {
        cmd.pre_exec(move || die_with_parent(parent));
    }
    let mut child = cmd.spawn().map_err(|e| failed(e.to_string()))?;
    let pid = child.id().ok_or_else(|| failed("exited at once".into()))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(failed("no stdin or stdout".into()));
    };
    let handed_over = stdin.write_all(plan.handover_json).await;
    drop(stdin);
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(START_TIMEOUT, lines.next_line()).await;
    let listening = matches!(&first, Ok(Ok(Some(line))) if line.starts_with("listening on "));
    if !listening || handed_over.is_err() {
        let _ = child.start_kill();
        let status = child
            .wait()
            .await
            .map_or("not waited for".into(), |s| describe_exit(&s));
        return Err(failed(format!(
            "it did not say it listens within {} s (its first line: {first:?}; it {status})",
            START_TIMEOUT.as_secs()
        )));
    }
    // Whatever else it prints goes where ours goes.
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            println!("{line}");
        }
    });
    Ok(Process { index, pid, child })
}

/// SIGTERM to every process still running, then SIGKILL to those that outlive the grace.
async fn stop_all(processes: &mut [Process]) {
    for p in processes.iter() {
        // `id()` is `None` once the child was reaped: its pid may be another's by now.
        if let Some(pid) = p.child.id() {
            // SAFETY: a signal to our own child, not yet reaped.
            unsafe {
                libc::kill(pid as i32, libc::SIGTERM);
            }
        }
    }
    for p in processes.iter_mut() {
        if tokio::time::timeout(STOP_GRACE, p.child.wait())
            .await
            .is_err()
        {
            let _ = p.child.kill().await;
        }
    }
}
