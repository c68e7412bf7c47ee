//! RFC 6455 §5.2 and §8.1 on both WebSocket endpoints, over a raw socket: a frame with a
//! reserved bit nothing was negotiated for, or a text message that is not UTF-8 (whole,
//! split over fragments, or once inflated), fails the connection and is never counted as
//! received; what is valid, a character split between fragments included, is taken.

#[path = "common/server.rs"]
mod common_server;

use std::net::SocketAddr;
use std::time::Duration;

use common_server::{scenario, start, stats};
use flate2::{Compress, Compression, FlushCompress};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CONTINUATION: u8 = 0x0;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;
const RSV1: u8 = 0x40;

/// A masked client frame; `first` is FIN, RSV and opcode.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    assert!(payload.len() < 126, "short frames only");
    let mut out = vec![first, 0x80 | payload.len() as u8];
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    out
}

fn whole(opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame(0x80 | opcode, payload)
}

/// `message` as permessage-deflate sends it (RFC 7692 §7.2.1): raw deflate, sync-flushed,
/// without the `00 00 FF FF` tail.
fn deflated(message: &[u8]) -> Vec<u8> {
    let mut compress = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(message.len() + 64);
    compress
        .compress_vec(message, &mut out, FlushCompress::Sync)
        .unwrap();
    assert!(out.ends_with(&[0, 0, 0xFF, 0xFF]));
    out.truncate(out.len() - 4);
    out
}

/// What the server did with the frames sent before a ping.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// It answered the ping: the connection lives on.
    Kept,
    /// It closed the connection without answering.
    Failed,
}

/// Upgrades on `target` (offering permessage-deflate when `offer`), sends `frames` and a
/// ping, and reads until the pong or the end of the connection.
async fn send(addr: SocketAddr, target: &str, offer: bool, frames: &[u8]) -> Outcome {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    let extension = match offer {
        true => "Sec-WebSocket-Extensions: permessage-deflate\r\n",
        false => "",
    };
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extension}\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut read = Vec::new();
    let exchange = async {
        let head_end = loop {
            if let Some(at) = read.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            assert!(socket.read_buf(&mut read).await.unwrap() > 0, "no answer");
        };
        let head = String::from_utf8_lossy(&read[..head_end]).to_string();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        assert_eq!(
            head.contains("permessage-deflate"),
            offer && target == "/ws-deflate",
            "{head}"
        );
        read.drain(..head_end);
        let mut out = frames.to_vec();
        out.extend(whole(PING, b"probe"));
        // The server may have failed the connection already: a write error is its answer.
        let _ = socket.write_all(&out).await;
        loop {
            if let Some((first, payload, used)) = server_frame(&read) {
                if first & 0x0F == PONG {
                    assert_eq!(payload, b"probe");
                    return Outcome::Kept;
                }
                read.drain(..used);
                continue;
            }
            match socket.read_buf(&mut read).await {
                Ok(0) | Err(_) => return Outcome::Failed,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("a pong or the end of the connection within 20 s")
}

/// The first whole (unmasked) server frame in `input`: its first byte, payload and size.
fn server_frame(input: &[u8]) -> Option<(u8, &[u8], usize)> {
    let (first, second) = (*input.first()?, *input.get(1)?);
    let (head, len) = match second & 0x7F {
        126 => (
            4,
            u16::from_be_bytes(input.get(2..4)?.try_into().ok()?) as usize,
        ),
        127 => (
            10,
            u64::from_be_bytes(input.get(2..10)?.try_into().ok()?) as usize,
        ),
        short => (2, short as usize),
    };
    Some((first, input.get(head..head + len)?, head + len))
}

/// Sends `frames` to `target` on a fresh server: what became of the connection, and how
/// many messages the server counted received.
async fn outcome(target: &str, offer: bool, frames: &[u8]) -> (Outcome, u64) {
    let server = start(&scenario("kind = \"ticker\"\nrate = 5", "")).await;
    let outcome = send(server.addr, target, offer, frames).await;
    let stats = stats(server.addr).await;
    let name = target.trim_start_matches('/');
    let received = stats["transports"][name]["messages_received"].as_u64();
    (outcome, received.expect("messages_received is counted"))
}

const ENDPOINTS: [&str; 2] = ["/ws", "/ws-deflate"];

#[tokio::test]
async fn a_reserved_bit_nothing_was_negotiated_for_fails_the_connection() {
    for target in ENDPOINTS {
        let rsv1_text = frame(0x80 | RSV1 | TEXT, &deflated(b"hello"));
        assert_eq!(
            outcome(target, false, &rsv1_text).await,
            (Outcome::Failed, 0),
            "{target}"
        );
        // RSV2 and RSV3 mean nothing with or without the extension.
        for reserved in [0x20, 0x10] {
            let frame = frame(0x80 | reserved | TEXT, b"hello");
            assert_eq!(
                outcome(target, true, &frame).await,
                (Outcome::Failed, 0),
                "{target} {reserved:#x}"
            );
        }
    }
    // Agreed, RSV1 marks a compressed message: taken, inflated.
    let compressed = frame(0x80 | RSV1 | TEXT, &deflated(b"hello"));
    assert_eq!(
        outcome("/ws-deflate", true, &compressed).await,
        (Outcome::Kept, 1)
    );
}

#[tokio::test]
async fn a_text_message_that_is_not_utf8_fails_the_connection() {
    // "é" is C3 A9; C3 28 is no character, nor is FF anywhere.
    let cases: [(&str, Vec<u8>); 3] = [
        ("whole", whole(TEXT, b"caf\xC3\x28")),
        (
            "split over fragments",
            [frame(TEXT, b"caf\xC3"), whole(CONTINUATION, b"\x28")].concat(),
        ),
        (
            // Failed at the fragment that cannot become UTF-8, before the message ends.
            "in a first fragment",
            [frame(TEXT, b"\xFFabc"), frame(CONTINUATION, b"d")].concat(),
        ),
    ];
    for target in ENDPOINTS {
        for (case, frames) in &cases {
            assert_eq!(
                outcome(target, false, frames).await,
                (Outcome::Failed, 0),
                "{target}: {case}"
            );
        }
    }
    let inflates_bad = frame(0x80 | RSV1 | TEXT, &deflated(b"caf\xC3\x28"));
    assert_eq!(
        outcome("/ws-deflate", true, &inflates_bad).await,
        (Outcome::Failed, 0),
        "inflated"
    );
}

#[tokio::test]
async fn valid_messages_are_taken_a_character_split_between_fragments_included() {
    let split = [frame(TEXT, b"caf\xC3"), whole(CONTINUATION, b"\xA9")].concat();
    // Binary messages are bytes: no UTF-8 to check.
    let binary = whole(BINARY, b"\xFF\xC3\x28");
    for target in ENDPOINTS {
        for (case, frames) in [("split", &split), ("binary", &binary)] {
            assert_eq!(
                outcome(target, false, frames).await,
                (Outcome::Kept, 1),
                "{target}: {case}"
            );
        }
    }
    let compressed = deflated("café".as_bytes());
    let (head, tail) = compressed.split_at(compressed.len() / 2);
    let fragmented = [frame(RSV1 | TEXT, head), whole(CONTINUATION, tail)].concat();
    assert_eq!(
        outcome("/ws-deflate", true, &fragmented).await,
        (Outcome::Kept, 1)
    );
}
