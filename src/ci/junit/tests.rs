use serde_json::json;

use super::*;
use crate::ci::compare::Verdict;
use crate::ci::fixture::{entry, results};
use crate::results::AssertionOutcome;

/// A case of the document, read back by an XML parser: (classname, name, outcome element
/// and its `type` and `message`, system-out).
#[derive(Debug, PartialEq)]
struct Read {
    classname: String,
    name: String,
    verdict: Option<(String, Option<String>, String)>,
    out: Option<String>,
}

/// Parses `xml` and checks the counts of every suite and of the whole against its cases.
fn read(xml: &str) -> Vec<Vec<Read>> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let count = |node: roxmltree::Node, attribute: &str| -> usize {
        node.attribute(attribute).unwrap().parse().unwrap()
    };
    let mut suites = Vec::new();
    let mut totals = [0; 4];
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let cases: Vec<Read> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|case| {
                let verdict = case
                    .children()
                    .find(|n| ["failure", "error", "skipped"].contains(&n.tag_name().name()))
                    .map(|v| {
                        (
                            v.tag_name().name().to_string(),
                            v.attribute("type").map(String::from),
                            v.attribute("message").unwrap().to_string(),
                        )
                    });
                let out = case
                    .children()
                    .find(|n| n.has_tag_name("system-out"))
                    .and_then(|n| n.text())
                    .map(String::from);
                Read {
                    classname: case.attribute("classname").unwrap().into(),
                    name: case.attribute("name").unwrap().into(),
                    verdict,
                    out,
                }
            })
            .collect();
        let of = |kind: &str| {
            cases
                .iter()
                .filter(|c| c.verdict.as_ref().is_some_and(|v| v.0 == kind))
                .count()
        };
        let counted = [cases.len(), of("failure"), of("error"), of("skipped")];
        for (i, attribute) in ["tests", "failures", "errors", "skipped"]
            .iter()
            .enumerate()
        {
            assert_eq!(count(suite, attribute), counted[i], "{attribute}: {xml}");
            totals[i] += counted[i];
        }
        suites.push(cases);
    }
    for (i, attribute) in ["tests", "failures", "errors", "skipped"]
        .iter()
        .enumerate()
    {
        assert_eq!(count(root, attribute), totals[i], "{attribute}: {xml}");
    }
    suites
}

fn outcome(description: &str, measured: Option<f64>, passed: bool) -> AssertionOutcome {
    AssertionOutcome {
        description: description.into(),
        transport: "ws".into(),
        metric: "latency_us.p99".into(),
        sweep_value: None,
        measured,
        passed,
        reason: measured.is_none().then(|| "poll is not in this run".into()),
    }
}

#[test]
fn a_run_has_a_case_per_assertion_and_per_entry_failing_as_its_exit_status_does() {
    let mut run = results(vec![
        entry("poll", 400_000.0, 150.0, 0),
        entry("ws", 1800.0, 62.0, 0),
    ]);
    run.assertions = vec![
        outcome("ws latency_us.p99 ≤ 5000", Some(1800.0), true),
        outcome("ws latency_us.p99 ≤ 1000", Some(1800.0), false),
        outcome("ws latency_us.p99 ÷ poll ≤ 1", None, false),
    ];
    run.transports[1].generator_saturated = true;
    run.transports[1].generator_saturation = vec!["12 events still unread".into()];
    let xml = document(&[run_suite(&run, Path::new("results/ci"), false, None)]);
    let suites = read(&xml);
    assert_eq!(suites.len(), 1);
    let failure = |kind: &str, message: &str| {
        Some((
            "failure".to_string(),
            Some(kind.to_string()),
            message.to_string(),
        ))
    };
    assert_eq!(
        suites[0],
        [
            Read {
                classname: "wsbench.assert.ws".into(),
                name: "ws latency_us.p99 ≤ 5000".into(),
                verdict: None,
                out: Some("measured 1800".into()),
            },
            Read {
                classname: "wsbench.assert.ws".into(),
                name: "ws latency_us.p99 ≤ 1000".into(),
                verdict: failure("assertion", "ws latency_us.p99 ≤ 1000: measured 1800"),
                out: Some("measured 1800".into()),
            },
            Read {
                classname: "wsbench.assert.ws".into(),
                name: "ws latency_us.p99 ÷ poll ≤ 1".into(),
                verdict: failure(
                    "assertion",
                    "ws latency_us.p99 ÷ poll ≤ 1: not measured: poll is not in this run"
                ),
                out: Some("not measured: poll is not in this run".into()),
            },
            Read {
                classname: "wsbench.entry.poll".into(),
                name: "poll: the load generator kept up".into(),
                verdict: None,
                out: None,
            },
            Read {
                classname: "wsbench.entry.ws".into(),
                name: "ws: the load generator kept up".into(),
                verdict: failure(
                    "generator_saturated",
                    "the load generator was saturated (12 events still unread): these figures \
                     measure wsbench on this machine, not the transport; exit status 4 unless \
                     --allow-saturated"
                ),
                out: Some(
                    "saturated: 12 events still unread: where a transport saturated the \
                     machine, its figures describe this machine's limit, not the transport's cost"
                        .into()
                ),
            },
        ]
    );
    assert!(
        xml.contains("<property name=\"results_dir\" value=\"results/ci\"/>"),
        "{xml}"
    );
    assert!(xml.contains("<testsuite name=\"wsbench run ci\""), "{xml}");

    // Accepted: the saturated entry is skipped, not failed, as exit status 4 becomes 0.
    let accepted = read(&document(&[run_suite(&run, Path::new("x"), true, None)]));
    assert_eq!(
        accepted[0][4].verdict,
        Some((
            "skipped".into(),
            None,
            "the load generator was saturated (12 events still unread); accepted with \
             --allow-saturated"
                .into()
        ))
    );
}

