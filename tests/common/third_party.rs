//! What the tests of servers we did not write share: installing them with the project's
//! own script, and where it puts them.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The checkout: where the scripts are.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where scripts/targets/install.sh puts the venv and the npm prefix.
pub fn targets_dir() -> PathBuf {
    std::env::var_os("WSBENCH_TARGETS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/external"))
}

/// Installs target `what` with scripts/targets/install.sh (bounded); a failure fails the
/// test with the script's own words.
pub fn install(what: &str) {
    let output = Command::new("timeout")
        .args(["600", "scripts/targets/install.sh", what])
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("runs scripts/targets/install.sh");
    assert!(
        output.status.success(),
        "cannot install the {what} target ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
