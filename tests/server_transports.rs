//! The matched server over each transport, with real clients on loopback.

#[path = "common/server.rs"]
mod common_server;

use std::time::Duration;

use common_server::{Running, poll_seqs, raw_get, raw_request, scenario, start, wait_for_events};
use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

const FAST_TICKER: &str = "kind = \"ticker\"\nrate = 200";

#[tokio::test]
async fn poll_returns_consecutive_events_then_204() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 10).await;
    server.hub.stop();
    let last = server.hub.last_seq();

    let (status, head, body) = raw_get(server.addr, "/poll?since=0", "").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("content-length:"), "{head}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    let (latest, seqs) = poll_seqs(&body);
    assert_eq!(latest, last);
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>());

    let (status, _, body) = raw_get(server.addr, &format!("/poll?since={last}"), "").await;
    assert_eq!((status, body.as_str()), (204, ""));

    // Without `since`: the latest event only.
    let (status, _, body) = raw_get(server.addr, "/poll", "").await;
    assert_eq!(status, 200);
    assert_eq!(poll_seqs(&body).1, vec![last]);
}

#[tokio::test]
async fn longpoll_answers_at_once_or_on_the_next_event() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 5).await;
    // Ten minutes of timeout: an answer can only come from an event.
    let (status, _, body) = raw_get(server.addr, "/longpoll?since=0&timeout_ms=600000", "").await;
    assert_eq!(status, 200);
    let (_, seqs) = poll_seqs(&body);
    assert_eq!(seqs[0], 1);

    let current = server.hub.last_seq();
    let (status, _, body) = raw_get(
        server.addr,
        &format!("/longpoll?since={current}&timeout_ms=600000"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    let (_, seqs) = poll_seqs(&body);
    assert_eq!(seqs[0], current + 1, "the next event, not a later one");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1));
}

#[tokio::test]
async fn longpoll_times_out_with_204_when_nothing_is_published() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 1).await;
    let last = server.hub.stop();
    let (status, head, body) = raw_get(
        server.addr,
        &format!("/longpoll?since={last}&timeout_ms=50"),
        "",
    )
    .await;
    assert_eq!((status, body.as_str()), (204, ""), "{head}");
}

/// Reads SSE messages as (id, data) pairs until `count` have arrived.
async fn read_sse(stream: TcpStream, count: usize) -> (String, Vec<(u64, String)>) {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut messages = Vec::new();
    let mut id = None;
    while messages.len() < count {
        // Chunked framing: a size line, the chunk, CRLF.
        let mut size_line = String::new();
        reader.read_line(&mut size_line).await.unwrap();
        let size = usize::from_str_radix(size_line.trim(), 16).expect("chunk size");
        let mut chunk = vec![0; size + 2];
        tokio::io::AsyncReadExt::read_exact(&mut reader, &mut chunk)
            .await
            .unwrap();
        let chunk = String::from_utf8(chunk[..size].to_vec()).unwrap();
        for line in chunk.lines() {
            if let Some(value) = line.strip_prefix("id: ") {
                id = Some(value.parse::<u64>().unwrap());
            } else if let Some(data) = line.strip_prefix("data: ") {
                messages.push((id.take().expect("id before data"), data.to_string()));
            }
        }
    }
    (head, messages)
}

async fn sse_request(addr: std::net::SocketAddr, target: &str, extra: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n{extra}\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn sse_streams_consecutive_events_in_documented_framing() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 1).await;
    let stream = sse_request(server.addr, "/sse", "").await;
    let (head, messages) = tokio::time::timeout(Duration::from_secs(20), read_sse(stream, 20))
        .await
        .unwrap();
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    for (id, data) in &messages {
        let event: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(event["seq"].as_u64(), Some(*id));
        assert!(event["ts"].as_u64().is_some());
    }
    let ids: Vec<u64> = messages.iter().map(|m| m.0).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
}

