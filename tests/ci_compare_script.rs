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
    /// A stand-in wsbench: `run` copies current.json to --out and exits RUN_STATUS;
    /// everything else goes to the real binary.
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
               mkdir -p \"$4\" && cp '{current}' \"$4/results.json\"\n\
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
fn the_workflow_runs_the_script_and_uploads_what_it_wrote() {
    let workflow =
        std::fs::read_to_string(Path::new(ROOT).join(".github/workflows/transports.yml")).unwrap();
    assert!(
        workflow.contains("run: scripts/ci-compare.sh results/ci\n"),
        "{workflow}"
    );
    assert!(workflow.contains("path: results/ci\n"), "{workflow}");
    let script = std::fs::read_to_string(Path::new(ROOT).join("scripts/ci-compare.sh")).unwrap();
    assert!(script.contains("\nset -euo pipefail\n"));
    assert!(script.contains("cargo build --release --locked"));
}
