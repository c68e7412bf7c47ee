//! The command line's small promises: an error says its cause once, `serve` takes its
//! scenario as `run` and `emit` do, and every argument has a help line.

use std::process::Output;

use assert_cmd::Command;

fn wsbench(args: &[&str]) -> Output {
    Command::cargo_bin("wsbench")
        .unwrap()
        .env_remove("WSBENCH_SERVER")
        .env("WSBENCH_CALIBRATION", "off")
        .args(args)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap()
}

#[test]
fn a_port_in_use_is_said_once_with_its_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = wsbench(&["serve", "--scenario", "ticker", "--listen", &addr]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(
        stderr.matches("Address already in use").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("cannot listen on {addr}: Address already in use")),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_scenario_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let out = wsbench(&["serve", "--scenario", path, "--listen", "127.0.0.1:0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.matches("os error").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{path}: cannot read: ")),
        "{stderr}"
    );
}
