//! `wsbench run --launch websocketd`: websocketd (Debian's, installed by the setup step,
//! scripts/setup.sh) started by the run on a free loopback port with `wsbench
//! emit` as its program, one process per connection. A run over ws loses nothing and its
//! bytes add up; each connection has a sequence of its own; the transports websocketd does
//! not serve are said to be not served; a websocketd that is not installed fails the run
//! with that reason. When websocketd is not there, these tests fail with why.

#[path = "common/third_party.rs"]
mod third_party;

use std::path::Path;
use std::process::{Command, Output};

use futures_util::StreamExt;
use serde_json::Value;
use third_party::require;
use wsbench::under_test::{Target, Websocketd, WebsocketdLaunch};

const CLIENTS: u64 = 4;
const SCENARIO: &str = r#"
name = "websocketd"
duration = "2s"
warmup = "1s"
transports = ["sse", "ws"]
[feed]
kind = "ticker"
rate = 20
[clients]
count = 4
ramp = "200ms"
"#;

/// `wsbench run --launch websocketd` on the scenario, bounded, with `path` as PATH when
/// given; its output and results.json.
fn run(dir: &Path, path: Option<&str>) -> (Output, Value) {
    let scenario = dir.join("websocketd.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.join("out");
    // Found on this PATH, not the one the run may be given.
    let mut command = Command::new(on_path("timeout"));
    command
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_wsbench"))
        .args(["run", scenario.to_str().unwrap(), "--quiet"])
        .args(["--allow-saturated", "--launch", "websocketd"])
        .arg("--out")
        .arg(&out)
        .env("WSBENCH_CALIBRATION", "off");
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command.output().unwrap();
    let results = std::fs::read_to_string(out.join("results.json"))
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or(Value::Null);
    (output, results)
}

fn on_path(program: &str) -> std::path::PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("no {program} on PATH"))
}

#[test]
fn websocketd_delivers_every_connections_events_and_serves_ws_only() {
    require("websocketd");
    let dir = tempfile::tempdir().unwrap();
    let (output, results) = run(dir.path(), None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(results["complete"], true);
    assert_eq!(results["target"]["dialect"], "websocketd");
    let launched = results["target"]["launched"].as_str().unwrap();
    assert!(
        launched.starts_with("websocketd --port=PORT --address=127.0.0.1")
            && launched.contains(" emit "),
        "{launched}"
    );
    assert!(
        results["warnings"]
            .as_array()
            .unwrap()
            .contains(&"sse: not served: websocketd serves WebSocket only (ws)".into()),
        "{}",
        results["warnings"]
    );
    let entries = results["transports"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "only ws is measured: {entries:?}");
    let ws = &entries[0];
    assert_eq!(ws["transport"], "ws");
    let events = &ws["events"];
    // What every connection's emitter wrote in the window, each owed to its one client.
    assert_eq!(events["published_source"], "per_connection", "{events}");
    let published = events["published"].as_u64().unwrap();
    assert!(published >= CLIENTS, "{events}");
    assert_eq!(events["expected"].as_u64(), Some(published), "{events}");
    assert_eq!(events["delivered"].as_u64(), Some(published), "{events}");
    assert_eq!(events["lost"], 0, "{events}");
    assert_eq!(events["duplicated"], 0, "{events}");
    assert_eq!(events["out_of_order"], 0, "{events}");
    assert_eq!(events["unread_at_stop"], Value::Null, "{events}");
    assert!(
        ws["not_measured"]["events.unread_at_stop"].is_string(),
        "{}",
        ws["not_measured"]
    );
    assert_eq!(ws["errors"]["disconnect"], 0);
    // Each event is one unmasked text frame of under 126 bytes: a 2-byte header, websocketd
    // dropping the line's newline. A frame split by the window's edge may be counted on one
    // side only, at most one per client at each edge.
    let bytes = &ws["bytes"];
    let (down, payload) = (
        bytes["down"].as_u64().unwrap(),
        bytes["payload"].as_u64().unwrap(),
    );
    let received = events["received_in_window"].as_u64().unwrap();
    assert!(payload > 0 && down > payload, "{bytes}");
    assert!(
        (down - payload).abs_diff(2 * received) <= 2 * CLIENTS * 128,
        "{bytes}, {received} messages"
    );
    // The whole process tree is measured: websocketd and its process per connection.
    let memory = &ws["memory"];
    let idle = memory["server_rss_idle_bytes"].as_u64().unwrap();
    let connected = memory["server_rss_connected_bytes"].as_u64().unwrap();
    assert!(connected > idle, "{memory}");
    assert!(memory["server_rss_per_conn_bytes"].as_f64().unwrap() > 0.0);
    assert!(
        ws["cpu"]["server_us_per_event"].is_number(),
        "{}",
        ws["cpu"]
    );
}

#[test]
fn each_connection_has_its_own_sequence_and_stop_ends_them_all() {
    require("websocketd");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("websocketd.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let scenario = wsbench::scenario::Scenario::load(&path).unwrap();
    let launch = WebsocketdLaunch {
        program: "websocketd".into(),
        emitter: env!("CARGO_BIN_EXE_wsbench").into(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Websocketd::start(&launch, &scenario).await.unwrap();
        let url = format!("ws://{}/", server.addr());
        let first_seqs = async {
            let mut seqs = Vec::new();
            let mut sockets = Vec::new();
            for _ in 0..2 {
                let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
                    .await
                    .unwrap();
                let message = socket.next().await.unwrap().unwrap();
                let event: Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
                seqs.push(event["seq"].as_u64().unwrap());
                sockets.push(socket);
            }
            drop(sockets);
            seqs
        };
        let seqs = tokio::time::timeout(std::time::Duration::from_secs(20), first_seqs)
            .await
            .expect("two connections each had an event within 20 s");
        // The second connection, opened after the first had its event, starts at 1 too.
        assert_eq!(seqs, [1, 1]);
        // Closed connections end their emitters, which recorded what they wrote.
        let emitted = server.emitted(0, u64::MAX).await.unwrap().unwrap();
        assert_eq!(emitted.connections, 2);
        assert!(emitted.events_in_window >= 2, "{emitted:?}");
        let addr = server.addr();
        server.stop().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    });
}

#[test]
fn a_missing_websocketd_fails_the_run_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let (output, results) = run(dir.path(), Some(empty.to_str().unwrap()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let reason = "websocketd did not start: `websocketd` is not installed (not found on PATH); \
                  scripts/setup.sh installs Debian's websocketd";
    assert!(stderr.contains(reason), "{stderr}");
    assert_eq!(results["complete"], false);
    assert!(
        results["warnings"].to_string().contains(reason),
        "{}",
        results["warnings"]
    );
}
