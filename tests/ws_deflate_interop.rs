//! `ws-deflate` against a client nobody here wrote: Python's `websockets` (RFC 7692),
//! installed in a virtual environment by the setup step (scripts/setup.sh). It connects with
//! compression, and the test checks what it saw: the extension agreed with the scenario's
//! parameters, every event frame with RSV1 set, and the decoded events' seq and ts exact.

mod common;
#[path = "common/server.rs"]
mod common_server;

use std::path::Path;
use std::time::Duration;

use common_server::{scenario, start, stats, wait_for_events};

const RATE: u64 = 200;

/// What the Python client printed after reading `count` messages with `params` offered.
async fn python_client(url: String, count: usize, params: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/ws_deflate_client.py");
    let mut command = tokio::process::Command::new(common::python_env());
    command
        .arg(script)
        .arg(url)
        .arg(count.to_string())
        .args(params);
    command.kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("the Python client ends within 60 s")
        .expect("the Python client runs");
    assert!(
        out.status.success(),
        "the Python client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

/// Seqs consecutive, and each `ts` exactly one schedule step (1e9 / rate ns, ±1 for
/// rounding) after the one before.
/// At least `count` consecutive events (one read can bring more than were asked for), and
/// every one in a frame with RSV1 set (`compressed`) or every one plain.
fn assert_events(report: &serde_json::Value, count: usize, compressed: bool) {
    let events = report["events"].as_array().unwrap();
    assert!(events.len() >= count, "{events:?}");
    let (rsv1, plain) = match compressed {
        true => (events.len() as u64, 0),
        false => (0, events.len() as u64),
    };
    assert_eq!(
        (
            report["rsv1_frames"].as_u64(),
            report["plain_frames"].as_u64()
        ),
        (Some(rsv1), Some(plain))
    );
    let parsed: Vec<(u64, u64)> = events
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().parse().unwrap(),
                e[1].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    let step = 1_000_000_000 / RATE;
    for pair in parsed.windows(2) {
        let ((seq_a, ts_a), (seq_b, ts_b)) = (pair[0], pair[1]);
        assert_eq!(seq_b, seq_a + 1, "{parsed:?}");
        assert!((ts_b - ts_a).abs_diff(step) <= 1, "{parsed:?}");
    }
}

#[tokio::test]
async fn python_websockets_agrees_to_deflate_and_decodes_compressed_events() {
    let scenario = scenario(
        &format!("kind = \"ticker\"\nrate = {RATE}"),
        "[transport.ws-deflate]\nserver_max_window_bits = 12\n",
    );
    let server = start(&scenario).await;
    wait_for_events(&server.hub, 1).await;
    let url = format!("ws://{}/ws-deflate", server.addr);
    let report = python_client(url.clone(), 20, &["send=hello from python"]).await;
    assert_eq!(
        report["answer"],
        "permessage-deflate; server_max_window_bits=12"
    );
    let agreed = &report["agreed"];
    assert_eq!(agreed["remote_max_window_bits"], 12);
    assert_eq!(agreed["remote_no_context_takeover"], false);
    assert_events(&report, 20, true);
    // Its compressed message was inflated and counted by the server.
    let stats = stats(server.addr).await;
    assert_eq!(stats["transports"]["ws-deflate"]["messages_received"], 1);

    // What the client asks binds the server; what the scenario does not limit stays 15.
    let report = python_client(
        url,
        5,
        &["server_no_context_takeover", "client_max_window_bits=10"],
    )
    .await;
    assert_eq!(
        report["answer"],
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=12; \
         client_max_window_bits=10"
    );
    assert_eq!(report["agreed"]["remote_no_context_takeover"], true);
    assert_eq!(report["agreed"]["local_max_window_bits"], 10);
    assert_events(&report, 5, true);
}

#[tokio::test]
async fn a_client_offering_no_compression_gets_plain_frames() {
    let scenario = scenario(&format!("kind = \"ticker\"\nrate = {RATE}"), "");
    let server = start(&scenario).await;
    wait_for_events(&server.hub, 1).await;
    // An offer the server declines (a window of 8 bits zlib cannot write): no extension.
    let url = format!("ws://{}/ws-deflate", server.addr);
    let report = python_client(url, 5, &["server_max_window_bits=8"]).await;
    assert_eq!(report["answer"], serde_json::Value::Null);
    assert_eq!(report["agreed"], serde_json::Value::Null);
    assert_events(&report, 5, false);
}
