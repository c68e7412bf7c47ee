//! `GET /sse` holds one `text/event-stream` response per client: the shared event stream,
//! one chunk per event, a comment when idle.

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};

use super::encode;
use crate::server::response::{self, Body, BoxError};
use crate::server::stream::{EventStream, Next};
use crate::server::{Call, bad_request, since_param};

const KEEPALIVE: &[u8] = b": keep-alive\n\n";

pub fn handle(call: &Call, keepalive: Duration) -> Response<Body> {
    let since = match resume_point(&call.req) {
        Ok(since) => since,
        Err(reason) => return bad_request(reason),
    };
    let stream = match EventStream::open(&call.app, call.transport, since, keepalive) {
        Ok(stream) => stream,
        Err(refusal) => return *refusal,
    };
    let slot = call.transport.index();
    let frames = futures_util::stream::unfold(stream, move |mut stream| async move {
        let frame = next_frame(&mut stream, slot).await?;
        Some((frame, stream))
    });
    let body = StreamBody::new(frames).boxed();
    response::with_common_headers(Response::new(body), "text/event-stream")
}

/// `Last-Event-ID` (what a reconnecting EventSource sends) or `?since=`.
fn resume_point(req: &Request<Incoming>) -> Result<Option<u64>, String> {
    match req.headers().get("last-event-id") {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .map(Some)
            .ok_or_else(|| "malformed `Last-Event-ID`: expected a whole number".to_string()),
        None => since_param(req),
    }
}

async fn next_frame(
    stream: &mut EventStream,
    slot: usize,
) -> Option<Result<Frame<Bytes>, BoxError>> {
    match stream.next().await {
        Next::Event(event) => {
            let message = event.encoded(slot, encode).cloned();
            Some(Ok(Frame::data(message.unwrap_or_else(|| encode(&event)))))
        }
        Next::KeepAlive => Some(Ok(Frame::data(Bytes::from_static(KEEPALIVE)))),
        // An error aborts the connection: a slow consumer is cut off, not buffered.
        Next::Lagged(behind) => Some(Err(format!("slow consumer: {behind} events behind").into())),
        Next::End => None,
    }
}
