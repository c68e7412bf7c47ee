//! `wsbench compare` through the binary: exit codes and what it prints.

mod common;

use assert_cmd::Command;

fn wsbench() -> Command {
    Command::cargo_bin("wsbench").unwrap()
}

#[test]
fn a_run_compared_with_itself_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), &common::results());
    let output = wsbench()
        .arg("compare")
        .arg(dir.path())
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    // A header, 4 transports × 7 metrics, why timed figures are not gated, the end.
    assert_eq!(stdout.lines().count(), 1 + 4 * 7 + 1 + 1, "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with("unchanged")).count(),
        4 * 3
    );
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with("not gated")).count(),
        4 * 4
    );
    assert!(
        stdout.ends_with(&format!("no regression ({GATES})\n")),
        "{stdout}"
    );
}

/// How the defaults gate, as every summary line says it.
const GATES: &str = "counted figures within 1%; timed ones shown, not gated";

#[test]
fn a_baseline_with_fewer_bytes_per_event_makes_a_regression_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let (baseline, current) = (dir.path().join("baseline"), dir.path().join("current"));
    let mut better = common::results();
    better.transports[3].bytes.per_event = Some(31.0);
    common::write(&baseline, &better);
    common::write(&current, &common::results());
    let output = wsbench()
        .arg("compare")
        .arg(&baseline)
        .arg(&current)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let regressed: Vec<&str> = stdout.lines().filter(|l| l.contains("REGRESSED")).collect();
    assert_eq!(regressed.len(), 1, "{stdout}");
    let words: Vec<&str> = regressed[0].split_whitespace().collect();
    assert_eq!(
        words,
        ["ws", "bytes.per_event", "31", "62", "+100.0%", "REGRESSED"]
    );
    assert!(
        stdout.ends_with(&format!("1 regression ({GATES})\n")),
        "{stdout}"
    );

    let json = wsbench()
        .args([
            "compare",
            "--format",
            "json",
            "--metrics",
            "bytes.per_event",
        ])
        .arg(&baseline)
        .arg(current.join("results.json"))
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["regressions"], 1);
    assert_eq!(value["rows"].as_array().unwrap().len(), 4);

    let loose = wsbench()
        .args(["compare", "--tolerance", "150%", "--format", "markdown"])
        .arg(&baseline)
        .arg(&current)
        .output()
        .unwrap();
    let markdown = String::from_utf8(loose.stdout).unwrap();
    assert_eq!(loose.status.code(), Some(0), "{markdown}");
    assert!(
        markdown.starts_with(
            "### wsbench compare: no regression (counted figures within 150%; timed ones \
             shown, not gated)\n"
        ),
        "{markdown}"
    );
    assert!(
        markdown.contains("| ws | bytes.per_event | 31 | 62 | +100.0% | ✅ unchanged |\n"),
        "{markdown}"
    );
}

/// `results` with server CPU per delivery measured in five rounds on every entry.
fn with_cpu_rounds(rounds: [f64; 5]) -> wsbench::results::Results {
    let mut results = common::results();
    for entry in &mut results.transports {
        let median = {
            let mut sorted = rounds;
            sorted.sort_by(f64::total_cmp);
            sorted[2]
        };
        entry.cpu.server_us_per_event = Some(median);
        let mut spread = serde_json::Map::new();
        let values = serde_json::json!({"min": 0.0, "max": 0.0, "values": rounds});
        spread.insert("cpu.server_us_per_event".into(), values);
        entry.spread = Some(spread);
    }
    results
}

#[test]
fn repeated_rounds_gate_cpu_on_a_significant_change_and_say_the_noise_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let (baseline, same, worse) = (
        dir.path().join("baseline"),
        dir.path().join("same"),
        dir.path().join("worse"),
    );
    common::write(&baseline, &with_cpu_rounds([10.0, 10.4, 9.8, 10.2, 9.9]));
    common::write(&same, &with_cpu_rounds([10.3, 9.7, 10.1, 10.5, 9.9]));
    common::write(&worse, &with_cpu_rounds([13.1, 13.0, 12.9, 13.4, 12.8]));
    let compare = |current: &std::path::Path| {
        let output = wsbench()
            .args([
                "compare",
                "--gate-timed",
                "--metrics",
                "cpu.server_us_per_event",
            ])
            .arg(&baseline)
            .arg(current)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
        )
    };
    let (status, stdout) = compare(&same);
    assert_eq!(status, Some(0), "{stdout}");
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.ends_with("within noise (±4% at 5 rounds)"))
            .count(),
        4,
        "{stdout}"
    );
    let (status, stdout) = compare(&worse);
    assert_eq!(status, Some(1), "{stdout}");
    let regressed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.ends_with("REGRESSED"))
        .collect();
    assert_eq!(regressed.len(), 4, "{stdout}");
    assert!(regressed[0].contains("+30.0%"), "{stdout}");
}

