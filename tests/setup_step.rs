//! The setup step installs what the full test tier needs; the tests only check for it. A
//! missing tool fails its test with the setup command, and no test installs anything.

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn a_missing_target_names_the_setup_command_and_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for target in ["tornado", "pywebsocket3", "node"] {
        let output = Command::new(Path::new(ROOT).join("scripts/setup-check.sh"))
            .arg(target)
            .env("WSBENCH_TARGETS_DIR", dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        // node may be on the machine, but its `ws` package is not in this empty directory.
        assert_eq!(output.status.code(), Some(1), "{target}: {stderr}");
        assert!(
            stderr.contains("is not installed: run scripts/setup.sh"),
            "{target}: {stderr}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "--check installed {left:?}");
}

#[test]
fn a_missing_python_environment_names_the_setup_command() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(Path::new(ROOT).join("scripts/setup-check.sh"))
        .arg("python")
        .env("WSBENCH_PYTHON_ENV", dir.path().join("venv"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("run scripts/setup.sh"));
    assert!(!dir.path().join("venv").exists());
}

/// Every test that needs a tool from outside asks scripts/setup-check.sh, which installs
/// nothing: grep the test sources for a call of a script that can install, or for a
/// package manager.
#[test]
fn no_test_installs_anything() {
    let mut offenders = Vec::new();
    let mut files = vec![Path::new(ROOT).join("tests")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("setup_step.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            let installs = [
                "apt-get",
                "\"pip\"",
                "\"npm\"",
                "pip install",
                "npm install",
                "install.sh",
                "chromium.sh",
                "python-env.sh",
                "setup.sh\"",
            ]
            .iter()
            .any(|word| code.contains(word));
            if installs {
                offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}
