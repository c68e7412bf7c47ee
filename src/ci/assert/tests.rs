use super::*;
use crate::ci::fixture::{entry, results, swept};
use crate::transport_kind::Transport;

fn transport(name: Option<&str>) -> Option<Transport> {
    name.map(|n| n.parse().unwrap())
}

fn bound(t: Option<&str>, metric: &str, min: Option<f64>, max: Option<f64>) -> AssertSpec {
    AssertSpec {
        metric: metric.into(),
        transport: transport(t),
        min,
        max,
        relative_to: None,
        min_ratio: None,
        max_ratio: None,
    }
}

fn ratio(
    t: &str,
    metric: &str,
    rel: &str,
    min_ratio: Option<f64>,
    max_ratio: Option<f64>,
) -> AssertSpec {
    AssertSpec {
        metric: metric.into(),
        transport: transport(Some(t)),
        min: None,
        max: None,
        relative_to: transport(Some(rel)),
        min_ratio,
        max_ratio,
    }
}

fn outcome(
    description: &str,
    transport: &str,
    metric: &str,
    measured: f64,
    passed: bool,
) -> AssertionOutcome {
    AssertionOutcome {
        description: description.into(),
        transport: transport.into(),
        metric: metric.into(),
        sweep_value: None,
        measured: Some(measured),
        passed,
        reason: None,
    }
}

fn unmeasured(description: &str, transport: &str, metric: &str, reason: &str) -> AssertionOutcome {
    AssertionOutcome {
        description: description.into(),
        transport: transport.into(),
        metric: metric.into(),
        sweep_value: None,
        measured: None,
        passed: false,
        reason: Some(reason.into()),
    }
}

fn run() -> Results {
    results(vec![
        entry("poll", 250_000.0, 155.0, 0),
        entry("sse", 1800.0, 70.0, 2),
        entry("ws", 3120.0, 62.0, 0),
    ])
}

#[test]
fn a_max_bound_passes_and_fails() {
    let asserts = [
        bound(Some("ws"), "latency_us.p99", None, Some(5000.0)),
        bound(Some("ws"), "latency_us.p99", None, Some(3000.0)),
    ];
    assert_eq!(
        evaluate(&asserts, &run()),
        vec![
            outcome(
                "ws latency_us.p99 ≤ 5000",
                "ws",
                "latency_us.p99",
                3120.0,
                true
            ),
            outcome(
                "ws latency_us.p99 ≤ 3000",
                "ws",
                "latency_us.p99",
                3120.0,
                false
            ),
        ]
    );
}

#[test]
fn a_min_bound_and_both_bounds() {
    let asserts = [
        bound(Some("ws"), "bytes.per_event", Some(100.0), None),
        bound(Some("sse"), "latency_us.p99", Some(1000.0), Some(2000.0)),
    ];
    assert_eq!(
        evaluate(&asserts, &run()),
        vec![
            outcome(
                "ws bytes.per_event ≥ 100",
                "ws",
                "bytes.per_event",
                62.0,
                false
            ),
            outcome(
                "sse latency_us.p99 ≥ 1000 and ≤ 2000",
                "sse",
                "latency_us.p99",
                1800.0,
                true
            ),
        ]
    );
}

#[test]
fn without_a_transport_every_entry_is_checked() {
    let asserts = [bound(None, "events.lost", None, Some(0.0))];
    assert_eq!(
        evaluate(&asserts, &run()),
        vec![
            outcome("poll events.lost ≤ 0", "poll", "events.lost", 0.0, true),
            outcome("sse events.lost ≤ 0", "sse", "events.lost", 2.0, false),
            outcome("ws events.lost ≤ 0", "ws", "events.lost", 0.0, true),
        ]
    );
}

#[test]
fn ratios_divide_by_the_other_transport() {
    let asserts = [
        ratio("ws", "bytes.per_event", "poll", None, Some(0.5)),
        ratio("ws", "bytes.per_event", "poll", None, Some(0.1)),
        ratio("poll", "latency_us.p99", "ws", Some(100.0), None),
    ];
    assert_eq!(
        evaluate(&asserts, &run()),
        vec![
            outcome(
                "ws bytes.per_event ÷ poll ≤ 0.5",
                "ws",
                "bytes.per_event",
                0.4,
                true
            ),
            outcome(
                "ws bytes.per_event ÷ poll ≤ 0.1",
                "ws",
                "bytes.per_event",
                0.4,
                false
            ),
            outcome(
                "poll latency_us.p99 ÷ ws ≥ 100",
                "poll",
                "latency_us.p99",
                250_000.0 / 3120.0,
                false
            ),
        ]
    );
}

