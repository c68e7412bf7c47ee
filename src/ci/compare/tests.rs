use serde_json::json;

use super::*;
use crate::ci::fixture::{entry, results, swept};

fn metrics(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

fn row(
    transport: &str,
    metric: &str,
    b: Option<f64>,
    c: Option<f64>,
    pct: Option<f64>,
    verdict: Verdict,
) -> Row {
    Row {
        transport: transport.into(),
        sweep_value: None,
        metric: metric.into(),
        direction: Direction::of(metric),
        stability: crate::figures::stability(metric),
        baseline: b,
        current: c,
        change_pct: pct,
        rounds: None,
        p_value: None,
        noise_pct: None,
        verdict,
        reason: None,
    }
}

/// A timed figure of one run a side: shown, not judged.
fn not_gated(transport: &str, metric: &str, b: f64, c: f64, pct: f64) -> Row {
    Row {
        rounds: Some([1, 1]),
        reason: Some(
            "a timed figure from 1 and 1 round(s): gated from 3 rounds a side (wsbench run \
             --repeat 5; wsbench baseline)"
                .into(),
        ),
        ..row(
            transport,
            metric,
            Some(b),
            Some(c),
            Some(pct),
            Verdict::NotGated,
        )
    }
}

/// The defaults with timed figures gated (`--gate-timed`): most tests judge them.
const GATES: Gates = Gates {
    timed: true,
    ..Gates::DEFAULT
};

#[test]
fn lower_is_better_metrics_regress_beyond_the_threshold_only() {
    use Direction::LowerIsBetter as L;
    assert_eq!(
        judge(L, Some(1200.0), Some(1800.0), 0.1),
        (Some(50.0), Verdict::Regressed)
    );
    assert_eq!(
        judge(L, Some(1200.0), Some(600.0), 0.1),
        (Some(-50.0), Verdict::Improved)
    );
    assert_eq!(
        judge(L, Some(100.0), Some(110.0), 0.1),
        (Some(10.0), Verdict::Unchanged),
        "at the threshold"
    );
    assert_eq!(
        judge(L, Some(100.0), Some(111.0), 0.1),
        (Some(11.0), Verdict::Regressed)
    );
    assert_eq!(
        judge(L, Some(100.0), Some(100.0), 0.0),
        (Some(0.0), Verdict::Unchanged)
    );
    assert_eq!(
        judge(L, Some(0.0), Some(3.0), 0.1),
        (None, Verdict::Regressed),
        "a rise from 0"
    );
    assert_eq!(
        judge(L, Some(0.0), Some(0.0), 0.1),
        (Some(0.0), Verdict::Unchanged)
    );
}

#[test]
fn lost_events_tolerate_no_rise_whatever_the_threshold() {
    use Direction::ZeroTolerance as Z;
    assert_eq!(Direction::of("events.lost"), Z);
    assert_eq!(
        judge(Z, Some(0.0), Some(1.0), 0.5),
        (None, Verdict::Regressed)
    );
    assert_eq!(
        judge(Z, Some(1024.0), Some(1025.0), 0.5),
        (Some(0.09765625), Verdict::Regressed)
    );
    assert_eq!(
        judge(Z, Some(1024.0), Some(1023.0), 0.5),
        (Some(-0.09765625), Verdict::Unchanged)
    );
    assert_eq!(
        judge(Z, Some(4.0), Some(0.0), 0.1),
        (Some(-100.0), Verdict::Improved)
    );
}

#[test]
fn higher_is_better_and_neutral_metrics() {
    use Direction::{HigherIsBetter as H, Neutral as N};
    assert_eq!(
        judge(H, Some(1000.0), Some(800.0), 0.1),
        (Some(-20.0), Verdict::Regressed)
    );
    assert_eq!(
        judge(H, Some(1000.0), Some(1250.0), 0.1),
        (Some(25.0), Verdict::Improved)
    );
    assert_eq!(
        judge(N, Some(100.0), Some(200.0), 0.1),
        (Some(100.0), Verdict::Changed)
    );
    assert_eq!(
        judge(N, Some(100.0), Some(50.0), 0.1),
        (Some(-50.0), Verdict::Changed)
    );
    assert_eq!(
        judge(N, Some(100.0), Some(105.0), 0.1),
        (Some(5.0), Verdict::Unchanged)
    );
}

#[test]
fn an_entry_on_one_side_only_is_missing_or_new() {
    assert_eq!(
        judge(Direction::LowerIsBetter, Some(1.0), None, 0.1),
        (None, Verdict::Missing)
    );
    assert_eq!(
        judge(Direction::LowerIsBetter, None, Some(1.0), 0.1),
        (None, Verdict::New)
    );
}

fn baseline() -> Results {
    results(vec![
        entry("poll", 250_000.0, 155.0, 0),
        entry("ws", 1200.0, 62.0, 0),
    ])
}

fn current() -> Results {
    results(vec![
        entry("ws", 1800.0, 62.0, 1),
        entry("sse", 1500.0, 70.0, 0),
    ])
}

#[test]
fn entries_are_matched_by_transport_and_judged_per_metric() {
    let c = compare(
        &baseline(),
        &current(),
        GATES,
        &metrics(&["latency_us.p99", "events.lost"]),
    );
    use Verdict::*;
    assert_eq!(
        c.rows,
        vec![
            row(
                "poll",
                "latency_us.p99",
                Some(250_000.0),
                None,
                None,
                Missing
            ),
            row("poll", "events.lost", Some(0.0), None, None, Missing),
            not_gated("ws", "latency_us.p99", 1200.0, 1800.0, 50.0),
            row("ws", "events.lost", Some(0.0), Some(1.0), None, Regressed),
            row("sse", "latency_us.p99", None, Some(1500.0), None, New),
            row("sse", "events.lost", None, Some(0.0), None, New),
        ]
    );
    assert_eq!(c.regressions, 3);
    assert_eq!(c.schema, "wsbench.compare.v2");
    assert_eq!(c.notes, Vec::<String>::new());
}

/// The baseline, and a copy whose ws entry `unmeasure` changed.
fn with_ws(unmeasure: impl Fn(&mut TransportResult)) -> (Results, Results) {
    let base = baseline();
    let mut current = base.clone();
    let ws = current
        .transports
        .iter_mut()
        .find(|t| t.transport.name() == "ws")
        .unwrap();
    unmeasure(ws);
    (base, current)
}

#[test]
fn a_metric_not_measured_on_either_side_fails_the_gate_saying_why() {
    let (base, current) = with_ws(|ws| {
        ws.memory.server_rss_per_conn_bytes = None;
        ws.not_measured
            .insert("memory".into(), "no local server process".into());
    });
    let memory = metrics(&["memory.server_rss_per_conn_bytes"]);
    for (b, c, side) in [(&base, &current, "current"), (&current, &base, "baseline")] {
        let comparison = compare(b, c, GATES, &memory);
        let row = comparison
            .rows
            .iter()
            .find(|r| r.transport == "ws")
            .unwrap();
        assert_eq!(row.verdict, Verdict::NotMeasured);
        assert_eq!(row.change_pct, None);
        assert_eq!(
            row.reason.as_deref(),
            Some(format!("{side}: no local server process").as_str())
        );
        assert_eq!(comparison.regressions, 1, "a gate never passes on nothing");
        let text = comparison.render(Format::Text);
        assert!(
            text.contains(&format!(
                "note: ws memory.server_rss_per_conn_bytes not measured: {side}: no local server process\n"
            )),
            "{text}"
        );
        let ws_row = text.lines().find(|l| l.starts_with("ws ")).unwrap();
        assert!(
            ws_row.contains(" n/m ") && ws_row.ends_with("NOT MEASURED"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "1 regression (counted figures within 1%, timed ones beyond 10% at p < 0.01)\n"
            ),
            "{text}"
        );
        let markdown = comparison.render(Format::Markdown);
        assert!(markdown.contains("| ❌ **NOT MEASURED** |"), "{markdown}");
    }
}

#[test]
fn a_latency_not_measured_because_nothing_was_delivered_is_a_regression() {
    let (base, current) = with_ws(|ws| {
        ws.latency_us = None;
        ws.not_measured.insert(
            "latency_us".into(),
            crate::figures::NOTHING_DELIVERED.into(),
        );
    });
    let c = compare(&base, &current, GATES, &metrics(&["latency_us.p99"]));
    let row = c.rows.iter().find(|r| r.transport == "ws").unwrap();
    assert_eq!(
        (row.baseline, row.current, row.verdict),
        (Some(1200.0), None, Verdict::NotMeasured)
    );
    assert_eq!(
        row.reason.as_deref(),
        Some("current: no event was delivered in the window")
    );
    assert_eq!(c.regressions, 1);
}

#[test]
fn a_run_compared_with_itself_has_no_regression() {
    let defaults: Vec<&str> = DEFAULT_METRICS.split(',').collect();
    let c = compare(&baseline(), &baseline(), GATES, &metrics(&defaults));
    assert_eq!(c.rows.len(), 14);
    for r in &c.rows {
        let expected = match r.stability {
            Stability::Exact => Verdict::Unchanged,
            Stability::Noisy => Verdict::NotGated,
        };
        assert_eq!(
            (r.metric.as_str(), r.verdict),
            (r.metric.as_str(), expected)
        );
    }
    assert_eq!(c.regressions, 0);
}

#[test]
fn the_default_metrics_parse_and_show_as_metrics_takes_them() {
    use clap::{CommandFactory, Parser};
    let cli = crate::cli::Cli::try_parse_from(["wsbench", "compare", "a", "b"]).unwrap();
    let crate::cli::Command::Compare(args) = cli.command else {
        panic!("not compare")
    };
    assert_eq!(
        args.metrics,
        [
            "latency_us.p50",
            "latency_us.p99",
            "bytes.per_event",
            "cpu.events_per_write",
            "cpu.server_us_per_event",
            "memory.server_rss_per_conn_bytes",
            "events.lost"
        ]
    );
    let mut command = crate::cli::Cli::command();
    let help = command
        .find_subcommand_mut("compare")
        .expect("compare")
        .render_long_help()
        .to_string();
    assert!(
        help.contains(&format!("[default: {DEFAULT_METRICS}]")),
        "{help}"
    );
}

#[test]
fn sweep_points_are_matched_by_value() {
    let make = |bytes: f64| move |clients: f64| vec![entry("ws", 1000.0, bytes * clients, 0)];
    let b = swept("clients", &[10.0, 100.0], make(10.0));
    let c = swept("clients", &[100.0, 10.0], make(12.0));
    let cmp = compare(&b, &c, GATES, &metrics(&["bytes.per_event"]));
    let at = |v: f64, r: Row| Row {
        sweep_value: Some(v),
        ..r
    };
    assert_eq!(
        cmp.rows,
        vec![
            at(
                10.0,
                row(
                    "ws",
                    "bytes.per_event",
                    Some(100.0),
                    Some(120.0),
                    Some(20.0),
                    Verdict::Regressed
                )
            ),
            at(
                100.0,
                row(
                    "ws",
                    "bytes.per_event",
                    Some(1000.0),
                    Some(1200.0),
                    Some(20.0),
                    Verdict::Regressed
                )
            ),
        ]
    );
    assert_eq!(cmp.sweep_parameter.as_deref(), Some("clients"));
}

#[test]
fn thresholds_read_as_percent_or_fraction() {
    assert_eq!(parse_threshold("10%"), Ok(0.1));
    assert_eq!(parse_threshold("0.1"), Ok(0.1));
    assert_eq!(parse_threshold(" 2.5 % "), Ok(0.025));
    assert_eq!(parse_threshold("150%"), Ok(1.5));
    assert_eq!(parse_threshold("0"), Ok(0.0));
    assert_eq!(
        parse_threshold("10"),
        Err("`10` is read as a fraction; write `10%` for percent".into())
    );
    assert_eq!(
        parse_threshold("-5%"),
        Err("`-5%` must be 0 or more, like `10%` or `0.1`".into())
    );
    assert_eq!(
        parse_threshold("ten"),
        Err("`ten` is not a threshold; write it like `10%` or `0.1`".into())
    );
}

#[test]
fn unknown_metrics_are_refused_with_the_valid_ones() {
    assert_eq!(parse_metric("latency_us.p99"), Ok("latency_us.p99".into()));
    let error = parse_metric("latency_us.p100").unwrap_err();
    assert!(
        error.starts_with("unknown metric `latency_us.p100`; valid metrics: "),
        "{error}"
    );
    assert!(error.contains("bytes.per_event"), "{error}");
}

fn sample() -> Comparison {
    let mut b = baseline();
    b.transports[1].bytes.per_event = Some(80.0);
    let mut c = compare(
        &b,
        &current(),
        GATES,
        &metrics(&["latency_us.p99", "bytes.per_event"]),
    );
    c.notes.push("the current run is incomplete".into());
    c
}

#[test]
fn text_is_an_aligned_table() {
    assert_eq!(
        sample().render(Format::Text),
        "\
transport  metric           baseline  current  change  verdict
poll       latency_us.p99     250000        —       —  MISSING
poll       bytes.per_event       155        —       —  MISSING
ws         latency_us.p99       1200     1800  +50.0%  not gated
ws         bytes.per_event        80       62  -22.5%  improved
sse        latency_us.p99          —     1500       —  new
sse        bytes.per_event         —       70       —  new
note: the current run is incomplete
note: not gated: a timed figure from 1 and 1 round(s): gated from 3 rounds a side (wsbench run --repeat 5; wsbench baseline)
2 regressions (counted figures within 1%, timed ones beyond 10% at p < 0.01)
"
    );
}

#[test]
fn markdown_is_a_github_table() {
    assert_eq!(
        sample().render(Format::Markdown),
        "\
### wsbench compare: 2 regressions (counted figures within 1%, timed ones beyond 10% at p < 0.01)

| Transport | Metric | Baseline | Current | Change | Verdict |
| --- | --- | ---: | ---: | ---: | --- |
| poll | latency_us.p99 | 250000 | — | — | ❌ **MISSING** |
| poll | bytes.per_event | 155 | — | — | ❌ **MISSING** |
| ws | latency_us.p99 | 1200 | 1800 | +50.0% | ➖ not gated |
| ws | bytes.per_event | 80 | 62 | -22.5% | ✅ improved |
| sse | latency_us.p99 | — | 1500 | — | 🆕 new |
| sse | bytes.per_event | — | 70 | — | 🆕 new |

> **Note:** the current run is incomplete

> **Note:** not gated: a timed figure from 1 and 1 round(s): gated from 3 rounds a side (wsbench run --repeat 5; wsbench baseline)
"
    );
}

#[test]
fn a_sweep_adds_a_column() {
    let run = swept("poll_interval", &[0.5], |_| {
        vec![entry("poll", 100.0, 150.0, 0)]
    });
    let c = compare(&run, &run, GATES, &metrics(&["events.lost"]));
    assert_eq!(
        c.render(Format::Text),
        "transport  poll_interval  metric       baseline  current  change  verdict\n\
         poll                0.5s  events.lost         0        0    0.0%  unchanged\n\
         no regression (counted figures within 1%, timed ones beyond 10% at p < 0.01)\n"
    );
    assert!(
        c.render(Format::Markdown)
            .contains("| poll | 0.5s | events.lost | 0 | 0 | 0.0% | ✅ unchanged |\n")
    );
}

#[test]
fn json_is_the_documented_object() {
    let c = compare(
        &baseline(),
        &current(),
        GATES,
        &metrics(&["latency_us.p99"]),
    );
    let json: serde_json::Value = serde_json::from_str(&c.render(Format::Json)).unwrap();
    assert_eq!(
        json,
        json!({
            "schema": "wsbench.compare.v2",
            "threshold": 0.1,
            "tolerance": 0.01,
            "alpha": 0.01,
            "gate_timed": true,
            "regressions": 1,
            "notes": [],
            "rows": [
                {"transport": "poll", "metric": "latency_us.p99", "direction": "lower_is_better",
                 "stability": "noisy", "baseline": 250000.0, "current": null, "change_pct": null,
                 "verdict": "missing"},
                {"transport": "ws", "metric": "latency_us.p99", "direction": "lower_is_better",
                 "stability": "noisy", "baseline": 1200.0, "current": 1800.0, "change_pct": 50.0,
                 "rounds": [1, 1], "verdict": "not_gated",
                 "reason": "a timed figure from 1 and 1 round(s): gated from 3 rounds a side (wsbench run --repeat 5; wsbench baseline)"},
                {"transport": "sse", "metric": "latency_us.p99", "direction": "lower_is_better",
                 "stability": "noisy", "baseline": null, "current": 1500.0, "change_pct": null,
                 "verdict": "new"},
            ]
        })
    );
    assert_eq!(serde_json::from_value::<Comparison>(json).unwrap(), c);
}

/// `entry` with `metric` measured in `rounds` (its `spread`, as `--repeat` keeps them).
fn with_rounds(metric: &str, rounds: &[f64]) -> TransportResult {
    let mut e = entry("ws", 1000.0, 62.0, 0);
    let median = super::stats::median(rounds).unwrap();
    let mut value = serde_json::to_value(&e).unwrap();
    let (section, field) = metric.split_once('.').unwrap();
    value[section][field] = match value[section][field].is_u64() {
        true => (median.round() as u64).into(),
        false => median.into(),
    };
    e = serde_json::from_value(value).unwrap();
    let mut spread = serde_json::Map::new();
    spread.insert(
        metric.into(),
        json!({"min": 0.0, "max": 0.0, "values": rounds}),
    );
    e.spread = Some(spread);
    e
}

fn judged(metric: &str, before: &[f64], after: &[f64]) -> Row {
    let b = results(vec![with_rounds(metric, before)]);
    let c = results(vec![with_rounds(metric, after)]);
    let cmp = compare(&b, &c, GATES, &metrics(&[metric]));
    cmp.rows.into_iter().next().unwrap()
}

#[test]
fn timed_figures_regress_only_on_a_significant_change_beyond_the_threshold() {
    let cpu = "cpu.server_us_per_event";
    let before = [10.0, 10.4, 9.8, 10.2, 9.9];
    // 30% more CPU, every round above every baseline round: 1 ordering in 252.
    let worse = judged(cpu, &before, &[13.1, 13.0, 12.9, 13.4, 12.8]);
    assert_eq!(worse.verdict, Verdict::Regressed);
    assert_eq!(worse.rounds, Some([5, 5]));
    assert!((worse.p_value.unwrap() - 1.0 / 252.0).abs() < 1e-12);
    assert!((worse.change_pct.unwrap() - 30.0).abs() < 1e-9);
    let better = judged(cpu, &before, &[7.1, 7.0, 6.9, 7.4, 7.2]);
    assert_eq!(better.verdict, Verdict::Improved);
    // Significant but small: within the noise a reader should expect.
    let small = judged(cpu, &before, &[10.6, 10.7, 10.5, 10.9, 10.8]);
    assert_eq!(small.verdict, Verdict::WithinNoise);
    // Large but not significant: one wild round.
    let wild = judged(cpu, &before, &[10.1, 9.9, 30.0, 10.3, 10.0]);
    assert_eq!(wild.verdict, Verdict::WithinNoise);
    assert!(wild.p_value.unwrap() > 0.2);
    let text = results(vec![with_rounds(cpu, &before)]);
    let cmp = compare(
        &text,
        &results(vec![with_rounds(cpu, &[10.1, 9.9, 30.0, 10.3, 10.0])]),
        GATES,
        &metrics(&[cpu]),
    );
    assert!(
        cmp.render(Format::Text)
            .contains("within noise (±100% at 5 rounds)"),
        "{}",
        cmp.render(Format::Text)
    );
    assert_eq!(cmp.regressions, 0);
}

/// By default a timed figure is shown with its change and not gated, however it moved;
/// counted figures gate as ever.
#[test]
fn by_default_timed_figures_are_shown_not_gated() {
    let cpu = "cpu.server_us_per_event";
    let b = results(vec![with_rounds(cpu, &[10.0, 10.4, 9.8, 10.2, 9.9])]);
    let c = results(vec![with_rounds(cpu, &[13.1, 13.0, 12.9, 13.4, 12.8])]);
    let cmp = compare(&b, &c, Gates::DEFAULT, &metrics(&[cpu, "bytes.per_event"]));
    assert_eq!(cmp.rows[0].verdict, Verdict::NotGated);
    assert_eq!(cmp.rows[0].reason.as_deref(), Some(super::TIMED_NOT_GATED));
    assert!((cmp.rows[0].change_pct.unwrap() - 30.0).abs() < 1.0);
    assert_eq!(cmp.rows[1].verdict, Verdict::Unchanged);
    assert_eq!((cmp.regressions, cmp.gate_timed), (0, false));
}

/// Fewer deliveries per server write is more syscalls per delivery: counted, gated.
#[test]
fn events_per_write_is_a_counted_stand_in_for_cpu() {
    let mut b = results(vec![entry("sse", 1000.0, 81.0, 0)]);
    b.transports[0].cpu.events_per_write = Some(1.0);
    let mut c = b.clone();
    c.transports[0].cpu.events_per_write = Some(0.25);
    let cmp = compare(&b, &c, Gates::DEFAULT, &metrics(&["cpu.events_per_write"]));
    assert_eq!(cmp.rows[0].stability, Stability::Exact);
    assert_eq!(cmp.rows[0].verdict, Verdict::Regressed);
    c.transports[0].cpu.events_per_write = Some(0.995);
    let cmp = compare(&b, &c, Gates::DEFAULT, &metrics(&["cpu.events_per_write"]));
    assert_eq!(cmp.rows[0].verdict, Verdict::Unchanged);
}

#[test]
fn higher_is_better_figures_regress_when_they_fall() {
    let delivered = "events.delivered";
    let row = judged(
        delivered,
        &[100.0, 101.0, 99.0, 102.0, 98.0],
        &[70.0, 71.0, 69.0, 72.0, 68.0],
    );
    assert_eq!(row.verdict, Verdict::Regressed);
}

#[test]
fn timed_figures_of_other_machines_are_skipped_and_counted_ones_compared() {
    let mut b = baseline();
    b.machine.hostname = "ci".into();
    let mut c = b.clone();
    c.machine.hostname = "runner-2".into();
    c.transports[1].bytes.per_event = Some(70.0);
    let cmp = compare(
        &b,
        &c,
        GATES,
        &metrics(&["cpu.server_us_per_event", "bytes.per_event"]),
    );
    let ws: Vec<_> = cmp.rows.iter().filter(|r| r.transport == "ws").collect();
    assert_eq!(ws[0].verdict, Verdict::Skipped);
    assert_eq!(
        ws[0].reason.as_deref(),
        Some(
            "a timed figure measured on different machines (host ci against runner-2) does \
             not compare"
        )
    );
    assert_eq!(
        ws[1].verdict,
        Verdict::Regressed,
        "62 → 70 bytes: counted, compared"
    );
    assert_eq!(cmp.regressions, 1);
    assert!(cmp.notes[0].starts_with("measured on different machines (host ci against runner-2)"));
}

/// VMs of one image share a host name, CPU and kernel; their boots tell them apart. An
/// older record without a boot id is judged by the rest.
#[test]
fn timed_figures_of_another_boot_are_skipped() {
    let cpu = "cpu.server_us_per_event";
    let mut b = results(vec![with_rounds(cpu, &[10.0, 10.4, 9.8, 10.2, 9.9])]);
    let mut c = results(vec![with_rounds(cpu, &[13.1, 13.0, 12.9, 13.4, 12.8])]);
    b.machine.boot_id = Some("1c2f3e4d-aaaa-bbbb-cccc-000000000001".into());
    c.machine.boot_id = Some("9ab0c1d2-aaaa-bbbb-cccc-000000000002".into());
    let row = &compare(&b, &c, GATES, &metrics(&[cpu])).rows[0];
    assert_eq!(row.verdict, Verdict::Skipped);
    assert_eq!(
        row.reason.as_deref(),
        Some(
            "a timed figure measured on different machines (boot 1c2f3e4d against 9ab0c1d2) does not compare"
        )
    );
    c.machine.boot_id = None;
    assert_eq!(
        compare(&b, &c, GATES, &metrics(&[cpu])).rows[0].verdict,
        Verdict::Regressed
    );
}

/// A baseline made on a quiet machine and a run beside a compiler: the rounds moved
/// together, significantly, and say nothing of the change. Timed figures are skipped;
/// counted ones still gate. Within a quarter core of each other, both are judged.
#[test]
fn timed_figures_are_skipped_when_the_machines_other_work_differed() {
    let cpu = "cpu.server_us_per_event";
    let busy_by = |others: f64, rounds: &[f64]| {
        let mut e = with_rounds(cpu, rounds);
        e.cpu.others_cores = Some(others);
        results(vec![e])
    };
    let quiet = busy_by(0.02, &[10.0, 10.4, 9.8, 10.2, 9.9]);
    let slower = [13.1, 13.0, 12.9, 13.4, 12.8];
    let cmp = compare(
        &quiet,
        &busy_by(0.9, &slower),
        GATES,
        &metrics(&[cpu, "bytes.per_event"]),
    );
    assert_eq!(cmp.rows[0].verdict, Verdict::Skipped);
    assert_eq!(
        cmp.rows[0].reason.as_deref(),
        Some(
            "a timed figure does not compare when the machine's other work differed: 0.02 \
             against 0.90 cores beside the server and load generator (baseline, current)"
        )
    );
    assert_eq!(cmp.rows[1].verdict, Verdict::Unchanged);
    assert_eq!(cmp.regressions, 0);
    let alike = compare(&quiet, &busy_by(0.2, &slower), GATES, &metrics(&[cpu]));
    assert_eq!(alike.rows[0].verdict, Verdict::Regressed);
}

#[test]
fn counted_figures_move_within_their_tolerance_only() {
    let mut b = baseline();
    let mut c = baseline();
    b.transports[1].bytes.per_event = Some(61.76);
    c.transports[1].bytes.per_event = Some(61.80);
    let cmp = compare(&b, &c, GATES, &metrics(&["bytes.per_event"]));
    assert_eq!(cmp.rows[1].verdict, Verdict::Unchanged);
    c.transports[1].bytes.per_event = Some(62.5);
    let cmp = compare(&b, &c, GATES, &metrics(&["bytes.per_event"]));
    assert_eq!(
        cmp.rows[1].verdict,
        Verdict::Regressed,
        "1.2% over a 1% tolerance"
    );
}

mod loading {
    use super::*;
    use std::fs;

    fn error(path: &std::path::Path) -> String {
        load(path).unwrap_err().to_string()
    }

    #[test]
    fn a_directory_or_its_results_json_loads() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("results.json");
        fs::write(&file, serde_json::to_string(&baseline()).unwrap()).unwrap();
        assert_eq!(load(dir.path()).unwrap().transports, baseline().transports);
        assert_eq!(load(&file).unwrap().transports, baseline().transports);
    }

    #[test]
    fn each_problem_names_the_path_and_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name);
        let file = p("results.json");
        assert_eq!(
            error(dir.path()),
            format!(
                "{}: not found (expected a results directory holding results.json, or a results.json file)",
                file.display()
            )
        );
        assert!(error(&p("nope")).starts_with(&format!("{}: not found", p("nope").display())));
        fs::write(&file, "{ not json").unwrap();
        assert!(error(&file).starts_with(&format!("{}: not JSON: ", file.display())));
        fs::write(&file, r#"{"schema": "wsbench.results.v4"}"#).unwrap();
        let expected = "expected one of `wsbench.results.v3`, `wsbench.results.v2`, \
                        `wsbench.results.v1`";
        assert_eq!(
            error(&file),
            format!(
                "{}: schema is \"wsbench.results.v4\", {expected}",
                file.display()
            )
        );
        fs::write(&file, r#"{"transports": []}"#).unwrap();
        assert_eq!(
            error(&file),
            format!(
                "{}: schema is missing (no `schema` field), {expected}",
                file.display()
            )
        );
        fs::write(&file, r#"{"schema": "wsbench.results.v1"}"#).unwrap();
        assert!(
            error(&file).starts_with(&format!(
                "{}: not a valid `wsbench.results.v1` record: missing field",
                file.display()
            )),
            "{}",
            error(&file)
        );
    }
}
