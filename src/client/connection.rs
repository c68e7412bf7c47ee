//! An HTTP/1.1 keep-alive connection whose socket bytes are counted, as a browser holds
//! one to its origin.

use std::os::fd::AsRawFd;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::{Client, SegmentMeter};
use crate::metrics::counting::CountingStream;
use crate::metrics::receive_stamp::{ReceiveStamp, StampedTcp};

pub struct Connection {
    sender: SendRequest<Empty<Bytes>>,
    pub segments: SegmentMeter,
    /// The kernel's receive stamp of the connection's latest read.
    pub stamp: ReceiveStamp,
}

/// Opens a counted TCP connection to the plan's server, whose reads carry the kernel's
/// receive stamps. A kernel that will not stamp is noted in the recorder; the connection
/// works all the same, and its events are timed by the application's clock.
pub async fn counted_socket(
    client: &Client,
) -> std::io::Result<(CountingStream<StampedTcp>, SegmentMeter)> {
    let stream = TcpStream::connect(client.plan.addr).await?;
    stream.set_nodelay(true)?;
    let meter = SegmentMeter::new(stream.as_raw_fd(), client.plan.sockets.clone());
    let stream = StampedTcp::wrap(stream);
    if let Err(e) = stream.enable_stamps() {
        client
            .recorder
            .borrow_mut()
            .note_stamp_error(format!("setsockopt(SO_TIMESTAMPNS) failed: {e}"));
    }
    Ok((
        CountingStream::new(stream, client.control.bytes.clone()),
        meter,
    ))
}

impl Connection {
    pub async fn open(client: &Client) -> Result<Self, String> {
        let (socket, segments) = counted_socket(client).await.map_err(|e| e.to_string())?;
        let stamp = socket.get_ref().receive_stamp();
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(socket))
            .await
            .map_err(|e| e.to_string())?;
        tokio::task::spawn_local(async move {
            let _ = connection.await;
        });
        Ok(Self {
            sender,
            segments,
            stamp,
        })
    }

    /// Sends `GET target` with the profile's headers.
    pub async fn get(
        &mut self,
        target: &str,
        headers: &HeaderMap,
    ) -> Result<Response<Incoming>, String> {
        let mut request = Request::get(target)
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        *request.headers_mut() = headers.clone();
        self.sender.ready().await.map_err(|e| e.to_string())?;
        self.sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())
    }
}
