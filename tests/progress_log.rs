//! `wsbench run` with stderr not a terminal (a CI log): plain progress lines, one per
//! phase, naming the transport's place in the run, with no terminal control characters.

mod common;

use assert_cmd::Command;

#[test]
fn a_log_gets_plain_lines_for_every_phase() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("short.toml");
    std::fs::write(&scenario, common::SHORT).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .env_remove("WSBENCH_SERVER")
        .env("WSBENCH_CALIBRATION", "off")
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{stderr:?}"
    );
    // A zero warm-up gets no line; a line every 10 s may repeat a phase on a slow machine.
    let mut phases: Vec<&str> = stderr
        .lines()
        .map(|l| {
            let rest = l.strip_prefix("[ws 1/1] ").expect(l);
            rest.split(' ').next().unwrap_or_default()
        })
        .collect();
    phases.dedup();
    assert_eq!(phases, ["connecting", "measuring", "draining"], "{stderr}");
    assert!(
        stderr.contains("[ws 1/1] measuring 0s/1s: 2/2 connected, "),
        "{stderr}"
    );
}
