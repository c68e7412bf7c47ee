//! The session every streaming transport shares (SSE, WebSocket): the backlog since the
//! client's resume point, then live events, each sent once (by seq), a keep-alive when
//! idle, and a client that falls too far behind counted as a slow consumer. The
//! transport only frames what comes out of `next()`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use bytes::Bytes;
use http::Response;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::watch;

use super::response::{self, Body};
use super::router::Call;
use super::stats::OpenStream;
use crate::feed::{ClientMessage, Event, Hub, Intake, Since, Subscription};
use crate::transport_kind::Transport;

/// What a stream has to send next.
pub enum Next {
    Event(Arc<Event>),
    /// Nothing was sent for a keep-alive period.
    KeepAlive,
    /// The client fell this many events behind and was counted as a slow consumer: a slow
    /// consumer is cut off, not buffered.
    Lagged(u64),
    /// The hub stopped, or the server is shutting down.
    End,
}

/// Most events one batch gathers: about 8 KiB of ticker events, which both transports'
/// write buffers (16 KiB) take whole, so that a batch is one write; a resumed backlog of
/// thousands is written a batch at a time instead of buffered whole.
pub const MAX_BATCH: usize = 128;

pub struct EventStream {
    backlog: VecDeque<Arc<Event>>,
    /// The hub's live events: the whole feed's broadcast, or a cursor in a topic's ring.
    live: Subscription,
    last_sent: Option<u64>,
    keepalive: Duration,
    /// `server.coalesce`: how long a batch waits for more events after its first.
    coalesce: Duration,
    shutdown: watch::Receiver<bool>,
    open: OpenStream,
    /// The whole feed's hub, which takes what clients send (whatever their topic).
    hub: Arc<Hub>,
    /// For a feed that publishes what clients send: what takes each message.
    intake: Option<Arc<dyn Intake>>,
    /// An echo feed: each message goes back to the client that sent it.
    echo: bool,
    transport: Transport,
    /// The client asking, which is not sent its own messages (`skip_from=`).
    skip_from: Option<u64>,
}

impl EventStream {
    /// A stream of `hub`'s events (the whole feed's, or one topic's) newer than `since`
    /// (`None`: what is published from now on).
    /// `Err` is the answer to send instead: 410 when `since` is older than the history.
    pub fn open(
        call: &Call,
        since: Option<u64>,
        keepalive: Duration,
    ) -> Result<Self, Box<Response<Body>>> {
        let Call {
            app,
            hub,
            transport,
            skip_from,
            ..
        } = call;
        let (transport, skip_from) = (*transport, *skip_from);
        // Subscribe before reading the backlog, so that nothing falls between the two.
        let live = hub.subscribe();
        let mut backlog: VecDeque<Arc<Event>> = match since.map(|s| hub.since(Some(s))) {
            None | Some(Since::Nothing) => VecDeque::new(),
            Some(Since::Events(events)) => events.into(),
            Some(gone @ Since::Gone { .. }) => return Err(Box::new(response::events(gone, since))),
        };
        let last_sent = backlog.back().map(|e| e.seq).or(since);
        backlog.retain(|event| !event.sent_by(skip_from));
        Ok(Self {
            last_sent,
            skip_from,
            backlog,
            live,
            keepalive,
            coalesce: app.coalesce,
            shutdown: app.shutdown.clone(),
            open: OpenStream::new(app.stats.clone(), transport),
            hub: app.hub.clone(),
            intake: app.intake.clone(),
            echo: app.echo,
            transport,
        })
    }

    /// Waits for what to send next.
    pub async fn next(&mut self) -> Next {
        if let Some(event) = self.backlog.pop_front() {
            return Next::Event(event);
        }
        loop {
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => {
                        if let Some(event) = self.unsent(event) {
                            return Next::Event(event);
                        }
                    }
                    Err(RecvError::Lagged(behind)) => return self.lagged(behind),
                    Err(RecvError::Closed) => return Next::End,
                },
                _ = tokio::time::sleep(self.keepalive) => return Next::KeepAlive,
                _ = self.shutdown.changed() => return Next::End,
            }
        }
    }

    /// Fills `events` (emptied first; kept by the caller from batch to batch, so that no
    /// event costs an allocation) with `first` and what follows it, to be written together
    /// with one syscall: every event already at hand, and with `server.coalesce` those that
    /// arrive within that delay of the call, up to `MAX_BATCH`. Returns what stopped the
    /// gathering early, if anything: a slow consumer (`Lagged`) or the end.
    pub async fn gather(
        &mut self,
        first: Arc<Event>,
        events: &mut VecDeque<Arc<Event>>,
    ) -> Option<Next> {
        events.clear();
        events.push_back(first);
        let deadline = Instant::now() + self.coalesce;
        loop {
            while events.len() < MAX_BATCH {
                match self.ready() {
                    Some(Next::Event(event)) => events.push_back(event),
                    Some(then) => return Some(then),
                    None => break,
                }
            }
            if events.len() >= MAX_BATCH || self.coalesce.is_zero() {
                return None;
            }
            let then = tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => {
                        events.extend(self.unsent(event));
                        continue;
                    }
                    Err(RecvError::Lagged(behind)) => Some(self.lagged(behind)),
                    Err(RecvError::Closed) => Some(Next::End),
                },
                () = tokio::time::sleep_until(deadline) => None,
                _ = self.shutdown.changed() => Some(Next::End),
            };
            return then;
        }
    }

    /// The next event already at hand, without waiting: an `Event` or `Lagged`, or `None`.
    fn ready(&mut self) -> Option<Next> {
        if let Some(event) = self.backlog.pop_front() {
            return Some(Next::Event(event));
        }
        loop {
            match self.live.try_recv() {
                Ok(event) => {
                    if let Some(event) = self.unsent(event) {
                        return Some(Next::Event(event));
                    }
                }
                Err(TryRecvError::Lagged(behind)) => return Some(self.lagged(behind)),
                Err(TryRecvError::Empty | TryRecvError::Closed) => return None,
            }
        }
    }

    /// Counts a message the client sent on the stream, and hands it to the feed's source
    /// if it publishes what clients send. Returns `true` when the transport must send it
    /// back to this client, as it came (an echo feed; counted as published).
    pub fn message_received(&self, body: Bytes) -> bool {
        self.open.message_received();
        if self.echo {
            self.open.message_taken(true);
            return true;
        }
        match &self.intake {
            // Published here, in the connection's task: the fan-out is the server's cost.
            Some(intake) => self
                .open
                .message_taken(intake.accept(&self.hub, &body).is_ok()),
            None => {
                self.hub.client_sent(ClientMessage {
                    transport: self.transport.name(),
                    body,
                });
            }
        }
        false
    }

    /// `event` unless a resumed backlog already sent it.
    fn unsent(&mut self, event: Arc<Event>) -> Option<Arc<Event>> {
        if self.last_sent.is_some_and(|last| event.seq <= last) {
            return None;
        }
        self.last_sent = Some(event.seq);
        (!event.sent_by(self.skip_from)).then_some(event)
    }

    fn lagged(&self, behind: u64) -> Next {
        self.open.slow_consumer();
        Next::Lagged(behind)
    }
}
