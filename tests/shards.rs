//! Shards, and the Kubernetes manifests that run them. The manifests validate against the
//! Kubernetes schemas (PyPI `kubernetes-validate`, offline). Three local processes run the
//! shards' Job container exactly as its pods would (its command, its environment with
//! `JOB_COMPLETION_INDEX` set, the target and window put in), beside one whole run, all
//! against one `wsbench serve` and measuring the same windows; the merge Job's command
//! merges the three, and the merge equals the whole run in every figure that is exact.
//! `wsbench merge` refuses shards that are not one run.
//!
//! All four measure the same window of the same server concurrently, so they see the same
//! events: deliveries, bytes and histogram counts are counts of the same things. The
//! window's ends lie half a publish interval from any event's `ts`, so no event is on the
//! edge. CPU, latency values and memory are measured, not counted, and differ run to run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

mod common;

const MANIFESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/kubernetes");

/// A Job manifest's container: its command with its args, its environment, and the Job's
/// completions.
struct JobContainer {
    command: Vec<String>,
    env: Vec<(String, String)>,
    completions: Option<u64>,
}

fn job_container(python: &Path, manifest: &str) -> JobContainer {
    let script = r#"
import json, sys, yaml
job = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "Job")
c = job["spec"]["template"]["spec"]["containers"][0]
print(json.dumps({
    "command": c.get("command", []) + c.get("args", []),
    "env": [[e["name"], e["value"]] for e in c.get("env", [])],
    "completions": job["spec"].get("completions"),
}))
"#;
    let path = format!("{MANIFESTS}/{manifest}");
    let value = common::python_json(python, script, &[path.as_ref()]);
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    JobContainer {
        command: strings(&value["command"]),
        env: value["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                let pair = strings(pair);
                (pair[0].clone(), pair[1].clone())
            })
            .collect(),
        completions: value["completions"].as_u64(),
    }
}

impl JobContainer {
    /// The container's command run here as its pod would run it, with `set` over its
    /// environment and the built wsbench first on the PATH.
    fn command(&self, set: &[(&str, String)]) -> Command {
        let mut command = Command::new("timeout");
        command.arg("120").args(&self.command);
        let bin = Path::new(env!("CARGO_BIN_EXE_wsbench")).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        command
            .envs(self.env.iter().map(|(k, v)| (k.clone(), v.clone())))
            .envs(set.iter().map(|(k, v)| (k.to_string(), v.clone())))
            .env("PATH", path)
            .env("WSBENCH_CALIBRATION", "off");
        command
    }
}

