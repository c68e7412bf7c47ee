//! Reports rendered from hand-built results copied into a temporary directory: the files
//! exist, the Markdown is as snapshotted, the HTML is self-contained.

use std::path::{Path, PathBuf};

use wsbench::report::{self, ReportError, ReportFormat};

/// A temporary results directory holding a copy of the fixture `name`.
fn results_dir(name: &str) -> tempfile::TempDir {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&fixture, dir.path().join("results.json")).expect("copy fixture");
    dir
}

fn names(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| {
            f.strip_prefix(dir)
                .expect("inside dir")
                .display()
                .to_string()
        })
        .collect()
}

#[test]
fn markdown_report_of_a_single_run() {
    let dir = results_dir("results.json");
    let files = report::render_dir(dir.path(), ReportFormat::Md).expect("report renders");
    assert_eq!(
        names(dir.path(), &files),
        [
            "charts/latency.svg",
            "charts/latency.png",
            "charts/bytes.svg",
            "charts/bytes.png",
            "charts/cost.svg",
            "charts/cost.png",
            "charts/frontier.svg",
            "charts/frontier.png",
            "charts/timeline.svg",
            "charts/timeline.png",
            "report.md",
        ]
    );
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    for chart in ["latency", "bytes", "cost", "frontier", "timeline"] {
        assert!(
            md.contains(&format!("](charts/{chart}.png)")),
            "{chart} not linked"
        );
    }
    insta::assert_snapshot!("single_run_md", md);
}

#[test]
fn markdown_report_of_the_lubbers_sweep() {
    let dir = results_dir("sweep/results.json");
    report::render_dir(dir.path(), ReportFormat::Md).expect("report renders");
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    assert!(md.contains("](charts/sweep.png)"));
    insta::assert_snapshot!("lubbers_sweep_md", md);
}

#[test]
fn markdown_report_of_a_run_with_a_frontier() {
    let dir = results_dir("frontier/results.json");
    report::render_dir(dir.path(), ReportFormat::Md).expect("report renders");
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    assert!(md.contains("](charts/frontier.png)"));
    insta::assert_snapshot!("frontier_md", md);
}

/// `http://` or `https://` addresses, except the SVG namespace, which names the
/// vocabulary and is never fetched.
fn external_urls(html: &str) -> Vec<String> {
    const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
    let mut urls = Vec::new();
    for scheme in ["http://", "https://", "//"] {
        let mut rest = html;
        while let Some(i) = rest.find(scheme) {
            let url: String = rest[i..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                .collect();
            let is_namespace = url == SVG_NAMESPACE
                || (scheme == "//"
                    && html[..html.len() - rest.len() + i].ends_with("http:")
                    && url == "//www.w3.org/2000/svg");
            if !is_namespace {
                urls.push(url);
            }
            rest = &rest[i + scheme.len()..];
        }
    }
    urls
}

#[test]
fn html_report_is_self_contained() {
    for fixture in ["results.json", "sweep/results.json"] {
        let dir = results_dir(fixture);
        let files = report::render_dir(dir.path(), ReportFormat::Html).expect("report renders");
        assert_eq!(
            names(dir.path(), &files).last().map(String::as_str),
            Some("report.html")
        );
        assert!(
            !dir.path().join("report.md").exists(),
            "--format html writes no Markdown"
        );
        let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
        assert_eq!(external_urls(&html), Vec::<String>::new(), "{fixture}");
        assert!(
            html.contains("xmlns=\"http://www.w3.org/2000/svg\""),
            "SVGs are inline"
        );
        for forbidden in ["<script", "<link", "<img", "src=", "@import", "url("] {
            assert!(
                !html.contains(forbidden),
                "{fixture}: `{forbidden}` in the HTML"
            );
        }
        let charts = if fixture == "results.json" { 5 } else { 6 };
        assert_eq!(
            html.matches("<svg ").count(),
            charts,
            "{fixture}: every chart inlined"
        );
    }
}

#[test]
fn the_url_check_catches_what_it_must() {
    assert_eq!(
        external_urls("<svg xmlns=\"http://www.w3.org/2000/svg\">"),
        Vec::<String>::new()
    );
    assert_eq!(
        external_urls("<a href=\"https://example.com/x\">"),
        ["https://example.com/x", "//example.com/x"]
    );
    assert_eq!(
        external_urls("<img src=\"//cdn.example/x.png\">"),
        ["//cdn.example/x.png"]
    );
}

#[test]
fn both_formats_by_default_and_errors_name_the_path() {
    let dir = results_dir("results.json");
    let files = report::render_dir(dir.path(), ReportFormat::Both).expect("report renders");
    let names = names(dir.path(), &files);
    assert_eq!(names[names.len() - 2..], ["report.md", "report.html"]);

    let empty = tempfile::tempdir().expect("tempdir");
    let err = report::render_dir(empty.path(), ReportFormat::Both).unwrap_err();
    assert!(matches!(err, ReportError::Read { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&empty.path().join("results.json").display().to_string()),
        "{err}"
    );

    std::fs::write(empty.path().join("results.json"), "{\"schema\": 1}").expect("write");
    let err = report::render_dir(empty.path(), ReportFormat::Both).unwrap_err();
    assert!(matches!(err, ReportError::Parse { .. }), "{err}");
    assert!(err.to_string().contains("results.json"), "{err}");
}

#[test]
fn the_fixtures_follow_the_results_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(root.join(p)).expect("readable"))
            .expect("JSON")
    };
    let schema = read("docs/results.schema.json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for fixture in [
        "tests/fixtures/results.json",
        "tests/fixtures/sweep/results.json",
        "tests/fixtures/frontier/results.json",
    ] {
        let errors: Vec<String> = validator
            .iter_errors(&read(fixture))
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "{fixture}");
    }
}

