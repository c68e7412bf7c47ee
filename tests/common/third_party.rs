//! What the tests of servers we did not write share: finding them where the project's
//! setup step (scripts/setup.sh) installed them. A test never installs anything.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The checkout: where the scripts are.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the setup step puts the venv and the npm prefix.
pub fn targets_dir() -> PathBuf {
    std::env::var_os("WSBENCH_TARGETS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/external"))
}

/// Checks that target `what` is there (scripts/setup-check.sh, which installs nothing); a
/// missing one fails the test with the setup command to run.
pub fn require(what: &str) {
    let output = Command::new("scripts/setup-check.sh")
        .arg(what)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("runs scripts/setup-check.sh");
    assert!(
        output.status.success(),
        "the {what} target is missing ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
