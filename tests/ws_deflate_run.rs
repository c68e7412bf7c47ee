//! `wsbench run` over `ws` and `ws-deflate` against the real server binary: our lean
//! client offers the extension, inflates every event, loses none, and the compressed bytes
//! it counts at its sockets agree with what the server counted writing them.

use wsbench::results::Errors;
use wsbench::run::{RunOptions, run};

const SERVER: &str = env!("CARGO_BIN_EXE_wsbench");

const SCENARIO: &str = r#"
name = "deflate-e2e"
duration = "2s"
warmup = "1s"
seed = 9
transports = ["ws", "ws-deflate"]
[feed]
kind = "ticker"
rate = 20
[clients]
count = 5
ramp = "200ms"
headers = "browser"
[transport.ws-deflate]
server_max_window_bits = 12
"#;

#[test]
fn ws_deflate_delivers_every_event_in_fewer_bytes_than_ws() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let options = RunOptions {
        scenario,
        out: Some(dir.path().join("out")),
        quiet: true,
        server_exe: Some(SERVER.into()),
        ..Default::default()
    };
    let outcome = run(&options).expect("the run succeeds");
    let results = &outcome.results;
    let by = |name: &str| {
        let found = results
            .transports
            .iter()
            .find(|t| t.transport.name() == name);
        found.unwrap_or_else(|| panic!("{name} ran"))
    };
    for name in ["ws", "ws-deflate"] {
        let t = by(name);
        let published = t.events.published.expect("published is measured");
        assert!(published > 0);
        assert_eq!(t.events.lost, Some(0), "{name}");
        assert_eq!(t.events.delivered, published * 5, "{name}");
        assert_eq!(t.errors, Errors::default(), "{name}");
        // What the clients read is what the server wrote: compressed, on both sides (to
        // within the frames in flight at the window's edges).
        let diff = t
            .cross_check
            .down_diff_pct
            .expect("the server's counters are read");
        assert!(diff.abs() < 1.0, "{name}: {:?}", t.cross_check);
    }
    let (ws, deflate) = (by("ws"), by("ws-deflate"));
    // The same JSON was delivered, in fewer bytes.
    assert!(deflate.bytes.payload > 0);
    let per_event =
        |t: &wsbench::results::TransportResult| t.bytes.per_event.expect("events were received");
    assert!(
        per_event(deflate) < per_event(ws) * 0.6,
        "ws {} B/event, ws-deflate {}",
        per_event(ws),
        per_event(deflate)
    );
    // The record it wrote meets the JSON contract, ws-deflate and its settings included.
    let written = std::fs::read_to_string(dir.path().join("out/results.json")).unwrap();
    let written: serde_json::Value = serde_json::from_str(&written).unwrap();
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/results.schema.json"
    ))
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let invalid: Vec<String> = validator
        .iter_errors(&written)
        .map(|e| e.to_string())
        .collect();
    assert!(invalid.is_empty(), "{invalid:?}");
    // The record keeps the settings, of every kind.
    let settings = &results.scenario["transport"];
    assert_eq!(settings["ws-deflate_server_max_window_bits"], 12);
    assert_eq!(settings["ws-deflate_server_no_context_takeover"], false);
}
