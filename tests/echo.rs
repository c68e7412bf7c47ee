//! `kind = "echo"`: each client sends its own numbered messages on its WebSocket and the
//! server sends each back to it alone; latency is the round trip. Run end to end against the
//! matched server (`/ws` and `/ws-deflate` echo) and against pywebsocket3's standalone server
//! with the echo handler this project ships (installed by the setup step, scripts/setup.sh, into the
//! venv under target/external/, started on a free loopback port). A pywebsocket3 that is not
//! installed or does not start fails its test with the reason.

#[path = "common/third_party.rs"]
mod third_party;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use third_party::{require, root, targets_dir};

/// Few clients, a short window: every message sent in it must come back exactly once.
const SCENARIO: &str = r#"
name = "echo-test"
duration = "2s"
warmup = "1s"
transports = ["ws", "ws-deflate"]
[feed]
kind = "echo"
send_rate = 20
pad_bytes = 200
[clients]
count = 4
ramp = "200ms"
headers = "minimal"
"#;

/// `wsbench run SCENARIO args...` with SCENARIO written into `dir`, bounded.
fn run(dir: &Path, scenario: &str, args: &[&str]) -> Output {
    let file = dir.join("echo.toml");
    std::fs::write(&file, scenario).unwrap();
    Command::new("timeout")
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_wsbench"))
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--allow-saturated", "--out"])
        .arg(dir.join("out"))
        .args(args)
        .env("WSBENCH_CALIBRATION", "off")
        .output()
        .unwrap()
}

/// The run's results.json, valid against docs/results.schema.json.
fn results(dir: &Path) -> Value {
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/results.json")).unwrap())
            .unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/results.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&results)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    results
}

/// Every message a client sent in the window came back to it once, in order; the figures
/// say it is a round trip and split the bytes each way.
fn assert_every_message_echoed_once(entry: &Value) {
    let name = &entry["transport"];
    let events = &entry["events"];
    let up = &entry["upstream"];
    assert_eq!(events["published_source"], "clients", "{name}: {events}");
    let sent = up["sent"].as_u64().unwrap();
    // 4 clients at 20 messages/s for 2 s.
    assert!(sent > 0, "{name}: {up}");
    assert_eq!(events["published"].as_u64(), Some(sent), "{name}: {events}");
    assert_eq!(events["expected"].as_u64(), Some(sent), "{name}: {events}");
    assert_eq!(events["delivered"].as_u64(), Some(sent), "{name}: {events}");
    for figure in ["lost", "unread_at_stop", "duplicated", "out_of_order"] {
        assert_eq!(events[figure], 0, "{name} {figure}: {events}");
    }
    assert_eq!(up["round_trip"], true, "{name}: {up}");
    assert_eq!(up["deliveries_per_message"], 1.0, "{name}: {up}");
    assert_eq!(entry["latency_us"]["count"].as_u64(), Some(sent), "{name}");
    let (bytes_up, bytes_down) = (
        entry["bytes"]["up"].as_u64().unwrap(),
        entry["bytes"]["down"].as_u64().unwrap(),
    );
    // Each message is at least its 200 bytes of padding each way, plus its frame.
    assert!(
        bytes_up >= sent * 206,
        "{name}: {bytes_up} bytes up for {sent}"
    );
    let per_up = up["bytes_up_per_message"].as_f64().unwrap();
    assert_eq!(per_up, bytes_up as f64 / sent as f64, "{name}");
    let per_down = up["bytes_down_per_delivery"].as_f64().unwrap();
    assert_eq!(per_down, bytes_down as f64 / sent as f64, "{name}");
    assert_eq!(entry["errors"]["protocol"], 0, "{name}");
    assert_eq!(entry["errors"]["disconnect"], 0, "{name}");
}

#[test]
fn the_matched_server_echoes_every_message_once_over_ws_and_ws_deflate() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), SCENARIO, &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results = results(dir.path());
    assert_eq!(results["scenario"]["feed"]["kind"], "echo");
    let entries = results["transports"].as_array().unwrap();
    let names: Vec<&str> = entries
        .iter()
        .map(|t| t["transport"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ws", "ws-deflate"]);
    for entry in entries {
        assert_every_message_echoed_once(entry);
        // The matched server counts each echo as a message it took and sent back.
        let up = &entry["upstream"];
        assert!(up["server_published"].as_u64().unwrap() >= up["sent"].as_u64().unwrap());
        assert_eq!(up["server_refused"], 0);
    }
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(report.contains("## Echo: round trips"), "{report}");
    assert!(report.contains("ROUND TRIP"), "{report}");
}

#[test]
fn an_echo_over_a_transport_that_cannot_echo_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), SCENARIO, &["--transports", "ws,sse"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--transports")
            && stderr.contains("feed kind `echo` runs over ws, ws-deflate only")
            && stderr.contains("`sse` does not apply"),
        "{stderr}"
    );
    let listed = SCENARIO.replace(r#"["ws", "ws-deflate"]"#, r#"["ws", "poll"]"#);
    let output = run(dir.path(), &listed, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("echo.toml:5:") && stderr.contains("`poll` does not apply"),
        "{stderr}"
    );
}

/// pywebsocket3's standalone server, killed when the test ends however it ends.
struct Pywebsocket3 {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Pywebsocket3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Pywebsocket3 {
    /// Installs it (bounded), starts it on a free loopback port with the shipped echo
    /// handler, and waits (bounded) until it accepts connections.
    fn start(dir: &Path) -> Self {
        require("pywebsocket3");
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let log = dir.join("pywebsocket3.log");
        let child = Command::new(targets_dir().join("venv/bin/python"))
            .args(["-m", "pywebsocket3.standalone", "-H", "127.0.0.1"])
            .args([
                "-p",
                &port.to_string(),
                "-w",
                "scripts/targets/pywebsocket3",
            ])
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start pywebsocket3: {e}"));
        let server = Self { child, addr, log };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "pywebsocket3 did not listen on {addr} within 20 s; log: {}",
                std::fs::read_to_string(&server.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

#[test]
fn pywebsocket3_echoes_every_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Pywebsocket3::start(dir.path());
    let url = format!("http://{}", server.addr);
    let pid = server.child.id().to_string();
    let scenario = SCENARIO.replace(r#"["ws", "ws-deflate"]"#, r#"["ws"]"#);
    let output = run(
        dir.path(),
        &scenario,
        &[
            "--target",
            &url,
            "--dialect",
            "pywebsocket3",
            "--target-pid",
            &pid,
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\npywebsocket3 log: {}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(&server.log).unwrap_or_default()
    );
    let results = results(dir.path());
    assert_eq!(results["target"]["dialect"], "pywebsocket3");
    let entries = results["transports"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_every_message_echoed_once(entry);
    // Its process, named by --target-pid, is measured; its own counters are not read.
    assert!(entry["cpu"]["server_s"].is_number(), "{}", entry["cpu"]);
    assert_eq!(entry["upstream"]["server_published"], Value::Null);
}
