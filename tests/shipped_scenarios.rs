//! The shipped scenarios from a directory that is not the repository: built into the
//! binary, listed, suggested when a name is mistyped, and run.

use std::process::Command;

const WSBENCH: &str = env!("CARGO_BIN_EXE_wsbench");

fn wsbench(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(WSBENCH)
        .args(args)
        .current_dir(dir)
        .env("WSBENCH_CALIBRATION", "off")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn shipped_scenarios_are_listed_suggested_and_run_from_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (status, listing, _) = wsbench(dir.path(), &["scenarios"]);
    assert_eq!(status, Some(0));
    for name in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap() {
        let path = name.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        assert!(
            listing.lines().any(|l| l.starts_with(&format!("{stem} "))),
            "{stem} not listed:\n{listing}"
        );
    }

    let (status, _, stderr) = wsbench(dir.path(), &["run", "tickr"]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("no scenario `tickr`") && stderr.contains("(did you mean `ticker`?)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("shipped: ticker, tickets, chat"),
        "{stderr}"
    );

    let (status, stdout, stderr) = wsbench(
        dir.path(),
        &[
            "run",
            "ticker",
            "--duration",
            "1s",
            "--warmup",
            "0s",
            "--clients",
            "2",
            "--transports",
            "ws",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert_eq!(status, Some(0), "{stdout}{stderr}");
    let results = std::fs::read_to_string(dir.path().join("out/results.json")).unwrap();
    let results: serde_json::Value = serde_json::from_str(&results).unwrap();
    assert_eq!(results["scenario"]["name"], "ticker");
    assert_eq!(results["transports"][0]["events"]["lost"], 0);

    // A file of that name in the directory wins over the built-in one.
    std::fs::write(
        dir.path().join("ticker"),
        "name = \"mine\"\n[feed]\nkind = \"ticker\"\n",
    )
    .unwrap();
    let (status, stdout, stderr) = wsbench(dir.path(), &["validate", "ticker"]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stdout.starts_with("ticker: ok"), "{stdout}");
    std::fs::write(dir.path().join("ticker"), "name = 3\n").unwrap();
    let (status, _, stderr) = wsbench(dir.path(), &["validate", "ticker"]);
    assert_eq!(
        status,
        Some(2),
        "the file, not the built-in scenario, was read: {stderr}"
    );
}
