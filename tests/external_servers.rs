//! `wsbench run --target` against servers we did not write, each speaking the wsbench
//! protocol: Tornado (scripts/tornado_server.py) and Node's `ws` with a plain `http` server
//! (scripts/node_server.mjs). Each is installed by the setup step, scripts/setup.sh (a venv and
//! an npm prefix under target/external/), started on a free loopback port, and measured over
//! all four transports. A server that is not installed or does not start fails its test with
//! the reason; it never passes silently.

#[path = "common/third_party.rs"]
mod third_party;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use third_party::{require, root, targets_dir};

const SCENARIO: &str = r#"
name = "external"
duration = "2s"
warmup = "1s"
transports = ["poll", "longpoll", "sse", "ws"]
[feed]
kind = "ticker"
rate = 20
[clients]
count = 10
ramp = "200ms"
[transport.poll]
interval = "500ms"
"#;

/// A target server child, killed when the test ends however it ends.
struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program args` and waits (bounded) for its `listening on http://ADDR` line.
fn start(mut command: Command, dir: &Path) -> Server {
    let log = dir.join("server.log");
    let mut child = command
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let mut server = Server {
        child,
        url: String::new(),
        log,
    };
    let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
    match line.trim().strip_prefix("listening on ") {
        Some(url) => server.url = url.to_string(),
        None => panic!(
            "{command:?} did not print its address (first line {line:?}; log: {})",
            std::fs::read_to_string(&server.log).unwrap_or_default()
        ),
    }
    server
}

/// Runs the scenario against `server` with its pid, bounded; the results record.
fn measure(server: &Server, dir: &Path) -> Value {
    let scenario = dir.join("external.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.join("out");
    let output = Command::new("timeout")
        .arg("180")
        .arg(env!("CARGO_BIN_EXE_wsbench"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "--allow-saturated",
        ])
        .args(["--target", &server.url])
        .args(["--target-pid", &server.child.id().to_string()])
        .arg("--out")
        .arg(&out)
        .env("WSBENCH_CALIBRATION", "off")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\nserver log: {}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(&server.log).unwrap_or_default()
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap()
}

/// Every transport delivered every window event it published to every client, once and
/// in order, counted by the target's own /stats window; bytes and the process's figures
/// are there and add up.
fn assert_sound(results: &Value, server: &Server) {
    assert_eq!(results["complete"], true);
    assert_eq!(results["target"]["url"], server.url.as_str());
    assert_eq!(results["target"]["pid"], server.child.id());
    let names: Vec<&str> = results["transports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["transport"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["poll", "longpoll", "sse", "ws"]);
    for entry in results["transports"].as_array().unwrap() {
        let name = &entry["transport"];
        let events = &entry["events"];
        assert_eq!(
            events["published_source"], "target_stats",
            "{name}: {events}"
        );
        let published = events["published"].as_u64().unwrap();
        assert!(published > 0, "{name}: {events}");
        assert_eq!(events["expected"].as_u64(), Some(published * 10), "{name}");
        assert_eq!(events["delivered"], events["expected"], "{name}: {events}");
        assert_eq!(events["lost"], 0, "{name}: {events}");
        assert_eq!(events["duplicated"], 0, "{name}: {events}");
        assert_eq!(events["out_of_order"], 0, "{name}: {events}");
        assert_eq!(entry["errors"]["disconnect"], 0, "{name}");
        let bytes = &entry["bytes"];
        let (down, payload) = (
            bytes["down"].as_u64().unwrap(),
            bytes["payload"].as_u64().unwrap(),
        );
        assert!(payload > 0 && down > payload, "{name}: {bytes}");
        assert!(
            bytes["per_event"].as_f64().unwrap() > bytes["payload_per_event"].as_f64().unwrap(),
            "{name}: {bytes}"
        );
        // Its process, named by --target-pid, is measured like the matched server's.
        assert!(
            entry["cpu"]["server_s"].is_number(),
            "{name}: {}",
            entry["cpu"]
        );
        assert!(
            entry["memory"]["server_rss_connected_bytes"].is_number(),
            "{name}: {}",
            entry["memory"]
        );
        // Its own byte counters are never read: not measured, with the reason.
        assert_eq!(
            entry["cross_check"]["server_written"],
            Value::Null,
            "{name}"
        );
    }
}

#[test]
fn tornado_serves_every_transport_without_loss() {
    require("tornado");
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(targets_dir().join("venv/bin/python"));
    command.args(["scripts/tornado_server.py", "--port", "0", "--rate", "20"]);
    let server = start(command, dir.path());
    let results = measure(&server, dir.path());
    assert_sound(&results, &server);
}

#[test]
fn node_ws_serves_every_transport_without_loss() {
    require("node");
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new("node");
    command
        .args(["scripts/node_server.mjs", "--port", "0", "--rate", "20"])
        .env(
            "WSBENCH_NODE_MODULES",
            targets_dir().join("node/node_modules"),
        );
    let server = start(command, dir.path());
    let results = measure(&server, dir.path());
    assert_sound(&results, &server);
}
