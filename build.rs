//! Records which commit a wsbench was built from, for the provenance of what it measures
//! (`provenance.source_commit` in results.json). Nothing when it is not built from a git
//! checkout (a crate tarball): the record then says so.

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string());
    if let Some(commit) = commit.filter(|c| !c.is_empty()) {
        println!("cargo:rustc-env=WSBENCH_SOURCE_COMMIT={commit}");
    }
}