#[tokio::test]
async fn sse_resumes_from_last_event_id_and_since() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 30).await;
    let last = server.hub.stop();
    for (target, header) in [("/sse", "Last-Event-ID: 12\r\n"), ("/sse?since=12", "")] {
        let stream = sse_request(server.addr, target, header).await;
        let expected = (last - 12) as usize;
        let (_, messages) =
            tokio::time::timeout(Duration::from_secs(20), read_sse(stream, expected))
                .await
                .unwrap();
        let ids: Vec<u64> = messages.iter().map(|m| m.0).collect();
        assert_eq!(ids, (13..=last).collect::<Vec<_>>());
    }
}

async fn ws_messages(addr: std::net::SocketAddr, target: &str, count: usize) -> Vec<u64> {
    let (mut socket, response) = tokio_tungstenite::connect_async(format!("ws://{addr}{target}"))
        .await
        .unwrap();
    assert_eq!(response.status(), 101);
    let mut seqs = Vec::new();
    let collect = async {
        while seqs.len() < count {
            if let Message::Text(text) = socket.next().await.unwrap().unwrap() {
                let event: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert!(event["ts"].as_u64().is_some());
                seqs.push(event["seq"].as_u64().unwrap());
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), collect)
        .await
        .expect("messages within 20 s");
    seqs
}

#[tokio::test]
async fn websocket_sends_one_text_message_per_event() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 1).await;
    let seqs = ws_messages(server.addr, "/ws", 20).await;
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}

#[tokio::test]
async fn websocket_resumes_from_since() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 30).await;
    let last = server.hub.stop();
    let seqs = ws_messages(server.addr, "/ws?since=7", (last - 7) as usize).await;
    assert_eq!(seqs, (8..=last).collect::<Vec<_>>());
}

#[tokio::test]
async fn state_feed_polls_coalesce_per_key() {
    let scenario = scenario("kind = \"tickets\"\nrate = 500\ntrains = 5", "seed = 3");
    let server = start(&scenario).await;
    wait_for_events(&server.hub, 60).await;
    let last = server.hub.stop();
    // The feed is deterministic: payload i is the event with seq i + 1.
    let trains: Vec<String> = wsbench::feed::payloads(&scenario.feed, scenario.seed, last as usize)
        .iter()
        .map(|p| p.split('"').nth(3).unwrap().to_string())
        .collect();
    let mut coalesced_after_40 = Vec::new();
    for since in [0, 10, 40] {
        let (status, _, body) = raw_get(server.addr, &format!("/poll?since={since}"), "").await;
        assert_eq!(status, 200);
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        let got: Vec<(String, u64)> = value["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["train"].as_str().unwrap().to_string(),
                    e["seq"].as_u64().unwrap(),
                )
            })
            .collect();
        // Expected: for each train changed after `since`, its latest change, in seq order.
        let mut latest = std::collections::BTreeMap::new();
        for seq in since + 1..=last {
            latest.insert(trains[seq as usize - 1].clone(), seq);
        }
        let mut expected: Vec<(String, u64)> = latest.into_iter().collect();
        expected.sort_by_key(|(_, seq)| *seq);
        assert_eq!(got, expected, "since={since}");
        assert_eq!(value["seq"].as_u64(), Some(last));
        coalesced_after_40 = expected.iter().map(|(_, seq)| *seq).collect();
    }
    // A stream resuming from `since` starts from the same coalesced view.
    let seqs = ws_messages(server.addr, "/ws?since=40", coalesced_after_40.len()).await;
    assert_eq!(seqs, coalesced_after_40);
}

