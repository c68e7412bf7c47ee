//! A hand-built run, as `wsbench run` would write it, for tests that need a results.json.

#![allow(dead_code)]

use wsbench::results::{
    AssertionOutcome, Machine, PercentilePoint, Results, SCHEMA, Second, TransportResult,
};

/// The smallest real run: one second of WebSocket to two clients.
pub const SHORT: &str = r#"
name = "short"
duration = "1s"
warmup = "0s"
transports = ["ws"]
[feed]
kind = "ticker"
rate = 20
[clients]
count = 2
"#;

/// One transport entry with plausible, distinct figures in every section.
pub fn entry(transport: &str, p99_us: f64, per_event: f64) -> TransportResult {
    wsbench::transport::install();
    let mut e = TransportResult {
        transport: wsbench::transport_kind::Transport::named(transport).unwrap(),
        clients: 50,
        header_profile: "browser".into(),
        window_s: 5.0,
        ..Default::default()
    };
    e.events.published = Some(100);
    e.events.expected = Some(5000);
    e.events.lost = Some(0);
    e.events.coalesced = Some(0);
    e.events.delivered = 5000;
    e.events.received_in_window = 5000;
    e.latency_us = Some(wsbench::results::Latency {
        count: 5000,
        p50: p99_us / 4.0,
        p99: p99_us,
        max: p99_us * 2.0,
        ..Default::default()
    });
    e.bytes.per_event = Some(per_event);
    e.bytes.down = (per_event * 5000.0) as u64;
    e.requests.total = 50;
    e.cpu.server_us_per_event = Some(12.5);
    e.cpu.events_per_write = Some(1.0);
    e.cpu.client_us_per_event = Some(20.25);
    e.memory.server_rss_per_conn_bytes = Some(8192.0);
    e.percentiles = vec![PercentilePoint {
        percentile: 99.0,
        latency_us: p99_us,
    }];
    e.timeline = vec![Second {
        t_s: 1.0,
        delivered: 1000,
        p99_us: Some(p99_us),
        in_window: true,
    }];
    e.histogram_log = Some(format!("{transport}.hlog"));
    e
}

/// A cached loopback floor of `floor_us` per message, one per write.
pub fn calibration(floor_us: f64) -> wsbench::results::CalibrationRecord {
    wsbench::results::CalibrationRecord {
        date: "2026-01-01T00:00:00Z".into(),
        source: "cache".into(),
        connections: 1000,
        message_bytes: 62,
        messages_per_write: 10,
        floor_us_per_message: floor_us,
        floor_messages_per_s: 1e6 / floor_us * 1.5,
        batched_us_per_message: 1.0,
        batched_messages_per_s: 1_500_000.0,
    }
}

/// A complete run of all four transports, with one assertion outcome.
pub fn results() -> Results {
    Results {
        schema: SCHEMA.into(),
        wsbench_version: "0.1.0".into(),
        complete: true,
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: Some("2026-01-01T00:00:40Z".into()),
        machine: Machine {
            cores: Some(2),
            kernel: "6.1.0".into(),
            cpu_model: "test CPU".into(),
            memory_bytes: Some(8 << 30),
            hostname: "ci".into(),
            boot_id: Some("0b0e5a7e-1d2c-4c3b-9a8f-6e5d4c3b2a10".into()),
            not_measured: Default::default(),
        },
        scenario: serde_json::json!({"name": "ci", "duration": "5s", "clients": {"count": 50}}),
        overrides: Default::default(),
        sweep: None,
        repeat: 1,
        transports: vec![
            entry("poll", 400_000.0, 150.0),
            entry("longpoll", 3000.0, 900.0),
            entry("sse", 2000.0, 70.0),
            entry("ws", 1800.0, 62.0),
        ],
        frontier: Vec::new(),
        assertions: vec![AssertionOutcome {
            description: "ws bytes.per_event ÷ poll ≤ 0.5".into(),
            transport: "ws".into(),
            metric: "bytes.per_event".into(),
            sweep_value: None,
            measured: Some(62.0 / 150.0),
            passed: true,
            reason: None,
        }],
        warnings: Vec::new(),
        calibration: None,
        target: None,
        provenance: None,
    }
}

/// Writes `results` as `<dir>/results.json`, the way a run does.
pub fn write(dir: &std::path::Path, results: &Results) {
    std::fs::create_dir_all(dir).unwrap();
    let text = serde_json::to_string_pretty(results).unwrap();
    std::fs::write(dir.join("results.json"), text).unwrap();
}

/// The Python of the project's virtual environment as the setup step (scripts/setup.sh,
/// through scripts/python-env.sh) made it, found by scripts/setup-check.sh: a test installs
/// nothing, and panics saying to run
/// the setup step when the environment is not made or not up to date.
pub fn python_env() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(root.join("scripts/setup-check.sh"))
        .arg("python")
        .output()
        .expect("scripts/setup-check.sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().into()
}

/// Runs `program`, Python source, with `python` on `args`, and reads what it prints as JSON.
pub fn python_json(
    python: &std::path::Path,
    program: &str,
    args: &[&std::ffi::OsStr],
) -> serde_json::Value {
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
