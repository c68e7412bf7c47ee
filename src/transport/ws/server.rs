//! `GET /ws` upgrades to one text message per event, from the shared event stream. The
//! event's bytes are shared with every other connection; only the 2-4 byte frame header
//! is per send.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::{config, encode};
use crate::feed::Event;
use crate::server::response::{self, Body};
use crate::server::stall;
use crate::server::stream::{EventStream, Next};
use crate::server::{Call, bad_request, since_param};

pub fn handle(call: Call, keepalive: Duration) -> Response<Body> {
    let slot = call.transport.index();
    upgrade(call, keepalive, move |stream, io| async move {
        let socket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config())).await;
        let session = Session {
            stream,
            slot,
            batch: VecDeque::new(),
        };
        session.run(socket).await;
    })
}

/// Checks a handshake and opens its event stream; once the connection is upgraded, runs
/// `session` on it, watched for stalled writes. Answers 101, or the refusal (400, 426, 410).
pub fn upgrade<S, F>(call: Call, keepalive: Duration, session: S) -> Response<Body>
where
    S: FnOnce(EventStream, TokioIo<Upgraded>) -> F + Send + 'static,
    F: Future<Output = ()> + Send,
{
    let key = match handshake_key(call.req.headers()) {
        Ok(key) => key,
        Err(refusal) => return refusal.response(),
    };
    let since = match since_param(&call.req) {
        Ok(since) => since,
        Err(reason) => return bad_request(reason),
    };
    let stream = match EventStream::open(&call, since, keepalive) {
        Ok(stream) => stream,
        Err(refusal) => return *refusal,
    };
    let Call {
        app, tag, mut req, ..
    } = call;
    let upgrade = hyper::upgrade::on(&mut req);
    let stall_timeout = app.stall_timeout;
    tokio::spawn(async move {
        if let Ok(upgraded) = upgrade.await {
            // The session outlives hyper's connection task, so it is watched on its own.
            let work = session(stream, TokioIo::new(upgraded));
            stall::guard(&tag, stall_timeout, work).await;
        }
    });
    switching_protocols(&key)
}

/// The `101 Switching Protocols` answer to the handshake that sent `key`.
pub fn switching_protocols(key: &str) -> Response<Body> {
    let mut response = Response::new(response::full(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::SERVER, HeaderValue::from_static("wsbench"));
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    response
}

/// Why a `/ws` request is not a handshake we accept.
enum Refusal {
    BadRequest(&'static str),
    /// Another protocol version: RFC 6455 §4.2.2 asks for 426 naming the ones we speak.
    Version,
}

impl Refusal {
    fn response(self) -> Response<Body> {
        match self {
            Self::BadRequest(reason) => response::error(StatusCode::BAD_REQUEST, reason),
            Self::Version => {
                let mut refusal = response::error(
                    StatusCode::UPGRADE_REQUIRED,
                    "/ws speaks WebSocket version 13 only (Sec-WebSocket-Version: 13)",
                );
                refusal.headers_mut().insert(
                    header::SEC_WEBSOCKET_VERSION,
                    HeaderValue::from_static("13"),
                );
                refusal
            }
        }
    }
}

/// The client's key, once the request is a valid version-13 handshake (RFC 6455 §4.2.1).
fn handshake_key(headers: &HeaderMap) -> Result<String, Refusal> {
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if !has(header::UPGRADE, "websocket") || !has(header::CONNECTION, "upgrade") {
        return Err(Refusal::BadRequest(
            "/ws needs a WebSocket upgrade (Upgrade: websocket, Connection: Upgrade)",
        ));
    }
    match headers.get(header::SEC_WEBSOCKET_VERSION) {
        None => {
            return Err(Refusal::BadRequest(
                "/ws needs a Sec-WebSocket-Version: 13 header",
            ));
        }
        Some(version) if version != "13" => return Err(Refusal::Version),
        Some(_) => {}
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or(Refusal::BadRequest("/ws needs a Sec-WebSocket-Key header"))?
        .to_str()
        .unwrap_or("");
    match base64::engine::general_purpose::STANDARD.decode(key) {
        Ok(nonce) if nonce.len() == 16 => Ok(key.to_owned()),
        _ => Err(Refusal::BadRequest(
            "Sec-WebSocket-Key must be the base64 encoding of 16 bytes",
        )),
    }
}

struct Session {
    stream: EventStream,
    /// The transport's index, where events cache their text.
    slot: usize,
    /// The events being written together, kept from batch to batch.
    batch: VecDeque<Arc<Event>>,
}

type Socket = WebSocketStream<TokioIo<Upgraded>>;

impl Session {
    async fn run(mut self, mut socket: Socket) {
        loop {
            tokio::select! {
                next = self.stream.next() => match next {
                    Next::Event(event) => match self.send_batch(&mut socket, event).await {
                        Ok(None) => {}
                        Ok(Some(Next::End)) => break,
                        Ok(Some(_)) | Err(()) => return,
                    },
                    Next::KeepAlive => {
                        if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                            return;
                        }
                    }
                    Next::Lagged(_) => return,
                    Next::End => break,
                },
                message = socket.next() => match message {
                    Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                        let echo = match &message {
                            Message::Text(text) => self.stream.message_received(text.clone().into()),
                            Message::Binary(body) => self.stream.message_received(body.clone()),
                            _ => false,
                        };
                        // An echo feed: the message goes back as it came, written at once.
                        if echo && socket.send(message).await.is_err() {
                            return;
                        }
                    }
                    // Pong and close replies are queued by the library; flushing sends them.
                    Some(Ok(Message::Close(_))) => {
                        let _ = socket.flush().await;
                        return;
                    }
                    Some(Ok(_)) => {
                        if socket.flush().await.is_err() {
                            return;
                        }
                    }
                    Some(Err(_)) | None => return,
                },
            }
        }
        let going_away = CloseFrame {
            code: CloseCode::Away,
            reason: "server shutting down".into(),
        };
        let _ = socket.close(Some(going_away)).await;
    }

    /// Sends `first` and what `gather` adds to it with one flush; then what ended the
    /// gathering, if anything (`Lagged`, `End`), is the caller's to act on.
    async fn send_batch(
        &mut self,
        socket: &mut Socket,
        first: Arc<Event>,
    ) -> Result<Option<Next>, ()> {
        let then = self.stream.gather(first, &mut self.batch).await;
        for event in &self.batch {
            let text = event.encoded(self.slot, encode).cloned();
            let text = text.unwrap_or_else(|| encode(event));
            // `feed` only buffers (up to the 16 KiB write buffer): the flush writes them all.
            socket.feed(Message::Text(text)).await.map_err(drop)?;
        }
        socket.flush().await.map_err(drop)?;
        Ok(then)
    }
}
