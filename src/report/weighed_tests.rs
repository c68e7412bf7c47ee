use super::*;
use crate::report::doc::Span;
use crate::results::{FrontierSetting, Latency, TransportResult};

/// An entry with its p99, bytes per event and server CPU per delivery.
fn entry(name: &str, p99_ms: f64, bytes: f64, cpu: Option<f64>) -> TransportResult {
    let mut t = TransportResult {
        transport: Transport::named(name).unwrap(),
        clients: 100,
        latency_us: Some(Latency {
            count: 1000,
            p99: p99_ms * 1000.0,
            ..Default::default()
        }),
        ..Default::default()
    };
    t.bytes.per_event = Some(bytes);
    t.cpu.server_us_per_event = cpu;
    t
}

fn poll_at(interval: f64, p99_ms: f64, bytes: f64, cpu: f64) -> TransportResult {
    TransportResult {
        frontier: Some(FrontierSetting {
            setting: "poll_interval".into(),
            value_s: interval,
        }),
        ..entry("poll", p99_ms, bytes, Some(cpu))
    }
}

fn results(transports: Vec<TransportResult>, frontier: Vec<TransportResult>) -> Results {
    crate::transport::install();
    let mut results = crate::export::fixture::results();
    results.machine.cores = Some(2);
    results.scenario =
        serde_json::json!({"transport": {"poll_interval": "1s", "longpoll_timeout": "30s"}});
    results.transports = transports;
    results.frontier = frontier;
    results
}