#[test]
fn a_machine_limited_entry_passes_and_says_why_its_figures_are_bounds() {
    let mut run = results(vec![entry("ws", 1800.0, 62.0, 0)]);
    run.transports[0].cpu.client_cores = Some(1.0);
    run.transports[0].cpu.server_cores = Some(0.95);
    let suites = read(&document(&[run_suite(&run, Path::new("x"), false, None)]));
    assert_eq!(suites[0][0].verdict, None);
    assert_eq!(
        suites[0][0].out.as_deref(),
        Some(
            "saturated: server + load generator at 1.95 of 2 cores: where a transport \
             saturated the machine, its figures describe this machine's limit, not the \
             transport's cost"
        )
    );
}

#[test]
fn a_run_that_did_not_end_well_is_an_error() {
    let run = results(vec![entry("ws", 1800.0, 62.0, 0)]);
    let ended = Some("stopped by SIGTERM; results/ci keeps what was measured".into());
    let suites = read(&document(&[run_suite(&run, Path::new("x"), false, ended)]));
    let last = suites[0].last().unwrap();
    assert_eq!(
        (last.classname.as_str(), &last.verdict),
        (
            "wsbench.run",
            &Some((
                "error".into(),
                Some("run_failed".into()),
                "stopped by SIGTERM; results/ci keeps what was measured".into()
            ))
        )
    );
    let nothing = read(&document(&[unfinished_suite(
        Path::new("scenarios/ci.toml"),
        "the run did not finish",
    )]));
    assert_eq!(nothing[0].len(), 1);
    assert_eq!(nothing[0][0].verdict.as_ref().unwrap().0, "error");
}

/// A comparison as `--format json` writes it, so that the test reads the public shape.
fn comparison() -> Comparison {
    serde_json::from_value(json!({
        "schema": "wsbench.compare.v2",
        "threshold": 0.1,
        "tolerance": 0.01,
        "alpha": 0.01,
        "regressions": 3,
        "notes": ["the runs were measured on different machines"],
        "rows": [
            {"transport": "ws", "metric": "latency_us.p99", "direction": "lower_is_better",
             "stability": "noisy", "baseline": 900.0, "current": 1800.0, "change_pct": 100.0,
             "rounds": [5, 5], "p_value": 0.004, "noise_pct": 3.0, "verdict": "regressed"},
            {"transport": "ws", "metric": "bytes.per_event", "direction": "lower_is_better",
             "stability": "exact", "baseline": 62.0, "current": 62.5, "change_pct": 0.806,
             "verdict": "unchanged"},
            {"transport": "sse", "metric": "latency_us.p99", "direction": "lower_is_better",
             "stability": "noisy", "baseline": 2000.0, "current": null, "change_pct": null,
             "verdict": "missing"},
            {"transport": "ws", "metric": "memory.server_rss_per_conn_bytes",
             "direction": "lower_is_better", "stability": "noisy", "baseline": 8192.0,
             "current": null, "change_pct": null, "verdict": "not_measured",
             "reason": "current: no local server process"}
        ]
    }))
    .unwrap()
}