#[test]
fn a_transport_absent_from_the_run_fails_and_says_so() {
    let run = results(vec![entry("ws", 3120.0, 62.0, 0)]);
    let asserts = [
        bound(Some("sse"), "events.lost", None, Some(0.0)),
        ratio("ws", "bytes.per_event", "poll", None, Some(0.5)),
    ];
    assert_eq!(
        evaluate(&asserts, &run),
        vec![
            unmeasured(
                "sse events.lost ≤ 0",
                "sse",
                "events.lost",
                "sse is not in this run"
            ),
            unmeasured(
                "ws bytes.per_event ÷ poll ≤ 0.5",
                "ws",
                "bytes.per_event",
                "poll is not in this run"
            ),
        ]
    );
}

#[test]
fn a_run_without_transports_fails_assertions_on_all() {
    let asserts = [bound(None, "requests.errors", None, Some(0.0))];
    assert_eq!(
        evaluate(&asserts, &results(Vec::new())),
        vec![unmeasured(
            "all requests.errors ≤ 0",
            "all",
            "requests.errors",
            "the run measured no transport"
        )]
    );
}

#[test]
fn division_by_zero_fails_explicitly() {
    let run = results(vec![entry("poll", 0.0, 0.0, 0), entry("ws", 0.0, 62.0, 0)]);
    let asserts = [
        ratio("ws", "bytes.per_event", "poll", None, Some(0.5)),
        ratio("ws", "latency_us.p99", "poll", None, Some(1.0)),
    ];
    assert_eq!(
        evaluate(&asserts, &run),
        vec![
            unmeasured(
                "ws bytes.per_event ÷ poll ≤ 0.5",
                "ws",
                "bytes.per_event",
                "poll bytes.per_event is 0, so the ratio is undefined"
            ),
            unmeasured(
                "ws latency_us.p99 ÷ poll ≤ 1",
                "ws",
                "latency_us.p99",
                "poll latency_us.p99 is 0, so the ratio is undefined"
            ),
        ]
    );
}

#[test]
fn a_value_that_is_not_a_number_fails() {
    // NaN serialises as null: the record holds no value for it.
    let run = results(vec![
        entry("ws", f64::NAN, 62.0, 0),
        entry("poll", 1.0, f64::MIN_POSITIVE, 0),
    ]);
    let asserts = [
        bound(Some("ws"), "latency_us.p99", None, Some(5000.0)),
        ratio("ws", "bytes.per_event", "poll", None, Some(0.5)),
    ];
    assert_eq!(
        evaluate(&asserts, &run),
        vec![
            unmeasured(
                "ws latency_us.p99 ≤ 5000",
                "ws",
                "latency_us.p99",
                "ws has no value for latency_us.p99"
            ),
            unmeasured(
                "ws bytes.per_event ÷ poll ≤ 0.5",
                "ws",
                "bytes.per_event",
                "the measured value is inf, not a number"
            ),
        ]
    );
}

#[test]
fn a_sweep_is_checked_at_each_point() {
    let run = swept("clients", &[10.0, 100.0, 1000.0], |clients| {
        let ws = entry("ws", clients * 50.0, 62.0, 0);
        if clients < 1000.0 {
            vec![ws]
        } else {
            Vec::new()
        }
    });
    let asserts = [bound(Some("ws"), "latency_us.p99", None, Some(4000.0))];
    let at = |clients: f64, o: AssertionOutcome| AssertionOutcome {
        sweep_value: Some(clients),
        ..o
    };
    assert_eq!(
        evaluate(&asserts, &run),
        vec![
            at(
                10.0,
                outcome(
                    "ws latency_us.p99 ≤ 4000 at clients = 10",
                    "ws",
                    "latency_us.p99",
                    500.0,
                    true
                )
            ),
            at(
                100.0,
                outcome(
                    "ws latency_us.p99 ≤ 4000 at clients = 100",
                    "ws",
                    "latency_us.p99",
                    5000.0,
                    false
                )
            ),
            at(
                1000.0,
                unmeasured(
                    "ws latency_us.p99 ≤ 4000 at clients = 1000",
                    "ws",
                    "latency_us.p99",
                    "ws is not in this run at clients = 1000"
                )
            ),
        ]
    );
}

#[test]
fn poll_interval_points_are_in_seconds() {
    let run = swept("poll_interval", &[0.5], |_| {
        vec![entry("poll", 1.0, 1.0, 0)]
    });
    let asserts = [bound(Some("poll"), "events.lost", None, Some(0.0))];
    assert_eq!(
        evaluate(&asserts, &run)[0].description,
        "poll events.lost ≤ 0 at poll_interval = 0.5s"
    );
}

