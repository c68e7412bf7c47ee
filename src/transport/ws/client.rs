//! One connection per client, one text message per event. A client that loses its
//! connection reconnects with `?since=` the last seq it holds. The opening handshake is
//! the bytes tungstenite would write; after it, frames are decoded straight from the read
//! buffer, every complete one after each read that takes all the socket holds.
//! `ws-deflate` runs the same client with permessage-deflate offered: compressed messages
//! are inflated, by one decompressor per connection, before they are delivered.

use http::{HeaderValue, header};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::generate_request;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::frames::{self, FrameDecoder, Incoming};
use crate::client::http1::HttpConnection;
use crate::client::read_buffer::ReadBuffer;
use crate::client::upstream::Sender;
use crate::client::{Answer, Client, ErrorKind, RECONNECT_DELAY, Received, Tally};
use crate::feed::rng::Rng;
use crate::transport::ws_deflate::{Inflater, MIN_BITS, Params};

const SWITCHING_PROTOCOLS: u16 = 101;

/// How long a session leaving mid-run waits for the server's Close.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs one client; with `deflate`, offering permessage-deflate with those parameters and
/// requiring the server to agree.
pub async fn run(mut client: Client, deflate: Option<Params>) -> Tally {
    let mut stop = client.stop_signal();
    let mut last_seq: Option<u64> = client.first_since();
    let mut masks = client.rng();
    let mut decoder = FrameDecoder::default();
    let mut replies = Vec::new();
    // A chat client sends its messages on this socket, as a page calls `send()`.
    let mut sender = client.sender.take();
    let mut message = Vec::new();
    while !client.is_stopped() {
        let (addr, path) = (client.plan.addr, client.plan.path);
        let query = match last_seq {
            Some(seq) => client.query(&format!("since={seq}")),
            None => client.query(""),
        };
        let url = match query.as_str() {
            "" => format!("ws://{addr}{path}"),
            query => format!("ws://{addr}{path}?{query}"),
        };
        let Ok(mut request) = url.into_client_request() else {
            client.count_error(ErrorKind::Protocol);
            break;
        };
        request.headers_mut().extend(client.plan.headers.clone());
        if let Some(offer) = deflate.and_then(|d| HeaderValue::from_str(&d.offer()).ok()) {
            request
                .headers_mut()
                .insert(header::SEC_WEBSOCKET_EXTENSIONS, offer);
        }
        let Ok((handshake, key)) = generate_request(request) else {
            client.count_error(ErrorKind::Protocol);
            break;
        };
        let mut connection = match HttpConnection::open(&client).await {
            Ok(opened) => opened,
            Err(_) => {
                client.count_error(ErrorKind::Connect);
                tokio::time::sleep(RECONNECT_DELAY).await;
                continue;
            }
        };
        let exchange = async {
            connection.send(&handshake).await.ok()?;
            let head = connection.read_head().await.ok()?;
            let accepted = head.status == SWITCHING_PROTOCOLS
                && head.websocket_accept == Some(derive_accept_key(key.as_bytes()));
            accepted.then_some(head.websocket_extensions)
        };
        let extensions = tokio::select! {
            upgraded = exchange => upgraded,
            _ = &mut stop => break,
        };
        let Some(extensions) = extensions else {
            client.count_error(ErrorKind::Status);
            tokio::time::sleep(RECONNECT_DELAY).await;
            continue;
        };
        // Without an offer of its own, `ws` still sends the header profile's (a browser
        // offers permessage-deflate): a server that takes it up (pywebsocket3 does; ours
        // never on /ws) compresses, and the client inflates as the browser would.
        let agreed = match (deflate, extensions.as_deref()) {
            (Some(offer), answer) => Some(offer.agreed(answer)),
            (None, Some(answer)) => Some(Params::default().agreed(Some(answer))),
            (None, None) => None,
        };
        let mut inflate = match agreed {
            None => None,
            Some(Ok(agreed)) => Some(Inflate::new(agreed)),
            Some(Err(_)) => {
                client.count_error(ErrorKind::Protocol);
                tokio::time::sleep(RECONNECT_DELAY).await;
                continue;
            }
        };
        client.count_request(false);
        client.mark_connected();
        let HttpConnection {
            mut socket,
            mut buffer,
            mut segments,
            stamp,
        } = connection;
        decoder.reset();
        decoder.set_deflate(inflate.is_some());
        // Frames that came in the handshake answer's read are decoded before reading again.
        let mut received = Received::now(&stamp);
        loop {
            replies.clear();
            let outcome = decode_frames(
                &mut client,
                &mut decoder,
                &mut buffer,
                received,
                &mut last_seq,
                &mut Replies {
                    out: &mut replies,
                    masks: &mut masks,
                    inflate: &mut inflate,
                },
            );
            if !replies.is_empty() && socket.write_all(&replies).await.is_err() {
                client.count_error(ErrorKind::Disconnect);
                break;
            }
            match outcome {
                Ok(true) => {}
                Ok(false) => {
                    client.count_error(ErrorKind::Disconnect);
                    break;
                }
                Err(_) => {
                    client.count_error(ErrorKind::Protocol);
                    break;
                }
            }
            let read = tokio::select! {
                read = buffer.fill_from(&mut socket) => read,
                body = next_message(&mut sender) => {
                    message.clear();
                    frames::text(body, mask(&mut masks), &mut message);
                    if socket.write_all(&message).await.is_err() {
                        client.count_error(ErrorKind::Disconnect);
                        break;
                    }
                    // An echo's accounting needs what was sent before its echo comes back.
                    if let Some(sender) = &mut sender {
                        sender.written();
                        client.tally.sent_window = sender.sent_window;
                    }
                    continue;
                }
                _ = &mut stop => break,
            };
            received = Received::now(&stamp);
            segments.observe(&client);
            if !matches!(read, Ok(n) if n > 0) {
                client.count_error(ErrorKind::Disconnect);
                break;
            }
        }
        segments.note_unread_at_stop(&mut client);
        segments.close(&client);
        if client.is_stopped() {
            // The closing handshake's first half, as the tungstenite client sent it; the
            // server's answer is not waited for.
            replies.clear();
            frames::close(mask(&mut masks), &mut replies);
            let _ = socket.write_all(&replies).await;
            if !client.control.is_stopped() {
                // A session leaving mid-run waits for the server's Close, as a page does, so
                // that every byte the server wrote was read when the run drains.
                let deadline = tokio::time::Instant::now() + CLOSE_WAIT;
                while let Ok(Ok(n)) =
                    tokio::time::timeout_at(deadline, buffer.fill_from(&mut socket)).await
                    && n > 0
                {}
            }
        }
    }
    if let Some(sender) = sender {
        client.recorder.borrow_mut().sent_in_window += sender.sent_in_window;
        client.tally.sent_window = sender.sent_window;
    }
    client.tally
}

