//! Server-Sent Events: `GET /sse` holds one `text/event-stream` response per client, one
//! chunk per event (`id: SEQ\ndata: JSON\n\n`), with comment keep-alives when idle.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use tokio::sync::{broadcast, watch};

use super::response::{self, Body, BoxError};
use super::router::{App, bad_request, since_param};
use super::stats::OpenStream;
use crate::feed::{Event, Since};
use crate::transport::Transport;

const KEEPALIVE: &[u8] = b": keep-alive\n\n";

pub fn handle(app: &App, req: &Request<Incoming>) -> Response<Body> {
    let since = match resume_point(req) {
        Ok(since) => since,
        Err(reason) => return bad_request(reason),
    };
    // Subscribe before reading the backlog, so that nothing falls between the two.
    let live = app.hub.subscribe();
    let backlog = match since.map(|s| app.hub.since(Some(s))) {
        None | Some(Since::Nothing) => VecDeque::new(),
        Some(Since::Events(events)) => events.into(),
        Some(gone @ Since::Gone { .. }) => return response::events(gone, since),
    };
    let last_sent = backlog.back().map(|e: &Arc<Event>| e.seq).or(since);
    let stream = EventStream {
        backlog,
        live,
        last_sent,
        keepalive: app.sse_keepalive,
        shutdown: app.shutdown.clone(),
        open: OpenStream::new(app.stats.clone(), Transport::Sse),
    };
    let frames = futures_util::stream::unfold(stream, |mut stream| async move {
        let frame = stream.next_frame().await?;
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

struct EventStream {
    backlog: VecDeque<Arc<Event>>,
    live: broadcast::Receiver<Arc<Event>>,
    last_sent: Option<u64>,
    keepalive: Duration,
    shutdown: watch::Receiver<bool>,
    open: OpenStream,
}

impl EventStream {
    async fn next_frame(&mut self) -> Option<Result<Frame<Bytes>, BoxError>> {
        if let Some(event) = self.backlog.pop_front() {
            return Some(Ok(Frame::data(event.sse.clone())));
        }
        loop {
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) if self.last_sent.is_some_and(|last| event.seq <= last) => continue,
                    Ok(event) => {
                        self.last_sent = Some(event.seq);
                        return Some(Ok(Frame::data(event.sse.clone())));
                    }
                    Err(broadcast::error::RecvError::Lagged(behind)) => {
                        self.open.slow_consumer();
                        // An error aborts the connection: a slow consumer is cut off, not buffered.
                        return Some(Err(format!("slow consumer: {behind} events behind").into()));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep(self.keepalive) => {
                    return Some(Ok(Frame::data(Bytes::from_static(KEEPALIVE))));
                }
                _ = self.shutdown.changed() => return None,
            }
        }
    }
}
