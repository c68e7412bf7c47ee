//! A client naming topic after topic (`?topic=`, each name once) must not grow the server
//! by what each name costs: a chat server takes 100,000 distinct names and its resident
//! memory stays within a bound set by what it is allowed to keep, not by the flood.
//!
//! One test in this file, so that the process's RSS is this server's and this flood's.

#[path = "common/server.rs"]
mod common_server;

use std::net::SocketAddr;
use std::time::Duration;

use common_server::{scenario, start, stats};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsbench::feed::SWEEP_FLOOR;

const NAMES: usize = 100_000;
/// Connections the flood comes over, each sending its requests in pipelined batches.
const CONNECTIONS: usize = 4;
const BATCH: usize = 100;

/// The bound on what the flood may add to the resident set, and why it is this:
/// - a topic nobody holds that nothing was published on is dropped, at the latest when a
///   new topic finds the map at twice what the last sweep left in it, and at least at
///   `SWEEP_FLOOR` (1,024): with nobody holding any, at most 1,024 empty topics live at
///   once, each under 2 KiB (`tests/topic_memory.rs` counts 1.2 KiB): 2 MiB;
/// - freed memory the allocator keeps rather than returns (the map's old tables, the
///   topics of one sweep freed between another's), of the same order: 2 MiB more;
/// - the flood's connections, buffers and the allocator's per-thread arenas are touched
///   by the warm-up already: 12 MiB of slack beside it, for pages a long flood touches.
///
/// Before topics were bounded, each name held a 4,096-slot queue (128 KiB) until the
/// server stopped: the first 10,000 names (the chat's topic limit) alone took 1.25 GiB.
const RSS_GROWTH_BOUND: u64 = 16 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_topic_names_leaves_the_resident_set_bounded() {
    let server = start(&scenario("kind = \"chat\"", "")).await;
    // Warm-up: the same connections and requests on the feed's root, which is no topic,
    // so that the runtime, the allocator's arenas and the sockets' buffers are in the
    // baseline.
    assert_eq!(flood(server.addr, 2_000, |_| None).await, (2_000, 0));
    let before = rss_bytes();

    let flooding = flood(server.addr, NAMES, |i| Some(format!("flood-{i}")));
    let (served, refused) = tokio::time::timeout(Duration::from_secs(300), flooding)
        .await
        .expect("the flood is answered within 300 s");
    let after = rss_bytes();
    let grown = after.saturating_sub(before);
    eprintln!(
        "RSS before the flood {} KiB, after {} KiB: grown {} KiB for {NAMES} topic names",
        before >> 10,
        after >> 10,
        grown >> 10
    );
    assert!(
        grown <= RSS_GROWTH_BOUND,
        "the flood grew the resident set by {} KiB, beyond {} KiB",
        grown >> 10,
        RSS_GROWTH_BOUND >> 10
    );
    assert_eq!(
        (served, refused),
        (NAMES, 0),
        "every name is served: names nobody holds do not fill the topic limit"
    );
    // Every name was made once, and is either still in the map or was dropped unused; the
    // map never outgrew the size at which a new topic sweeps it.
    let stats = stats(server.addr).await;
    let held = stats["topics"]
        .as_u64()
        .expect("a feed with topics counts them");
    let dropped = &stats["topics_dropped"];
    assert_eq!(dropped["idle"], 0, "{stats}");
    let unused = dropped["unused"].as_u64().expect("unused topics dropped");
    assert_eq!(held + unused, NAMES as u64, "{stats}");
    assert!(held <= SWEEP_FLOOR as u64, "{held} topics held");
    assert_eq!(stats["events_published"], 0);
    // The server's sweep, every second, drops the rest (a bounded wait: counts are checked).
    let mut stats = stats;
    for _ in 0..100 {
        if stats["topics"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        stats = common_server::stats(server.addr).await;
    }
    assert_eq!(stats["topics"], 0, "{stats}");
    assert_eq!(stats["topics_dropped"]["unused"], NAMES as u64, "{stats}");
}

/// Sends `count` requests `GET /poll?topic=NAME` (`name(i)`, made as it is sent; `None`:
/// `GET /poll`, the feed's root) over `CONNECTIONS` keep-alive connections, `BATCH` written
/// at once: `(answered 204, answered 503)`. Any other answer fails.
async fn flood(
    addr: SocketAddr,
    count: usize,
    name: fn(usize) -> Option<String>,
) -> (usize, usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for connection in 0..CONNECTIONS {
        tasks.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connects");
            let mut counts = (0, 0);
            let mut buffer = Vec::with_capacity(64 * 1024);
            let mut requests = String::with_capacity(BATCH * 80);
            let mine: Vec<usize> = (connection..count).step_by(CONNECTIONS).collect();
            for batch in mine.chunks(BATCH) {
                requests.clear();
                for &i in batch {
                    let query = name(i).map_or_else(String::new, |name| format!("?topic={name}"));
                    requests.push_str(&format!(
                        "GET /poll{query} HTTP/1.1\r\nHost: {addr}\r\n\r\n"
                    ));
                }
                stream.write_all(requests.as_bytes()).await.unwrap();
                for _ in batch {
                    match read_response(&mut stream, &mut buffer).await {
                        204 => counts.0 += 1,
                        503 => counts.1 += 1,
                        other => panic!("GET /poll?topic= answered {other}"),
                    }
                }
            }
            counts
        });
    }
    let mut total = (0, 0);
    while let Some(counts) = tasks.join_next().await {
        let (served, refused) = counts.expect("a flood task ends");
        total = (total.0 + served, total.1 + refused);
    }
    total
}

/// Reads one response off a keep-alive connection (whatever is left over stays in
/// `buffer` for the next): its status.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> u16 {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut response = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head) = response.parse(buffer).expect("HTTP/1.1") {
            let status = response.code.expect("a status");
            let length: usize = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .map_or(0, |h| {
                    std::str::from_utf8(h.value).unwrap().parse().unwrap()
                });
            if buffer.len() >= head + length {
                buffer.drain(..head + length);
                return status;
            }
        }
        let mut chunk = [0u8; 16 * 1024];
        let read = stream.read(&mut chunk).await.expect("reads");
        assert!(read > 0, "the server closed a keep-alive connection");
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// This process's resident set (`VmRSS` in /proc/self/status).
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line");
    kib << 10
}
