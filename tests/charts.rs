//! Every chart is drawn from hand-built results: the files exist, PNGs decode at the
//! chart's size, SVGs parse and name every transport.

use std::path::{Path, PathBuf};

use wsbench::plot::{self, PlotError};
use wsbench::results::Results;

fn fixture(name: &str) -> Results {
    wsbench::transport::install();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture parses as results")
}

fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).expect("png exists");
    let reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("png decodes");
    let info = reader.info();
    (info.width, info.height)
}

fn svg_texts(path: &Path) -> (String, (u32, u32)) {
    let text = std::fs::read_to_string(path).expect("svg exists");
    let doc = roxmltree::Document::parse(&text).expect("svg parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let size = |attr: &str| {
        root.attribute(attr)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let size = (size("width"), size("height"));
    let texts = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n");
    (texts, size)
}

/// Renders into `dir/charts`, checks every chart, returns the files.
fn check(dir: &Path, results: &Results, expected: &[&str], transports: &[&str]) -> Vec<PathBuf> {
    let out = dir.join("charts");
    let charts = plot::render_charts(results, &out).expect("charts render");
    let names: Vec<_> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, expected);
    for chart in &charts {
        // `run --force` removes the charts it knows by name.
        assert!(
            plot::chart_names().any(|name| name == chart.name),
            "{}",
            chart.name
        );
        let (texts, svg_size) = svg_texts(&chart.svg);
        assert_eq!(
            png_size(&chart.png),
            svg_size,
            "{}: PNG and SVG sizes differ",
            chart.name
        );
        assert!(
            svg_size.0 >= 800 && svg_size.1 >= 400,
            "{}: {svg_size:?}",
            chart.name
        );
        assert!(
            texts.contains(&chart.title),
            "{}: title missing from\n{texts}",
            chart.name
        );
        for t in transports {
            assert!(
                texts
                    .lines()
                    .any(|l| l == *t || l.starts_with(&format!("{t} ("))),
                "{}: no `{t}` label in\n{texts}",
                chart.name
            );
        }
    }
    let files = plot::render_all(results, &out).expect("charts render again");
    assert_eq!(files.len(), 2 * expected.len());
    assert!(files.iter().all(|f| f.starts_with(&out) && f.exists()));
    files
}

#[test]
fn single_run_draws_five_charts() {
    let results = fixture("results.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let files = check(
        dir.path(),
        &results,
        &["latency", "bytes", "cost", "frontier", "timeline"],
        &["poll", "longpoll", "sse", "ws"],
    );
    let (texts, _) = svg_texts(&files[0]);
    assert!(
        !texts.contains("saturated"),
        "nothing saturated in this run:\n{texts}"
    );
    let (timeline, _) = svg_texts(&dir.path().join("charts/timeline.svg"));
    for legend in ["warm-up", "measurement windows"] {
        assert!(
            timeline.lines().any(|l| l == legend),
            "{legend}: {timeline}"
        );
    }
}

#[test]
fn sweep_adds_the_sweep_chart_and_flags_the_saturated_point() {
    let results = fixture("sweep/results.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let files = check(
        dir.path(),
        &results,
        &["latency", "bytes", "cost", "frontier", "timeline", "sweep"],
        &["poll", "ws"],
    );
    let text = |stem: &str| {
        let name = format!("{stem}.svg");
        let svg = files
            .iter()
            .find(|f| f.file_name().is_some_and(|n| *n == *name));
        svg_texts(svg.expect("chart written")).0
    };
    // Single-run charts show the largest point, poll flagged: it saturated there.
    let bytes = text("bytes");
    assert!(bytes.contains("at 10,000 clients"), "{bytes}");
    assert!(bytes.lines().any(|l| l == "poll (saturated)"), "{bytes}");
    assert!(bytes.lines().any(|l| l == "ws"), "{bytes}");
    let sweep = text("sweep");
    assert!(sweep.lines().any(|l| l == "saturated:"), "{sweep}");
    for tick in ["1,000", "10,000"] {
        assert!(
            sweep.lines().any(|l| l == tick),
            "no {tick} tick in {sweep}"
        );
    }
}