#[test]
fn a_missing_file_exits_2_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), &common::results());
    let missing = dir.path().join("nope");
    let output = wsbench()
        .arg("compare")
        .arg(&missing)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "wsbench compare: {}: not found",
            missing.display()
        )),
        "{stderr}"
    );
}

#[test]
fn an_unknown_metric_or_threshold_exits_2_with_what_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), &common::results());
    let output = wsbench()
        .args(["compare", "--metrics", "latency_us.p99,latency_us.p100"])
        .arg(dir.path())
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("unknown metric `latency_us.p100`; valid metrics: "),
        "{stderr}"
    );
    assert!(stderr.contains("bytes.per_event"), "{stderr}");

    let output = wsbench()
        .args(["compare", "--threshold", "10"])
        .arg(dir.path())
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("write `10%` for percent")
    );
}

#[test]
fn a_v1_baseline_still_loads_and_compares() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let v1 = fixtures.join("v1/results.json");
    let text = std::fs::read_to_string(&v1).unwrap();
    assert!(text.contains("\"schema\": \"wsbench.results.v1\""));
    let baseline = wsbench::ci::compare::load(&v1).expect("a v1 record loads");
    // v1 wrote its zeros as numbers; they read as measured figures, as before.
    assert!(
        baseline
            .transports
            .iter()
            .all(|t| t.not_measured.is_empty())
    );
    assert!(
        baseline
            .transports
            .iter()
            .all(|t| t.memory.server_rss_per_conn_bytes.is_some() && t.events.lost.is_some())
    );
    let metrics = "bytes.per_event,events.lost,memory.server_rss_per_conn_bytes";
    let unchanged = unchanged_rows(&v1, &fixtures.join("results.json"), &["--metrics", metrics]);
    // Counted figures compared; memory, a timed one from one run a side, not gated.
    assert_eq!(unchanged, 2 * baseline.transports.len());
}

/// `wsbench compare baseline current extra...`, which must find no regression: how many of
/// its rows are unchanged.
fn unchanged_rows(baseline: &std::path::Path, current: &std::path::Path, extra: &[&str]) -> usize {
    let output = wsbench()
        .arg("compare")
        .arg(baseline)
        .arg(current)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.ends_with(&format!("no regression ({GATES})\n")),
        "{stdout}"
    );
    stdout.lines().filter(|l| l.ends_with("unchanged")).count()
}

#[test]
fn a_v2_baseline_still_loads_and_compares_on_every_default_metric() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let v2 = fixtures.join("v2/results.json");
    let text = std::fs::read_to_string(&v2).unwrap();
    assert!(text.contains("\"schema\": \"wsbench.results.v2\""));
    let baseline = wsbench::ci::compare::load(&v2).expect("a v2 record loads");
    // v2 always wrote a latency summary: it reads as measured.
    assert!(baseline.transports.iter().all(|t| t.latency_us.is_some()));
    assert_eq!(baseline.machine.cores, Some(2));
    // The same figures written as v3: nothing changed, nothing fails; the counted ones
    // (bytes per event, loss) compared, the timed ones not gated, events per write (which
    // neither fixture records) skipped.
    let unchanged = unchanged_rows(&v2, &fixtures.join("results.json"), &[]);
    assert_eq!(unchanged, 2 * baseline.transports.len());
    let output = wsbench()
        .arg("compare")
        .arg(&v2)
        .arg(fixtures.join("results.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("cpu.events_per_write") && l.ends_with("skipped"))
            .count(),
        baseline.transports.len(),
        "{stdout}"
    );
}
