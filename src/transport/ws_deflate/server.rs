//! `GET /ws-deflate`: the `/ws` handshake, with permessage-deflate agreed when the client
//! offers it. Each connection compresses every event itself, with its own compressor:
//! with context takeover the bytes depend on what that connection was sent before, so
//! they cannot be shared as `/ws` shares its frames. A client that offers no compression
//! gets plain frames, as from `/ws`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::codec::{Deflater, Inflater};
use super::extension::{MAX_BITS, Params};
use super::wire::{self, ClientFrames, FromClient};
use crate::feed::Event;
use crate::server::stream::{EventStream, Next};
use crate::server::{Body, Call};
use crate::transport::ws::frames::MAX_MESSAGE;
use crate::transport::ws::server::upgrade;

/// The read buffer, as small as `/ws`'s: clients send little.
const READ_BUFFER: usize = 4 * 1024;

pub fn handle(call: Call, keepalive: Duration, ours: Params) -> Response<Body> {
    let offers = call.req.headers().get_all(header::SEC_WEBSOCKET_EXTENSIONS);
    let agreed = ours.accept(offers.iter().filter_map(|v| v.to_str().ok()));
    let params = agreed.as_ref().map(|(params, _)| *params);
    let mut response = upgrade(call, keepalive, move |stream, io| {
        Session::new(stream, params).run(io)
    });
    let answer = agreed.and_then(|(_, answer)| HeaderValue::from_str(&answer).ok());
    if let Some(answer) = answer.filter(|_| response.status() == StatusCode::SWITCHING_PROTOCOLS) {
        response
            .headers_mut()
            .insert(header::SEC_WEBSOCKET_EXTENSIONS, answer);
    }
    response
}

type Socket = TokioIo<hyper::upgrade::Upgraded>;

struct Session {
    stream: EventStream,
    /// The connection's compressor, when the extension was agreed.
    deflater: Option<Deflater>,
    /// Made at the first compressed message from the client (most clients send none).
    inflater: Option<Inflater>,
    client_no_context_takeover: bool,
    batch: VecDeque<Arc<Event>>,
    /// Frames being written, and a message being compressed or inflated.
    out: Vec<u8>,
    payload: Vec<u8>,
    /// An echo feed: a message from the client being compressed on its way back.
    echoed: Vec<u8>,
}

/// Why a session ends: the feed ended (a Close is sent), or the connection did.
enum End {
    Feed,
    Connection,
}

impl Session {
    fn new(stream: EventStream, agreed: Option<Params>) -> Self {
        Self {
            stream,
            deflater: agreed.map(|params| {
                Deflater::new(
                    params.server_max_window_bits,
                    params.server_no_context_takeover,
                )
            }),
            inflater: None,
            client_no_context_takeover: agreed.is_some_and(|p| p.client_no_context_takeover),
            batch: VecDeque::new(),
            out: Vec::new(),
            payload: Vec::new(),
            echoed: Vec::new(),
        }
    }

    async fn run(mut self, mut socket: Socket) {
        let mut frames = ClientFrames::new(self.deflater.is_some());
        let mut read = Vec::with_capacity(READ_BUFFER);
        let end = loop {
            self.out.clear();
            let step = tokio::select! {
                next = self.stream.next() => self.on_next(next).await,
                n = socket.read_buf(&mut read) => match n {
                    Ok(n) if n > 0 => self.on_read(&mut frames, &mut read),
                    _ => Err(End::Connection),
                },
            };
            if !self.out.is_empty() && socket.write_all(&self.out).await.is_err() {
                break End::Connection;
            }
            if let Err(end) = step {
                break end;
            }
        };
        if let End::Feed = end {
            // 1001 Going Away, as `/ws` closes at shutdown.
            let _ = socket.write_all(&[wire::CLOSE, 2, 0x03, 0xE9]).await;
        }
    }

    /// Frames what the stream had next into `out`.
    async fn on_next(&mut self, next: Next) -> Result<(), End> {
        match next {
            Next::Event(first) => {
                let then = self.stream.gather(first, &mut self.batch).await;
                for event in &self.batch {
                    frame_event(
                        self.deflater.as_mut(),
                        event,
                        &mut self.payload,
                        &mut self.out,
                    )?;
                }
                match then {
                    None => Ok(()),
                    Some(Next::End) => Err(End::Feed),
                    Some(_) => Err(End::Connection),
                }
            }
            Next::KeepAlive => {
                wire::server_frame(wire::PING, &[], &mut self.out);
                Ok(())
            }
            Next::Lagged(_) => Err(End::Connection),
            Next::End => Err(End::Feed),
        }
    }

    /// An echo feed: `message` back to its sender, compressed as events are.
    fn echo(&mut self, message: &[u8]) -> Result<(), End> {
        frame_message(
            self.deflater.as_mut(),
            message,
            &mut self.echoed,
            &mut self.out,
        )
    }

    /// Handles every whole frame in `read`, queueing replies in `out`.
    fn on_read(&mut self, frames: &mut ClientFrames, read: &mut Vec<u8>) -> Result<(), End> {
        let mut used_all = 0;
        let result = loop {
            let next = frames.next(&read[used_all..]);
            let Ok(Some((incoming, used))) = next else {
                break next.map(|_| ()).map_err(|_| End::Connection);
            };
            used_all += used;
            match incoming {
                FromClient::Message {
                    payload,
                    compressed: false,
                    ..
                } => {
                    if self
                        .stream
                        .message_received(Bytes::copy_from_slice(payload))
                    {
                        self.echo(payload)?;
                    }
                }
                FromClient::Message { payload, text, .. } => {
                    let no_takeover = self.client_no_context_takeover;
                    let inflater = self
                        .inflater
                        .get_or_insert_with(|| Inflater::new(MAX_BITS, no_takeover, MAX_MESSAGE));
                    if inflater.decompress(payload, &mut self.payload).is_err() {
                        break Err(End::Connection);
                    }
                    // Only the whole inflated text can be checked: RFC 6455 §8.1 as on `/ws`.
                    if text && wire::utf8(&self.payload, true).is_err() {
                        break Err(End::Connection);
                    }
                    let message = std::mem::take(&mut self.payload);
                    if self
                        .stream
                        .message_received(Bytes::copy_from_slice(&message))
                    {
                        self.echo(&message)?;
                    }
                    self.payload = message;
                }
                FromClient::Ping(payload) => wire::server_frame(wire::PONG, payload, &mut self.out),
                FromClient::Close => {
                    wire::server_frame(wire::CLOSE, &[], &mut self.out);
                    break Err(End::Connection);
                }
                FromClient::Pong | FromClient::Fragment => {}
            }
        };
        read.drain(..used_all);
        result
    }
}

/// Appends one event's frame: compressed with the connection's compressor, or plain.
fn frame_event(
    deflater: Option<&mut Deflater>,
    event: &Event,
    payload: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> Result<(), End> {
    frame_message(deflater, &event.json, payload, out)
}

/// Appends one text message's frame: compressed with the connection's compressor, or plain.
fn frame_message(
    deflater: Option<&mut Deflater>,
    message: &[u8],
    payload: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> Result<(), End> {
    match deflater {
        Some(deflater) => {
            payload.clear();
            deflater
                .compress(message, payload)
                .map_err(|_| End::Connection)?;
            wire::server_frame(wire::COMPRESSED_TEXT, payload, out);
        }
        None => wire::server_frame(wire::TEXT, message, out),
    }
    Ok(())
}
