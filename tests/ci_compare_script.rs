//! scripts/ci-compare.sh, the commands of the example workflow, run with a stand-in for
//! `wsbench run` (which writes a hand-built results.json) and the real `wsbench compare`:
//! what reaches the job summary, and which exit status the job gets.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    /// A stand-in wsbench: `run` checks its arguments (the scenario, --out, --junit, five
    /// rounds), prints a line as the real one prints its table, copies
    /// current.json to --out, writes its --junit file and exits RUN_STATUS; everything else
    /// goes to the real binary.
    fn new(current: &wsbench::results::Results) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("current.json"),
            serde_json::to_string(current).unwrap(),
        )
        .unwrap();
        let stub = format!(
            "#!/usr/bin/env bash\n\
             if [ \"$1\" = run ]; then\n\
               [ \"$2 $3 $5\" = 'scenarios/ci.toml --out --quiet' ] || exit 99\n\
               [ \"$7 $8\" = \"--junit $4/junit-run.xml\" ] || exit 98\n\
               [ \"$9 ${{10}}\" = '--repeat 5' ] || exit 97\n\
               echo 'the run table'\n\
               mkdir -p \"$4\" && cp '{current}' \"$4/results.json\"\n\
               echo '<testsuites/>' > \"$8\"\n\
               exit \"${{RUN_STATUS:-0}}\"\n\
             fi\n\
             exec '{real}' \"$@\"\n",
            current = dir.path().join("current.json").display(),
            real = env!("CARGO_BIN_EXE_wsbench"),
        );
        let path = dir.path().join("wsbench");
        std::fs::write(&path, stub).unwrap();
        Command::new("chmod").arg("+x").arg(&path).status().unwrap();
        Setup { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the script; returns its exit status and the job summary it wrote.
    fn run(&self, run_status: u8) -> (i32, String) {
        let status = Command::new("bash")
            .arg(Path::new(ROOT).join("scripts/ci-compare.sh"))
            .arg(self.path("out"))
            .env("WSBENCH_BIN", self.path("wsbench"))
            .env("WSBENCH_BASELINE", self.path("baseline"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("RUN_STATUS", run_status.to_string())
            .status()
            .unwrap();
        let summary = std::fs::read_to_string(self.path("summary.md")).unwrap_or_default();
        (status.code().unwrap(), summary)
    }
}

#[test]
fn a_run_like_its_baseline_passes_and_says_so() {
    let setup = Setup::new(&common::results());
    common::write(&setup.path("baseline"), &common::results());
    let (status, summary) = setup.run(0);
    assert_eq!(status, 0, "{summary}");
    assert!(
        summary.starts_with("### wsbench compare: no regression (counted figures within 1%"),
        "{summary}"
    );
    assert!(setup.path("out/results.json").exists());
}

#[test]
fn a_regression_fails_the_job_and_reaches_the_summary() {
    let setup = Setup::new(&common::results());
    let mut better = common::results();
    better.transports[3].bytes.per_event = Some(31.0);
    common::write(&setup.path("baseline"), &better);
    let (status, summary) = setup.run(0);
    assert_eq!(status, 1, "{summary}");
    assert!(
        summary.contains("| ws | bytes.per_event | 31 | 62 | +100.0% | ❌ **REGRESSED** |"),
        "{summary}"
    );
}

#[test]
fn a_failed_assertion_still_compares_and_fails_the_job() {
    let setup = Setup::new(&common::results());
    common::write(&setup.path("baseline"), &common::results());
    let (status, summary) = setup.run(1);
    assert_eq!(status, 1);
    assert!(
        summary.starts_with("### wsbench compare: no regression"),
        "{summary}"
    );
}

#[test]
fn a_failed_run_stops_before_comparing() {
    let setup = Setup::new(&common::results());
    common::write(&setup.path("baseline"), &common::results());
    assert_eq!(setup.run(3), (3, String::new()));
}

#[test]
fn without_a_baseline_it_says_how_to_make_one() {
    let setup = Setup::new(&common::results());
    let (status, summary) = setup.run(0);
    assert_eq!(status, 0);
    assert!(
        summary.starts_with("### wsbench compare: no baseline\n"),
        "{summary}"
    );
    assert!(summary.contains("and commit it"), "{summary}");
}

#[test]
fn a_summary_on_stdout_redirected_to_a_file_stays_whole() {
    let setup = Setup::new(&common::results());
    common::write(&setup.path("baseline"), &common::results());
    // A CI log: stdout truncated into a file, written again after the script by its caller
    // (scripts/test.sh prints where the results are).
    let log = std::fs::File::create(setup.path("log")).unwrap();
    let status = Command::new("bash")
        .arg("-c")
        .arg("bash \"$0\" \"$1\"; echo after the script")
        .arg(Path::new(ROOT).join("scripts/ci-compare.sh"))
        .arg(setup.path("out"))
        .env("WSBENCH_BIN", setup.path("wsbench"))
        .env("WSBENCH_BASELINE", setup.path("baseline"))
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdout(log)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let log = std::fs::read_to_string(setup.path("log")).unwrap();
    assert!(
        log.starts_with(
            "the run table\n### wsbench compare: no regression (counted figures within 1%; timed \
             ones shown, not gated)\n\n| Transport |"
        ),
        "{log}"
    );
    assert!(
        log.ends_with("gates them from rounds of one machine\nafter the script\n"),
        "{log}"
    );
}

#[test]
fn the_verdicts_are_junit_files_beside_the_results() {
    let setup = Setup::new(&common::results());
    let mut better = common::results();
    better.transports[3].bytes.per_event = Some(31.0);
    common::write(&setup.path("baseline"), &better);
    // A file of the run before is never taken for this one's.
    std::fs::create_dir_all(setup.path("out")).unwrap();
    std::fs::write(setup.path("out/junit-compare.xml"), "stale").unwrap();
    let (status, _) = setup.run(0);
    assert_eq!(status, 1);
    assert_eq!(
        std::fs::read_to_string(setup.path("out/junit-run.xml")).unwrap(),
        "<testsuites/>\n"
    );
    let xml = std::fs::read_to_string(setup.path("out/junit-compare.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    // Four transports by the seven default metrics; one row regressed.
    assert_eq!(root.attribute("tests"), Some("28"), "{xml}");
    assert_eq!(root.attribute("failures"), Some("1"), "{xml}");
    let failed = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(failed.attribute("type"), Some("regressed"));
    assert!(
        failed
            .attribute("message")
            .unwrap()
            .starts_with("ws bytes.per_event: baseline 31, current 62, change +100.0%"),
        "{xml}"
    );

    // A run that failed leaves no comparison to be read as this run's.
    std::fs::write(setup.path("out/junit-compare.xml"), "stale").unwrap();
    assert_eq!(setup.run(3).0, 3);
    assert!(!setup.path("out/junit-compare.xml").exists());
}

#[test]
fn the_workflow_runs_the_script_and_uploads_what_it_wrote() {
    let workflow =
        std::fs::read_to_string(Path::new(ROOT).join(".github/workflows/transports.yml")).unwrap();
    assert!(
        workflow.contains("run: scripts/ci-compare.sh results/ci\n"),
        "{workflow}"
    );
    assert!(workflow.contains("path: results/ci\n"), "{workflow}");
    assert!(
        workflow.contains("report_paths: results/ci/junit-*.xml\n"),
        "{workflow}"
    );
    // Exactly compare's defaults: the example narrows no metric and sets no threshold.
    assert!(!workflow.contains("WSBENCH_COMPARE"), "{workflow}");
    let script = std::fs::read_to_string(Path::new(ROOT).join("scripts/ci-compare.sh")).unwrap();
    assert!(script.contains("\nset -euo pipefail\n"));
    assert!(script.contains("cargo build --release --locked"));
}
