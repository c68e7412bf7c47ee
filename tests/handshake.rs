//! Strict handshakes (RFC 6455 §4.2.1–4.2.2, RFC 9112 §3.2), sent as raw bytes so that the
//! test controls every header, and requests refused before routing counted in `/stats`.

#[path = "common/server.rs"]
mod common_server;

use common_server::{raw_request, scenario, start, stats, wait_for_events};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const TICKER: &str = "kind = \"ticker\"\nrate = 50";
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn upgrade(addr: std::net::SocketAddr, version: &str, key: Option<&str>) -> String {
    let key = key.map_or(String::new(), |k| format!("Sec-WebSocket-Key: {k}\r\n"));
    format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: {version}\r\n{key}\r\n"
    )
}

/// The status and head of the answer to an upgrade that must be refused; the request asks
/// the server to close afterwards, so that reading to the end terminates.
async fn refused(addr: std::net::SocketAddr, request: &str) -> (u16, String) {
    let request = request.replacen("Connection: Upgrade", "Connection: Upgrade, close", 1);
    let (status, head, _) = raw_request(addr, request.as_bytes()).await;
    (status, head)
}

#[tokio::test]
async fn another_websocket_version_gets_426_naming_13() {
    let server = start(&scenario(TICKER, "")).await;
    let (status, head) = refused(server.addr, &upgrade(server.addr, "8", Some(KEY))).await;
    assert_eq!(status, 426, "{head}");
    assert!(head.contains("\r\nsec-websocket-version: 13"), "{head}");
}

#[tokio::test]
async fn a_missing_or_malformed_key_gets_400() {
    let server = start(&scenario(TICKER, "")).await;
    // Not base64; base64 of 15 bytes; base64 of 17 bytes; absent.
    for key in [
        Some("not a key at all"),
        Some("AAAAAAAAAAAAAAAAAAAA"),
        Some("AAAAAAAAAAAAAAAAAAAAAAA="),
        None,
    ] {
        let (status, head) = refused(server.addr, &upgrade(server.addr, "13", key)).await;
        assert_eq!(status, 400, "{key:?}: {head}");
    }
    let stats = stats(server.addr).await;
    assert_eq!(stats["transports"]["ws"]["errors"].as_u64(), Some(4));
    assert_eq!(stats["transports"]["ws"]["requests"].as_u64(), Some(4));
}

#[tokio::test]
async fn a_valid_key_still_upgrades() {
    let server = start(&scenario(TICKER, "")).await;
    wait_for_events(&server.hub, 1).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let request = upgrade(server.addr, "13", Some(KEY));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = vec![0; 12];
    tokio::io::AsyncReadExt::read_exact(&mut stream, &mut head)
        .await
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 101");
}

#[tokio::test]
async fn http_1_1_without_host_gets_400() {
    let server = start(&scenario(TICKER, "")).await;
    let (status, _, body) = raw_request(
        server.addr,
        b"GET /poll HTTP/1.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Host"), "{body}");
    // HTTP/1.0 has no such rule.
    let (status, _, _) = raw_request(server.addr, b"GET /stats HTTP/1.0\r\n\r\n").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_oversized_header_gets_431_and_counts_as_a_request_and_an_error() {
    let server = start(&scenario(TICKER, "")).await;
    let request = format!(
        "GET /poll HTTP/1.1\r\nHost: {}\r\nX-Big: {}\r\n\r\n",
        server.addr,
        "a".repeat(100 * 1024)
    );
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // The server may close before reading it all; what matters is what it answers and counts.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer),
    )
    .await
    .expect("the server closes within 20 s");
    assert!(
        answer.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let stats = stats(server.addr).await;
    // Refused before routing, the request counts in `other`, beside this /stats request.
    assert_eq!(stats["other"]["errors"].as_u64(), Some(1), "{stats}");
    assert_eq!(stats["other"]["requests"].as_u64(), Some(2), "{stats}");
}
