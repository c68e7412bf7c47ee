//! `wsbench serve --processes K`: K processes share one port and publish one feed, byte for
//! byte; `/stats` names the group and a run sums it; a process that dies takes the server
//! down with a message that names it; a feed that differs per process is refused.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const WSBENCH: &str = env!("CARGO_BIN_EXE_wsbench");

struct Group {
    child: Child,
    shared: SocketAddr,
    /// (pid, own port) by process index.
    processes: Vec<(u32, u16)>,
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_group(scenario: &str, processes: usize) -> Group {
    let mut child = Command::new(WSBENCH)
        .args(["serve", "--scenario", scenario, "--listen", "127.0.0.1:0"])
        .args(["--processes", &processes.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let shared = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{first}"))
        .parse()
        .unwrap();
    let processes = (0..processes)
        .map(|index| {
            let line = lines.next().unwrap().unwrap();
            // "process 1 of 3: pid 4242, own port 40001"
            let prefix = format!("process {index} of {processes}: pid ");
            let rest = line
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{line}"));
            let (pid, port) = rest.split_once(", own port ").unwrap();
            (pid.parse().unwrap(), port.parse().unwrap())
        })
        .collect();
    Group {
        child,
        shared,
        processes,
    }
}

/// One GET on a fresh connection: the status and the body.
fn get(addr: SocketAddr, target: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head[9..12].parse().unwrap(), body.to_string())
}

fn stats(addr: SocketAddr) -> Value {
    let (status, body) = get(addr, "/stats");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn own(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn processes_publish_one_feed_byte_for_byte_and_share_the_connections() {
    let group = serve_group("ci", 3);
    let ports: Vec<u16> = group.processes.iter().map(|&(_, port)| port).collect();

    // Every process names the group; each own port is that process.
    let shared = stats(group.shared);
    assert_eq!(shared["group"]["ports"], serde_json::json!(ports));
    for (index, &port) in ports.iter().enumerate() {
        assert_eq!(stats(own(port))["group"]["index"], index, "port {port}");
    }

    // The first 20 events of each process, as the poll path answers them: the same bytes.
    let first_events = |port: u16| -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (status, body) = get(own(port), "/poll?since=0");
            if status == 200 {
                let events = wsbench::wire::poll_events(body.as_bytes()).unwrap();
                if events.len() >= 20 {
                    return events[..20].iter().map(|e| e.get().to_string()).collect();
                }
            }
            assert!(Instant::now() < deadline, "process on {port}: {body}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let feeds: Vec<_> = ports.iter().map(|&p| first_events(p)).collect();
    assert!(
        feeds[0][19].starts_with(r#"{"seq":20,"ts":"#),
        "{}",
        feeds[0][19]
    );
    assert_eq!(feeds[0], feeds[1]);
    assert_eq!(feeds[0], feeds[2]);

    // 30 connections to the shared port land on the processes: their counts sum to 30.
    let held: Vec<_> = (0..30)
        .map(|_| TcpStream::connect(group.shared).unwrap())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    let open = loop {
        // Each reading's own connection is open while it is answered.
        let open: Vec<i64> = ports
            .iter()
            .map(|&p| stats(own(p))["connections"]["open"].as_i64().unwrap() - 1)
            .collect();
        if open.iter().sum::<i64>() == 30 || Instant::now() > deadline {
            break open;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(open.iter().sum::<i64>(), 30, "{open:?}");
    // Spread by the kernel: all 30 on one of 3 processes has odds of 3 in 3^30.
    assert!(open.iter().filter(|&&n| n > 0).count() > 1, "{open:?}");
    drop(held);
}

#[test]
fn a_process_that_dies_stops_the_server_and_is_named() {
    let mut group = serve_group("ci", 2);
    let (victim, _) = group.processes[1];
    let survivor = group.processes[0].0;
    // SAFETY: a signal to a process this test started (through the group).
    unsafe {
        libc::kill(victim as i32, libc::SIGKILL);
    }
    let status = group.child.wait().unwrap();
    assert!(!status.success());
    let mut stderr = String::new();
    group
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains(&format!(
            "server process 1 (pid {victim}) was killed by signal 9 (SIGKILL); the others were \
             stopped"
        )),
        "{stderr}"
    );
    assert!(
        !std::path::Path::new(&format!("/proc/{survivor}")).exists()
            || std::fs::read_to_string(format!("/proc/{survivor}/stat"))
                .is_ok_and(|s| s.contains(") Z ")),
        "process 0 (pid {survivor}) outlived the group"
    );
}

#[test]
fn a_run_against_several_processes_sums_them() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("processes.toml");
    std::fs::write(
        &scenario,
        r#"
name = "processes"
duration = "2s"
warmup = "500ms"
transports = ["sse", "ws"]
[feed]
kind = "ticker"
rate = 20
[clients]
count = 30
ramp = "300ms"
[server]
processes = 3
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = Command::new(WSBENCH)
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--allow-saturated"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["scenario"]["server"]["processes"], 3);
    for entry in results["transports"].as_array().unwrap() {
        let transport = &entry["transport"];
        let events = &entry["events"];
        assert_eq!(events["lost"], 0, "{transport}: {events}");
        assert_eq!(
            events["delivered"], events["expected"],
            "{transport}: {events}"
        );
        // The server's bytes are the three processes' summed: within what was in flight
        // at the readings of the clients' own (every client byte was written by one).
        let check = &entry["cross_check"];
        let written = check["server_written"].as_u64().unwrap();
        let read = check["client_down"].as_u64().unwrap();
        assert!(written >= read, "{transport}: {check}");
        assert!(!entry["cpu"]["server_s"].is_null(), "{transport}: {entry}");
    }
}
