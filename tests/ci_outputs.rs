//! What a CI job reads of a run, read by the tools it would use: `--json` on stdout through
//! `python3 -m json.tool` with the progress on stderr, the `--junit` files through PyPI's
//! junitparser, and metrics.prom through prometheus-client's OpenMetrics and text parsers
//! (both from the virtual environment scripts/python-env.sh makes; this test installs
//! nothing).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

const WSBENCH: &str = env!("CARGO_BIN_EXE_wsbench");

/// Reads the file at `path` with a Python program of the project's environment (which
/// has junitparser and prometheus-client), as the JSON it prints.
fn python_json(program: &str, path: &Path) -> Value {
    common::python_json(&common::python_env(), program, &[path.as_os_str()])
}

/// Every suite and case of a JUnit file as junitparser reads it.
const READ_JUNIT: &str = r#"
import json, sys
from junitparser import JUnitXml
xml = JUnitXml.fromfile(sys.argv[1])
suites = []
for suite in xml:
    cases = []
    for case in suite:
        results = [{"kind": type(r).__name__, "type": r.type, "message": r.message}
                   for r in case.result]
        cases.append({"classname": case.classname, "name": case.name, "results": results,
                      "out": case.system_out})
    suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures,
                   "errors": suite.errors, "skipped": suite.skipped,
                   "properties": {p.name: p.value for p in suite.properties()},
                   "cases": cases})
print(json.dumps({"tests": xml.tests, "failures": xml.failures, "suites": suites}))
"#;

/// Every family of an exposition as each of prometheus-client's two parsers reads it.
const READ_METRICS: &str = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
from prometheus_client.parser import text_string_to_metric_families as prometheus
text = open(sys.argv[1]).read()
def families(parse):
    return [{"name": f.name, "type": f.type, "help": f.documentation,
             "samples": [[s.name, s.labels, s.value] for s in f.samples]}
            for f in parse(text)]
print(json.dumps({"openmetrics": families(openmetrics), "prometheus": families(prometheus)}))
"#;

#[test]
fn a_json_run_keeps_progress_on_stderr_and_writes_junit_and_openmetrics() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("short.toml");
    let asserts = "\n[[assert]]\ntransport = \"ws\"\nmetric = \"events.lost\"\nmax = 0\n\
                   \n[[assert]]\ntransport = \"ws\"\nmetric = \"latency_us.p99\"\nmax = 0\n";
    std::fs::write(&scenario, format!("{}{asserts}", common::SHORT)).unwrap();
    let out = dir.path().join("out");
    let junit = dir.path().join("reports/junit.xml");
    let run = Command::new(WSBENCH)
        .env_remove("WSBENCH_SERVER")
        .env("WSBENCH_CALIBRATION", "off")
        .args(["run", "--json", "--out"])
        .arg(&out)
        .arg("--junit")
        .arg(&junit)
        .arg(&scenario)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "a failed assertion: {stderr}");

    // stdout is JSON and nothing else; the progress went to stderr.
    let mut tool = Command::new("python3")
        .args(["-m", "json.tool"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    tool.stdin.take().unwrap().write_all(&run.stdout).unwrap();
    assert!(tool.wait().unwrap().success(), "python3 -m json.tool");
    assert!(stderr.contains("[ws 1/1] measuring "), "{stderr}");
    let mut printed: Value = serde_json::from_slice(&run.stdout).unwrap();
    let results_dir = printed.as_object_mut().unwrap().remove("results_dir");
    assert_eq!(results_dir, Some(out.display().to_string().into()));
    let file: Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(printed, file, "the printed record is results.json");

    let read = python_json(READ_JUNIT, &junit);
    assert_eq!(
        (read["tests"].clone(), read["failures"].clone()),
        (3.into(), 1.into())
    );
    let suite = &read["suites"][0];
    assert_eq!(suite["name"], "wsbench run short");
    assert_eq!(
        suite["properties"]["results_dir"],
        out.display().to_string()
    );
    let cases: Vec<(&str, &str, usize)> = suite["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["classname"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c["results"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        cases,
        [
            ("wsbench.assert.ws", "ws events.lost ≤ 0", 0),
            ("wsbench.assert.ws", "ws latency_us.p99 ≤ 0", 1),
            ("wsbench.entry.ws", "ws: the load generator kept up", 0),
        ]
    );
    let failure = &suite["cases"][1]["results"][0];
    assert_eq!(
        (failure["kind"].as_str(), failure["type"].as_str()),
        (Some("Failure"), Some("assertion"))
    );
    let p99 = file["transports"][0]["latency_us"]["p99"].as_f64().unwrap();
    assert_eq!(
        failure["message"].as_str().unwrap(),
        format!("ws latency_us.p99 ≤ 0: measured {p99}")
    );

    metrics_match_the_record(&out, &file);
}

/// metrics.prom parses with both parsers alike, and every sample is the record's figure.
fn metrics_match_the_record(out: &Path, record: &Value) {
    let read = python_json(READ_METRICS, &out.join("metrics.prom"));
    let families = read["openmetrics"].as_array().unwrap();
    let names = |parsed: &Value| -> Vec<(String, usize)> {
        parsed
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let samples = f["samples"].as_array().unwrap().len();
                (f["name"].as_str().unwrap().to_string(), samples)
            })
            .collect()
    };
    assert_eq!(names(&read["openmetrics"]), names(&read["prometheus"]));
    let ws = &record["transports"][0];
    let mut checked = 0;
    for family in families {
        let name = family["name"].as_str().unwrap();
        // Each figure's family names its results.json path first in its HELP.
        let path = family["help"].as_str().unwrap().split(' ').next().unwrap();
        if ["wsbench_run_info", "wsbench_generator_saturated"].contains(&name) {
            continue;
        }
        let figure = |field: &str| {
            path.split('.')
                .chain(field.split('.').filter(|f| !f.is_empty()))
                .try_fold(ws, |v, key| v.get(key))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let samples = family["samples"].as_array().unwrap();
        for sample in samples {
            assert_eq!(sample[1]["transport"], "ws", "{sample}");
            let field = match (family["type"].as_str().unwrap(), sample[1].get("quantile")) {
                ("summary", Some(q)) => match q.as_str().unwrap() {
                    "0" => "min",
                    "0.5" => "p50",
                    "0.9" => "p90",
                    "0.99" => "p99",
                    "0.999" => "p999",
                    "0.9999" => "p9999",
                    "1" => "max",
                    other => panic!("quantile {other}"),
                },
                ("summary", None) => "count",
                _ => "",
            };
            assert_eq!(
                figure(field).as_f64(),
                sample[2].as_f64(),
                "{name} {field}: {sample}"
            );
            checked += 1;
        }
        if figure("").is_null() {
            assert!(samples.is_empty(), "{name} not measured, yet {samples:?}");
            assert!(
                family["help"]
                    .as_str()
                    .unwrap()
                    .contains("Not measured, so left out (never 0): ws ("),
                "{family}"
            );
        }
    }
    assert!(checked > 50, "{checked} samples checked");
}

