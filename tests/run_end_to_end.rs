//! `wsbench run` end to end: a short scenario through all four transports, against the
//! real server binary, checked for the invariants and the documented shape.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::SHORT;
use wsbench::calibrate;
use wsbench::results::{ReceiveClock, Results};
use wsbench::run::{RunOptions, run};

const SERVER: &str = env!("CARGO_BIN_EXE_wsbench");

/// Sparse events (2/s) and quick polls (every 250 ms): most polls come back empty, which
/// is where polling's header tax shows.
const SCENARIO: &str = r#"
name = "e2e"
duration = "3s"
warmup = "1s"
seed = 5
transports = ["poll", "longpoll", "sse", "ws"]
[feed]
kind = "ticker"
rate = 2
[clients]
count = 5
ramp = "200ms"
headers = "browser"
[transport.poll]
interval = "250ms"
"#;

/// A calibration of this machine, measured just now by the look of it: a run uses it as is.
fn this_machines_calibration() -> calibrate::Calibration {
    calibrate::Calibration {
        date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        machine: calibrate::Identity::of_this_machine(),
        connections: calibrate::DEFAULT_CONNECTIONS,
        message_bytes: calibrate::MESSAGE_BYTES,
        messages_per_write: calibrate::BATCH,
        duration_s: 2.0,
        one_per_write: calibrate::Floor {
            messages_per_s: 150_000.0,
            us_per_message: 8.0,
        },
        batched: calibrate::Floor {
            messages_per_s: 1_500_000.0,
            us_per_message: 1.0,
        },
    }
}

fn write_scenario(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn four_transports_keep_their_invariants_and_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cache = dir.path().join("calibration.json");
    calibrate::write(&cache, &this_machines_calibration()).unwrap();
    let options = RunOptions {
        scenario: write_scenario(dir.path(), SCENARIO),
        out: Some(out.clone()),
        quiet: true,
        server_exe: Some(SERVER.into()),
        calibration: calibrate::Policy::Cache(cache),
        ..Default::default()
    };
    let outcome = run(&options).expect("the run succeeds");
    let results = &outcome.results;
    assert!(results.complete);
    // The cached floor is used as it is: nothing measured, every multiple against it.
    let floor = results.calibration.as_ref().expect("a calibration");
    assert_eq!(
        (floor.source.as_str(), floor.floor_us_per_message),
        ("cache", 8.0)
    );
    for t in &results.transports {
        let both = t.cpu.server_us_per_event.unwrap() + t.cpu.client_us_per_event.unwrap();
        // Each against the floor for writes like its own (1 µs at 10 per write, below).
        let per_write = t
            .cpu
            .events_per_write
            .expect("the matched server counts writes");
        let floor = wsbench::figures::floor::floor_at(floor, Some(per_write));
        assert_eq!(t.cpu.floor_us_per_event, Some(floor), "{}", t.transport);
        assert_eq!(t.cpu.floor_multiple, Some(both / floor), "{}", t.transport);
    }
    // Polls every 250 ms of a feed of 2 events/s come back empty more often than not: an
    // answer (a write) carries fewer than one event, and poll is held to the one-per-write
    // floor. (tests/frontier.rs runs the batched case.)
    let poll = &results.transports[0];
    assert!(poll.cpu.events_per_write.unwrap() < 1.0, "{:?}", poll.cpu);
    assert_eq!(poll.cpu.floor_us_per_event, Some(8.0));
    let names: Vec<&str> = results
        .transports
        .iter()
        .map(|t| t.transport.name())
        .collect();
    assert_eq!(names, ["poll", "longpoll", "sse", "ws"]);
    for t in &results.transports {
        let published = t.events.published.expect("published is measured");
        assert!(published > 0, "{}", t.transport);
        assert_eq!(t.events.expected, Some(published * 5));
        assert!(t.events.delivered <= published * 5, "{}", t.transport);
        // The matched server is a local child: every probe can read it.
        assert_eq!(t.not_measured, Default::default(), "{}", t.transport);
        assert!(t.cpu.server_s.is_some() && t.cpu.client_s.is_some());
        assert!(t.memory.server_peak_rss_bytes.is_some_and(|b| b > 0));
        assert!(t.tcp.segments_out.is_some_and(|s| s > 0), "{}", t.transport);
        assert!(t.cross_check.down_diff_pct.is_some(), "{}", t.transport);
        assert_eq!(t.clients, 5);
        assert_eq!(t.header_profile, "browser");
        assert!(t.window_start_s.is_some_and(|s| s > 0.0), "{}", t.transport);
        // Every window event was timed by the kernel's receive stamp and by the
        // application's instant, and the difference taken for each.
        assert_eq!(t.receive_clock, ReceiveClock::Kernel, "{}", t.transport);
        assert_eq!(t.receive_stamps_missing, 0, "{}", t.transport);
        let delay = t
            .generator_delay_us
            .as_ref()
            .expect("the delay is measured");
        let count = |l: &Option<wsbench::results::Latency>| l.as_ref().map(|l| l.count);
        assert!(count(&t.latency_us) > Some(0), "{}", t.transport);
        assert_eq!(Some(delay.count), count(&t.latency_us), "{}", t.transport);
        assert_eq!(
            count(&t.latency_app_us),
            count(&t.latency_us),
            "{}",
            t.transport
        );
    }
    let by = |name: &str| {
        results
            .transports
            .iter()
            .find(|t| t.transport.name() == name)
            .unwrap()
    };
    for name in ["sse", "ws"] {
        assert_eq!(by(name).events.lost, Some(0), "{name} lost events");
    }
    let per_event: Vec<f64> = ["ws", "sse", "longpoll", "poll"]
        .iter()
        .map(|n| by(n).bytes.per_event.expect("events were received"))
        .collect();
    assert!(
        per_event.windows(2).all(|w| w[0] < w[1]),
        "ws < sse < longpoll < poll: {per_event:?}"
    );
    // A WebSocket event costs its payload plus a 2-byte frame header.
    let ws = by("ws");
    assert!(
        ws.bytes.per_event.unwrap() - ws.bytes.payload_per_event.unwrap() < 2.0 + 10.0,
        "{:?}",
        ws.bytes
    );
    // Every poll pays request and response headers: far more than the payload.
    assert!(by("poll").requests.total > 0);
    assert!(by("poll").bytes.overhead > by("poll").requests.total * 500);

    // The files: results.json equals what the run returned and matches the schema.
    let text = std::fs::read_to_string(out.join("results.json")).unwrap();
    let written: Results = serde_json::from_str(&text).unwrap();
    assert_eq!(written.transports, results.transports);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("docs/results.schema.json").unwrap())
            .unwrap();
    let instance: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(instance["schema"], "wsbench.results.v3");
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5);
    for name in names {
        assert!(out.join(format!("{name}.hlog")).exists(), "{name}.hlog");
    }
}

