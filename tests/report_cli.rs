//! `wsbench report DIR` through the binary: the files it prints exist, exit codes hold.

use std::path::Path;

use assert_cmd::Command;

fn results_dir() -> tempfile::TempDir {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(fixture, dir.path().join("results.json")).expect("copy fixture");
    dir
}

#[test]
fn report_prints_the_files_it_wrote() {
    let dir = results_dir();
    let output = Command::cargo_bin("wsbench")
        .expect("binary")
        .args(["report", "--format", "md"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let files: Vec<&str> = stdout.lines().collect();
    assert_eq!(files.len(), 11, "{stdout}");
    assert!(files.iter().all(|f| Path::new(f).is_file()), "{stdout}");
    assert!(files[10].ends_with("report.md"));
    assert!(!dir.path().join("report.html").exists());
}

#[test]
fn a_directory_without_results_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::cargo_bin("wsbench")
        .expect("binary")
        .arg("report")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("results.json"), "{stderr}");
}