#[test]
fn the_manifests_validate_against_the_kubernetes_schemas() {
    let python = common::python_env();
    let validate = python.with_file_name("kubernetes-validate");
    let manifests: Vec<PathBuf> = std::fs::read_dir(MANIFESTS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert_eq!(manifests.len(), 4, "{manifests:?}");
    let check = |files: &[PathBuf]| {
        Command::new(&validate)
            .args(["--strict", "--no-warn"])
            .args(files)
            .output()
            .unwrap()
    };
    let out = check(&manifests);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The validation can fail: a misspelt field is refused.
    let tmp = tempfile::tempdir().unwrap();
    let doctored = tmp.path().join("job.yaml");
    let job = std::fs::read_to_string(format!("{MANIFESTS}/shards-job.yaml")).unwrap();
    std::fs::write(&doctored, job.replace("completionMode:", "completionMod:")).unwrap();
    let out = check(&[doctored]);
    assert!(!out.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("completionMod"), "{said}");
}

const SCENARIO: &str = r#"
name = "shards"
duration = "2.5s"
warmup = "1s"
seed = 7
transports = ["sse", "ws"]

[feed]
kind = "ticker"
rate = 4
symbols = 10

[clients]
count = 10
ramp = "1s"
"#;
/// The publish interval at 4 events/s: the window's edges lie 125 ms from any event.
const INTERVAL_NS: u64 = 250_000_000;
/// Latency below which no event can have been in flight across an edge.
const EDGE_MARGIN_US: f64 = 125_000.0;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wsbench() -> Command {
    let mut command = Command::new("timeout");
    command
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_wsbench"))
        .env("WSBENCH_CALIBRATION", "off");
    command
}

/// The server, unwrapped by `timeout` so that the guard's kill reaches it.
fn serve(scenario: &Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsbench"))
        .args(["serve", "--listen", "127.0.0.1:0", "--scenario"])
        .arg(scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap();
    (Server(child), addr.to_string())
}

/// The `ts` of an event the server published: where its publish instants lie.
fn an_event_ts(addr: &str) -> u64 {
    for _ in 0..50 {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /poll HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut body = String::new();
        stream.read_to_string(&mut body).unwrap();
        if let Some((_, rest)) = body.split_once("\"ts\":") {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return digits.parse().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server published nothing in 5 s");
}

/// An instant at least `lead` ahead, half an interval after a publish instant.
fn window_start(ts: u64, lead: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let earliest = now + lead.as_nanos() as u64;
    let start = ts + (earliest - ts).div_ceil(INTERVAL_NS) * INTERVAL_NS + INTERVAL_NS / 2;
    let at = UNIX_EPOCH + Duration::from_nanos(start);
    humantime::format_rfc3339_nanos(at).to_string()
}

fn finished(child: Child, what: &str) -> Output {
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn results(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

fn merge(dirs: &[&PathBuf], out: &Path) -> Output {
    wsbench()
        .arg("merge")
        .args(dirs)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn three_shards_merged_equal_one_run_of_the_same_window() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("shards.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    // Before the window is chosen: the first call may install the packages.
    let python = common::python_env();
    let shard_job = job_container(&python, "shards-job.yaml");
    let merge_job = job_container(&python, "merge-job.yaml");
    let (_server, addr) = serve(&scenario);
    let start = window_start(an_event_ts(&addr), Duration::from_secs(5));
    let url = format!("http://{addr}");
    let run = |out: &Path| {
        let mut command = wsbench();
        command
            .arg("run")
            .arg(&scenario)
            .args(["--quiet", "--allow-saturated", "--target", &url])
            .args(["--window-start", &start])
            .arg("--out")
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    };
    let shards_env = shard_job.env.iter().find(|(k, _)| k == "SHARDS");
    assert_eq!(shard_job.completions, Some(3));
    assert_eq!(shards_env.map(|(_, v)| v.as_str()), Some("3"));
    let volume = tmp.path().join("volume");
    let job_env = |more: &[(&'static str, String)]| {
        let mut env = vec![
            ("SCENARIO", scenario.display().to_string()),
            ("TARGET", url.clone()),
            ("WINDOW_START", start.clone()),
            ("RESULTS", volume.display().to_string()),
            ("RUN_ID", "run-1".to_string()),
        ];
        env.extend(more.iter().cloned());
        env
    };
    let shards: Vec<Child> = (0..3)
        .map(|i| {
            shard_job
                .command(&job_env(&[
                    ("JOB_COMPLETION_INDEX", i.to_string()),
                    // Three shards on one machine: each its own source address.
                    ("BIND", format!("127.0.0.{}", i + 2)),
                ]))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let dirs: Vec<PathBuf> = (0..3)
        .map(|i| volume.join(format!("run-1/shard-{i}")))
        .collect();
    let whole_dir = tmp.path().join("whole");
    let whole = run(&whole_dir).spawn().unwrap();
    for (i, shard) in shards.into_iter().enumerate() {
        finished(shard, &format!("shard {i}"));
    }
    finished(whole, "the whole run");

    let merged_dir = volume.join("run-1/merged");
    let output = merge_job.command(&job_env(&[])).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (merged, whole) = (results(&merged_dir), results(&whole_dir));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/results.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&merged)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let entries = merged["transports"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    for (ours, theirs) in entries.iter().zip(whole["transports"].as_array().unwrap()) {
        let transport = &ours["transport"];
        assert_eq!(transport, &theirs["transport"]);
        assert_eq!(ours["clients"], 10, "{transport}");
        // 2.5 s at 4 events/s, no event on the window's edges: 10 events, to all 10 clients.
        assert_eq!(ours["events"]["published"], 10, "{transport}");
        assert_eq!(ours["events"]["delivered"], 100, "{transport}");
        // Counted by the events' own `ts`: equal however late they arrived.
        for path in [
            "/events/published",
            "/events/expected",
            "/events/delivered",
            "/events/lost",
            "/events/duplicated",
            "/latency_us/count",
            "/latency_app_us/count",
            "/generator_delay_us/count",
        ] {
            assert_eq!(
                ours.pointer(path),
                theirs.pointer(path),
                "{transport} {path}"
            );
        }
        assert_eq!(ours["latency_us"]["count"], 100, "{transport}");
        // Counted at the sockets between the window's instants: equal when no event was
        // in flight across an edge, which the slowest delivery tells.
        let slowest = |r: &Value| r["latency_us"]["max"].as_f64().unwrap();
        if slowest(ours).max(slowest(theirs)) < EDGE_MARGIN_US {
            for path in [
                "/events/received_in_window",
                "/bytes/down",
                "/bytes/up",
                "/bytes/payload",
                "/bytes/per_event",
            ] {
                assert_eq!(
                    ours.pointer(path),
                    theirs.pointer(path),
                    "{transport} {path}"
                );
            }
        }
        // Three generator processes' CPU, summed; a figure of each, never null.
        assert!(ours["cpu"]["client_s"].as_f64().unwrap() > 0.0);
        assert!(
            merged_dir
                .join(ours["histogram_log"].as_str().unwrap())
                .exists()
        );
    }
    assert!(merged_dir.join("report.md").exists());

    // Not one run: a shard missing, a shard twice, another window.
    let refused = |dirs: &[&PathBuf]| {
        let output = merge(dirs, &tmp.path().join("refused"));
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let missing = refused(&[&dirs[0], &dirs[1]]);
    assert!(missing.contains("shard 2/3 missing"), "{missing}");
    let twice = refused(&[&dirs[0], &dirs[1], &dirs[1]]);
    assert!(twice.contains("are both shard 1/3"), "{twice}");
    let other = refused(&[&dirs[0], &dirs[1], &dirs[2], &whole_dir]);
    assert!(
        other.contains("whole") && other.contains("are parts of 3 and of 1 shards"),
        "{other}"
    );
}

#[test]
fn shard_flags_are_checked_before_anything_runs() {
    let run = |args: &[&str]| {
        let output = wsbench()
            .args(["run", "scenarios/ci.toml", "--quiet"])
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(run(&["--shard", "3/3"]).contains("--shard 3/3: the index must be below the count"));
    assert!(run(&["--shard", "1/3"]).contains("--shard 1/3 needs --target URL"));
    assert!(
        run(&["--shard", "1/3", "--target", "http://127.0.0.1:9"])
            .contains("--shard 1/3 needs --window-start")
    );
    assert!(run(&["--shard-from-env", "3"]).contains("$JOB_COMPLETION_INDEX is not set"));
    assert!(
        run(&[
            "--target",
            "http://127.0.0.1:9",
            "--window-start",
            "tomorrow"
        ])
        .contains("--window-start tomorrow: expected a UTC instant in RFC 3339")
    );
}

/// One transport, briefly: enough for two shards to write records to merge.
const SMALL: &str = r#"
name = "merge-out"
duration = "1s"
warmup = "500ms"
seed = 7
transports = ["ws"]

[feed]
kind = "ticker"
rate = 4

[clients]
count = 4
ramp = "200ms"
"#;

/// `wsbench merge` never writes into a shard's own directory (under any name, --force or
/// not), and says in words what differs between two shards' windows.
#[test]
fn merge_keeps_its_shards_and_names_what_differs_in_a_window() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let (_server, addr) = serve(&scenario);
    let start = window_start(an_event_ts(&addr), Duration::from_secs(5));
    let url = format!("http://{addr}");
    let dirs: Vec<PathBuf> = (0..2).map(|i| tmp.path().join(format!("s{i}"))).collect();
    let shards: Vec<Child> = dirs
        .iter()
        .enumerate()
        .map(|(i, dir)| {
            wsbench()
                .arg("run")
                .arg(&scenario)
                .args(["--quiet", "--allow-saturated", "--target", &url])
                .args(["--window-start", &start, "--shard", &format!("{i}/2")])
                .arg("--out")
                .arg(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, shard) in shards.into_iter().enumerate() {
        finished(shard, &format!("shard {i}"));
    }
    let record = std::fs::read(dirs[0].join("shard.json")).unwrap();
    let both = [&dirs[0], &dirs[1]];

    // The first shard's directory, spelt another way: refused before anything is read.
    let same = tmp.path().join("s1/../s0");
    let output = wsbench()
        .arg("merge")
        .args(both)
        .arg("--out")
        .arg(&same)
        .arg("--force")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "--out {} is the shard directory {}",
            same.display(),
            dirs[0].display()
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dirs[0].join("shard.json")).unwrap(), record);
    // A directory inside a shard's is apart from it: merged there, the shard kept whole.
    let inside = dirs[0].join("merged");
    let output = merge(&both, &inside);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(inside.join("results.json").exists());
    assert_eq!(std::fs::read(dirs[0].join("shard.json")).unwrap(), record);

    // The target told the second shard the same events, with another lateness.
    let path = dirs[1].join("shard.json");
    let mut doctored: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let window = &mut doctored["entries"][0]["stats"]["window"];
    let told = window["late_events"].to_string();
    window["late_events"] = 999.into();
    std::fs::write(&path, serde_json::to_vec(&doctored).unwrap()).unwrap();
    let output = merge(&both, &tmp.path().join("refused"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "ws.hlog: {} and {} were told different windows by the target: \
             window.late_events {told} and 999",
            dirs[0].display(),
            dirs[1].display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("Some("), "{stderr}");
}
