//! `GET /` serves the built-in page and `GET /feed` tells it what the scenario serves.

#[path = "common/server.rs"]
mod common_server;

use common_server::{raw_get, scenario, start};

#[tokio::test]
async fn the_page_and_its_feed_description_are_served() {
    let server = start(&scenario("kind = \"tickets\"\ntrains = 3", "")).await;
    let (status, head, body) = raw_get(server.addr, "/", "").await;
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert_eq!(body, include_str!("../assets/page.html"));
    assert!(
        !body.contains("src=\"http") && !body.contains("href=\"http"),
        "no external asset"
    );
    let (status, _, body) = raw_get(server.addr, "/feed", "").await;
    assert_eq!(status, 200);
    let feed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(feed["kind"], "tickets");
    assert_eq!(feed["key_field"], "train");
    let paths: Vec<_> = feed["transports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/poll", "/longpoll", "/sse", "/ws", "/ws-deflate"]);
    let transports = &feed["transports"];
    assert_eq!(
        transports[0]["arrival"],
        serde_json::json!({"api": "scheduled_fetch", "interval_ms": 1000})
    );
    assert_eq!(
        transports[1]["arrival"],
        serde_json::json!({"api": "held_fetch", "timeout_ms": 30000})
    );
    assert_eq!(transports[2]["arrival"]["api"], "event_source");
    assert_eq!(transports[3]["colour"], "#0072b2");
    assert_eq!(transports[4]["compression"], "permessage-deflate");
    assert_eq!(transports[3]["sends_on_its_socket"], true);
}