#[test]
fn a_comparison_writes_a_junit_file_a_ci_system_reads() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline");
    let current = dir.path().join("current");
    common::write(&baseline, &common::results());
    let mut worse = common::results();
    worse.transports[3].bytes.per_event = Some(124.0);
    worse.transports[2].memory.server_rss_per_conn_bytes = None;
    worse.transports[2]
        .not_measured
        .insert("memory".into(), "no local server process".into());
    common::write(&current, &worse);
    let junit = dir.path().join("junit.xml");
    let output = Command::new(WSBENCH)
        .arg("compare")
        .arg(&baseline)
        .arg(&current)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let read = python_json(READ_JUNIT, &junit);
    assert_eq!(
        (read["tests"].clone(), read["failures"].clone()),
        (28.into(), 2.into())
    );
    let failures: Vec<(&str, &str, &str)> = read["suites"][0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let failure = c["results"].get(0)?;
            Some((
                c["name"].as_str().unwrap(),
                failure["type"].as_str().unwrap(),
                failure["message"].as_str().unwrap(),
            ))
        })
        .collect();
    assert_eq!(
        failures,
        [
            (
                "sse memory.server_rss_per_conn_bytes",
                "not_measured",
                "sse memory.server_rss_per_conn_bytes: baseline 8192, current n/m, change —: \
                 not_measured (not measured: current: no local server process)"
            ),
            (
                "ws bytes.per_event",
                "regressed",
                "ws bytes.per_event: baseline 62, current 124, change +100.0%: regressed \
                 (tolerance 1%)"
            ),
        ]
    );

    // A path that cannot be written is the user's to fix, said before exit 2.
    let output = Command::new(WSBENCH)
        .arg("compare")
        .arg(&baseline)
        .arg(&baseline)
        .arg("--junit")
        .arg(junit.join("under-a-file.xml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("wsbench compare: --junit: cannot write") && stderr.contains("junit.xml"),
        "{stderr}"
    );
}

#[test]
fn a_junit_path_that_cannot_be_written_fails_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("short.toml");
    std::fs::write(&scenario, common::SHORT).unwrap();
    std::fs::write(dir.path().join("file"), "").unwrap();
    let output = Command::new(WSBENCH)
        .env_remove("WSBENCH_SERVER")
        .env("WSBENCH_CALIBRATION", "off")
        .args(["run", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg("--junit")
        .arg(dir.path().join("file/junit.xml"))
        .arg(&scenario)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("wsbench run: --junit: cannot write"),
        "{stderr}"
    );
    assert!(!dir.path().join("out/results.json").exists(), "nothing ran");

    // A scenario refused: the JUnit file says so, as an error.
    let junit = dir.path().join("junit.xml");
    let output = Command::new(WSBENCH)
        .args(["run", "--quiet", "--junit"])
        .arg(&junit)
        .arg(dir.path().join("missing.toml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let read = python_json(READ_JUNIT, &junit);
    let error = &read["suites"][0]["cases"][0]["results"][0];
    assert_eq!(error["kind"], "Error");
    assert!(
        error["message"].as_str().unwrap().contains("missing.toml"),
        "{error}"
    );
}
