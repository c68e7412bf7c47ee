//! `wsbench run --target URL --dialect nchan` against nginx with Nchan (Debian's nginx and
//! libnginx-mod-nchan, installed by the setup step, scripts/setup.sh, and started by
//! scripts/targets/nchan/start.sh on a free loopback port): wsbench publishes the feed to
//! Nchan's /pub and subscribes over all four of its subscriber types. A machine without nginx
//! or the module fails with the setup command to run; it never passes silently.

#[path = "common/third_party.rs"]
mod third_party;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use third_party::{require, root};

const CLIENTS: u64 = 8;

const SCENARIO: &str = r#"
name = "nchan"
duration = "2s"
warmup = "500ms"
transports = ["poll", "longpoll", "sse", "ws"]
[feed]
kind = "ticker"
rate = 20
[clients]
count = 8
ramp = "200ms"
[transport.poll]
interval = "500ms"
"#;

/// nginx with Nchan, started by its script; stopped (the script stops nginx) however the
/// test ends.
struct Nchan {
    script: Child,
    url: String,
    worker_pid: u32,
    prefix: PathBuf,
}

impl Drop for Nchan {
    fn drop(&mut self) {
        // SIGTERM: the script stops nginx and exits; a kill would orphan nginx.
        unsafe { libc::kill(self.script.id() as i32, libc::SIGTERM) };
        for _ in 0..50 {
            if matches!(self.script.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Ok(pid) = std::fs::read_to_string(self.prefix.join("nginx.pid"))
            && let Ok(pid) = pid.trim().parse::<i32>()
        {
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let _ = self.script.kill();
        let _ = self.script.wait();
    }
}

/// Runs scripts/targets/nchan/start.sh with `env`, and its first two lines, bounded.
fn start_script(prefix: &Path, env: &[(&str, &str)]) -> (Child, Vec<String>, PathBuf) {
    let log = prefix.join("start.log");
    std::fs::create_dir_all(prefix).unwrap();
    let mut script = Command::new("scripts/targets/nchan/start.sh")
        .args(["--port", "0", "--prefix"])
        .arg(prefix)
        .envs(env.iter().copied())
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("runs scripts/targets/nchan/start.sh");
    let stdout = script.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().take(2) {
            let _ = tx.send(line.unwrap_or_default());
        }
    });
    let lines = (0..2)
        .map_while(|_| rx.recv_timeout(Duration::from_secs(30)).ok())
        .collect();
    (script, lines, log)
}

fn start(prefix: &Path) -> Nchan {
    require("nchan");
    let (script, lines, log) = start_script(prefix, &[]);
    let field = |prefix: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::to_string)
    };
    let (Some(url), Some(worker)) = (field("listening on "), field("worker pid ")) else {
        panic!(
            "nginx with Nchan did not start (printed {lines:?}): {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    };
    Nchan {
        script,
        url,
        worker_pid: worker.parse().unwrap(),
        prefix: prefix.to_owned(),
    }
}

fn measure(nchan: &Nchan, dir: &Path) -> Value {
    let scenario = dir.join("nchan.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.join("out");
    let output = Command::new("timeout")
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_wsbench"))
        .args(["run", scenario.to_str().unwrap(), "--quiet"])
        .args(["--allow-saturated", "--dialect", "nchan"])
        .args(["--target", &nchan.url])
        .args(["--target-pid", &nchan.worker_pid.to_string()])
        .arg("--out")
        .arg(&out)
        .env("WSBENCH_CALIBRATION", "off")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\nnginx error log: {}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(nchan.prefix.join("error.log")).unwrap_or_default()
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap()
}

#[test]
fn nchan_delivers_every_published_event_over_every_subscriber_type() {
    let dir = tempfile::tempdir().unwrap();
    let nchan = start(&dir.path().join("nginx"));
    let results = measure(&nchan, dir.path());
    assert_eq!(results["complete"], true);
    assert_eq!(results["target"]["dialect"], "nchan");
    assert_eq!(results["target"]["pid"], nchan.worker_pid);
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
        // wsbench published the window's events itself, so it knows them exactly, and
        // Nchan's buffer lets even the polls walk every one of them.
        assert_eq!(events["published_source"], "wsbench_publisher", "{name}");
        let published = events["published"].as_u64().unwrap();
        assert!(published > 0, "{name}: {events}");
        assert_eq!(events["expected"].as_u64(), Some(published * CLIENTS));
        assert_eq!(events["delivered"], events["expected"], "{name}: {events}");
        for none in ["lost", "duplicated", "out_of_order", "unread_at_stop"] {
            assert_eq!(events[none], 0, "{name} {none}: {events}");
        }
        let errors = &entry["errors"];
        assert_eq!(
            (&errors["disconnect"], &errors["protocol"]),
            (&Value::from(0), &Value::from(0)),
            "{name}: {errors}"
        );
        // Every byte counted: framing and headers on top of the events' own.
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
        // The worker, named by --target-pid, is measured like the matched server.
        assert!(entry["cpu"]["server_s"].is_number(), "{name}");
        assert!(
            entry["memory"]["server_rss_connected_bytes"].is_number(),
            "{name}"
        );
    }
}

#[test]
fn a_missing_nchan_module_stops_the_start_script_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (mut script, lines, log) = start_script(
        dir.path(),
        &[("WSBENCH_NCHAN_MODULE", "/nonexistent/ngx_nchan_module.so")],
    );
    let status = script.wait().unwrap();
    assert_eq!((status.code(), lines), (Some(3), Vec::<String>::new()));
    assert_eq!(
        std::fs::read_to_string(log).unwrap(),
        "scripts/targets/nchan/start.sh: no Nchan module at /nonexistent/ngx_nchan_module.so \
         (scripts/setup.sh installs it)\n"
    );
}

/// A fake Nchan that empties its channel but refuses every publish, and holds every
/// subscriber without an answer.
fn refusing_publisher(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut head = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
            head.push(line);
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let answer: &[u8] = match head.first().map(String::as_str) {
            Some(l) if l.starts_with("DELETE ") => b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            Some(l) if l.starts_with("POST ") => {
                b"HTTP/1.1 403 Forbidden\r\ncontent-length: 19\r\n\r\npublishing refused\n"
            }
            _ => {
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
        };
        let _ = writer.write_all(answer);
        if head
            .iter()
            .any(|l| l.eq_ignore_ascii_case("connection: close\r\n"))
        {
            return;
        }
    }
}

#[test]
fn a_target_that_refuses_the_publish_fails_the_run_naming_the_post() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || refusing_publisher(stream));
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("nchan.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.path().join("out");
    let output = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_wsbench"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "--transports",
            "ws",
        ])
        .args(["--target", &url, "--dialect", "nchan", "--out"])
        .arg(&out)
        .env("WSBENCH_CALIBRATION", "off")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let message =
        format!("target {url}, publish: POST /pub of seq 1: answered 403: publishing refused");
    assert!(stderr.contains(&message), "{stderr}");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["target"]["dialect"], "nchan");
    assert!(
        results["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains(&message)),
        "{}",
        results["warnings"]
    );
}
