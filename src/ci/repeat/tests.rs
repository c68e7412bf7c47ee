use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::ci::fixture::entry;
use crate::results::{Latency, PercentilePoint, Second};

/// An entry whose every number is `n`: shows that the median covers each field.
fn all_numbers(n: u64) -> TransportResult {
    fn set(value: &mut Value, n: u64) {
        match value {
            Value::Number(_) | Value::Null => *value = Value::from(n),
            Value::Object(map) => map.values_mut().for_each(|v| set(v, n)),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(TransportResult::with_every_section()).unwrap();
    set(&mut value, n);
    serde_json::from_value(value).unwrap()
}

#[test]
fn every_numeric_field_is_a_median() {
    let result = median(&[all_numbers(7), all_numbers(1), all_numbers(3)]);
    for path in TransportResult::metric_paths() {
        assert_eq!(result.metric(&path), Some(3.0), "{path}");
    }
}

#[test]
fn odd_counts_take_the_middle_and_keep_the_rest_of_the_first_run() {
    let mut runs = vec![
        entry("ws", 300.0, 62.0, 0),
        entry("ws", 100.0, 64.0, 5),
        entry("ws", 200.0, 63.0, 1),
    ];
    runs[0].histogram_log = Some("ws-1.hlog".into());
    runs[1].header_profile = "minimal".into();
    let result = median(&runs);
    let latency = result.latency_us.as_ref().unwrap();
    assert_eq!((latency.p99, latency.p50), (200.0, 100.0));
    assert_eq!(result.bytes.per_event, Some(63.0));
    assert_eq!(result.events.lost, Some(1));
    assert_eq!(result.transport.name(), "ws");
    assert_eq!(result.header_profile, "browser");
    assert_eq!(result.histogram_log.as_deref(), Some("ws-1.hlog"));
}

#[test]
fn even_counts_average_the_middle_two_and_round_integers() {
    let runs = [entry("ws", 100.0, 62.0, 0), entry("ws", 201.0, 63.0, 1)];
    let result = median(&runs);
    assert_eq!(result.metric("latency_us.p99"), Some(150.5));
    assert_eq!(result.bytes.per_event, Some(62.5));
    assert_eq!(
        result.events.lost,
        Some(1),
        "0.5 rounds half away from zero"
    );
    let four = [0, 2, 3, 9].map(|lost| entry("ws", 1.0, 1.0, lost));
    assert_eq!(
        median(&four).events.lost,
        Some(3),
        "(2 + 3) / 2 = 2.5 rounds to 3"
    );
}

#[test]
fn a_figure_not_measured_in_some_runs_is_the_median_of_the_others() {
    let mut runs = [0, 1, 2].map(|_| entry("ws", 100.0, 62.0, 0));
    let no_process = "no local server process".to_string();
    for (run, rss) in runs.iter_mut().zip([Some(1000.0), None, Some(3000.0)]) {
        run.memory = Default::default();
        run.memory.server_rss_per_conn_bytes = rss;
        run.cpu.server_s = None;
        run.not_measured
            .insert("cpu.server_s".into(), "cannot read /proc/9/stat".into());
        if rss.is_none() {
            run.not_measured.insert("memory".into(), no_process.clone());
        }
    }
    let result = median(&runs);
    assert_eq!(result.memory.server_rss_per_conn_bytes, Some(2000.0));
    assert_eq!(result.memory.server_peak_rss_bytes, None, "never measured");
    assert_eq!(result.cpu.server_s, None);
    // The memory figures no run measured keep the reason; the one measured drops it.
    assert_eq!(
        result.not_measured.get("memory.server_peak_rss_bytes"),
        Some(&no_process)
    );
    assert_eq!(result.not_measured.get("memory"), None);
    assert_eq!(
        result.not_measured.get("cpu.server_s").map(String::as_str),
        Some("cannot read /proc/9/stat")
    );
    assert_eq!(result.not_measured.len(), 4, "{:?}", result.not_measured);
}

#[test]
fn spread_holds_the_rounds_min_and_max_of_the_headline_metrics() {
    let mut runs = vec![
        entry("ws", 300.0, 62.0, 0),
        entry("ws", 100.0, 64.0, 5),
        entry("ws", 200.0, 63.0, 1),
    ];
    for (i, run) in runs.iter_mut().enumerate() {
        run.cpu.server_us_per_event = Some(10.0 + i as f64);
        run.cpu.client_us_per_event = Some(20.0 - i as f64);
        run.memory.server_rss_per_conn_bytes = Some(4096.0);
    }
    let spread = median(&runs).spread.unwrap();
    assert_eq!(
        Value::Object(spread),
        json!({
            "latency_us.p50": {"min": 50.0, "max": 150.0, "values": [150.0, 50.0, 100.0]},
            "latency_us.p99": {"min": 100.0, "max": 300.0, "values": [300.0, 100.0, 200.0]},
            "bytes.per_event": {"min": 62.0, "max": 64.0, "values": [62.0, 64.0, 63.0]},
            "cpu.server_us_per_event": {"min": 10.0, "max": 12.0, "values": [10.0, 11.0, 12.0]},
            "cpu.client_us_per_event": {"min": 18.0, "max": 20.0, "values": [20.0, 19.0, 18.0]},
            "cpu.floor_multiple": {"min": 0.0, "max": 0.0, "values": [0.0, 0.0, 0.0]},
            "memory.server_rss_per_conn_bytes": {
                "min": 4096.0, "max": 4096.0, "values": [4096.0, 4096.0, 4096.0]
            },
        })
    );
}

#[test]
fn one_run_is_itself_and_none_is_empty() {
    let run = entry("sse", 1800.0, 70.0, 2);
    assert_eq!(median(std::slice::from_ref(&run)), run);
    assert_eq!(median(&[]), TransportResult::default());
}

#[test]
fn equal_arrays_merge_by_element_and_unequal_ones_come_from_the_first_run() {
    let point = |p: f64, us: f64| PercentilePoint {
        percentile: p,
        latency_us: us,
    };
    let second = |t: f64, delivered: u64| Second {
        t_s: t,
        delivered,
        p99_us: Some(1.0),
        in_window: true,
    };
    let mut runs = vec![
        entry("ws", 1.0, 1.0, 0),
        entry("ws", 1.0, 1.0, 0),
        entry("ws", 1.0, 1.0, 0),
    ];
    runs[0].percentiles = vec![point(50.0, 10.0), point(99.0, 90.0)];
    runs[1].percentiles = vec![point(50.0, 30.0), point(99.0, 70.0)];
    runs[2].percentiles = vec![point(50.0, 20.0), point(99.0, 80.0)];
    runs[0].timeline = vec![second(0.0, 5)];
    runs[1].timeline = vec![second(0.0, 6), second(1.0, 7)];
    runs[2].timeline = vec![second(0.0, 4)];
    let result = median(&runs);
    assert_eq!(
        result.percentiles,
        vec![point(50.0, 20.0), point(99.0, 80.0)]
    );
    assert_eq!(result.timeline, vec![second(0.0, 5)]);
}

#[test]
fn optional_sections_take_the_median_of_the_runs_that_have_them() {
    let mut runs = vec![
        entry("ws", 1.0, 1.0, 0),
        entry("ws", 1.0, 1.0, 0),
        entry("ws", 1.0, 1.0, 0),
    ];
    let staleness = |p99: f64| Latency {
        p99,
        ..Default::default()
    };
    runs[1].staleness_us = Some(staleness(40.0));
    runs[2].staleness_us = Some(staleness(60.0));
    assert_eq!(median(&runs).staleness_us, Some(staleness(50.0)));
}

#[test]
fn runs_interleave_round_by_round() {
    let [poll, sse, ws] = ["poll", "sse", "ws"].map(|t| Transport::named(t).unwrap());
    assert_eq!(
        interleaved_order(&[poll, sse, ws], 2),
        vec![(poll, 1), (sse, 1), (ws, 1), (poll, 2), (sse, 2), (ws, 2)]
    );
    assert_eq!(interleaved_order(&[ws], 3), vec![(ws, 1), (ws, 2), (ws, 3)]);
    assert_eq!(interleaved_order(&[poll, ws], 0), vec![]);
}

proptest! {
    #[test]
    fn an_odd_count_gives_the_middle_value(mut lost in prop::collection::vec(0u64..1_000, 1..8)) {
        if lost.len() % 2 == 0 {
            lost.pop();
        }
        let runs: Vec<_> = lost.iter().map(|&l| entry("poll", l as f64, 1.0, l)).collect();
        let result = median(&runs);
        lost.sort_unstable();
        prop_assert_eq!(result.events.lost, Some(lost[lost.len() / 2]));
        prop_assert_eq!(result.metric("latency_us.p99"), Some(lost[lost.len() / 2] as f64));
    }
}

/// One round of five whose generator sent a few polls late does not make the entry
/// saturated (the medians stand for the other four); three of five do, with their reasons.
#[test]
fn saturation_is_the_rounds_majority_not_the_first_rounds() {
    let saturated = |reason: &str| {
        let mut r = entry("poll", 300.0, 156.0, 0);
        r.generator_saturated = true;
        r.generator_saturation = vec![reason.into()];
        r
    };
    let kept_up = || entry("poll", 300.0, 156.0, 0);
    let late = "6 of 500 polls went out more than 5 ms after they were due";
    let one = median(&[saturated(late), kept_up(), kept_up(), kept_up(), kept_up()]);
    assert!(!one.generator_saturated);
    assert!(one.generator_saturation.is_empty());

    let three = median(&[
        kept_up(),
        saturated(late),
        saturated("its own delay p50 12 ms"),
        kept_up(),
        saturated(late),
    ]);
    assert!(three.generator_saturated);
    assert_eq!(
        three.generator_saturation,
        [
            format!("{late} (in 3 of 5 rounds)"),
            "its own delay p50 12 ms (in 3 of 5 rounds)".to_string()
        ]
    );
}