#[tokio::test]
async fn bad_requests_get_clear_statuses() {
    let server = start(&scenario(FAST_TICKER, "[server]\nhistory = 5")).await;
    wait_for_events(&server.hub, 20).await;
    let last = server.hub.stop();

    let (status, _, body) = raw_get(server.addr, "/nope", "").await;
    assert_eq!(status, 404);
    assert!(body.contains("/nope"), "{body}");

    for target in [
        "/poll?since=abc",
        "/longpoll?since=-1",
        "/longpoll?since=1&timeout_ms=soon",
        "/sse?since=x",
    ] {
        let (status, _, body) = raw_get(server.addr, target, "").await;
        assert_eq!(status, 400, "{target}");
        assert!(body.contains("malformed"), "{target}: {body}");
    }

    let (status, _, body) = raw_get(server.addr, "/poll?since=1", "").await;
    assert_eq!(status, 410);
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(value["oldest"].as_u64(), Some(last - 4));

    let (status, _, _) = raw_get(server.addr, "/ws", "").await;
    assert_eq!(status, 400, "a GET /ws without an upgrade");
}

#[tokio::test]
async fn stats_count_bytes_per_transport() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 5).await;
    server.hub.stop();
    let (_, head, body) = raw_get(server.addr, "/poll?since=0", "").await;
    let response_bytes = head.len() + 4 + body.len();
    let request = format!(
        "GET /poll?since=0 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    );
    // The connection is closed by now; give the server's counters the same view.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (_, _, stats) = raw_get(server.addr, "/stats", "").await;
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(
        stats["transports"]["poll"]["bytes_written"].as_u64(),
        Some(response_bytes as u64)
    );
    assert_eq!(
        stats["transports"]["poll"]["bytes_read"].as_u64(),
        Some(request.len() as u64)
    );
    assert_eq!(stats["transports"]["poll"]["requests"].as_u64(), Some(1));
    assert_eq!(
        stats["events_published"].as_u64(),
        Some(server.hub.last_seq())
    );
}

#[tokio::test]
async fn same_seed_publishes_the_same_payloads() {
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let server = start(&scenario(FAST_TICKER, "seed = 99")).await;
        wait_for_events(&server.hub, 10).await;
        server.hub.stop();
        let (_, _, body) = raw_get(server.addr, "/poll?since=0", "").await;
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        let payloads: Vec<String> = value["events"].as_array().unwrap()[..10]
            .iter()
            .map(|e| format!("{}:{}", e["sym"], e["px"]))
            .collect();
        bodies.push(payloads);
    }
    assert_eq!(bodies[0], bodies[1]);
}

#[tokio::test]
async fn shutdown_closes_websockets_with_going_away() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 1).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    server.stop.send(true).unwrap();
    let close = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await
    .expect("a close frame within 20 s");
    let frame = close.expect("a close code");
    assert_eq!(
        frame.code,
        tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Away
    );
}

