//! scenarios/ci.toml, the check CI runs: it validates, fits in a minute on paper, and its
//! assertions pass on plausible figures and fail on the regressions they are there for.

mod common;

use std::path::Path;
use std::time::Duration;

use wsbench::ci::evaluate;
use wsbench::scenario::Scenario;

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ci.toml");
    Scenario::load(&path).unwrap()
}

#[test]
fn it_validates_through_the_binary() {
    assert_cmd::Command::cargo_bin("wsbench")
        .unwrap()
        .args(["validate", "scenarios/ci.toml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .code(0);
}

#[test]
fn all_four_transports_fit_in_under_a_minute() {
    let s = scenario();
    assert_eq!(s.transports, wsbench::transport_kind::Transport::defaults());
    let total: Duration = s
        .transports
        .iter()
        .map(|&t| s.clients.ramp + s.warmup + s.duration + s.drain_period(t))
        .sum();
    assert_eq!(total, Duration::from_millis(32_500));
}

#[test]
fn its_assertions_pass_on_plausible_figures() {
    let outcomes = evaluate(&scenario().asserts, &common::results());
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed).collect();
    assert_eq!(failed, Vec::<&wsbench::results::AssertionOutcome>::new());
    let described: Vec<&str> = outcomes.iter().map(|o| o.description.as_str()).collect();
    assert_eq!(
        described,
        [
            "sse events.lost ≤ 0",
            "ws events.lost ≤ 0",
            "ws bytes.per_event ÷ poll ≤ 0.5",
            "ws latency_us.p99 ÷ poll ≤ 1",
            "poll requests.errors ≤ 0",
            "longpoll requests.errors ≤ 0",
            "sse requests.errors ≤ 0",
            "ws requests.errors ≤ 0",
        ]
    );
}

#[test]
fn its_assertions_catch_what_they_are_for() {
    let mut results = common::results();
    results.transports[2].events.lost = Some(1); // sse
    results.transports[3].bytes.per_event = Some(100.0); // ws: 100 / 150 > 0.5
    results.transports[0].requests.errors = 3; // poll
    let failed: Vec<String> = evaluate(&scenario().asserts, &results)
        .into_iter()
        .filter(|o| !o.passed)
        .map(|o| o.description)
        .collect();
    assert_eq!(
        failed,
        [
            "sse events.lost ≤ 0",
            "ws bytes.per_event ÷ poll ≤ 0.5",
            "poll requests.errors ≤ 0",
        ]
    );
}
