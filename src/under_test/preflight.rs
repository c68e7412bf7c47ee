//! Before a transport is measured against a server we did not start: one connection asks
//! for the transport as a client would and waits for its first event. A server that is
//! down, speaks another protocol at that path, or never publishes is then told in a
//! sentence within seconds, instead of as clients that silently retry for the whole run.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::http1::{BodyDecoder, Framing, ResponseHead, parse_head};
use crate::dialect::{Dialect, PollCursor};
use crate::transport::sse::client::SseParser;
use crate::transport::ws::frames::{self, FrameDecoder, Incoming};
use crate::transport_kind::{Arrival, Transport, TransportSettings};

/// How long a server may take to send its first event over a transport (a feed at
/// 1 event/s sends one well within it).
pub const FIRST_EVENT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Between two polls of a server that has not published yet.
const POLL_AGAIN: Duration = Duration::from_millis(100);
/// A fixed key: the preflight does not check `Sec-WebSocket-Accept`, only the 101.
const WS_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// What the server at `addr` does when asked for `transport` at `path`: `Ok` once one
/// event has been read and decoded, else what went wrong, in words. With `echo`, the
/// event is the echo of a message this check sends first (an echo feed's server publishes
/// nothing by itself).
pub async fn first_event(
    addr: SocketAddr,
    path: &str,
    dialect: &dyn Dialect,
    transport: Transport,
    echo: bool,
) -> Result<(), String> {
    // How events arrive does not depend on its settings' values, only their timing.
    let arrival = transport
        .kind()
        .arrival(TransportSettings::default().of(transport));
    let ask = async {
        match arrival {
            Arrival::Poll { .. } | Arrival::LongPoll { .. } => poll(addr, path, dialect).await,
            Arrival::EventStream => sse(addr, path, dialect).await,
            Arrival::WebSocket => ws(addr, path, dialect, echo).await,
        }
    };
    tokio::time::timeout(FIRST_EVENT_TIMEOUT, ask)
        .await
        .unwrap_or_else(|_| {
            let what = match echo {
                true => "echoed no message",
                false => "sent no event",
            };
            Err(format!(
                "{what} within {} s of the request (GET {path})",
                FIRST_EVENT_TIMEOUT.as_secs()
            ))
        })
}

async fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(format!("cannot connect to {addr}: {e}")),
        Err(_) => Err(format!(
            "cannot connect to {addr}: no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// Sends `GET path` with `extra` headers and reads until the response head is complete:
/// the head, the raw head bytes, the bytes after it, and the stream.
async fn request(
    addr: SocketAddr,
    path: &str,
    extra: &str,
) -> Result<(ResponseHead, String, Vec<u8>, TcpStream), String> {
    let mut stream = connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("GET {path}: cannot send the request: {e}"))?;
    let mut input = Vec::new();
    loop {
        if let Some((head, used)) =
            parse_head(&input).map_err(|e| format!("GET {path}: not an HTTP answer: {e}"))?
        {
            let raw = String::from_utf8_lossy(&input[..used]).into_owned();
            return Ok((head, raw, input[used..].to_vec(), stream));
        }
        if read_more(&mut stream, &mut input).await? == 0 {
            return Err(format!(
                "GET {path}: the server closed the connection without an answer"
            ));
        }
    }
}

async fn read_more(stream: &mut TcpStream, input: &mut Vec<u8>) -> Result<usize, String> {
    let mut buffer = [0u8; 16 * 1024];
    let n = stream
        .read(&mut buffer)
        .await
        .map_err(|e| format!("reading failed: {e}"))?;
    input.extend_from_slice(&buffer[..n]);
    Ok(n)
}

/// `HTTP/1.1 404 Not Found (content-type: text/html)`, from a raw response head.
fn describe(raw: &str) -> String {
    let status = raw.lines().next().unwrap_or("").trim();
    let content_type = raw
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-type:"))
        .map(|l| l["content-type:".len()..].trim().to_string());
    match content_type {
        Some(t) => format!("`{status}` (content-type {t})"),
        None => format!("`{status}`"),
    }
}

/// Polls until an answer carries an event (204, empty answers and a conditional poll's
/// 304 are a server with nothing published yet).
async fn poll(addr: SocketAddr, path: &str, dialect: &dyn Dialect) -> Result<(), String> {
    loop {
        let (head, raw, rest, mut stream) = request(addr, path, "Connection: close\r\n").await?;
        match head.status {
            204 => {}
            304 if dialect.poll_cursor() == PollCursor::Validators => {}
            200 => {
                let body = read_body(&mut stream, head.framing, rest).await?;
                let events = dialect.poll_events(&body).map_err(|e| {
                    format!("GET {path} answered 200 but not with a poll answer: {e}")
                })?;
                if let Some(event) = events.first() {
                    return decoded(dialect, event.get().as_bytes(), path);
                }
            }
            _ => {
                return Err(format!(
                    "GET {path} answered {}, not a poll answer (200 or 204)",
                    describe(&raw)
                ));
            }
        }
        tokio::time::sleep(POLL_AGAIN).await;
    }
}

async fn read_body(
    stream: &mut TcpStream,
    framing: Framing,
    mut input: Vec<u8>,
) -> Result<Vec<u8>, String> {
    let mut decoder = BodyDecoder::new(framing);
    let mut body = Vec::new();
    loop {
        let used = decoder
            .decode(&input, &mut body)
            .map_err(|e| format!("a malformed body: {e}"))?;
        input.drain(..used);
        if decoder.is_done() {
            return Ok(body);
        }
        if read_more(stream, &mut input).await? == 0 {
            decoder
                .end_of_stream()
                .map_err(|e| format!("the body ended early: {e}"))?;
            return Ok(body);
        }
    }
}

fn decoded(dialect: &dyn Dialect, event: &[u8], path: &str) -> Result<(), String> {
    dialect.event_head(event, None).map(drop).map_err(|e| {
        format!(
            "GET {path}: the first event is not a {} event ({e}): {}",
            dialect.name(),
            String::from_utf8_lossy(&event[..event.len().min(200)])
        )
    })
}

async fn sse(addr: SocketAddr, path: &str, dialect: &dyn Dialect) -> Result<(), String> {
    let (head, raw, mut input, mut stream) =
        request(addr, path, "Accept: text/event-stream\r\n").await?;
    let event_stream = raw
        .to_ascii_lowercase()
        .lines()
        .any(|l| l.starts_with("content-type:") && l.contains("text/event-stream"));
    if head.status != 200 || !event_stream {
        return Err(format!(
            "GET {path} answered {}, not a text/event-stream",
            describe(&raw)
        ));
    }
    let mut decoder = BodyDecoder::new(head.framing);
    let mut parser = SseParser::default();
    loop {
        let used = decoder
            .decode(&input, parser.input())
            .map_err(|e| format!("GET {path}: a malformed event stream: {e}"))?;
        input.drain(..used);
        if let Some(message) = parser.next_message() {
            return decoded(dialect, message.data, path);
        }
        if decoder.is_done() || read_more(&mut stream, &mut input).await? == 0 {
            return Err(format!(
                "GET {path}: the server closed the event stream before its first event"
            ));
        }
    }
}

async fn ws(addr: SocketAddr, path: &str, dialect: &dyn Dialect, echo: bool) -> Result<(), String> {
    let upgrade = format!(
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: {WS_KEY}\r\n"
    );
    let (head, raw, mut input, mut stream) = request(addr, path, &upgrade).await?;
    if head.status != 101 {
        return Err(format!(
            "GET {path} answered {}, not 101 Switching Protocols",
            describe(&raw)
        ));
    }
    if echo {
        let message = format!(
            r#"{{"seq":1,"ts":{},"pad":""}}"#,
            crate::feed::wall_clock_ns()
        );
        let mut frame = Vec::new();
        frames::text(message.as_bytes(), [0x5a, 0x17, 0xc3, 0x08], &mut frame);
        stream
            .write_all(&frame)
            .await
            .map_err(|e| format!("GET {path}: cannot send a message to echo: {e}"))?;
    }
    let mut frames = FrameDecoder::default();
    loop {
        let frame = frames
            .next(&input)
            .map_err(|e| format!("GET {path}: a malformed WebSocket frame: {e}"))?;
        match frame {
            Some((Incoming::Text(message), _)) => return decoded(dialect, message, path),
            Some((Incoming::Close, _)) => {
                return Err(format!(
                    "GET {path}: the server closed the WebSocket before its first event"
                ));
            }
            Some((_, used)) => {
                input.drain(..used);
                continue;
            }
            None => {}
        }
        if read_more(&mut stream, &mut input).await? == 0 {
            return Err(format!(
                "GET {path}: the server closed the connection before its first event"
            ));
        }
    }
}
