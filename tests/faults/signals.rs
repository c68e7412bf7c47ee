//! Fault injection through the real binary: stop signals to `wsbench run`, a killed run, a
//! killed server child. Each checks what the user is promised: the exit status, the results
//! written so far (`"complete": false`) with their report, and no server left behind.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WSBENCH: &str = env!("CARGO_BIN_EXE_wsbench");

/// Two short transports: the signal comes once the first is written, during the second.
const SCENARIO: &str = r#"
name = "faults"
duration = "2s"
warmup = "0s"
drain = "500ms"
transports = ["sse", "ws"]
[feed]
kind = "ticker"
rate = 20
[clients]
count = 2
ramp = "100ms"
"#;

/// Bounds on waiting, so that a broken run fails the test instead of hanging it.
const DEADLINE: Duration = Duration::from_secs(60);

struct Run {
    child: Child,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl Run {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("faults.toml");
        std::fs::write(&scenario, SCENARIO).unwrap();
        let out = dir.path().join("out");
        let child = Command::new(WSBENCH)
            .env_remove("WSBENCH_SERVER")
            .env("WSBENCH_CALIBRATION", "off")
            .args(["run", "--quiet", "--out"])
            .arg(&out)
            .arg(&scenario)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Self {
            child,
            out,
            _dir: dir,
        }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn results(&self) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.out.join("results.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    fn transports_written(&self) -> usize {
        self.results()
            .and_then(|r| r["transports"].as_array().map(Vec::len))
            .unwrap_or(0)
    }

    /// Waits until the first transport is written and the second one's server is up.
    fn wait_for_second_server(&self) -> i32 {
        wait_until("the first transport's results", || {
            (self.transports_written() == 1).then_some(())
        });
        let server = wait_until("the second server child", || {
            live_children(self.pid()).first().copied()
        });
        // Past its start-up: the server is serving and the clients are measuring.
        std::thread::sleep(Duration::from_millis(700));
        server
    }

    /// Waits for the run to exit; its status code and stderr.
    fn finish(mut self) -> (Option<i32>, String, Self) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("wsbench run did not exit within {DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            use std::io::Read;
            pipe.read_to_string(&mut stderr).unwrap();
        }
        (status.code(), stderr, self)
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "waited {DEADLINE:?} for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `(state, parent pid)` of a process, from /proc/PID/stat.
fn proc_stat(pid: i32) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: read after the last `)`.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

/// A process that exists and is not a zombie (an exited one awaiting its reaper).
fn alive(pid: i32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| state != 'Z')
}

fn live_children(parent: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&pid| proc_stat(pid).is_some_and(|(state, ppid)| ppid == parent && state != 'Z'))
        .collect()
}

fn send(pid: i32, signal: i32) {
    // SAFETY: signalling a process this test started.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

/// The run stopped early and kept what it measured: results and report.
fn assert_kept_first_transport(out: &Path, results: &serde_json::Value) {
    assert_eq!(results["complete"], false);
    let transports = results["transports"].as_array().unwrap();
    assert_eq!(transports.len(), 1, "{results}");
    assert_eq!(transports[0]["transport"], "sse");
    assert!(out.join("sse.hlog").exists());
    assert!(out.join("report.md").exists(), "report.md written");
    assert!(out.join("report.html").exists(), "report.html written");
}

fn stop_signal_is_handled_like_ctrl_c(signal: i32, status: i32, name: &str) {
    let run = Run::start();
    let server = run.wait_for_second_server();
    send(run.pid(), signal);
    let (code, stderr, run) = run.finish();
    assert_eq!(code, Some(status), "{stderr}");
    assert!(stderr.contains(&format!("stopped by {name}")), "{stderr}");
    assert!(!alive(server), "the server child {server} outlived the run");
    let results = run.results().expect("results.json parses");
    assert_kept_first_transport(&run.out, &results);
    let warnings = results["warnings"].to_string();
    assert!(warnings.contains(name), "{warnings}");
}

#[test]
fn sigterm_stops_the_run_keeps_results_and_exits_143() {
    stop_signal_is_handled_like_ctrl_c(libc::SIGTERM, 143, "SIGTERM");
}

#[test]
fn sighup_stops_the_run_keeps_results_and_exits_129() {
    stop_signal_is_handled_like_ctrl_c(libc::SIGHUP, 129, "SIGHUP");
}

#[test]
fn sigint_stops_the_run_keeps_results_and_exits_130() {
    stop_signal_is_handled_like_ctrl_c(libc::SIGINT, 130, "SIGINT");
}

#[test]
fn a_killed_run_takes_its_server_child_with_it() {
    let run = Run::start();
    let server = wait_until("a server child", || {
        live_children(run.pid()).first().copied()
    });
    send(run.pid(), libc::SIGKILL);
    let (code, _, _run) = run.finish();
    assert_eq!(code, None, "killed by a signal");
    // The kernel kills the child as its parent dies (PR_SET_PDEATHSIG); a second is ample.
    let killed = Instant::now();
    while alive(server) && killed.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !alive(server),
        "server {server} still running a second after its run was killed"
    );
}

#[test]
fn a_server_that_dies_is_named_and_the_finished_transports_are_kept() {
    let run = Run::start();
    let server = run.wait_for_second_server();
    send(server, libc::SIGKILL);
    let (code, stderr, run) = run.finish();
    assert_eq!(code, Some(3), "{stderr}");
    let expected = format!("ws: the server (pid {server}) was killed by signal 9 (SIGKILL)");
    assert!(stderr.contains(&expected), "{stderr}");
    let results = run.results().expect("results.json parses");
    assert_kept_first_transport(&run.out, &results);
    assert!(results["warnings"].to_string().contains(&expected));
}
