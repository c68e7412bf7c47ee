//! `--cpus` / `[cpus]`: the server child and the load generator run on the CPUs they were
//! given, the results say which, and impossible placements are refused before anything starts.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::SHORT;

const WSBENCH: &str = env!("CARGO_BIN_EXE_wsbench");

fn allowed_cpus(pid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|l| l.trim().to_string())
}

fn children(parent: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

#[test]
fn the_server_and_the_generator_run_where_they_were_placed() {
    let available = wsbench::placement::available_cpus().unwrap();
    if available.len() < 2 {
        eprintln!("skipped: placement needs two CPUs, this process has {available:?}");
        return;
    }
    let (server_cpu, client_cpu) = (available[0], available[1]);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("short.toml");
    std::fs::write(&scenario, SHORT).unwrap();
    let out = dir.path().join("out");
    let mut run = Command::new(WSBENCH)
        .env_remove("WSBENCH_SERVER")
        .env("WSBENCH_CALIBRATION", "off")
        .args(["run", "--quiet", "--duration", "2s", "--out"])
        .arg(&out)
        .arg("--cpus")
        .arg(format!("server={server_cpu},clients={client_cpu}"))
        .arg(&scenario)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // The server child once it runs `wsbench serve`: between fork and exec it is still a
    // copy of the runner, not yet placed.
    let serving = |pid: &u32| {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|cmdline| cmdline.split(|&b| b == 0).any(|arg| arg == b"serve"))
    };
    let server = loop {
        if let Some(server) = children(run.id()).into_iter().find(serving) {
            break server;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no server child"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        allowed_cpus(server).as_deref(),
        Some(server_cpu.to_string().as_str())
    );
    assert_eq!(
        allowed_cpus(run.id()).as_deref(),
        Some(client_cpu.to_string().as_str())
    );
    assert!(run.wait().unwrap().success());
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(
        results["scenario"]["cpus"],
        serde_json::json!({"server": [server_cpu], "clients": [client_cpu]})
    );
    assert_eq!(
        results["overrides"]["cpus"],
        serde_json::json!({"server": [server_cpu], "clients": [client_cpu]})
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let row = format!(
        "| CPU placement | server on CPUs {server_cpu}, load generator on CPUs {client_cpu} |"
    );
    assert!(report.contains(&row), "{report}");
}

#[test]
fn impossible_placements_are_refused_naming_the_side() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("short.toml");
    std::fs::write(&scenario, SHORT).unwrap();
    let refused = |cpus: &str| {
        let output = Command::new(WSBENCH)
            .args(["run", "--quiet", "--cpus", cpus])
            .arg(&scenario)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{cpus}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let shared = refused("server=0,clients=0");
    assert!(
        shared.contains("--cpus server=0,clients=0: cpus.clients: CPU 0 is in both sets"),
        "{shared}"
    );
    let absent = refused("server=1000,clients=0");
    assert!(
        absent.contains("cpus.server: CPU 1000 is not available here"),
        "{absent}"
    );
    let beyond = refused("server=4000,clients=0");
    assert!(
        beyond.contains("server: CPU 4000 is beyond the CPUs a CPU set holds (0-1023)"),
        "{beyond}"
    );
    let malformed = refused("0,1");
    assert!(
        malformed.contains("server=LIST,clients=LIST"),
        "{malformed}"
    );
}
