//! The control plane through real sockets: only the holder of the server's token may stop
//! the feed or mark a window; no page may read a control answer or be granted a preflight
//! for one; `/stats` says what the plane took and refused.

#[path = "common/server.rs"]
mod common_server;

use common_server::{Running, raw_get, raw_request, scenario, start, wait_for_events};

const ORIGIN: &str = "Origin: http://page.example\r\n";

async fn post(running: &Running, target: &str, headers: &str) -> (u16, String, String) {
    let request = format!(
        "POST {target} HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    raw_request(running.addr, request.as_bytes()).await
}

fn authorized(running: &Running) -> String {
    format!("Authorization: {}\r\n", running.token.header_value())
}

async fn control_stats(running: &Running) -> serde_json::Value {
    let (status, _, body) = raw_get(running.addr, "/stats", "").await;
    assert_eq!(status, 200);
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["control"].clone()
}

#[tokio::test]
async fn without_the_token_the_feed_cannot_be_stopped_nor_a_window_marked() {
    let running = start(&scenario("kind = \"ticker\"\nrate = 200", "")).await;
    wait_for_events(&running.hub, 2).await;
    let wrong = "Authorization: Bearer 0000000000000000000000000000000000000000000000000000000000000000\r\n";
    let attempts = [
        ("/control/stop", "".to_string(), 401),
        ("/control/stop", ORIGIN.to_string(), 401),
        ("/control/stop", wrong.to_string(), 403),
        (
            "/control/stop",
            format!("Authorization: {}\r\n", running.token.as_str()),
            403,
        ),
        ("/control/mark?at_ns=1", "".to_string(), 401),
        ("/control/mark?at_ns=1", wrong.to_string(), 403),
    ];
    for (target, headers, expected) in &attempts {
        let (status, head, body) = post(&running, target, headers).await;
        assert_eq!(status, *expected, "{target} with {headers:?}: {body}");
        assert!(
            !head.to_ascii_lowercase().contains("access-control"),
            "{target}: {head}"
        );
    }
    let published = running.hub.last_seq();
    wait_for_events(&running.hub, published + 2).await;
    assert!(!running.hub.is_stopped(), "the feed still publishes");
    let control = control_stats(&running).await;
    assert_eq!(control["refused"], attempts.len());
    assert_eq!(control["marks_total"], 0);
    assert!(control["stopped_at_ns"].is_null(), "{control}");
}

#[tokio::test]
async fn a_page_is_never_granted_a_control_preflight_nor_reads_an_answer() {
    let running = start(&scenario("kind = \"ticker\"", "")).await;
    let request = format!(
        "OPTIONS /control/stop HTTP/1.1\r\nHost: x\r\n{ORIGIN}Access-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: authorization\r\nConnection: close\r\n\r\n"
    );
    let (status, head, _) = raw_request(running.addr, request.as_bytes()).await;
    assert_eq!(status, 204);
    assert!(
        !head.to_ascii_lowercase().contains("access-control"),
        "{head}"
    );
    // Even with the token, an answer to a request from a page carries no grant.
    let headers = format!("{ORIGIN}{}", authorized(&running));
    let (status, head, _) = post(&running, "/control/mark?at_ns=1", &headers).await;
    assert_eq!(status, 200);
    assert!(
        !head.to_ascii_lowercase().contains("access-control"),
        "{head}"
    );
}

#[tokio::test]
async fn the_token_holder_stops_and_marks_and_stats_log_both() {
    let running = start(&scenario("kind = \"ticker\"\nrate = 200", "")).await;
    wait_for_events(&running.hub, 1).await;
    let at_ns = wsbench::feed::wall_clock_ns();
    let target = format!("/control/mark?at_ns={at_ns}");
    let (status, _, body) = post(&running, &target, &authorized(&running)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = post(&running, "/control/stop", &authorized(&running)).await;
    assert_eq!(status, 200, "{body}");
    assert!(running.hub.is_stopped());
    let (status, _, _) = post(&running, "/control/stop", "").await;
    assert_eq!(status, 401);
    let (status, _, _) = raw_get(running.addr, "/control/stop", &authorized(&running)).await;
    assert_eq!(status, 405);
    let control = control_stats(&running).await;
    assert_eq!(control["marks_total"], 1);
    assert_eq!(control["marks"][0]["at_ns"], at_ns);
    assert!(control["marks"][0]["received_ns"].as_u64().unwrap() >= at_ns);
    assert!(control["stopped_at_ns"].as_u64().unwrap() >= at_ns);
    assert_eq!(control["refused"], 1);
}
