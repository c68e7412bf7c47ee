//! The control plane of a run's server child, attacked while the run measures: without the
//! run's token nothing changes but a warning; with it (read here from the handover, as
//! only the child could), a stop inside the window fails the entry, named. And `serve
//! --control` standalone: its token printed, a non-loopback address refused.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WSBENCH: &str = env!("CARGO_BIN_EXE_wsbench");

const SCENARIO: &str = r#"
name = "control"
duration = "6s"
warmup = "1s"
drain = "300ms"
transports = ["ws"]
[feed]
kind = "ticker"
rate = 50
[clients]
count = 4
ramp = "100ms"
"#;

/// How long after the server child listens the attack comes: past the ramp and the
/// warm-up, well before the window's end.
const INTO_THE_RUN: Duration = Duration::from_millis(2500);

/// A server executable that keeps a copy of what the run hands over and of what the child
/// prints, then becomes the real server: the test learns the token and address as only the
/// child could.
fn spy_server(dir: &Path) -> PathBuf {
    let script = dir.join("spy-server.sh");
    let text = format!(
        "#!/usr/bin/env bash\ncat > '{d}/handover.json'\nexec '{WSBENCH}' \"$@\" < '{d}/handover.json' > >(tee '{d}/stdout.txt')\n",
        d = dir.display()
    );
    std::fs::write(&script, text).unwrap();
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).unwrap();
    script
}

/// Waits (bounded) for `file` to hold a line starting with `prefix`; the rest of it.
fn wait_for_line(file: &Path, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(file)
            && let Some(line) = text.lines().find(|l| l.starts_with(prefix))
        {
            return line[prefix.len()..].trim().to_string();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no line `{prefix}` in {} within 60 s", file.display());
}

fn post(addr: SocketAddr, target: &str, headers: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).unwrap();
    status[9..12].parse().unwrap()
}

/// A run whose server child is the spy; `attack` is called with its address and token
/// once it is well into the run. Returns the exit status, stderr and results.json.
fn run_attacked(attack: impl FnOnce(SocketAddr, &str)) -> (i32, String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("control.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.path().join("out");
    let run = Command::new(WSBENCH)
        .env("WSBENCH_SERVER", spy_server(dir.path()))
        .env("WSBENCH_CALIBRATION", "off")
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&scenario)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr: SocketAddr = wait_for_line(&dir.path().join("stdout.txt"), "listening on http://")
        .parse()
        .unwrap();
    let handover: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("handover.json")).unwrap())
            .unwrap();
    let token = handover["control_token"].as_str().unwrap().to_string();
    std::thread::sleep(INTO_THE_RUN);
    attack(addr, &token);
    let output = run.wait_with_output().unwrap();
    let results = std::fs::read_to_string(out.join("results.json")).unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        serde_json::from_str(&results).unwrap(),
    )
}

#[test]
fn a_stop_or_marks_without_the_runs_token_are_refused_and_the_run_is_unaffected() {
    let (status, stderr, results) = run_attacked(|addr, token| {
        assert_eq!(post(addr, "/control/stop", ""), 401);
        let wrong = format!("Authorization: Bearer {}\r\n", "0".repeat(64));
        assert_eq!(post(addr, "/control/stop", &wrong), 403);
        assert_eq!(
            post(addr, "/control/stop", "Origin: http://page.example\r\n"),
            401
        );
        // As in the issue: forty marks would push out the run's own.
        for at_ns in 0..40 {
            assert_eq!(post(addr, &format!("/control/mark?at_ns={at_ns}"), ""), 401);
        }
        assert_ne!(token, "0".repeat(64));
    });
    assert_eq!(status, 0, "{stderr}");
    let ws = &results["transports"][0];
    assert_eq!(ws["events"]["lost"], 0, "{ws}");
    assert_eq!(ws["events"]["delivered"], ws["events"]["expected"], "{ws}");
    let warnings = results["warnings"].to_string();
    assert!(
        warnings.contains("ws: the server refused 43 control request(s) without this run's token"),
        "{warnings}"
    );
}

#[test]
fn a_stop_with_the_token_inside_the_window_fails_the_entry_named() {
    let (status, stderr, results) = run_attacked(|addr, token| {
        let authorization = format!("Authorization: Bearer {token}\r\n");
        assert_eq!(post(addr, "/control/stop", &authorization), 200);
    });
    assert_eq!(status, 3, "{stderr}");
    assert!(
        stderr.contains("ws: the measurement was disturbed")
            && stderr.contains("POST /control/stop that this run did not send"),
        "{stderr}"
    );
    assert_eq!(results["complete"], false);
    assert_eq!(results["transports"].as_array().unwrap().len(), 0);
    assert!(
        results["warnings"]
            .to_string()
            .contains("ws: the measurement was disturbed"),
        "{results}"
    );
}

#[test]
fn serve_control_prints_its_token_and_refuses_an_address_others_reach() {
    let mut serve = Command::new(WSBENCH)
        .args([
            "serve",
            "--scenario",
            "ticker",
            "--listen",
            "127.0.0.1:0",
            "--control",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let token = lines.next().unwrap().unwrap();
    let token = token
        .strip_prefix("control token: ")
        .expect(&token)
        .to_string();
    let addr = lines.next().unwrap().unwrap();
    let addr: SocketAddr = addr
        .strip_prefix("listening on http://")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(post(addr, "/control/stop", ""), 401);
    let authorization = format!("Authorization: Bearer {token}\r\n");
    assert_eq!(post(addr, "/control/stop", &authorization), 200);
    serve.kill().unwrap();
    serve.wait().unwrap();

    let refused = Command::new(WSBENCH)
        .args([
            "serve",
            "--scenario",
            "ticker",
            "--listen",
            "0.0.0.0:0",
            "--control",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--control on 0.0.0.0:0, which is not a loopback address")
            && stderr.contains("--allow-remote-control"),
        "{stderr}"
    );
}
