//! Starts the matched server in-process on a free loopback port, for integration tests.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsbench::feed::Hub;
use wsbench::scenario::Scenario;
use wsbench::server::{ControlToken, Server};

pub struct Running {
    pub addr: SocketAddr,
    pub hub: Arc<Hub>,
    /// The control plane's token (`Authorization: Bearer <token>` on `/control/*`).
    pub token: ControlToken,
    pub stop: tokio::sync::watch::Sender<bool>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

pub fn scenario(feed: &str, extra: &str) -> Scenario {
    wsbench::transport::install();
    let text = format!("name = \"test\"\n{extra}\n[feed]\n{feed}\n");
    Scenario::parse(&text, Path::new("test.toml")).expect("test scenario parses")
}

pub async fn start(scenario: &Scenario) -> Running {
    let token = ControlToken::generate().expect("a control token");
    let addr = "127.0.0.1:0".parse().unwrap();
    let sides = wsbench::transport::server_side;
    let server = Server::bind(scenario.serving(), sides, addr, Some(token.clone())).expect("binds");
    let running = Running {
        addr: server.local_addr(),
        hub: server.hub(),
        token,
        stop: server.shutdown_handle(),
    };
    tokio::spawn(server.run());
    running
}

/// Waits (bounded) until the hub has published at least `n` events.
pub async fn wait_for_events(hub: &Hub, n: u64) {
    let mut watch = hub.watch();
    tokio::time::timeout(Duration::from_secs(20), async {
        while *watch.borrow_and_update() < n {
            watch.changed().await.expect("hub alive");
        }
    })
    .await
    .expect("events published within 20 s");
}

/// One raw HTTP/1.1 exchange on a fresh connection (`Connection: close`): status line,
/// headers and body as text.
pub async fn raw_get(addr: SocketAddr, target: &str, extra_headers: &str) -> (u16, String, String) {
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\n{extra_headers}Connection: close\r\n\r\n"
    );
    raw_request(addr, request.as_bytes()).await
}

/// Sends exactly `request` on a fresh connection and reads until the server closes it:
/// status, head and body as text.
pub async fn raw_request(addr: SocketAddr, request: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut response))
        .await
        .expect("response within 20 s")
        .unwrap();
    let text = String::from_utf8(response).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let status = head[9..12].parse().expect("a status code");
    (status, head.to_string(), body.to_string())
}

/// `GET /stats`, parsed.
pub async fn stats(addr: SocketAddr) -> serde_json::Value {
    let (status, _, body) = raw_get(addr, "/stats", "").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("JSON stats")
}

/// The `seq` values of a poll body's events.
pub fn poll_seqs(body: &str) -> (u64, Vec<u64>) {
    let value: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    let latest = value["seq"].as_u64().expect("seq");
    let seqs = value["events"]
        .as_array()
        .expect("events array")
        .iter()
        .map(|e| e["seq"].as_u64().expect("event seq"))
        .collect();
    (latest, seqs)
}
