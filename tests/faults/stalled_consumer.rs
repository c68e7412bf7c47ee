//! A client that stops reading an SSE or WebSocket stream is noticed by the server itself:
//! its writes stall, and after `server.stall_timeout` it is cut off and counted.

use std::net::SocketAddr;
use std::time::Duration;

use crate::common_server::{scenario, start, stats, wait_for_events};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

/// A connection with a tiny receive buffer that sends `request` and never reads.
async fn never_reading(addr: SocketAddr, request: String) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(1024).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_are_cut_off_and_counted() {
    cut_off_and_counted("").await;
}

/// Batched writes block like single ones: the watch sees them all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coalescing_clients_that_never_read_are_cut_off_and_counted() {
    cut_off_and_counted("coalesce = \"2ms\"").await;
}

async fn cut_off_and_counted(server_extra: &str) {
    let bound = Duration::from_secs(1);
    let server = start(&scenario(
        "kind = \"ticker\"\nrate = 20000",
        &format!("[server]\nstall_timeout = \"1s\"\n{server_extra}"),
    ))
    .await;
    wait_for_events(&server.hub, 1).await;
    let addr = server.addr;
    let _sse = never_reading(
        addr,
        format!("GET /sse HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"),
    )
    .await;
    let _ws = never_reading(
        addr,
        format!(
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        ),
    )
    .await;

    // Generous: the bound, plus however long the socket buffers take to fill.
    let deadline = tokio::time::Instant::now() + bound * 20;
    let counted = |stats: &serde_json::Value, t: &str, key: &str| {
        stats["transports"][t][key].as_u64().unwrap_or(u64::MAX)
    };
    let mut seen_open = (false, false);
    let last = loop {
        let stats = stats(addr).await;
        seen_open.0 |= counted(&stats, "sse", "streams_open") == 1;
        seen_open.1 |= counted(&stats, "ws", "streams_open") == 1;
        let cut = ["sse", "ws"].iter().all(|t| {
            counted(&stats, t, "slow_consumer_disconnects") == 1
                && counted(&stats, t, "streams_open") == 0
        });
        if cut || tokio::time::Instant::now() > deadline {
            break stats;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for t in ["sse", "ws"] {
        assert_eq!(
            (
                counted(&last, t, "slow_consumer_disconnects"),
                counted(&last, t, "streams_open")
            ),
            (1, 0),
            "{t}: {last}"
        );
    }
    assert_eq!(
        seen_open,
        (true, true),
        "both streams were open before the cut"
    );
}
