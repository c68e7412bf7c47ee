//! Requests that never finish are noticed by the server itself: a body not all there within
//! `server.body_timeout`, dribbled or silent, chunked or with a length, is answered 408 and
//! its connection closed; and a connection cap full of such requests, or of connections that
//! never ask, still leaves `GET /stats` and `POST /control/*` answered. On a paused clock:
//! each deadline passes when the test sleeps past it, and no sooner.

use std::net::SocketAddr;
use std::time::Duration;

use crate::common_server::{Running, raw_get, raw_request, scenario, start, stats};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

const CHAT: &str = "kind = \"chat\"\nmax_body_bytes = 4096";

/// How the body of an unfinished `POST /publish` goes.
#[derive(Debug, Clone, Copy)]
struct Unfinished {
    chunked: bool,
    /// One byte a second, for far longer than any deadline here; otherwise nothing.
    dribble: bool,
}

/// Sends `POST /publish{query}`'s head whole, then its body as `how` says, and reads
/// until the server closes the connection (or 100 s pass): what the server answered,
/// `None` if it never closed.
async fn unfinished_publish(
    addr: SocketAddr,
    query: &str,
    how: Unfinished,
) -> JoinHandle<Option<String>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let framing = match how.chunked {
        true => "Transfer-Encoding: chunked",
        false => "Content-Length: 1000",
    };
    let head = format!(
        "POST /publish{query} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         {framing}\r\n\r\n"
    );
    write.write_all(head.as_bytes()).await.unwrap();
    let sending = tokio::spawn(async move {
        for _ in 0..1000 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let piece: &[u8] = if how.chunked { b"1\r\n \r\n" } else { b" " };
            // A write fails once the server has closed: it stopped listening.
            if how.dribble && write.write_all(piece).await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut answer = Vec::new();
        // The server closes with dribbled bytes unread, which resets the connection
        // after its answer: what was read before the reset is the answer.
        let closed = tokio::time::timeout(Duration::from_secs(100), read.read_to_end(&mut answer))
            .await
            .is_ok();
        sending.abort();
        closed.then(|| String::from_utf8_lossy(&answer).into_owned())
    })
}

fn status_line(answer: &str) -> &str {
    answer.lines().next().unwrap_or("")
}

#[tokio::test(start_paused = true)]
async fn bodies_that_dribble_or_stay_silent_are_cut_at_the_deadline_and_counted() {
    let server = start(&scenario(CHAT, "[server]\nbody_timeout = \"5s\"")).await;
    let addr = server.addr;
    let mut clients = Vec::new();
    for chunked in [false, true] {
        // Chunked bodies are sent as an SSE client's messages: counted in its slot.
        let query = if chunked { "?via=sse" } else { "" };
        for dribble in [false, true] {
            let how = Unfinished { chunked, dribble };
            clients.push((how, unfinished_publish(addr, query, how).await));
        }
    }
    for (how, client) in clients {
        let answer = client.await.unwrap();
        let answer = answer.unwrap_or_else(|| panic!("{how:?}: still open after 100 s"));
        assert_eq!(
            status_line(&answer),
            "HTTP/1.1 408 Request Timeout",
            "{how:?}"
        );
        assert!(
            answer.contains("connection: close\r\n"),
            "{how:?}: {answer}"
        );
        assert!(
            answer.ends_with(
                "{\"error\":\"the request body did not arrive within server.body_timeout (5s)\"}\n"
            ),
            "{how:?}: {answer}"
        );
    }
    // A body that comes whole is not cut.
    let message = r#"{"topic":"room-0","from":1,"ts":1,"text":"hi"}"#;
    let request = format!(
        "POST /publish HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{message}",
        message.len()
    );
    assert_eq!(raw_request(addr, request.as_bytes()).await.0, 202);

    // A body no handler reads does not hold its connection either.
    let mut unread = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET /stats HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1000\r\n\r\n");
    unread.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(100), unread.read_to_end(&mut answer))
        .await
        .expect("closed with its answer")
        .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    assert_eq!(status_line(&answer), "HTTP/1.1 200 OK", "{answer}");

    let stats = stats(addr).await;
    for (slot, counters) in [
        ("other", &stats["other"]),
        ("sse", &stats["transports"]["sse"]),
    ] {
        let count = |key: &str| counters[key].as_u64().unwrap();
        assert_eq!(
            (
                count("body_timeouts"),
                count("errors"),
                count("messages_refused"),
                count("head_timeouts")
            ),
            (2, 2, 2, 0),
            "{slot}: {stats}"
        );
    }
    assert_eq!(stats["other"]["messages_published"], 1, "{stats}");
    assert_eq!(stats["connections"]["open"], 1, "only /stats's: {stats}");
}

