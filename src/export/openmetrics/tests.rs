use super::*;
use crate::export::fixture;

fn text(results: &Results) -> String {
    String::from_utf8(OpenMetricsExporter.serialize(results).unwrap()).unwrap()
}

/// The fixture with poll's latency and memory not measured, for reasons of its own.
fn with_unmeasured() -> Results {
    let mut results = fixture::results();
    let poll = &mut results.transports[1];
    poll.latency_us = None;
    poll.memory.server_rss_per_conn_bytes = None;
    poll.not_measured = [
        (
            "latency_us".to_string(),
            "no event was delivered in the window".to_string(),
        ),
        ("memory".to_string(), "no local server process".to_string()),
    ]
    .into();
    results
}

#[test]
fn latency_is_a_summary_and_figures_are_gauges_named_by_their_path() {
    let text = text(&with_unmeasured());
    for line in [
        "# TYPE wsbench_latency_us summary\n",
        "wsbench_latency_us{transport=\"ws\",quantile=\"0\"} 80.0\n",
        "wsbench_latency_us{transport=\"ws\",quantile=\"0.99\"} 1203.0\n",
        "wsbench_latency_us{transport=\"ws\",quantile=\"1\"} 12031.0\n",
        "wsbench_latency_us_count{transport=\"ws\"} 299990\n",
        "# TYPE wsbench_latency_us_mean gauge\n",
        "wsbench_latency_us_mean{transport=\"ws\"} 287.25\n",
        "# TYPE wsbench_bytes_per_event gauge\n",
        "wsbench_bytes_per_event{transport=\"ws\"} 100.5\n",
        "wsbench_events_lost{transport=\"ws\"} 10\n",
        "wsbench_clients{transport=\"poll\",sweep_value=\"0.5\"} 10\n",
        "wsbench_generator_saturated{transport=\"ws\"} 0\n",
        "# HELP wsbench_bytes_per_event bytes.per_event of each transport entry in \
         results.json (bytes). Not measured, so left out (never 0): poll at 0.5 (null).\n",
    ] {
        assert!(text.contains(line), "{line}in\n{text}");
    }
    assert!(
        text.starts_with(
            "# HELP wsbench_run_info the run this file describes (always 1): its scenario, \
             record schema, wsbench version, start and whether it ran to its end\n\
             # TYPE wsbench_run_info gauge\n\
             wsbench_run_info{scenario=\"fixture\",schema=\"wsbench.results.v3\",\
             wsbench_version=\"0.1.0\",started_at=\"2025-01-02T03:04:05Z\",complete=\"true\",\
             repeat=\"1\"} 1\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("\n# EOF\n"), "{text}");
    // A section no entry has (a ticker's idle cost) has no family at all.
    assert!(!text.contains("wsbench_idle_cost"), "{text}");
}

#[test]
fn a_figure_not_measured_is_left_out_and_its_help_says_why() {
    let text = text(&with_unmeasured());
    assert!(
        text.contains(
            "# HELP wsbench_latency_us latency_us of each transport entry in results.json: its \
             percentiles as quantiles (min 0, max 1) and its count (microseconds). Not \
             measured, so left out (never 0): poll at 0.5 (no event was delivered in the \
             window).\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "memory.server_rss_per_conn_bytes of each transport entry in results.json (bytes). \
             Not measured, so left out (never 0): poll at 0.5 (no local server process).\n"
        ),
        "{text}"
    );
    for family in [
        "wsbench_latency_us",
        "wsbench_latency_us_mean",
        "wsbench_memory_server_rss_per_conn_bytes",
    ] {
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with(family) && l.contains("transport=\"poll\"")),
            "{family} has a poll sample:\n{text}"
        );
    }
    // Every entry measured: no family says anything is missing.
    let mut all = fixture::results();
    all.transports.truncate(1);
    all.transports[0].cpu.server_cores = Some(0.5);
    all.transports[0].cpu.client_cores = Some(0.5);
    let complete = self::text(&all);
    let unmeasured: Vec<&str> = complete
        .lines()
        .filter(|l| l.contains("Not measured"))
        .collect();
    // The fixture leaves a few of ws's figures unset; each is named, none is a sample.
    for line in &unmeasured {
        let name = line.split(' ').nth(2).unwrap();
        assert!(
            !complete
                .lines()
                .any(|l| l.starts_with(&format!("{name}{{"))),
            "{line}"
        );
    }
}

#[test]
fn families_are_whole_named_once_and_every_sample_is_a_number() {
    let mut results = with_unmeasured();
    results.scenario = serde_json::json!({"name": "a \"quoted\\ name\nwith a line"});
    let text = text(&results);
    assert!(
        text.contains("scenario=\"a \\\"quoted\\\\ name\\nwith a line\""),
        "{text}"
    );
    let mut families: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line == "# EOF" {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(
                !families.iter().any(|(n, _)| n == name),
                "{name} twice:\n{text}"
            );
            assert!(["gauge", "summary"].contains(&kind), "{line}");
            families.push((name.into(), kind.into()));
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (name, rest) = line.split_once('{').unwrap_or_else(|| panic!("{line}"));
        let (family, kind) = families.last().unwrap();
        let own = match kind.as_str() {
            "summary" => name == family || name == format!("{family}_count"),
            _ => name == family,
        };
        assert!(own, "{line} outside its family {family}");
        let value = rest.rsplit_once("} ").unwrap().1;
        assert!(value.parse::<f64>().unwrap().is_finite(), "{line}");
    }
    assert!(families.len() > 40, "{}", families.len());
}