fn mixed() -> Vec<AssertionOutcome> {
    vec![
        outcome(
            "ws latency_us.p99 ≤ 5000",
            "ws",
            "latency_us.p99",
            3120.0,
            true,
        ),
        outcome(
            "ws bytes.per_event ÷ poll ≤ 0.1",
            "ws",
            "bytes.per_event",
            0.41234,
            false,
        ),
        unmeasured(
            "sse events.lost ≤ 0",
            "sse",
            "events.lost",
            "sse is not in this run",
        ),
    ]
}

#[test]
fn text_lists_every_outcome_with_its_value() {
    assert_eq!(
        render_text(&mixed()),
        "PASS  ws latency_us.p99 ≤ 5000         measured 3120\n\
         FAIL  ws bytes.per_event ÷ poll ≤ 0.1  measured 0.412\n\
         FAIL  sse events.lost ≤ 0              not measured: sse is not in this run\n\
         2 of 3 assertions failed\n"
    );
    assert_eq!(
        render_text(&mixed()[..1]),
        "PASS  ws latency_us.p99 ≤ 5000  measured 3120\n1 of 1 assertion passed\n"
    );
    assert_eq!(render_text(&[]), "");
}

#[test]
fn markdown_is_a_table() {
    assert_eq!(
        render_markdown(&mixed()),
        "| Result | Assertion | Measured |\n\
         | --- | --- | ---: |\n\
         | ✅ PASS | ws latency_us.p99 ≤ 5000 | 3120 |\n\
         | ❌ FAIL | ws bytes.per_event ÷ poll ≤ 0.1 | 0.412 |\n\
         | ❌ FAIL | sse events.lost ≤ 0 | not measured: sse is not in this run |\n"
    );
    assert_eq!(render_markdown(&[]), "");
}

#[test]
fn outcomes_without_a_value_survive_json() {
    for o in mixed() {
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<AssertionOutcome>(&json).unwrap(), o);
    }
    let json = serde_json::to_value(&mixed()[2]).unwrap();
    assert_eq!(json["measured"], serde_json::Value::Null);
    assert_eq!(json["reason"], "sse is not in this run");
}

#[test]
fn a_metric_not_measured_fails_with_its_reason() {
    let mut ws = entry("ws", 100.0, 62.0, 0);
    ws.memory.server_rss_per_conn_bytes = None;
    ws.not_measured
        .insert("memory".into(), "no local server process".into());
    let mut sse = entry("sse", 100.0, 62.0, 0);
    sse.cpu.server_us_per_event = None;
    let run = results(vec![ws, sse]);
    let asserts = [
        bound(
            Some("ws"),
            "memory.server_rss_per_conn_bytes",
            None,
            Some(1e6),
        ),
        bound(Some("sse"), "cpu.server_us_per_event", None, Some(50.0)),
    ];
    assert_eq!(
        evaluate(&asserts, &run),
        vec![
            unmeasured(
                "ws memory.server_rss_per_conn_bytes ≤ 1000000",
                "ws",
                "memory.server_rss_per_conn_bytes",
                "ws memory.server_rss_per_conn_bytes: no local server process"
            ),
            unmeasured(
                "sse cpu.server_us_per_event ≤ 50",
                "sse",
                "cpu.server_us_per_event",
                "sse has no value for cpu.server_us_per_event"
            ),
        ]
    );
}

#[test]
fn a_latency_gate_on_an_entry_that_delivered_nothing_fails_never_passes() {
    let mut silent = entry("ws", 100.0, 62.0, 0);
    silent.latency_us = None;
    silent.not_measured.insert(
        "latency_us".into(),
        crate::figures::NOTHING_DELIVERED.into(),
    );
    let run = results(vec![silent, entry("poll", 400_000.0, 150.0, 0)]);
    let asserts = [
        bound(Some("ws"), "latency_us.p99", None, Some(5000.0)),
        ratio("ws", "latency_us.p99", "poll", None, Some(1.0)),
        ratio("poll", "latency_us.p99", "ws", Some(1.0), None),
    ];
    let reason = "ws latency_us.p99: no event was delivered in the window";
    let outcomes = evaluate(&asserts, &run);
    assert_eq!(
        outcomes,
        vec![
            unmeasured("ws latency_us.p99 ≤ 5000", "ws", "latency_us.p99", reason),
            unmeasured(
                "ws latency_us.p99 ÷ poll ≤ 1",
                "ws",
                "latency_us.p99",
                reason
            ),
            unmeasured(
                "poll latency_us.p99 ÷ ws ≥ 1",
                "poll",
                "latency_us.p99",
                reason
            ),
        ]
    );
    assert!(
        render_text(&outcomes).starts_with(&format!(
            "FAIL  ws latency_us.p99 ≤ 5000      not measured: {reason}\n"
        )),
        "{}",
        render_text(&outcomes)
    );
}