/// `connections.open` counts a WebSocket for as long as it is open, not only until its
/// upgrade (when hyper's connection task hands the socket over), and stops counting it
/// once it is closed.
#[tokio::test]
async fn open_connections_count_websockets_after_their_upgrade() {
    let server = start(&scenario(FAST_TICKER, "")).await;
    wait_for_events(&server.hub, 1).await;
    let mut sockets = Vec::new();
    for _ in 0..3 {
        let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
            .await
            .unwrap();
        // A message read: the upgrade is done and the stream is running.
        socket.next().await.unwrap().unwrap();
        sockets.push(socket);
    }
    let stats = common_server::stats(server.addr).await;
    // The three WebSockets and the /stats request's own connection.
    assert_eq!(stats["connections"]["open"], 4, "{stats}");
    assert_eq!(stats["transports"]["ws"]["connections_open"], 3, "{stats}");
    for mut socket in sockets {
        socket.close(None).await.unwrap();
        while socket.next().await.is_some() {}
    }
    // Closed on both sides; the server's task ends in its own time (bounded here).
    let open = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let stats = common_server::stats(server.addr).await;
            if stats["connections"]["open"] == 1 {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the closed WebSockets are no longer counted within 10 s");
    assert_eq!(open["transports"]["ws"]["connections_open"], 0, "{open}");
}

/// A control request with the server's token.
async fn post(running: &Running, target: &str) -> (u16, String) {
    let (status, _, body) = post_with(running.addr, target, &authorization(running)).await;
    (status, body)
}

fn authorization(running: &Running) -> String {
    format!("Authorization: {}\r\n", running.token.header_value())
}

async fn post_with(
    addr: std::net::SocketAddr,
    target: &str,
    headers: &str,
) -> (u16, String, String) {
    let request = format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    raw_request(addr, request.as_bytes()).await
}

#[tokio::test]
async fn a_marked_window_longer_than_the_window_log_is_counted_exactly() {
    let scenario = scenario(
        "kind = \"ticker\"\nrate = 1000",
        "[server]\nwindow_log = 10",
    );
    let running = start(&scenario).await;
    wait_for_events(&running.hub, 5).await;
    let at_ns = wsbench::feed::wall_clock_ns();
    let before_mark = running.hub.last_seq();
    assert_eq!(
        post(&running, &format!("/control/mark?at_ns={at_ns}"))
            .await
            .0,
        200
    );
    // Far more events than the ten instants the log keeps.
    wait_for_events(&running.hub, before_mark + 100).await;
    let (status, body) = post(&running, "/control/stop").await;
    assert_eq!(status, 200);
    let last: serde_json::Value = serde_json::from_str(&body).unwrap();
    let last = last["last_seq"].as_u64().unwrap();
    let to_ns = wsbench::feed::wall_clock_ns();

    let (_, _, body) = raw_get(
        running.addr,
        &format!("/stats?from_ns={at_ns}&to_ns={to_ns}"),
        "",
    )
    .await;
    let window = &serde_json::from_str::<serde_json::Value>(&body).unwrap()["window"];
    let first = window["first_seq"].as_u64().expect("a counted window");
    // The first event stamped at or after the mark, read back from the history.
    let since = before_mark.saturating_sub(10);
    let (_, _, body) = raw_get(running.addr, &format!("/poll?since={since}"), "").await;
    let events: serde_json::Value = serde_json::from_str(&body).unwrap();
    let expected_first = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ts"].as_u64().unwrap() >= at_ns)
        .map(|e| e["seq"].as_u64().unwrap());
    assert_eq!(Some(first), expected_first, "{window}");
    assert_eq!(window["last_seq"].as_u64(), Some(last));
    assert_eq!(window["events"].as_u64(), Some(last - first + 1));

    // A start nobody marked, as old, is not guessed.
    let (_, _, body) = raw_get(
        running.addr,
        &format!("/stats?from_ns={}&to_ns={to_ns}", at_ns - 1),
        "",
    )
    .await;
    let window = &serde_json::from_str::<serde_json::Value>(&body).unwrap()["window"];
    assert!(window["events"].is_null(), "{window}");
    // Nor can a start be marked once its instant is gone.
    assert_eq!(
        post(&running, &format!("/control/mark?at_ns={at_ns}"))
            .await
            .0,
        410
    );
}

/// What a client sends reaches the feed's source, when one takes client messages (a chat).
#[tokio::test]
async fn client_messages_reach_the_source_that_takes_them() {
    use futures_util::SinkExt;
    let server = start(&scenario(FAST_TICKER, "")).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    let mut inbox = server.hub.client_messages(8);
    socket.send(Message::text("hello")).await.unwrap();
    socket.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    let received = |message: Option<wsbench::feed::ClientMessage>| {
        let message = message.expect("a message");
        (message.transport, message.body.to_vec())
    };
    let next = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .unwrap();
    assert_eq!(
        received(next),
        ("ws", b"hello".to_vec()),
        "the first, untaken, was not kept"
    );
    let next = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .unwrap();
    assert_eq!(received(next), ("ws", vec![1, 2, 3]));
    let stats = common_server::stats(server.addr).await;
    assert_eq!(stats["transports"]["ws"]["messages_received"], 2);
}