/// `POST /control/stop` with the server's token, on a fresh connection: status and body.
async fn stop(server: &Running) -> (u16, String) {
    let addr = server.addr;
    let authorization = server.token.header_value();
    let request = format!(
        "POST /control/stop HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {authorization}\r\n\
         Connection: close\r\n\r\n"
    );
    let (status, _, body) = raw_request(addr, request.as_bytes()).await;
    (status, body)
}

#[tokio::test(start_paused = true)]
async fn stats_and_control_are_answered_with_the_cap_full() {
    let server = start(&scenario(
        CHAT,
        "[server]\nmax_connections = 4\nbody_timeout = \"20s\"\nhead_timeout = \"30s\"",
    ))
    .await;
    let addr = server.addr;
    // The cap, full: two requests whose bodies never come, two connections that never ask.
    let mut stalled = Vec::new();
    for chunked in [false, true] {
        let how = Unfinished {
            chunked,
            dribble: false,
        };
        stalled.push(unfinished_publish(addr, "", how).await);
    }
    let mut idle = Vec::new();
    for _ in 0..2 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }

    // Over the cap, the reserve answers /stats and control, one request per connection.
    let full = stats(addr).await;
    assert_eq!(
        full["connections"],
        serde_json::json!({"open": 5, "accepted": 4, "reserved": 1, "rejected": 0, "accept_errors": 0}),
        "{full}"
    );
    let (status, body) = stop(&server).await;
    assert_eq!((status, body.as_str()), (200, "{\"last_seq\":0}\n"));
    // Anything else is refused, with the reason.
    let (status, head, body) = raw_get(addr, "/poll", "").await;
    assert_eq!(status, 503, "{body}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(
        body.contains("only GET /stats and POST /control/*"),
        "{body}"
    );

    // The reserve is bounded: with its 16 places taken by connections that never ask, the
    // next connection is closed unanswered, until their short head deadline passes.
    let mut reserve_idle = Vec::new();
    for _ in 0..16 {
        reserve_idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut refused = TcpStream::connect(addr).await.unwrap();
    // The server may have closed it already: a failed write is an answer too.
    let _ = refused
        .write_all(format!("GET /stats HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await;
    let mut answer = Vec::new();
    let _ = refused.read_to_end(&mut answer).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after_reserve = stats(addr).await;
    assert_eq!(
        after_reserve["connections"],
        serde_json::json!({"open": 5, "accepted": 4, "reserved": 20, "rejected": 2, "accept_errors": 0}),
        "{after_reserve}"
    );
    assert_eq!(after_reserve["other"]["head_timeouts"], 16);
    assert_eq!(after_reserve["transports"]["poll"]["errors"], 1);

    // The stalled bodies meet their deadline, and their places under the cap free up.
    tokio::time::sleep(Duration::from_secs(20)).await;
    for client in stalled {
        let answer = client.await.unwrap().expect("closed at the body deadline");
        assert_eq!(status_line(&answer), "HTTP/1.1 408 Request Timeout");
    }
    let after_bodies = stats(addr).await;
    assert_eq!(after_bodies["other"]["body_timeouts"], 2, "{after_bodies}");
    assert_eq!(
        after_bodies["connections"]["accepted"], 5,
        "under the cap again: {after_bodies}"
    );
    // And the connections that never asked meet the head deadline.
    tokio::time::sleep(Duration::from_secs(10)).await;
    for mut connection in idle {
        let mut answer = Vec::new();
        let _ = connection.read_to_end(&mut answer).await;
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    }
    let last = stats(addr).await;
    assert_eq!(last["other"]["head_timeouts"], 18, "{last}");
    assert_eq!(last["connections"]["open"], 1, "{last}");
}
