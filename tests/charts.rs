//! Every chart is drawn from hand-built results: the files exist, PNGs decode at the
//! chart's size, SVGs parse and name every transport.

use std::path::{Path, PathBuf};

use wsbench::plot::{self, PlotError};
use wsbench::results::Results;

fn fixture(name: &str) -> Results {
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
        .collect::<Vec<_>>()
        .join("\n");
    (texts, size)
}

fn check(results: &Results, expected: &[&str], transports: &[&str]) -> Vec<PathBuf> {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("charts");
    let charts = plot::render_charts(results, &out).expect("charts render");
    let names: Vec<_> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, expected);
    for chart in &charts {
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
                texts.lines().any(|l| l == *t),
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
fn single_run_draws_four_charts() {
    let results = fixture("results.json");
    check(
        &results,
        &["latency", "bytes"],
        &["poll", "longpoll", "sse", "ws"],
    );
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
