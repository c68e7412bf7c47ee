//! An entry that delivered nothing in its window has no latency: `latency_us` is null in
//! results.json with the reason, the table and the report say n/m, summary.csv leaves the
//! cells empty, and a gate on it fails, never passes on nothing: an `[[assert]]` on
//! `latency_us.p99` makes `wsbench run` exit 1 naming "not measured", and `wsbench compare`
//! on it is a regression. End to end, through the binary: the matched server runs a
//! command feed whose program prints nothing.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const SCENARIO: &str = r#"
name = "silent"
duration = "1s"
warmup = "0s"
drain = "300ms"
transports = ["ws"]
[feed]
kind = "command"
command = ["sh", "-c", "exec sleep 600"]
[clients]
count = 2
ramp = "100ms"
[[assert]]
transport = "ws"
metric = "latency_us.p99"
max = 5000
"#;

const REASON: &str = "no event was delivered in the window";

fn wsbench(args: &[&str], dir: &Path) -> Output {
    Command::new("timeout")
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_wsbench"))
        .args(args)
        .current_dir(dir)
        .env("WSBENCH_CALIBRATION", "off")
        .output()
        .unwrap()
}

#[test]
fn a_silent_entry_has_no_latency_and_a_gate_on_it_fails_saying_not_measured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("silent.toml"), SCENARIO).unwrap();
    let output = wsbench(&["run", "silent.toml", "--out", "out"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");

    // results.json: null with the reason, never zeros.
    let out = dir.path().join("out");
    let text = std::fs::read_to_string(out.join("results.json")).unwrap();
    let results: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results["schema"], "wsbench.results.v3");
    let ws = &results["transports"][0];
    assert_eq!(ws["events"]["delivered"], 0, "{ws}");
    for figure in ["latency_us", "latency_app_us", "generator_delay_us"] {
        assert_eq!(ws[figure], Value::Null, "{figure}: {ws}");
        assert_eq!(ws["not_measured"][figure], REASON, "{figure}");
    }
    assert_eq!(ws["percentiles"], serde_json::json!([]));
    let outcome = &results["assertions"][0];
    assert_eq!(outcome["passed"], false);
    assert_eq!(outcome["measured"], Value::Null);
    let why = format!("ws latency_us.p99: {REASON}");
    assert_eq!(outcome["reason"], why.as_str());

    // The console: n/m in the latency columns, the reason below, the gate failed.
    let row: Vec<&str> = stdout
        .lines()
        .find(|l| l.starts_with("ws "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        row[5..8],
        ["n/m", "n/m", "n/m"],
        "p50, p99, gen delay: {stdout}"
    );
    assert!(
        stdout.contains(
            "generator_delay_us, latency_app_us, latency_us (no event was delivered in the window)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "FAIL  ws latency_us.p99 ≤ 5000  not measured: {why}\n"
        )),
        "{stdout}"
    );

    // The report: n/m in its table, the reason in its list.
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let cells: Vec<&str> = md
        .lines()
        .find(|l| l.starts_with("| ws "))
        .unwrap()
        .split('|')
        .map(str::trim)
        .collect();
    assert_eq!(
        cells[6..9],
        ["n/m", "n/m", "n/m"],
        "p50, p99, gen delay: {md}"
    );
    assert!(
        md.contains(&format!("- **ws** `latency_us`: not measured: {REASON}.\n")),
        "{md}"
    );

    // summary.csv: empty cells, not zeros.
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let ws_row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "latency_p99_us").unwrap();
    assert_eq!(ws_row[at], "", "{csv}");

    // A comparison gating on it fails, and says why.
    let output = wsbench(
        &["compare", "out", "out", "--metrics", "latency_us.p99"],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("NOT MEASURED"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "note: ws latency_us.p99 not measured: baseline: {REASON}; current: {REASON}\n"
        )),
        "{stdout}"
    );
}