/// The next message to send, for a client that sends; never, for one that does not.
async fn next_message(sender: &mut Option<Sender>) -> &[u8] {
    match sender {
        Some(sender) => sender.next().await,
        None => std::future::pending().await,
    }
}

/// Where the replies to a batch of frames go, the masks they are sent with, and the
/// connection's decompressor when permessage-deflate was agreed.
struct Replies<'a> {
    out: &'a mut Vec<u8>,
    masks: &'a mut Rng,
    inflate: &'a mut Option<Inflate>,
}

/// A connection's decompressor and the message it inflated last.
struct Inflate {
    inflater: Inflater,
    message: Vec<u8>,
}

impl Inflate {
    fn new(agreed: Params) -> Self {
        // A window larger than the server's is always safe to inflate with; zlib's least is 9.
        let bits = agreed.server_max_window_bits.max(MIN_BITS);
        Self {
            inflater: Inflater::new(bits, agreed.server_no_context_takeover, frames::MAX_MESSAGE),
            message: Vec::new(),
        }
    }
}

/// Delivers every complete frame in `buffer`, appending pongs to `replies`: `Ok(false)` once
/// the server closed.
fn decode_frames(
    client: &mut Client,
    decoder: &mut FrameDecoder,
    buffer: &mut ReadBuffer,
    received: Received,
    last_seq: &mut Option<u64>,
    replies: &mut Replies,
) -> Result<bool, frames::FrameError> {
    while let Some((incoming, used)) = decoder.next(buffer.data())? {
        match incoming {
            Incoming::Text(text) => deliver(client, text, received, last_seq),
            Incoming::Compressed { payload, text } => {
                let inflate = replies
                    .inflate
                    .as_mut()
                    .ok_or(frames::FrameError::Inflate)?;
                let message = &mut inflate.message;
                inflate
                    .inflater
                    .decompress(payload, message)
                    .map_err(|_| frames::FrameError::Inflate)?;
                if text {
                    deliver(client, message, received, last_seq);
                }
            }
            Incoming::Ping(payload) => frames::pong(payload, mask(replies.masks), replies.out),
            Incoming::Close => return Ok(false),
            Incoming::Binary | Incoming::Pong | Incoming::Fragment => {}
        }
        buffer.consume(used);
    }
    Ok(true)
}

/// Records one event's message.
fn deliver(client: &mut Client, text: &[u8], received: Received, last_seq: &mut Option<u64>) {
    let mut answer = Answer::default();
    match client.deliver(text, received, &mut answer) {
        // An echo's seqs are the client's own: the server has no stream to resume.
        Ok(_) if client.plan.feed.echoes() => {}
        Ok(head) => *last_seq = Some(last_seq.map_or(head.seq, |s| s.max(head.seq))),
        Err(_) => client.count_error(ErrorKind::Protocol),
    }
    client.finish_answer(answer, received);
}

fn mask(masks: &mut Rng) -> [u8; 4] {
    (masks.next_u64() as u32).to_ne_bytes()
}
