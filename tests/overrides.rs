//! Command-line overrides are validated like the file: each mistake exits 2 before anything
//! starts, with the file form's own message, naming the flag instead of the line.

mod common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use common::SHORT;

/// The shortest real run, with a connection cap to override.
fn base() -> String {
    format!("{SHORT}[server]\nmax_connections = 100\n")
}

fn wsbench(args: &[&str], scenario: &Path) -> Output {
    Command::cargo_bin("wsbench")
        .unwrap()
        .env_remove("WSBENCH_SERVER")
        .env("WSBENCH_CALIBRATION", "off")
        .args(args)
        .arg(scenario)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap()
}

/// The message after the place it names (`FILE:LINE:COL: ` or `--flag value: `).
fn message_after(stderr: &str, place: &str) -> String {
    let line = stderr.lines().next().unwrap_or_default();
    let at = line
        .find(place)
        .unwrap_or_else(|| panic!("{place:?} not in {line:?}"));
    line[at + place.len()..]
        .trim_start_matches(':')
        .trim()
        .to_string()
}

/// `args` with the flag, then `file_args` with the same mistake in the file instead.
fn same_refusal(args: &[&str], file_args: &[&str], flag: &str, file_form: (&str, &str)) {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, base()).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, base().replace(file_form.0, file_form.1)).unwrap();
    assert_ne!(
        std::fs::read_to_string(&bad).unwrap(),
        base(),
        "the file form changes the file"
    );

    let by_flag = wsbench(args, &good);
    let flag_stderr = String::from_utf8_lossy(&by_flag.stderr);
    assert_eq!(by_flag.status.code(), Some(2), "{flag_stderr}");
    assert!(by_flag.stdout.is_empty(), "nothing ran");

    let by_file = wsbench(file_args, &bad);
    let file_stderr = String::from_utf8_lossy(&by_file.stderr);
    assert_eq!(by_file.status.code(), Some(2), "{file_stderr}");

    let place = format!("{}:", bad.display());
    let file_message = message_after(&file_stderr, &place);
    // Past the line and column: `LINE:COL: key: message`.
    let file_message = file_message
        .splitn(3, ':')
        .nth(2)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(message_after(&flag_stderr, flag), file_message);
}

#[test]
fn clients_zero() {
    same_refusal(
        &["run", "--clients", "0"],
        &["run"],
        "--clients 0",
        ("count = 2", "count = 0"),
    );
}

#[test]
fn duration_zero() {
    same_refusal(
        &["run", "--duration", "0s"],
        &["run"],
        "--duration 0s",
        ("duration = \"1s\"", "duration = \"0s\""),
    );
}

#[test]
fn a_transport_twice() {
    same_refusal(
        &["run", "--transports", "ws,ws"],
        &["run"],
        "--transports ws,ws",
        ("[\"ws\"]", "[\"ws\", \"ws\"]"),
    );
}

#[test]
fn serve_rate_zero() {
    same_refusal(
        &["serve", "--rate=0", "--scenario"],
        &["serve", "--scenario"],
        "--rate 0",
        ("rate = 20", "rate = 0"),
    );
}

#[test]
fn serve_max_connections_zero() {
    same_refusal(
        &["serve", "--max-connections", "0", "--scenario"],
        &["serve", "--scenario"],
        "--max-connections 0",
        ("max_connections = 100", "max_connections = 0"),
    );
}

#[test]
fn bare_names_are_scenarios_under_the_scenarios_folder() {
    let output = Command::cargo_bin("wsbench")
        .unwrap()
        .args(["validate", "ticker"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("ticker: ok"));

    let output = Command::cargo_bin("wsbench")
        .unwrap()
        .args(["run", "no-such-scenario"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("scenarios/no-such-scenario.toml"),
        "names where it looked: {stderr}"
    );
}

#[test]
fn durations_beyond_a_day_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.toml");
    std::fs::write(
        &file,
        base().replace("duration = \"1s\"", "duration = \"1000h\""),
    )
    .unwrap();
    let output = wsbench(&["validate"], &file);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: duration is"), "{stderr}");
    assert!(stderr.contains("longer than a day"), "{stderr}");
}

#[test]
fn ramp_sets_the_clients_ramp_and_is_recorded_by_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.toml");
    std::fs::write(&file, base()).unwrap();
    let overrides = wsbench::scenario::Overrides {
        ramp: Some(std::time::Duration::from_secs(20)),
        ..Default::default()
    };
    let scenario = wsbench::scenario::Scenario::load_with(&file, &overrides).unwrap();
    assert_eq!(scenario.clients.ramp, std::time::Duration::from_secs(20));
    assert_eq!(
        overrides.flag_for("clients.ramp").as_deref(),
        Some("--ramp 20s")
    );
    assert_eq!(overrides.by_flag()["ramp"], "20s");
}

#[test]
fn run_rate_zero() {
    same_refusal(
        &["run", "--rate=0"],
        &["run"],
        "--rate 0",
        ("rate = 20", "rate = 0"),
    );
}

#[test]
fn run_rate_sets_the_feed_rate_and_is_recorded_by_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.toml");
    std::fs::write(&file, base()).unwrap();
    let out = dir.path().join("out");
    let output = wsbench(
        &[
            "run",
            "--quiet",
            "--rate",
            "40",
            "--out",
            out.to_str().unwrap(),
        ],
        &file,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(out.join("results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results["scenario"]["feed"]["rate"], 40.0);
    assert_eq!(results["overrides"], serde_json::json!({"rate": 40.0}));
}
