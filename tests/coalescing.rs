//! `server.coalesce`: the same events through a coalescing and a plain server give the same
//! bytes on the wire, in fewer writes. The coalescing server waits an hour for more events,
//! so its batch ends only when it is full (`MAX_BATCH`): the counts do not depend on timing.

#[path = "common/server.rs"]
mod common_server;

use std::net::SocketAddr;
use std::time::Duration;

use common_server::{Running, scenario, start, stats};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsbench::server::stream::MAX_BATCH;

/// A feed that never publishes by itself (its first event is due in 10,000 s, in a run as
/// long, which a scenario must be for such a rate): the test publishes every event, the
/// same ones to both servers.
const SILENT: &str = "kind = \"ticker\"\nrate = 0.0001";

async fn server(coalesce: Duration) -> Running {
    let mut scenario = scenario(SILENT, "duration = \"3h\"");
    // Beyond what a scenario may ask (1 s), so that only a full batch ends the gathering.
    scenario.server.coalesce = coalesce;
    start(&scenario).await
}

fn publish(server: &Running, i: usize) {
    let fields = format!("\"n\":{i},\"sym\":\"S{:02}\"", i % 40);
    server
        .hub
        .publish(1_700_000_000_000_000_000 + i as u64, None, &fields)
        .expect("hub open");
}

/// How a transport's response opens and how its units (one per event) are delimited.
#[derive(Clone, Copy)]
enum Framing {
    /// Chunked transfer coding: `<hex size>\r\n<data>\r\n`.
    SseChunks,
    /// Unmasked server frames, payloads under 126 bytes: 2 header bytes, then the payload.
    WsFrames,
}

impl Framing {
    fn name(self) -> &'static str {
        match self {
            Self::SseChunks => "sse",
            Self::WsFrames => "ws",
        }
    }

    fn request(self, addr: SocketAddr) -> String {
        match self {
            Self::SseChunks => {
                format!("GET /sse HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n")
            }
            Self::WsFrames => format!(
                "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            ),
        }
    }

    /// Complete units at the start of `body`.
    fn units(self, body: &[u8]) -> usize {
        let mut at = 0;
        let mut count = 0;
        loop {
            let rest = &body[at..];
            let len = match self {
                Self::SseChunks => {
                    let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
                        return count;
                    };
                    let size = std::str::from_utf8(&rest[..end]).unwrap();
                    end + 2 + usize::from_str_radix(size, 16).expect("chunk size") + 2
                }
                Self::WsFrames => {
                    if rest.len() < 2 {
                        return count;
                    }
                    assert!(rest[1] < 126, "a small unmasked frame");
                    2 + rest[1] as usize
                }
            };
            if rest.len() < len {
                return count;
            }
            at += len;
            count += 1;
        }
    }
}

/// A client reading one stream's raw bytes: the head apart, then the body.
struct Raw {
    socket: TcpStream,
    body: Vec<u8>,
    framing: Framing,
}

impl Raw {
    async fn open(addr: SocketAddr, framing: Framing) -> Self {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket
            .write_all(framing.request(addr).as_bytes())
            .await
            .unwrap();
        let mut received = Vec::new();
        let head_end = loop {
            if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            read_some(&mut socket, &mut received).await;
        };
        let body = received.split_off(head_end);
        Self {
            socket,
            body,
            framing,
        }
    }

    async fn until_units(&mut self, count: usize) {
        while self.framing.units(&self.body) < count {
            read_some(&mut self.socket, &mut self.body).await;
        }
        assert_eq!(self.framing.units(&self.body), count, "no more than asked");
    }
}

async fn read_some(socket: &mut TcpStream, into: &mut Vec<u8>) {
    let mut buf = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(20), socket.read(&mut buf))
        .await
        .expect("bytes within 20 s")
        .unwrap();
    assert!(n > 0, "the server closed the stream");
    into.extend_from_slice(&buf[..n]);
}

async fn writes(server: &Running, transport: &str) -> (u64, u64) {
    let stats = stats(server.addr).await;
    let slot = &stats["transports"][transport];
    (
        slot["writes"].as_u64().unwrap(),
        slot["bytes_written"].as_u64().unwrap(),
    )
}

/// The body bytes, socket writes and bytes written for `MAX_BATCH` events, published one at
/// a time (each read before the next is published when `wait_each`).
async fn stream_events(server: &Running, framing: Framing, wait_each: bool) -> (Vec<u8>, u64, u64) {
    let mut client = Raw::open(server.addr, framing).await;
    let before = writes(server, framing.name()).await;
    for i in 1..=MAX_BATCH {
        publish(server, i);
        if wait_each {
            client.until_units(i).await;
        } else {
            // Let the connection take the event and go back to waiting for more.
            tokio::task::yield_now().await;
        }
    }
    client.until_units(MAX_BATCH).await;
    let after = writes(server, framing.name()).await;
    (client.body, after.0 - before.0, after.1 - before.1)
}

async fn same_bytes_in_one_write(framing: Framing) {
    let plain = server(Duration::ZERO).await;
    let coalescing = server(Duration::from_secs(3600)).await;
    let (plain_body, plain_writes, plain_bytes) = stream_events(&plain, framing, true).await;
    let (body, writes, bytes) = stream_events(&coalescing, framing, false).await;

    assert_eq!(
        String::from_utf8_lossy(&body),
        String::from_utf8_lossy(&plain_body)
    );
    assert_eq!(body.len() as u64, bytes, "the server counted what was read");
    assert_eq!(bytes, plain_bytes);
    assert_eq!(plain_writes, MAX_BATCH as u64, "one write per event");
    assert_eq!(writes, 1, "one write for the whole batch");
}

#[tokio::test]
async fn sse_coalesced_events_are_the_same_chunks_in_one_write() {
    same_bytes_in_one_write(Framing::SseChunks).await;
}

#[tokio::test]
async fn websocket_coalesced_events_are_the_same_frames_in_one_write() {
    same_bytes_in_one_write(Framing::WsFrames).await;
}

/// A short delay still ends a batch that is not full: events keep flowing.
#[tokio::test]
async fn a_batch_that_is_not_full_is_written_after_the_delay() {
    let coalescing = server(Duration::from_millis(1)).await;
    for framing in [Framing::SseChunks, Framing::WsFrames] {
        let mut client = Raw::open(coalescing.addr, framing).await;
        for i in 1..=3 {
            publish(&coalescing, i);
        }
        client.until_units(3).await;
    }
}
