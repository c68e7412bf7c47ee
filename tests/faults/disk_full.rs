//! A write that fails while `wsbench run` writes its charts and report: a file size limit
//! (`RLIMIT_FSIZE`, which any user may set on a child) and, where a mount namespace can be
//! made (root), a full 64 KiB tmpfs. The run exits 3 naming the file; results.json and
//! everything written before it are whole, and no part of a file sits under a final name.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::output_dir::Setup;

const WSBENCH: &str = env!("CARGO_BIN_EXE_wsbench");

/// Above results.json (about 6 KiB for SHORT), summary.csv and ws.hlog; below the charts
/// and report.html (a PNG is over 50 KiB, the HTML inlines every SVG).
const FILE_SIZE_LIMIT: u64 = 32 * 1024;

/// `timeout 120 WRAPPER... wsbench run short.toml --out OUT --quiet`.
fn run(setup: &Setup, wrapper: &[&OsStr], out: &Path) -> Command {
    let mut command = Command::new("timeout");
    command
        .arg("120")
        .args(wrapper)
        .arg(WSBENCH)
        .arg("run")
        .arg(setup.scenario())
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .env_remove("WSBENCH_SERVER")
        .env("WSBENCH_CALIBRATION", "off");
    command
}

/// What the run promises when a write fails during the report: exit 3 naming the file
/// (absent, as nothing of it was kept), results.json whole and complete, every chart left
/// whole, no temporary file.
fn assert_failed_whole(output: &Output, out: &Path) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let named = stderr
        .split("cannot write ")
        .nth(1)
        .and_then(|rest| rest.split_once(": "))
        .map(|(path, _)| PathBuf::from(path))
        .unwrap_or_else(|| panic!("no file named: {stderr}"));
    let relative = named.strip_prefix(out).expect("a file of the results");
    let in_report = relative.starts_with("charts") || relative.starts_with("report.");
    assert!(in_report, "failed before the report: {stderr}");
    assert!(!named.exists(), "{} was kept", named.display());
    assert!(stderr.contains("keeps what was measured"), "{stderr}");

    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap())
            .expect("results.json whole");
    assert_eq!(results["complete"], true);
    assert_eq!(results["transports"][0]["transport"], "ws");
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(!out.join("report.html").exists(), "the last file written");
    for dir in [out.to_owned(), out.join("charts")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.ends_with(".tmp"), "{name} left behind");
            match path.extension().and_then(|e| e.to_str()) {
                Some("png") => {
                    let file = std::fs::File::open(&path).unwrap();
                    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
                        .read_info()
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    let mut pixels = vec![0; reader.output_buffer_size()];
                    reader
                        .next_frame(&mut pixels)
                        .unwrap_or_else(|e| panic!("{name} is cut short: {e}"));
                }
                Some("svg") => {
                    let text = std::fs::read_to_string(&path).unwrap();
                    roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn a_file_size_limit_during_the_report_exits_3_naming_the_file_and_keeps_the_results() {
    let setup = Setup::new();
    let mut command = run(&setup, &[], &setup.out());
    // SAFETY: between fork and exec, only an async-signal-safe call (setrlimit). SIGXFSZ
    // keeps its default action (death): wsbench must ignore it itself, so that the write
    // fails with EFBIG and is reported.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: FILE_SIZE_LIMIT,
                rlim_max: FILE_SIZE_LIMIT,
            };
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let output = command.output().unwrap();
    assert_failed_whole(&output, &setup.out());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("File too large"), "{stderr}");
}

#[test]
fn a_disk_full_during_the_report_exits_3_naming_the_file_and_keeps_the_results() {
    let setup = Setup::new();
    let (out, kept) = (setup.out(), setup.dir.path().join("kept"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&kept).unwrap();
    // A mount namespace of its own: the tmpfs goes with the process, whatever happens.
    let probe = Command::new("unshare").args(["--mount", "true"]).output();
    if !probe.is_ok_and(|p| p.status.success()) {
        eprintln!("skipped: no mount namespace here (not root?); the file size limit test runs");
        return;
    }
    // The run's files are copied out before the namespace, and the tmpfs, are gone.
    let script = r#"mount -t tmpfs -o size=64k tmpfs "$1" || exit 99
out="$1"; kept="$2"; shift 2
"$@"; status=$?
cp -a "$out/." "$kept/"
exit $status"#;
    let wrapper = ["unshare", "--mount", "sh", "-c", script, "sh"].map(OsStr::new);
    let mut command = run(
        &setup,
        &[&wrapper[..], &[out.as_os_str(), kept.as_os_str()]].concat(),
        &out,
    );
    let output = command.output().unwrap();
    if output.status.code() == Some(99) {
        eprintln!("skipped: tmpfs cannot be mounted here; the file size limit test runs");
        return;
    }
    // Checked in the copy; the error names the path as the run saw it.
    let stderr = String::from_utf8_lossy(&output.stderr)
        .replace(&out.display().to_string(), &kept.display().to_string());
    let output = Output {
        stderr: stderr.clone().into_bytes(),
        ..output
    };
    assert_failed_whole(&output, &kept);
    assert!(stderr.contains("No space left on device"), "{stderr}");
}
