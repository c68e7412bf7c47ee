//! WebSocket: `GET /ws` upgrades to one text message per event. The event's bytes are
//! shared with every other connection; only the 2-4 byte frame header is per send.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::conn::ConnTag;
use super::response::{self, Body};
use super::router::{App, bad_request, since_param};
use super::stall;
use super::stats::OpenStream;
use crate::feed::{Event, Since};
use crate::transport::Transport;

/// Small buffers: the library's 128 KiB read buffer would cost over a gigabyte at 10k
/// connections. Client messages (chat) are short. Messages queued together are written
/// with one flush, as hyper writes the SSE chunks it has ready: the same care for both.
pub fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024))
}

pub fn handle(app: &App, tag: Arc<ConnTag>, mut req: Request<Incoming>) -> Response<Body> {
    let key = match handshake_key(req.headers()) {
        Ok(key) => key,
        Err(refusal) => return refusal.response(),
    };
    let since = match since_param(&req) {
        Ok(since) => since,
        Err(reason) => return bad_request(reason),
    };
    let live = app.hub.subscribe();
    let backlog: VecDeque<Arc<Event>> = match since.map(|s| app.hub.since(Some(s))) {
        None | Some(Since::Nothing) => VecDeque::new(),
        Some(Since::Events(events)) => events.into(),
        Some(gone @ Since::Gone { .. }) => return response::events(gone, since),
    };
    let session = Session {
        last_sent: backlog.back().map(|e| e.seq).or(since),
        backlog,
        live,
        keepalive: app.ws_keepalive,
        shutdown: app.shutdown.clone(),
        open: OpenStream::new(app.stats.clone(), Transport::Ws),
    };
    let upgrade = hyper::upgrade::on(&mut req);
    let stall_timeout = app.stall_timeout;
    tokio::spawn(async move {
        if let Ok(upgraded) = upgrade.await {
            let socket = WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                Some(config()),
            )
            .await;
            // The session outlives hyper's connection task, so it is watched on its own.
            stall::guard(&tag, stall_timeout, session.run(socket)).await;
        }
    });
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
    backlog: VecDeque<Arc<Event>>,
    live: broadcast::Receiver<Arc<Event>>,
    last_sent: Option<u64>,
    keepalive: Duration,
    shutdown: watch::Receiver<bool>,
    open: OpenStream,
}

type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

impl Session {
    async fn run(mut self, mut socket: Socket) {
        for event in std::mem::take(&mut self.backlog) {
            if socket
                .feed(Message::Text(event.ws_text.clone()))
                .await
                .is_err()
            {
                return;
            }
        }
        if socket.flush().await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => {
                        if self.send_available(&mut socket, event).await.is_err() {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        self.open.slow_consumer();
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                message = socket.next() => match message {
                    Some(Ok(Message::Text(_) | Message::Binary(_))) => self.open.message_received(),
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
                _ = tokio::time::sleep(self.keepalive) => {
                    if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                        return;
                    }
                }
                _ = self.shutdown.changed() => break,
            }
        }
        let going_away = CloseFrame {
            code: CloseCode::Away,
            reason: "server shutting down".into(),
        };
        let _ = socket.close(Some(going_away)).await;
    }

    /// Sends `first` and whatever else is already queued, then flushes once.
    async fn send_available(&mut self, socket: &mut Socket, first: Arc<Event>) -> Result<(), ()> {
        let mut next = Some(first);
        while let Some(event) = next.take() {
            if self.last_sent.is_none_or(|last| event.seq > last) {
                self.last_sent = Some(event.seq);
                socket
                    .feed(Message::Text(event.ws_text.clone()))
                    .await
                    .map_err(drop)?;
            }
            next = match self.live.try_recv() {
                Ok(event) => Some(event),
                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                    self.open.slow_consumer();
                    return Err(());
                }
                Err(_) => None,
            };
        }
        socket.flush().await.map_err(drop)
    }
}
