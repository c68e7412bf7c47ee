//! `wsbench run --out`: a directory holding another run is refused before anything starts,
//! `--force` clears only wsbench's own files, and a lock left by a killed run is taken over.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::SHORT;
use assert_cmd::Command;

/// A pid that cannot be running: above the kernel's pid_max ceiling (2^22).
const DEAD_PID: &str = "99999999";

/// A temporary directory with the SHORT scenario in it, and room for its results.
pub(crate) struct Setup {
    pub(crate) dir: tempfile::TempDir,
}

impl Setup {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("short.toml"), SHORT).unwrap();
        Self { dir }
    }

    pub(crate) fn scenario(&self) -> PathBuf {
        self.dir.path().join("short.toml")
    }

    pub(crate) fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// `wsbench run short.toml --out OUT --quiet` plus `extra`; `server` replaces the
    /// server executable (`/bin/false` shows whether a server was ever started).
    fn run(&self, extra: &[&str], server: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wsbench"));
        command.env_remove("WSBENCH_SERVER");
        // No test measures the loopback floor or writes the user's cache.
        command.env("WSBENCH_CALIBRATION", "off");
        if let Some(server) = server {
            command.env("WSBENCH_SERVER", server);
        }
        command
            .arg("run")
            .arg(self.scenario())
            .arg("--out")
            .arg(self.out())
            .arg("--quiet")
            .args(extra)
            .output()
            .unwrap()
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_second_run_into_the_same_out_is_refused_and_the_first_kept() {
    let setup = Setup::new();
    let first = setup.run(&[], None);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let results = std::fs::read(setup.out().join("results.json")).unwrap();
    assert!(
        !setup.out().join("wsbench.lock").exists(),
        "the lock outlived its run"
    );

    // A server that cannot start would make it exit 3: 2 shows it stopped before any.
    let second = setup.run(&[], Some("/bin/false"));
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    let message = stderr(&second);
    assert!(
        message.contains(&setup.out().display().to_string()),
        "{message}"
    );
    assert!(message.contains("results.json"), "{message}");
    assert!(message.contains("--force"), "{message}");
    assert_eq!(
        std::fs::read(setup.out().join("results.json")).unwrap(),
        results
    );
}

#[test]
fn force_removes_only_wsbench_files() {
    let setup = Setup::new();
    let out = setup.out();
    for stale in ["results.json", "poll.hlog", "report.md", "charts/sweep.png"] {
        write(&out.join(stale), "from an older run");
    }
    write(&out.join("notes.txt"), "mine");
    write(&out.join("charts/mine.png"), "mine too");

    let run = setup.run(&["--force"], None);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    for gone in ["poll.hlog", "charts/sweep.png"] {
        assert!(!out.join(gone).exists(), "{gone} survived --force");
    }
    assert!(out.join("ws.hlog").exists());
    let results = std::fs::read_to_string(out.join("results.json")).unwrap();
    assert!(results.contains("\"transport\": \"ws\""), "{results}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("charts/mine.png")).unwrap(),
        "mine too"
    );
}

#[test]
fn a_stale_lock_is_taken_over_and_a_live_one_never() {
    let setup = Setup::new();
    let lock = setup.out().join("wsbench.lock");
    write(&lock, &format!("{DEAD_PID}\n"));
    let taken = setup.run(&[], Some("/bin/false"));
    // Past the lock, the run went on to start its (failing) server.
    assert_eq!(taken.status.code(), Some(3), "{}", stderr(&taken));
    assert!(
        stderr(&taken).contains(&format!("taking over the stale lock {}", lock.display())),
        "{}",
        stderr(&taken)
    );
    assert!(!lock.exists(), "the lock outlived its run");

    let live = std::process::id().to_string();
    std::fs::remove_file(setup.out().join("results.json")).unwrap();
    write(&lock, &format!("{live}\n"));
    let refused = setup.run(&["--force"], Some("/bin/false"));
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains(&format!("pid {live}")),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), format!("{live}\n"));
}
