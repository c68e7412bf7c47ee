//! A lean HTTP/1.1 client connection for the polling transports and SSE: requests written
//! from a serialized template with one write, responses parsed from one read buffer, every
//! read taking all the socket holds. The socket is the counted, kernel-stamped one every
//! client uses, so bytes and receive stamps are measured as before.

mod body;
mod request;
mod response;

use std::io;

use tokio::io::{AsyncRead, AsyncWriteExt};

pub use body::{BodyDecoder, Framing};
pub use request::RequestTemplate;
pub use response::{ResponseHead, Validators, parse_head};

use super::read_buffer::ReadBuffer;
use super::{Client, SegmentMeter, connection::counted_socket};
use crate::metrics::counting::CountingStream;
use crate::metrics::receive_stamp::{ReceiveStamp, StampedTcp};

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error("the server closed the connection mid-response")]
    Closed,
    #[error("malformed {0}")]
    Malformed(&'static str),
}

/// One kept-alive connection and its read buffer.
pub struct HttpConnection {
    pub socket: CountingStream<StampedTcp>,
    pub buffer: ReadBuffer,
    pub segments: SegmentMeter,
    /// The kernel's receive stamp of the connection's latest read.
    pub stamp: ReceiveStamp,
}

impl HttpConnection {
    pub async fn open(client: &Client) -> io::Result<Self> {
        let (socket, segments) = counted_socket(client).await?;
        let stamp = socket.get_ref().receive_stamp();
        Ok(Self {
            socket,
            buffer: ReadBuffer::default(),
            segments,
            stamp,
        })
    }

    /// Writes a whole request.
    pub async fn send(&mut self, request: &[u8]) -> io::Result<()> {
        self.socket.write_all(request).await
    }

    /// Reads until a response head is complete and takes it from the buffer.
    pub async fn read_head(&mut self) -> Result<ResponseHead, HttpError> {
        loop {
            if let Some((head, length)) = parse_head(self.buffer.data())? {
                self.buffer.consume(length);
                return Ok(head);
            }
            self.fill().await?;
        }
    }

    /// Appends the body bytes at hand to `out`, reading once first when none are: returns
    /// whether the body is complete.
    pub async fn read_body(
        &mut self,
        body: &mut BodyDecoder,
        out: &mut Vec<u8>,
    ) -> Result<bool, HttpError> {
        let before = out.len();
        loop {
            let used = body.decode(self.buffer.data(), out)?;
            self.buffer.consume(used);
            if body.is_done() || out.len() > before {
                return Ok(body.is_done());
            }
            if self.buffer.fill_from(&mut self.socket).await? == 0 {
                body.end_of_stream()?;
                return Ok(true);
            }
        }
    }

    /// A whole response: its head, with its body in `out` (cleared first).
    pub async fn read_response(&mut self, out: &mut Vec<u8>) -> Result<ResponseHead, HttpError> {
        read_response(&mut self.socket, &mut self.buffer, out).await
    }

    /// One read of all the socket holds; the end of the stream is an error here.
    async fn fill(&mut self) -> Result<(), HttpError> {
        match self.buffer.fill_from(&mut self.socket).await? {
            0 => Err(HttpError::Closed),
            _ => Ok(()),
        }
    }
}

/// A whole response read from `socket` through `buffer` (which keeps what follows it): its
/// head, with its body in `out` (cleared first). Any byte stream: a client's counted socket,
/// or the relay's plain one.
pub async fn read_response<S: AsyncRead + Unpin>(
    socket: &mut S,
    buffer: &mut ReadBuffer,
    out: &mut Vec<u8>,
) -> Result<ResponseHead, HttpError> {
    out.clear();
    let head = loop {
        if let Some((head, length)) = parse_head(buffer.data())? {
            buffer.consume(length);
            break head;
        }
        if buffer.fill_from(socket).await? == 0 {
            return Err(HttpError::Closed);
        }
    };
    let mut body = BodyDecoder::new(head.framing);
    loop {
        let used = body.decode(buffer.data(), out)?;
        buffer.consume(used);
        if body.is_done() {
            return Ok(head);
        }
        if buffer.fill_from(socket).await? == 0 {
            body.end_of_stream()?;
            return Ok(head);
        }
    }
}