fn wsbench() -> Command {
    let mut command = Command::new(SERVER);
    command.env_remove("WSBENCH_SERVER");
    // No test measures the loopback floor or writes the user's cache.
    command.env("WSBENCH_CALIBRATION", "off");
    command
}

#[test]
fn exit_code_1_names_the_failed_assertion_with_its_measured_value() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("{SHORT}\n[[assert]]\ntransport = \"ws\"\nmetric = \"latency_us.p99\"\nmax = 0\n");
    let scenario = write_scenario(dir.path(), &text);
    let output = wsbench()
        .args(["run", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg(&scenario)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("FAIL"))
        .expect("a FAIL line");
    assert!(line.contains("latency_us.p99"), "{line}");
}

#[test]
fn exit_code_0_and_json_output_is_results_json_naming_its_directory() {
    wsbench::transport::install();
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("{SHORT}\n[[assert]]\ntransport = \"ws\"\nmetric = \"events.lost\"\nmax = 0\n");
    let scenario = write_scenario(dir.path(), &text);
    let out = dir.path().join("out");
    let output = wsbench()
        .args(["run", "--json", "--seed", "7", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let file = std::fs::read_to_string(out.join("results.json")).unwrap();
    let mut printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let dir = printed.as_object_mut().unwrap().remove("results_dir");
    assert_eq!(dir, Some(out.display().to_string().into()));
    assert_eq!(
        printed,
        serde_json::from_str::<serde_json::Value>(&file).unwrap()
    );
    let written: Results = serde_json::from_str(&file).unwrap();
    assert_eq!(written.overrides, [("seed".into(), 7.into())].into());
}

#[test]
fn exit_code_2_for_a_bad_scenario_and_3_when_the_server_cannot_start() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write_scenario(
        dir.path(),
        "name = \"x\"\n[feed]\nkind = \"ticker\"\n[clients]\ncount = 0\n",
    );
    let output = wsbench().arg("run").arg(&bad).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("clients.count"));

    let good = write_scenario(dir.path(), SHORT);
    let output = wsbench()
        .env("WSBENCH_SERVER", "/bin/false")
        .args(["run", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did not start"));
}