#[test]
fn an_unreadable_histogram_log_is_a_warning_not_a_failure() {
    let dir = results_dir("results.json");
    std::fs::write(dir.path().join("ws.hlog"), "3.000,1.000,1.0,not-base64!\n").expect("write");
    report::render_dir(dir.path(), ReportFormat::Md).expect("report renders");
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    let warnings = md.split("## Warnings").nth(1).expect("a warnings section");
    assert!(
        warnings.contains(
            "- ws: the latency chart uses the percentiles in results.json, not ws.hlog: "
        ),
        "{warnings}"
    );
}

#[test]
fn an_interrupted_run_with_nothing_measured_still_reports() {
    let dir = results_dir("results.json");
    let path = dir.path().join("results.json");
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    results["complete"] = false.into();
    results["finished_at"] = serde_json::Value::Null;
    results["transports"] = serde_json::json!([]);
    std::fs::write(&path, results.to_string()).expect("write");
    let files = report::render_dir(dir.path(), ReportFormat::Both).expect("report renders");
    assert_eq!(names(dir.path(), &files), ["report.md", "report.html"]);
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    assert!(md.contains("> **Incomplete run.**"), "{md}");
    assert!(md.contains("| Transports | none finished |"), "{md}");
    assert!(!md.contains("## Verdict"), "{md}");
}

#[test]
fn a_v1_record_still_reports() {
    let dir = results_dir("v1/results.json");
    report::render_dir(dir.path(), ReportFormat::Md).expect("a v1 record renders");
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    assert!(md.contains("(results schema wsbench.results.v1)"), "{md}");
    // v1 zeros are numbers: nothing reads as not measured, every verdict ranks all.
    let results = md.split("## Results").nth(1).unwrap();
    let results = results.split("## Assertions").next().unwrap();
    assert!(
        !results.contains("not measured") && !results.contains("n/m"),
        "{results}"
    );
    assert!(results.contains("## Verdict"), "{md}");
}

#[test]
fn a_v2_record_still_reports() {
    let dir = results_dir("v2/results.json");
    report::render_dir(dir.path(), ReportFormat::Md).expect("a v2 record renders");
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("report.md");
    assert!(md.contains("(results schema wsbench.results.v2)"), "{md}");
    let results = md.split("## Results").nth(1).unwrap();
    let ws = results.lines().find(|l| l.starts_with("| ws ")).unwrap();
    assert!(!ws.contains("n/m"), "{ws}");
    assert!(results.contains("## Verdict"), "{md}");
}
