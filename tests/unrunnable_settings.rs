//! Settings that validated but could not run are refused before anything runs, by
//! `validate`, `run`, `serve` and `emit` alike, with the file, line, key, the range and its
//! unit: a rate with no event in the run (it panicked the publisher, and the run measured
//! nothing and exited 0), server memory beyond what a process holds (`max_lag = "2G"`
//! aborted on a 64 GB allocation), assertions no value could pass, and chat messages
//! larger than a WebSocket message (each one cut its connection).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;

/// A tiny run's scenario with `feed` as its `[feed]` table and `rest` after it.
fn scenario(dir: &Path, name: &str, transports: &str, feed: &str, rest: &str) -> PathBuf {
    let path = dir.join(name);
    let text = format!(
        "duration = \"1s\"\nwarmup = \"0s\"\ntransports = [{transports}]\n\n[feed]\n{feed}\n\n\
         [clients]\ncount = 2\nramp = \"0s\"\n{rest}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn wsbench(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("wsbench")
        .unwrap()
        .args(args)
        .current_dir(dir)
        .env("WSBENCH_CALIBRATION", "off")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

/// `output` exited 2 with `expected` on stderr, and no panic.
#[track_caller]
fn refused(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected `{expected}` in:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_rate_with_no_event_in_the_run_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = scenario(
        dir.path(),
        "tiny.toml",
        "\"ws\"",
        "kind = \"ticker\"\nrate = 1e-20",
        "",
    );
    let tiny = tiny.to_str().unwrap();
    let expected = "tiny.toml:7:8: feed.rate: must be at least 3.169e-8 events per second \
                    (one event a year, the longest duration wsbench takes), found 1e-20";
    refused(&wsbench(dir.path(), &["validate", tiny]), expected);
    refused(&wsbench(dir.path(), &["emit", tiny]), expected);
    refused(
        &wsbench(
            dir.path(),
            &["serve", "--scenario", tiny, "--listen", "127.0.0.1:0"],
        ),
        expected,
    );
    let out = dir.path().join("out");
    let run = ["run", tiny, "--out", out.to_str().unwrap(), "--quiet"];
    refused(&wsbench(dir.path(), &run), expected);
    assert!(!out.join("results.json").exists());
    // A rate a clock holds, but with no event in the run's second.
    let sparse = scenario(
        dir.path(),
        "sparse.toml",
        "\"ws\"",
        "kind = \"ticker\"\nrate = 0.5",
        "",
    );
    refused(
        &wsbench(dir.path(), &["validate", sparse.to_str().unwrap()]),
        "sparse.toml:7:8: feed.rate: at 0.5 events per second an event comes every 2s, longer \
         than the run (warmup 0s + duration 1s = 1s): no event would fall in it; use at least 1 \
         events per second, or a longer run",
    );
    // The same check on the flag that sets it.
    let fine = scenario(dir.path(), "fine.toml", "\"ws\"", "kind = \"ticker\"", "");
    refused(
        &wsbench(
            dir.path(),
            &["emit", fine.to_str().unwrap(), "--rate", "1e-20"],
        ),
        "feed.rate: must be at least 3.169e-8 events per second",
    );
}

#[test]
fn server_memory_beyond_what_a_process_holds_is_refused_with_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "max_lag = \"2G\"",
            "server.max_lag: must be 1 to 524,288 events (32 bytes a slot, allocated up front \
             and rounded up to a power of two, and each slot holds its event, about 1 KiB, until \
             it is overwritten: at most 1 GiB per server process), found 2,000,000,000",
        ),
        (
            "window_log = \"1G\"",
            "server.window_log: must be 1 to 89,478,485 events (12 bytes each, written up \
             front: at most 1 GiB per server process), found 1,000,000,000",
        ),
        (
            "history = \"2M\"",
            "server.history: must be 1 to 1,048,576 events (each held, about 1 KiB: at most 1 \
             GiB per server process), found 2,000,000",
        ),
        (
            "max_connections = \"3G\"",
            "server.max_connections: must be 1 to 2,147,483,647 connections (each is a file \
             descriptor, a C int), found 3,000,000,000",
        ),
    ];
    for (setting, expected) in cases {
        let path = scenario(
            dir.path(),
            "big.toml",
            "\"ws\"",
            "kind = \"ticker\"",
            &format!("\n[server]\n{setting}\n"),
        );
        let path = path.to_str().unwrap();
        let output = wsbench(dir.path(), &["validate", path]);
        refused(&output, expected);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("big.toml:13:"), "{stderr}");
        let out = dir.path().join("out");
        let run = ["run", path, "--out", out.to_str().unwrap(), "--quiet"];
        refused(&wsbench(dir.path(), &run), expected);
    }
}