fn words(blocks: &[Block]) -> Vec<String> {
    let line = |l: &Line| -> String {
        l.iter()
            .map(|s| match s {
                Span::Text(t) | Span::Strong(t) => t.clone(),
                Span::Code(t) => format!("`{t}`"),
            })
            .collect()
    };
    blocks
        .iter()
        .flat_map(|b| match b {
            Block::Paragraph(l) => vec![line(l)],
            Block::List(items) => items.iter().map(line).collect(),
            Block::Table(_) => Vec::new(),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn ticker() -> Vec<TransportResult> {
    vec![
        entry("poll", 990.8, 106.0, Some(14.0)),
        entry("longpoll", 5.4, 872.0, Some(41.0)),
        entry("sse", 2.02, 78.0, Some(6.5)),
        entry("ws", 1.74, 64.0, Some(5.0)),
    ]
}

#[test]
fn a_traced_poll_says_what_a_bound_on_p99_costs_and_what_its_cheapest_point_gives_up() {
    let mut saturated = poll_at(0.05, 50.3, 950.0, 223.0);
    saturated.generator_saturated = true;
    let r = results(
        ticker(),
        vec![
            saturated,
            poll_at(0.1, 99.8, 520.0, 113.0),
            poll_at(0.25, 248.3, 244.0, 47.0),
        ],
    );
    assert_eq!(
        words(&section(&r)),
        [
            "Latency against cost, each beside ws (p99 1.74 ms, 64 B per event, 5.0 ms of \
             server CPU per 1,000 events):",
            "poll: To keep p99 under 100 ms, poll needs its interval at 100ms or less (p99 \
             99.8 ms at 100ms; 248.3 ms at 250ms), costing 8.1× ws's bytes per event and 22.6× its server \
             CPU per delivery. At its 1s interval it costs 1.7× ws's bytes per event and 2.8× \
             its server CPU per delivery, but its p99 is 569× ws's (990.8 ms against 1.74 ms). \
             Left out, saturated (a bound, not a measurement): poll at 50ms interval.",
            "longpoll: At its 30s timeout, longpoll costs 13.6× ws's bytes per event and 8.2× \
             its server CPU per delivery, and its p99 is 3.1× ws's (5.40 ms against 1.74 ms). \
             One timeout is one point: list more values in `[frontier] longpoll_timeout` to \
             trace what each costs.",
            "sse: sse costs 1.2× ws's bytes per event and 1.3× its server CPU per delivery, and \
             its p99 is 1.2× ws's (2.02 ms against 1.74 ms).",
        ]
    );
    // The traced transport's points, as the chart draws them, the saturated one flagged.
    let Some(Block::Table(table)) = section(&r).pop() else {
        panic!("no table of the points");
    };
    let rows: Vec<(&str, &str, &str)> = table
        .rows
        .iter()
        .map(|r| (r[1].as_str(), r[3].as_str(), r[7].as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "50ms interval",
                "50.3 ms",
                "saturated: a bound, not a measurement"
            ),
            ("100ms interval", "99.8 ms", "ok"),
            ("250ms interval", "248.3 ms", "ok"),
            ("1s interval", "990.8 ms", "ok (the run's own entry)"),
        ]
    );
}

#[test]
fn a_single_interval_gives_one_point_and_says_how_to_trace_the_curve() {
    let r = results(ticker(), vec![]);
    let lines = words(&section(&r));
    assert_eq!(
        lines[1],
        "poll: At its 1s interval, poll costs 1.7× ws's bytes per event and 2.8× its server \
         CPU per delivery, and its p99 is 569× ws's (990.8 ms against 1.74 ms). One interval \
         is one point: list more values in `[frontier] poll_interval` (or a sweep of \
         poll_interval) to trace what each costs."
    );
}

#[test]
fn a_figure_not_measured_is_said_never_taken_as_zero() {
    let mut transports = ticker();
    transports[0].cpu.server_us_per_event = None;
    transports[3].bytes.per_event = None;
    let lines = words(&section(&results(transports, vec![])));
    assert_eq!(
        lines[0],
        "Latency against cost, each beside ws (p99 1.74 ms, bytes per event not measured, 5.0 \
         ms of server CPU per 1,000 events):"
    );
    assert!(
        lines[1].starts_with(
            "poll: At its 1s interval, poll costs bytes per event not measured and server CPU \
             per delivery not measured, and its p99 is 569× ws's"
        ),
        "{}",
        lines[1]
    );
}

#[test]
fn a_saturated_reference_gives_way_and_without_one_the_figures_are_each_transports_own() {
    let mut transports = ticker();
    transports[3].errors.timeout = 5;
    let lines = words(&section(&results(transports, vec![])));
    assert!(
        lines[0].contains("each beside sse (p99 2.02 ms"),
        "{}",
        lines[0]
    );
    assert!(
        lines.iter().any(|l| l
            == "ws: not weighed: it saturated, and a saturated point is a \
                                    bound, not a measurement."),
        "{lines:?}"
    );
    let polls_only = results(
        vec![entry("poll", 990.8, 106.0, Some(14.0))],
        vec![poll_at(0.1, 99.8, 520.0, 113.0)],
    );
    assert_eq!(
        words(&section(&polls_only)),
        [
            "Latency against cost (no streaming transport kept up with a measured p99 to \
             compare with: each transport's own figures):",
            "poll: To keep p99 under 100 ms, poll needs its interval at 100ms or less (p99 99.8 \
             ms at 100ms; 990.8 ms at 1s), costing 520 B per event and 113.0 ms of server CPU per 1,000 \
             events. At its 1s interval it costs 106 B per event and 14.0 ms of server CPU \
             per 1,000 events, but its p99 is 990.8 ms.",
        ]
    );
}

#[test]
fn bounds_are_round() {
    assert_eq!(nice_ceiling(99_800.0), 100_000.0);
    assert_eq!(nice_ceiling(100_000.0), 100_000.0);
    assert_eq!(nice_ceiling(101_000.0), 200_000.0);
    assert_eq!(nice_ceiling(248_300.0), 500_000.0);
    assert_eq!(nice_ceiling(600.0), 1000.0);
    assert_eq!(show_bound(2e6), "2 s");
    assert_eq!(show_bound(500.0), "500 µs");
}

#[test]
fn a_poll_interval_sweep_is_weighed_like_a_frontier_against_ws_at_the_headline_point() {
    let at = |t: TransportResult, v: f64| TransportResult {
        sweep_value: Some(v),
        ..t
    };
    let mut r = results(
        vec![
            at(entry("poll", 99.8, 520.0, Some(113.0)), 0.1),
            at(entry("ws", 1.9, 66.0, Some(5.5)), 0.1),
            at(entry("poll", 248.3, 244.0, Some(47.0)), 0.25),
            at(entry("ws", 1.8, 65.0, Some(5.2)), 0.25),
            at(entry("poll", 990.8, 106.0, Some(14.0)), 1.0),
            at(entry("ws", 1.74, 64.0, Some(5.0)), 1.0),
        ],
        vec![],
    );
    r.sweep = Some(crate::results::SweepInfo {
        parameter: "poll_interval".into(),
        values: vec![0.1, 0.25, 1.0],
    });
    assert_eq!(
        words(&section(&r)),
        [
            "Latency against cost, each beside ws (p99 1.74 ms, 64 B per event, 5.0 ms of \
             server CPU per 1,000 events):",
            "poll: To keep p99 under 100 ms, poll needs its interval at 100ms or less (p99 99.8 \
             ms at 100ms; 248.3 ms at 250ms), costing 8.1× ws's bytes per event and 22.6× its \
             server CPU per delivery. At its 1s interval it costs 1.7× ws's bytes per event and \
             2.8× its server CPU per delivery, but its p99 is 569× ws's (990.8 ms against 1.74 \
             ms).",
        ]
    );
}

#[test]
fn a_hold_that_never_ran_out_is_said_to_change_nothing_rather_than_worth_tracing() {
    let mut transports = ticker();
    transports[1].requests.total = 6000;
    let lines = words(&section(&results(transports.clone(), vec![])));
    assert_eq!(
        lines[2],
        "longpoll: At its 30s timeout, longpoll costs 13.6× ws's bytes per event and 8.2× its \
         server CPU per delivery, and its p99 is 3.1× ws's (5.40 ms against 1.74 ms). Its \
         timeout never ran out here (no answer was empty: an event always came first), so \
         another timeout would measure the same on this feed."
    );
    // Some holds ran out: the hold changes what a client asks, and is worth tracing.
    transports[1].requests.empty = 40;
    let lines = words(&section(&results(transports, vec![])));
    assert!(
        lines[2].ends_with(
            "list more values in `[frontier] longpoll_timeout` to trace what each costs."
        ),
        "{}",
        lines[2]
    );
}
