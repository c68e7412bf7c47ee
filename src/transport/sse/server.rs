//! `GET /sse` holds one `text/event-stream` response per client: the shared event stream,
//! one chunk per event, a comment when idle. Events gathered into a batch are handed to
//! hyper back to back, so that it writes them together: the chunks, and so the bytes, are
//! those of the same events sent one by one.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};

use super::encode;
use crate::feed::Event;
use crate::server::response::{self, Body, BoxError};
use crate::server::stream::{EventStream, Next};
use crate::server::{Call, bad_request, since_param};

const KEEPALIVE: &[u8] = b": keep-alive\n\n";

pub fn handle(call: &Call, keepalive: Duration) -> Response<Body> {
    let since = match resume_point(&call.req) {
        Ok(since) => since,
        Err(reason) => return bad_request(reason),
    };
    let stream = match EventStream::open(call, since, keepalive) {
        Ok(stream) => stream,
        Err(refusal) => return *refusal,
    };
    let body = EventBody {
        stream,
        slot: call.transport.index(),
        batch: VecDeque::new(),
        then: None,
    };
    let frames = futures_util::stream::unfold(body, |mut body| async move {
        let frame = body.next_frame().await?;
        Some((frame, body))
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

/// One response's state: the stream, and the rest of the batch being handed to hyper.
struct EventBody {
    stream: EventStream,
    /// The transport's index, where events cache their encoding.
    slot: usize,
    batch: VecDeque<Arc<Event>>,
    /// What ended the batch's gathering, once its events are out.
    then: Option<Next>,
}

impl EventBody {
    async fn next_frame(&mut self) -> Option<Result<Frame<Bytes>, BoxError>> {
        if let Some(event) = self.batch.pop_front() {
            return Some(Ok(self.frame(&event)));
        }
        let next = match self.then.take() {
            Some(then) => then,
            None => self.stream.next().await,
        };
        match next {
            Next::Event(first) => {
                self.then = self.stream.gather(first, &mut self.batch).await;
                let event = self.batch.pop_front()?;
                Some(Ok(self.frame(&event)))
            }
            Next::KeepAlive => Some(Ok(Frame::data(Bytes::from_static(KEEPALIVE)))),
            // An error aborts the connection: a slow consumer is cut off, not buffered.
            Next::Lagged(behind) => {
                Some(Err(format!("slow consumer: {behind} events behind").into()))
            }
            Next::End => None,
        }
    }

    fn frame(&self, event: &Event) -> Frame<Bytes> {
        let message = event.encoded(self.slot, encode).cloned();
        Frame::data(message.unwrap_or_else(|| encode(event)))
    }
}