#[test]
fn assertions_no_value_could_pass_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "max = nan",
            "assert[0].max: must be a finite number, found NaN",
        ),
        (
            "min = -inf",
            "assert[0].min: must be a finite number, found -inf",
        ),
        (
            "min = 3\nmax = 2",
            "assert[0].max: must be at least min (3), found 2: no value could pass",
        ),
        (
            "transport = \"ws\"\nrelative_to = \"sse\"\nmin_ratio = 2\nmax_ratio = 1",
            "assert[0].max_ratio: must be at least min_ratio (2), found 1",
        ),
        (
            "transport = \"ws\"\nrelative_to = \"sse\"\nmax_ratio = nan",
            "assert[0].max_ratio: must be a finite number, found NaN",
        ),
    ];
    for (bounds, expected) in cases {
        let path = scenario(
            dir.path(),
            "assert.toml",
            "\"ws\", \"sse\"",
            "kind = \"ticker\"",
            &format!("\n[[assert]]\nmetric = \"events.lost\"\n{bounds}\n"),
        );
        refused(
            &wsbench(dir.path(), &["validate", path.to_str().unwrap()]),
            expected,
        );
    }
}

#[test]
fn chat_text_beyond_a_websocket_message_is_refused_where_it_goes_over_one() {
    let dir = tempfile::tempdir().unwrap();
    let feed = |text_bytes: u64| {
        format!("kind = \"chat\"\ntext_bytes = {text_bytes}\nmax_body_bytes = 200000")
    };
    for transports in ["\"ws\"", "\"sse\", \"ws-deflate\""] {
        let path = scenario(dir.path(), "chat.toml", transports, &feed(65_377), "");
        let transport = transports.rsplit('"').nth(1).unwrap();
        refused(
            &wsbench(dir.path(), &["validate", path.to_str().unwrap()]),
            &format!(
                "chat.toml:7:14: feed.text_bytes: 65377 bytes and the message's JSON around \
                 them, 65,537 bytes in all, exceed the 65,536 bytes of the largest \
                 `{transport}` message (each would cut its connection); at most 65,376 fit"
            ),
        );
    }
    // Over HTTP a message is a POST: its own limit, max_body_bytes, applies.
    let path = scenario(dir.path(), "chat.toml", "\"sse\"", &feed(100_000), "");
    let output = wsbench(dir.path(), &["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // The largest text accepted over WebSocket is delivered, every message of it.
    let path = scenario(dir.path(), "chat.toml", "\"ws\"", &feed(65_376), "");
    let out = dir.path().join("out");
    let output = wsbench(
        dir.path(),
        &[
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--allow-saturated",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    let entry = &results["transports"][0];
    assert!(
        entry["events"]["delivered"].as_u64().unwrap() > 0,
        "{entry}"
    );
    assert_eq!(entry["events"]["lost"], 0, "{entry}");
    assert_eq!(
        entry["errors"],
        serde_json::json!({"connect": 0, "timeout": 0, "disconnect": 0, "protocol": 0})
    );
}

#[test]
fn a_poll_interval_longer_than_the_run_is_refused_when_poll_runs() {
    let dir = tempfile::tempdir().unwrap();
    let interval = "\n[transport.poll]\ninterval = \"1year\"\n";
    let path = scenario(
        dir.path(),
        "poll.toml",
        "\"poll\"",
        "kind = \"ticker\"",
        interval,
    );
    refused(
        &wsbench(dir.path(), &["validate", path.to_str().unwrap()]),
        "poll.toml:13:12: transport.poll.interval: `poll` clients ask first at a random point \
         of their first 1year, which is longer than the run (warmup 0s + duration 1s = 1s): \
         most would never ask; use at most 1s, or a longer run",
    );
    let sweep = "\n[sweep]\npoll_interval = [\"1s\", \"2s\"]\n";
    let path = scenario(
        dir.path(),
        "sweep.toml",
        "\"poll\"",
        "kind = \"ticker\"",
        sweep,
    );
    refused(
        &wsbench(dir.path(), &["validate", path.to_str().unwrap()]),
        "sweep.poll_interval[1]: `poll` clients ask first at a random point of their first \
         2s, which is longer than the run",
    );
    // The settings of a transport not run are checked, but not against the run.
    let path = scenario(
        dir.path(),
        "ws.toml",
        "\"ws\"",
        "kind = \"ticker\"",
        interval,
    );
    let output = wsbench(dir.path(), &["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}
