//! `kind = "notifications"`: users' personal events on topics of their own and scan-to-login
//! sessions, through every transport. Counts are asserted exactly, never timings.

#[path = "common/server.rs"]
mod common_server;

use std::time::Duration;

use common_server::{raw_get, scenario, start, stats};
use wsbench::run::{RunOptions, run};

const SERVER: &str = env!("CARGO_BIN_EXE_wsbench");

/// A few dozen clients: 20 users' followers and, with a share of a quarter, 10 login
/// pages. The login timeout outlasts any drain, so that no session can time out.
const SMALL: &str = r#"name = "notifications-small"
duration = "3s"
warmup = "500ms"
seed = 5
transports = ["poll", "longpoll", "sse", "ws"]
[feed]
kind = "notifications"
users = 20
rate = 20
login_share = 0.25
scan_min = "100ms"
scan_max = "300ms"
login_timeout = "30s"
[clients]
count = 40
ramp = "200ms"
[transport.poll]
interval = "200ms"
[transport.longpoll]
timeout = "1s"
"#;

#[test]
fn every_login_session_gets_one_event_and_each_client_its_own_topics() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("notifications-small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let outcome = run(&RunOptions {
        scenario,
        out: Some(dir.path().join("out")),
        quiet: true,
        server_exe: Some(SERVER.into()),
        ..Default::default()
    })
    .expect("the run completes");
    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.results.transports.len(), 4);
    for t in &outcome.results.transports {
        let name = t.transport.name();
        let s = t.sessions.as_ref().expect("login sessions");
        assert!(s.completed > 0, "{name}: {s:?}");
        assert_eq!(
            s.started,
            s.completed + s.timed_out + s.unfinished,
            "{name}"
        );
        assert_eq!((s.timed_out, s.extra_events), (0, 0), "{name}: {s:?}");
        let first = s.time_to_first_event_us.as_ref().expect("measured");
        assert_eq!(first.count, s.completed, "{name}");
        // Per topic: every follower owes its own user's window events, which `/stats`
        // counted per topic; login pages owe none.
        let e = &t.events;
        let (lost, unread) = (e.lost.unwrap(), e.unread_at_stop.unwrap());
        assert_eq!(
            e.delivered + lost + unread,
            e.expected.unwrap(),
            "{name}: {e:?}"
        );
        assert!(e.published.unwrap() >= s.events_in_window, "{name}");
        if name == "sse" || name == "ws" {
            assert_eq!(
                (lost, unread, e.duplicated),
                (0, 0, Some(0)),
                "{name}: {e:?}"
            );
        }
        let cost = t.idle_cost.as_ref().expect("idle cost");
        assert_eq!(
            cost.notifications,
            e.delivered + s.events_in_window,
            "{name}"
        );
        assert_eq!(cost.client_seconds, 40.0 * t.window_s, "{name}");
        assert!(cost.bytes_per_notification.is_some(), "{name}");
    }
    let json = std::fs::read_to_string(dir.path().join("out/results.json")).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("docs/results.schema.json").unwrap())
            .unwrap();
    let instance: serde_json::Value = serde_json::from_str(&json).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(report.contains("## Idle cost") && report.contains("Scan-to-login sessions"));
}

#[tokio::test]
async fn a_login_topic_gets_one_scan_and_users_get_their_own_events_unwatched() {
    let scenario = scenario(
        "kind = \"notifications\"\nusers = 3\nrate = 200\nscan_min = \"50ms\"\nscan_max = \"50ms\"",
        "seed = 9",
    );
    let server = start(&scenario).await;
    let (status, _, _) = raw_get(server.addr, "/poll?since=0&topic=login-7-0", "").await;
    assert_eq!(status, 204, "nothing before the scan");
    // Bounded waits for the scan and for a few notifications; counts are what is checked.
    let mut body = String::new();
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let (status, _, answer) = raw_get(server.addr, "/poll?since=0&topic=login-7-0", "").await;
        if status == 200 {
            body = answer;
            break;
        }
    }
    let login: serde_json::Value = serde_json::from_str(&body).expect("the scan came");
    let events = login["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{body}");
    assert_eq!(events[0]["seq"], 1);
    assert_eq!(events[0]["login"], "login-7-0");
    assert_eq!(events[0]["scan_ms"], 50);
    // A topic that is no login page's gets no scan: the users' topics exist from the start.
    let before = stats(server.addr).await;
    assert_eq!(before["topics"], 3 + 1);
    for user in 0..3 {
        let (_, _, answer) =
            raw_get(server.addr, &format!("/poll?since=0&topic=u{user}"), "").await;
        if answer.is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&answer).unwrap();
        for event in value["events"].as_array().unwrap() {
            assert_eq!(event["to"], format!("u{user}"), "{answer}");
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _, again) = raw_get(server.addr, "/poll?since=0&topic=login-7-0", "").await;
    assert_eq!(
        (status, again),
        (200, body),
        "one scan per login topic, however long"
    );
    assert_eq!(
        stats(server.addr).await["topics"],
        4,
        "asking again opens nothing new"
    );
}
