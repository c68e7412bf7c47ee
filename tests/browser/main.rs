//! The browser page (`GET /`) in a real browser: Debian's headless Chromium, installed by
//! the setup step (scripts/setup.sh), driven over the DevTools protocol against the matched
//! server on 127.0.0.1. Every transport must show events, none lost or repeated, no error;
//! a screenshot of the page is saved (target/browser-test/page.png, or in
//! $WSBENCH_BROWSER_OUT).

#[path = "../common/server.rs"]
mod common_server;

mod cdp;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common_server::{scenario, start, stats, wait_for_events};
use serde_json::Value;

/// Messages each panel must show before the page is judged.
const ENOUGH: u64 = 20;

fn chromium() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(root.join("scripts/setup-check.sh"))
        .arg("chromium")
        .output()
        .expect("scripts/setup-check.sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn out_dir() -> PathBuf {
    let dir = std::env::var_os("WSBENCH_BROWSER_OUT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-test"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transport_on_the_page_receives_events_without_loss() {
    let chromium = chromium();
    let scenario = scenario(
        "kind = \"ticker\"\nrate = 40",
        "[transport.poll]\ninterval = \"500ms\"\n",
    );
    let server = start(&scenario).await;
    wait_for_events(&server.hub, 1).await;
    let mut browser = cdp::Browser::launch(&chromium).await;
    let page = browser.open(&format!("http://{}/", server.addr)).await;
    // Every registered transport, whatever the page knows of it: a new one shows here too.
    let names = wsbench::transport_kind::Transport::names();
    let deadline = Instant::now() + Duration::from_secs(60);
    let summary = loop {
        let summary = browser
            .evaluate(&page, "window.wsbench ? window.wsbench.summary() : null")
            .await;
        let counts: Vec<u64> = names
            .iter()
            .map(|n| summary[n]["count"].as_u64().unwrap_or(0))
            .collect();
        if counts.iter().all(|&c| c >= ENOUGH) {
            break summary;
        }
        assert!(
            Instant::now() < deadline,
            "not every transport showed {ENOUGH} events within 60 s: {summary}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    // One more render, so that the picture shows the figures judged.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = browser.screenshot(&page).await;
    let shot = out_dir().join("page.png");
    std::fs::write(&shot, &png).unwrap();
    eprintln!("screenshot: {}", shot.display());
    assert_eq!(&png[1..4], b"PNG");
    browser.evaluate(&page, "window.wsbench.stop()").await;
    browser.close().await;

    for name in names {
        let panel = &summary[name];
        for figure in ["lost", "duplicates", "errors"] {
            assert_eq!(panel[figure], 0, "{name} {figure}: {summary}");
        }
        assert!(panel["p50_ms"].is_number(), "{name}: {summary}");
    }
    let live = |name: &str, key: &str| summary[name]["live"][key].clone();
    assert_eq!(live("ws", "extensions"), "(none)");
    // The browser offered permessage-deflate and the server agreed.
    assert_eq!(live("ws-deflate", "extensions"), "permessage-deflate");
    for name in ["ws", "ws-deflate"] {
        assert_eq!(live(name, "readyState"), "1 OPEN");
        let events = live(name, "events");
        assert!(
            events.as_str().unwrap().starts_with("open 1 · message "),
            "{events}"
        );
        assert!(events.as_str().unwrap().ends_with("· error 0 · close 0"));
    }
    assert_eq!(live("sse", "readyState"), "1 OPEN");
    // Each transport's requests reached the server, and none was refused.
    let stats = stats(server.addr).await;
    for name in names {
        let slot = &stats["transports"][name];
        assert!(slot["requests"].as_u64() > Some(0), "{name}: {slot}");
        assert_eq!(slot["errors"], Value::from(0), "{name}: {slot}");
    }
}

/// A chat feed: the page follows the first room on every transport and sends on its
/// WebSocket; each message it sends comes back on every panel, none lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_box_sends_on_the_websocket_and_every_transport_shows_the_room() {
    const MESSAGES: u64 = 10;
    let chromium = chromium();
    let scenario = scenario(
        "kind = \"chat\"",
        "[transport.poll]\ninterval = \"300ms\"\n",
    );
    let server = start(&scenario).await;
    let mut browser = cdp::Browser::launch(&chromium).await;
    let page = browser.open(&format!("http://{}/", server.addr)).await;
    // Every registered transport, whatever the page knows of it: a new one shows here too.
    let names = wsbench::transport_kind::Transport::names();
    let deadline = Instant::now() + Duration::from_secs(60);
    while page_summary(&mut browser, &page).await["ws"]["live"]["readyState"] != "1 OPEN" {
        assert!(
            Instant::now() < deadline,
            "the page's WebSocket never opened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every subscription is open before the first message (the push ones see only what
    // comes after they open).
    tokio::time::sleep(Duration::from_secs(1)).await;
    for i in 0..MESSAGES {
        let send = format!("window.wsbench.chat.send('hello {i}')");
        browser.evaluate(&page, &send).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last = loop {
        let last = page_summary(&mut browser, &page).await;
        if names
            .iter()
            .all(|n| last[n]["count"].as_u64().unwrap_or(0) >= MESSAGES)
        {
            break last;
        }
        assert!(
            Instant::now() < deadline,
            "not every transport showed the {MESSAGES} messages within 60 s: {last}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    browser.evaluate(&page, "window.wsbench.stop()").await;
    browser.close().await;
    for name in names {
        assert_eq!(last[name]["count"], MESSAGES, "{name}: {last}");
        for figure in ["lost", "duplicates", "errors"] {
            assert_eq!(last[name][figure], 0, "{name} {figure}: {last}");
        }
    }
    let stats = stats(server.addr).await;
    assert_eq!(stats["transports"]["ws"]["messages_published"], MESSAGES);
    assert_eq!(stats["topics"], 1, "the page follows room-0 only");
}

async fn page_summary(browser: &mut cdp::Browser, page: &str) -> Value {
    browser
        .evaluate(page, "window.wsbench ? window.wsbench.summary() : null")
        .await
}