#[test]
fn the_frontier_traces_each_transport_over_its_setting_and_flags_the_saturated_point() {
    let results = fixture("frontier/results.json");
    let dir = tempfile::tempdir().expect("tempdir");
    check(
        dir.path(),
        &results,
        &["latency", "bytes", "cost", "frontier", "timeline"],
        &["poll", "longpoll", "sse", "ws"],
    );
    let (frontier, size) = svg_texts(&dir.path().join("charts/frontier.svg"));
    assert_eq!(size, (1400, 620));
    // Poll's four intervals, each labelled on its line in both panels, the saturated one
    // named so; nothing else is.
    for label in ["50ms, saturated", "100ms", "250ms", "1s"] {
        let count = frontier.lines().filter(|l| *l == label).count();
        assert_eq!(count, 2, "{label} in\n{frontier}");
    }
    assert!(frontier.lines().any(|l| l == "saturated:"), "{frontier}");
    for axis in [
        "Bytes per delivered event",
        "Server CPU per delivered event",
        "p99 latency, publish to receive (ms, log scale)",
    ] {
        assert!(frontier.contains(axis), "{axis} in\n{frontier}");
    }
    // A single run's chart: one point per transport, no setting labels.
    check(
        dir.path(),
        &fixture("results.json"),
        &["latency", "bytes", "cost", "frontier", "timeline"],
        &["poll", "longpoll", "sse", "ws"],
    );
    let (single, _) = svg_texts(&dir.path().join("charts/frontier.svg"));
    assert!(!single.lines().any(|l| l == "1s"), "{single}");
    assert!(!single.contains("saturated"), "{single}");
}

#[test]
fn a_bad_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "a file").expect("write");
    let err = plot::render_all(&fixture("results.json"), &blocker.join("charts")).unwrap_err();
    assert!(matches!(err, PlotError::CreateDir { .. }), "{err}");
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

#[test]
fn degenerate_results_render_without_panicking() {
    let mut results = fixture("results.json");
    // Nothing measured at all: zeros everywhere, one second of timeline, a flat curve.
    for t in &mut results.transports {
        let keep = (t.transport, t.clients);
        *t = Default::default();
        (t.transport, t.clients) = keep;
        t.percentiles = vec![wsbench::results::PercentilePoint {
            percentile: 50.0,
            latency_us: 0.0,
        }];
        t.timeline = vec![wsbench::results::Second {
            t_s: 0.0,
            delivered: 0,
            p99_us: None,
            in_window: true,
        }];
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let charts = plot::render_charts(&results, dir.path()).expect("charts render");
    // Charts need delivered events (bytes, cost); latency and timeline draw empty axes.
    let names: Vec<_> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["latency", "timeline"]);

    results.transports.truncate(1);
    results.transports[0].events.delivered = 1;
    results.transports[0].events.received_in_window = 1;
    results.transports[0].bytes.per_event = Some(0.0);
    results.transports[0].bytes.payload_per_event = Some(0.0);
    let charts = plot::render_charts(&results, dir.path()).expect("one transport renders");
    assert_eq!(charts.len(), 4);

    results.transports.clear();
    assert_eq!(
        plot::render_all(&results, dir.path()).expect("no transports"),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn an_unwritable_chart_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("latency.png")).expect("a directory in the way");
    let err = plot::render_all(&fixture("results.json"), dir.path()).unwrap_err();
    assert!(matches!(err, PlotError::Write(_)), "{err}");
    assert!(
        err.to_string()
            .contains(&dir.path().join("latency.png").display().to_string()),
        "{err}"
    );
    // The chart drawn in memory was not left under another name.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listed")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["latency.png", "latency.svg"]);
}
