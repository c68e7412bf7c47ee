//! wsbench publishing through a target's own publish API (a pub/sub server such as Nchan,
//! whose dialect names a `publish_path`). The scenario's feed is made exactly as the
//! matched server makes it, by its hub and source (same seed, rate and bytes), and each
//! event's JSON is POSTed to the target as it is published, on one kept-alive connection,
//! each answer read before the next. What was published, and when, is then known exactly:
//! the hub's window log counts the window (`events.published_source:
//! "wsbench_publisher"`). A POST the target refuses, or a relay that falls behind the
//! feed, is a failure of the run, never a silent gap.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use super::matched;
use crate::client::http1::{HttpError, ResponseHead, read_response};
use crate::client::read_buffer::ReadBuffer;
use crate::feed::{Hub, HubLimits, SourceContext, Subscription};
use crate::scenario::Scenario;
use crate::server::window_stats;
use crate::wire::WindowStats;

/// How long one POST may take before the relay gives up on the target.
const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// Events the relay may fall behind the feed before it has lost one.
const MAX_LAG: usize = 65_536;

pub struct Relay {
    hub: Arc<Hub>,
    /// The first thing that went wrong: once set, the run fails with it.
    failure: watch::Receiver<Option<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    /// Empties the target's channel (`DELETE path`: a channel left by an earlier run must
    /// not answer a first poll with its old seqs), then publishes the feed into it until
    /// `stop`. The error says what the target answered.
    pub async fn start(addr: SocketAddr, path: &str, scenario: &Scenario) -> Result<Self, String> {
        if scenario.feed.topics().is_some() {
            return Err(format!(
                "the feed has topics, and wsbench publishes one channel ({path})"
            ));
        }
        if scenario.feed.state_key_field().is_some() {
            return Err(format!(
                "a state feed's final state cannot be read from the channel at {path} (it \
                 keeps messages, not the latest value per key): use an event feed"
            ));
        }
        let (status, _) = matched::request(addr, "DELETE", path)
            .await
            .map_err(|e| e.to_string())?;
        if !matches!(status, 200 | 404) {
            return Err(format!(
                "DELETE {path} (emptying the channel) answered {status}, not 200 or 404"
            ));
        }
        let hub = Hub::new(
            scenario.feed.semantics(),
            HubLimits {
                history: 1,
                max_lag: MAX_LAG,
                window_log: scenario.server.window_log_events(scenario.feed.rate()) as usize,
                encodings: 0,
            },
        );
        let events = hub.subscribe();
        let (failed, failure) = watch::channel(None);
        let task = tokio::spawn(relay(addr, path.to_string(), events, failed));
        let source = scenario.feed.source(&SourceContext {
            seed: scenario.seed,
            stderr: None,
            start_ns: None,
        });
        source
            .start(hub.clone())
            .map_err(|e| format!("cannot start the feed: {e}"))?;
        Ok(Self { hub, failure, task })
    }

    pub fn mark_window_start(&self, at_ns: u64) -> Result<(), String> {
        self.hub
            .mark_window_start(at_ns)
            .map_err(|e| format!("cannot mark the window's start: {e}"))
    }

    /// Nothing is published after this.
    pub fn stop_publishing(&self) {
        self.hub.stop();
    }

    /// The events published in `[from_ns, to_ns]`, counted by the hub.
    pub fn window(&self, from_ns: u64, to_ns: u64) -> WindowStats {
        window_stats(self.hub.window(from_ns, to_ns))
    }

    /// What went wrong publishing, if anything did.
    pub fn failure(&self) -> Option<String> {
        self.failure.borrow().clone()
    }

    /// Resolves with what went wrong once publishing fails; never while it works.
    pub async fn failed(&self) -> String {
        let mut failure = self.failure.clone();
        match failure.wait_for(Option::is_some).await {
            Ok(what) => what.clone().unwrap_or_default(),
            // The relay ended without failing: nothing will go wrong any more.
            Err(_) => std::future::pending().await,
        }
    }

    pub fn stop(self) {
        self.hub.stop();
        self.task.abort();
    }
}

/// POSTs every event the hub publishes, in order, until the hub stops; the first failure
/// is kept and ends it.
async fn relay(
    addr: SocketAddr,
    path: String,
    mut events: Subscription,
    failed: watch::Sender<Option<String>>,
) {
    let mut post = Post::new(addr, &path);
    let outcome = loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(RecvError::Closed) => break Ok(()),
            Err(RecvError::Lagged(missed)) => {
                break Err(format!(
                    "POST {path}: wsbench fell {missed} events behind the feed (the target \
                     answered its POSTs slower than the feed's rate)"
                ));
            }
        };
        match tokio::time::timeout(POST_TIMEOUT, post.send(&event.json)).await {
            Ok(Ok(())) => {}
            Ok(Err(what)) => break Err(format!("POST {path} of seq {}: {what}", event.seq)),
            Err(_) => {
                break Err(format!(
                    "POST {path} of seq {}: no answer within {POST_TIMEOUT:?}",
                    event.seq
                ));
            }
        }
    };
    if let Err(what) = outcome {
        failed.send_replace(Some(what));
        // Kept open, so that a waiter sees the failure rather than the end.
        std::future::pending::<()>().await;
    }
}

/// One kept-alive connection that POSTs JSON bodies and reads each answer.
struct Post {
    addr: SocketAddr,
    head: Vec<u8>,
    request: Vec<u8>,
    stream: Option<TcpStream>,
    buffer: ReadBuffer,
    answer: Vec<u8>,
}

impl Post {
    fn new(addr: SocketAddr, path: &str) -> Self {
        Self {
            addr,
            head: format!(
                "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n"
            )
            .into_bytes(),
            request: Vec::new(),
            stream: None,
            buffer: ReadBuffer::default(),
            answer: Vec::new(),
        }
    }

    /// Sends `body` and reads the answer: `Err` says what the target did instead of a 2xx.
    async fn send(&mut self, body: &[u8]) -> Result<(), String> {
        self.request.clear();
        self.request.extend_from_slice(&self.head);
        self.request
            .extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
        self.request.extend_from_slice(body);
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("cannot connect: {e}"))?;
            let _ = stream.set_nodelay(true);
            self.stream = Some(stream);
            self.buffer = ReadBuffer::default();
        }
        let head = self.exchange().await.map_err(|e| {
            self.stream = None;
            e.to_string()
        })?;
        if !head.keep_alive {
            self.stream = None;
        }
        match head.status {
            200..=299 => Ok(()),
            status => Err(format!(
                "answered {status}: {}",
                String::from_utf8_lossy(&self.answer).trim()
            )),
        }
    }

    async fn exchange(&mut self) -> Result<ResponseHead, HttpError> {
        let stream = self.stream.as_mut().ok_or(HttpError::Closed)?;
        stream.write_all(&self.request).await?;
        read_response(stream, &mut self.buffer, &mut self.answer).await
    }
}