#[test]
fn a_comparison_has_a_case_per_row_failing_with_its_values_and_reason() {
    let xml = document(&[compare_suite(
        &comparison(),
        Path::new("results/baseline"),
        Path::new("results/ci"),
    )]);
    let suites = read(&xml);
    let cases: Vec<(&str, &str, Option<&str>, Option<&str>)> = suites[0]
        .iter()
        .map(|c| {
            let verdict = c.verdict.as_ref();
            (
                c.classname.as_str(),
                c.name.as_str(),
                verdict.and_then(|v| v.1.as_deref()),
                verdict.map(|v| v.2.as_str()),
            )
        })
        .collect();
    assert_eq!(
        cases,
        [
            (
                "wsbench.compare.ws",
                "ws latency_us.p99",
                Some("regressed"),
                Some(
                    "ws latency_us.p99: baseline 900, current 1800, change +100.0%: regressed \
                     (threshold 10%, p = 0.004 < 0.01 at 5 and 5 rounds)"
                )
            ),
            ("wsbench.compare.ws", "ws bytes.per_event", None, None),
            (
                "wsbench.compare.sse",
                "sse latency_us.p99",
                Some("missing"),
                Some(
                    "sse latency_us.p99: baseline 2000, current —, change —: missing (the \
                     baseline has it, the current run does not)"
                )
            ),
            (
                "wsbench.compare.ws",
                "ws memory.server_rss_per_conn_bytes",
                Some("not_measured"),
                Some(
                    "ws memory.server_rss_per_conn_bytes: baseline 8192, current n/m, change —: \
                     not_measured (not measured: current: no local server process)"
                )
            ),
        ]
    );
    assert_eq!(
        suites[0][1].out.as_deref(),
        Some("ws bytes.per_event: baseline 62, current 62.5, change +0.8%: unchanged")
    );
    assert!(
        xml.contains("<system-out>the runs were measured on different machines</system-out>"),
        "{xml}"
    );
    assert!(
        xml.contains("<property name=\"threshold\" value=\"0.1\"/>"),
        "{xml}"
    );
}

#[test]
fn swept_rows_name_their_point() {
    let mut c = comparison();
    c.sweep_parameter = Some("clients".into());
    c.rows[0].sweep_value = Some(1000.0);
    let suites = read(&document(&[compare_suite(
        &c,
        Path::new("b"),
        Path::new("c"),
    )]));
    assert_eq!(suites[0][0].name, "ws latency_us.p99 at clients = 1000");
}

#[test]
fn a_verdicts_name_is_its_json_and_the_failing_ones_fail() {
    use Verdict::*;
    for verdict in [
        Regressed,
        Improved,
        Unchanged,
        Changed,
        Missing,
        New,
        NotMeasured,
    ] {
        assert_eq!(
            serde_json::to_value(verdict).unwrap(),
            json!(verdict.name()),
            "{verdict:?}"
        );
        assert_eq!(
            verdict.fails(),
            matches!(verdict, Regressed | Missing | NotMeasured)
        );
    }
}

#[test]
fn text_from_anywhere_is_escaped_and_reads_back_the_same() {
    let awkward = "a <b> & \"c\" 'd'\nline two\ttab \u{1}bell";
    let suite = Suite {
        name: awkward.into(),
        properties: vec![("why", awkward.into())],
        cases: vec![Case {
            classname: "wsbench.x".into(),
            name: awkward.into(),
            outcome: Outcome::Error {
                kind: "run_failed",
                message: awkward.into(),
            },
            out: Some(awkward.into()),
        }],
        notes: vec![awkward.into()],
    };
    let xml = document(&[suite]);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let read = awkward.replace('\u{1}', "\u{FFFD}");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some(read.as_str()));
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert_eq!(case.attribute("name"), Some(read.as_str()));
    let error = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
    assert_eq!(error.attribute("message"), Some(read.as_str()));
    let outs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("system-out"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(outs, [read.as_str(), read.as_str()]);
}
