//! CORS on the matched server, through real sockets: headers only for requests with an
//! `Origin` (so same-origin and load-generator bytes stay as they were), never on a
//! WebSocket upgrade, and a preflight answer to `OPTIONS` on every path.

#[path = "common/server.rs"]
mod common_server;

use common_server::{raw_get, raw_request, scenario, start, wait_for_events};

const ORIGIN: &str = "Origin: http://page.example\r\n";

fn has(head: &str, line: &str) -> bool {
    head.lines().any(|l| l.eq_ignore_ascii_case(line))
}

fn mentions(head: &str, name: &str) -> bool {
    head.to_ascii_lowercase().contains(name)
}

#[tokio::test]
async fn answers_carry_cors_headers_only_when_the_request_has_an_origin() {
    let server = start(&scenario("kind = \"ticker\"\nrate = 50", "")).await;
    wait_for_events(&server.hub, 1).await;
    for target in ["/poll", "/longpoll?timeout_ms=0", "/stats", "/nope"] {
        let (_, head, _) = raw_get(server.addr, target, ORIGIN).await;
        assert!(
            has(&head, "access-control-allow-origin: *"),
            "{target}: {head}"
        );
        let (_, head, _) = raw_get(server.addr, target, "").await;
        assert!(!mentions(&head, "access-control"), "{target}: {head}");
    }
}

#[tokio::test]
async fn options_on_any_path_is_a_preflight() {
    let server = start(&scenario("kind = \"ticker\"", "")).await;
    for path in ["/poll", "/sse", "/publish", "/"] {
        let request = format!(
            "OPTIONS {path} HTTP/1.1\r\nHost: x\r\n{ORIGIN}Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n"
        );
        let (status, head, body) = raw_request(server.addr, request.as_bytes()).await;
        assert_eq!((status, body.as_str()), (204, ""), "{path}");
        for line in [
            "access-control-allow-origin: *",
            "access-control-allow-methods: GET, POST, OPTIONS",
            "access-control-allow-headers: content-type",
            "access-control-max-age: 600",
        ] {
            assert!(has(&head, line), "{path}: {line} in {head}");
        }
    }
    let bare = "OPTIONS /poll HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let (status, head, _) = raw_request(server.addr, bare.as_bytes()).await;
    assert_eq!(status, 204);
    assert!(has(&head, "allow: GET, POST, OPTIONS"), "{head}");
    assert!(!mentions(&head, "access-control"), "{head}");
}

#[tokio::test]
async fn a_websocket_upgrade_with_an_origin_gets_no_cors_headers() {
    let server = start(&scenario("kind = \"ticker\"", "")).await;
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: x\r\n{ORIGIN}Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
        .await
        .unwrap();
    let mut head = vec![0; 4096];
    let n = tokio::io::AsyncReadExt::read(&mut stream, &mut head)
        .await
        .unwrap();
    let head = String::from_utf8_lossy(&head[..n]);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(!mentions(&head, "access-control"), "{head}");
}
