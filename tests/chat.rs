//! `kind = "chat"`: rooms as topics, messages sent over the WebSocket or `POST /publish`,
//! each published to every member of its room. The statuses of `POST /publish`, a
//! message's way from a WebSocket to a poller, and a whole run accounted per (message,
//! receiver) over every transport.

#[path = "common/server.rs"]
mod common_server;

use std::path::PathBuf;

use common_server::{raw_get, raw_request, scenario, start, stats};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use wsbench::run::{RunOptions, run};

const CHAT: &str = "kind = \"chat\"\nmax_body_bytes = 256\nmax_send_rate = 2";

fn message(topic: &str, from: u64, ts: u64) -> String {
    format!(r#"{{"topic":"{topic}","from":{from},"ts":{ts},"text":"hello"}}"#)
}

async fn post(addr: std::net::SocketAddr, body: &str) -> (u16, String) {
    let request = format!(
        "POST /publish HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, _, body) = raw_request(addr, request.as_bytes()).await;
    (status, body)
}

#[tokio::test]
async fn publish_answers_202_400_413_429_and_refuses_what_it_does_not_serve() {
    let server = start(&scenario(CHAT, "")).await;
    let addr = server.addr;
    let (status, body) = post(addr, &message("room-0", 1, 1_000)).await;
    assert_eq!(
        (status, body.trim()),
        (202, r#"{"topic":"room-0","seq":1}"#)
    );

    let (status, body) = post(addr, "{not json").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("malformed message"), "{body}");
    let (status, body) = post(addr, r#"{"topic":"room-0","from":1,"text":"no ts"}"#).await;
    assert_eq!(status, 400);
    assert!(body.contains("missing field `ts`"), "{body}");
    let (status, body) = post(addr, &message("not a topic", 1, 1)).await;
    assert_eq!(status, 400);
    assert!(body.contains("malformed topic"), "{body}");

    // Over the limit: refused from the declared length, and from a chunked body's size.
    let (status, body) = post(addr, &" ".repeat(257)).await;
    assert_eq!(status, 413, "{body}");
    let chunk = "x".repeat(300);
    let chunked = format!(
        "POST /publish HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    assert_eq!(raw_request(addr, chunked.as_bytes()).await.0, 413);

    // `max_send_rate = 2`: a bucket of two; client 1 spent one above.
    assert_eq!(post(addr, &message("room-0", 1, 2_000)).await.0, 202);
    let (status, body) = post(addr, &message("room-0", 1, 3_000)).await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("client 1 sends faster than 2"), "{body}");
    assert_eq!(post(addr, &message("room-0", 2, 4_000)).await.0, 202);

    let (status, _, body) = raw_get(addr, "/publish", "").await;
    assert_eq!(status, 405, "{body}");
    let stats = stats(addr).await;
    assert_eq!(stats["other"]["messages_published"], 3);
    assert_eq!(stats["other"]["messages_refused"], 6);
    assert_eq!(stats["topics"], 1);

    // A room's poller sees its messages, numbered by the room, with the senders' instants.
    let (status, _, body) = raw_get(addr, "/poll?since=0&topic=room-0", "").await;
    assert_eq!(status, 200);
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let events: Vec<(u64, u64, u64)> = answer["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = |name: &str| e[name].as_u64().unwrap();
            (field("seq"), field("ts"), field("from"))
        })
        .collect();
    assert_eq!(events, [(1, 1_000, 1), (2, 2_000, 1), (3, 4_000, 2)]);

    let ticker = start(&scenario("kind = \"ticker\"", "")).await;
    let (status, body) = post(ticker.addr, &message("room-0", 1, 1)).await;
    assert_eq!(status, 404);
    assert!(body.contains("takes no messages"), "{body}");
    let (status, _, body) = raw_get(ticker.addr, "/poll?topic=room-0", "").await;
    assert_eq!(status, 400);
    assert!(body.contains("no topics"), "{body}");
}

/// A room unused for `server.topic_idle` is dropped: its events stay in `/stats`, counted in
/// a window marked before the drop, and a window that cannot count them says so.
#[tokio::test]
async fn an_idle_room_is_dropped_and_its_events_stay_counted_in_a_marked_window() {
    let server = start(&scenario(CHAT, "[server]\ntopic_idle = \"1s\"")).await;
    let addr = server.addr;
    let from_ns = wsbench::feed::wall_clock_ns();
    let mark = format!(
        "POST /control/mark?at_ns={from_ns} HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        server.token.header_value()
    );
    assert_eq!(raw_request(addr, mark.as_bytes()).await.0, 200);
    assert_eq!(post(addr, &message("room-0", 1, 1_000)).await.0, 202);
    assert_eq!(post(addr, &message("room-0", 2, 2_000)).await.0, 202);
    let to_ns = wsbench::feed::wall_clock_ns();
    // Dropped by the server's sweep, every second, once idle for 1 s: a bounded wait.
    let mut dropped = serde_json::Value::Null;
    for _ in 0..100 {
        let now = stats(addr).await;
        if now["topics"] == 0 {
            dropped = now;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(dropped["topics_dropped"]["idle"], 1, "{dropped}");
    assert_eq!(dropped["events_published"], 2);
    let window = |from: u64| async move {
        let (status, _, body) =
            raw_get(addr, &format!("/stats?from_ns={from}&to_ns={to_ns}"), "").await;
        assert_eq!(status, 200, "{body}");
        let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
        stats["window"].clone()
    };
    let marked = window(from_ns).await;
    assert_eq!(marked["events"], 2, "{marked}");
    assert_eq!(marked["dropped_topics"]["events"], 2, "{marked}");
    assert_eq!(
        marked.get("topics"),
        None,
        "the room is gone from the per-topic windows"
    );
    let unmarked = window(from_ns + 1).await;
    assert_eq!(unmarked["events"], serde_json::Value::Null, "{unmarked}");
    let error = unmarked["error"].as_str().unwrap();
    assert!(
        error.starts_with("dropped topics: the window reaches back"),
        "{error}"
    );
    // Named again, the room is a new one, numbering from 1.
    let (status, body) = post(addr, &message("room-0", 1, 3_000)).await;
    assert_eq!(
        (status, body.trim()),
        (202, r#"{"topic":"room-0","seq":1}"#)
    );
}

#[tokio::test]
async fn a_message_sent_on_a_websocket_reaches_every_member_of_its_room_only() {
    let server = start(&scenario(CHAT, "")).await;
    let url = |topic: &str| format!("ws://{}/ws?topic={topic}", server.addr);
    let (mut sender, _) = tokio_tungstenite::connect_async(url("room-1"))
        .await
        .unwrap();
    let (mut member, _) = tokio_tungstenite::connect_async(url("room-1"))
        .await
        .unwrap();
    let (mut outsider, _) = tokio_tungstenite::connect_async(url("room-2"))
        .await
        .unwrap();
    sender
        .send(Message::text(message("room-1", 5, 77)))
        .await
        .unwrap();
    for socket in [&mut sender, &mut member] {
        let received = socket.next().await.unwrap().unwrap();
        assert_eq!(
            received.into_text().unwrap().as_str(),
            r#"{"seq":1,"ts":77,"from":5,"text":"hello"}"#
        );
    }
    // Bad messages on the socket are counted as refused, not published.
    sender.send(Message::text("{bad")).await.unwrap();
    sender
        .send(Message::text(message("room-2", 5, 78)))
        .await
        .unwrap();
    let received = outsider.next().await.unwrap().unwrap();
    assert!(received.into_text().unwrap().contains(r#""seq":1,"ts":78"#));
    let stats = stats(server.addr).await;
    assert_eq!(stats["transports"]["ws"]["messages_received"], 3);
    assert_eq!(stats["transports"]["ws"]["messages_published"], 2);
    assert_eq!(stats["transports"]["ws"]["messages_refused"], 1);
}

#[test]
fn a_chat_run_delivers_every_message_to_every_member_over_every_transport() {
    for t in &chat_run(true).transports {
        let name = t.transport.name();
        let upstream = t.upstream.as_ref().expect("a chat records what it sent");
        // Two rooms of three: every message published in the window is owed to its room's
        // three members, sender included.
        let published = t.events.published.unwrap();
        assert!(published > 0 && upstream.sent > 0, "{name}: nothing sent");
        assert_eq!(t.events.expected, Some(published * 3), "{name}");
        assert_eq!(t.events.delivered, published * 3, "{name}");
        assert_eq!(t.events.lost, Some(0), "{name}");
        assert_eq!(t.events.duplicated, Some(0), "{name}");
        assert_eq!(upstream.server_refused, Some(0), "{name}");
        assert_eq!(upstream.refused_seen, 0, "{name}");
        assert!(t.bytes.up > 0 && t.bytes.down > 0, "{name}");
        assert!(
            t.idle_cost.is_none(),
            "{name}: members that send are never idle"
        );
    }
}

#[test]
fn without_echo_a_sender_is_owed_and_sent_only_the_other_members_messages() {
    for t in &chat_run(false).transports {
        let name = t.transport.name();
        // Each message is owed to the two other members of its room; one sent to its own
        // sender would count as duplicated.
        let published = t.events.published.unwrap();
        assert!(published > 0, "{name}: nothing sent");
        assert_eq!(t.events.expected, Some(published * 2), "{name}");
        assert_eq!(t.events.delivered, published * 2, "{name}");
        assert_eq!(t.events.lost, Some(0), "{name}");
        assert_eq!(t.events.duplicated, Some(0), "{name}");
    }
}

/// `scenarios/chat.toml`, short, with two rooms of three members sending 4 messages a
/// second, over every transport.
fn chat_run(echo: bool) -> wsbench::results::Results {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/chat.toml").unwrap();
    let mut table: toml::Table = text.parse().unwrap();
    let short: toml::Table = "duration = \"3s\"\nwarmup = \"500ms\"\n\
         [clients]\ncount = 6\nramp = \"200ms\"\nheaders = \"browser\"\n\
         [transport.poll]\ninterval = \"200ms\"\n"
        .parse()
        .unwrap();
    for (key, value) in short {
        match (table.get_mut(&key), value) {
            (Some(toml::Value::Table(section)), toml::Value::Table(update)) => {
                section.extend(update)
            }
            (_, value) => drop(table.insert(key, value)),
        }
    }
    let feed = table["feed"].as_table_mut().unwrap();
    feed.insert("members".into(), 3.into());
    feed.insert("send_rate".into(), 4.into());
    feed.insert("echo".into(), echo.into());
    let path = dir.path().join("chat.toml");
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    let options = RunOptions {
        scenario: path,
        out: Some(dir.path().join("out")),
        quiet: true,
        server_exe: Some(PathBuf::from(env!("CARGO_BIN_EXE_wsbench"))),
        ..Default::default()
    };
    let outcome = run(&options).expect("the run succeeds");
    assert!(outcome.results.complete, "{:?}", outcome.failure);
    let names: Vec<&str> = outcome
        .results
        .transports
        .iter()
        .map(|t| t.transport.name())
        .collect();
    assert_eq!(names, ["poll", "longpoll", "sse", "ws"]);
    outcome.results
}
