//! The load generator's clients: what every transport's client shares (the run's control,
//! recording, one counted HTTP/1 connection, the poll loop). Each transport's own client
//! lives in its folder under `transport/`. Each client is a task on a worker's
//! single-threaded runtime; it records into its worker's `Recorder` directly.

pub mod connection;
mod control;
mod headers;
pub mod http1;
pub mod poll_loop;
mod publish;
pub mod read_buffer;
mod received;
mod recorder;
mod session;
mod stop;
pub mod upstream;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use futures_util::future::LocalBoxFuture;

pub use crate::wire::EventHead;
pub use control::{Phase, RunControl};
pub use headers::{HeaderProfile, request_headers};
pub use received::Received;
pub use recorder::Recorder;
pub use session::{Outcome, SessionCounts};
pub use stop::StopSignal;

use crate::dialect::Dialect;
use crate::feed::{FeedSpec, wall_clock_ns};
use crate::metrics::latency;
use crate::metrics::probe::{self, Segments, SocketProbe};
use crate::metrics::sequence::{Arrival, SeqSet};
use crate::metrics::state::StateView;
use crate::transport_kind::{Settings, Transport};

/// How a client of one transport runs: that transport's own client (its folder's client
/// code, handed over in the `Plan` from the `transport` module's registry).
pub trait ClientSide: Sync {
    /// Runs one client until the run stops it; hands back what it saw.
    fn run_client(&self, client: Client) -> LocalBoxFuture<'static, Tally>;
}

/// What every client of one transport run is told.
#[derive(Clone)]
pub struct Plan {
    pub transport: Transport,
    /// The transport's own client.
    pub side: &'static dyn ClientSide,
    pub addr: SocketAddr,
    /// How the target names and frames this transport.
    pub dialect: &'static dyn Dialect,
    /// Where the target serves it, in that dialect.
    pub path: &'static str,
    pub headers: http::HeaderMap,
    /// The transport's own settings.
    pub settings: Settings,
    /// The state key's field for state feeds (`train`), `None` for event feeds.
    pub key_field: Option<&'static str>,
    pub seed: u64,
    /// Reads the TCP segments of each client socket over the window.
    pub sockets: Arc<dyn SocketProbe>,
    /// The feed: which topic each client subscribes to, for a feed with topics.
    pub feed: FeedSpec,
    /// Clients in the run, for the feed's share of them into topics.
    pub clients: u64,
    /// The headers of a chat client's `POST /publish` (a page's `fetch()`), beside the
    /// content type and length.
    pub publish_headers: http::HeaderMap,
    /// The local address client sockets bind to before connecting (`--bind`): many shards
    /// on one machine each take another address's ephemeral ports.
    pub bind: Option<std::net::IpAddr>,
}

/// What one client saw, kept until the end when the window's seq range is known.
#[derive(Default)]
pub struct Tally {
    pub client: u64,
    /// The topic it subscribed to, for a feed with topics: its seqs are that topic's.
    pub topic: Option<Arc<str>>,
    pub seqs: SeqSet,
    /// State feeds: the latest seq per key.
    pub view: Option<StateView>,
    /// The client's socket still held bytes it had not read when the run stopped: it was
    /// behind, and what it lacks at the end was in flight to it, not lost.
    pub behind_at_stop: bool,
    /// The lowest and highest seq it received of the events published in the window (by
    /// their `ts`): where a target that cannot say what it published owes this client
    /// every seq between.
    pub window_seqs: Option<(u64, u64)>,
    /// An echo: the first and last of its own messages it sent during the window, which
    /// the server owes it back.
    pub sent_window: Option<(u64, u64)>,
}

impl Tally {
    fn note_window_seq(&mut self, seq: u64) {
        self.window_seqs = Some(match self.window_seqs {
            None => (seq, seq),
            Some((first, last)) => (first.min(seq), last.max(seq)),
        });
    }
}

/// One client: its plan, its worker's recorder, the run's control, and what it saw.
pub struct Client {
    pub id: u64,
    pub plan: Rc<Plan>,
    pub recorder: Rc<RefCell<Recorder>>,
    pub control: Arc<RunControl>,
    pub tally: Tally,
    /// For a feed whose clients send (a chat): its messages, on their schedule.
    pub sender: Option<upstream::Sender>,
    /// The topic its requests name: its tally's, or its session's (a login page's).
    subscribed: Option<Arc<str>>,
    /// A chat member that does not hear its own messages (`echo = false`): its id, which
    /// its requests name (`skip_from=`).
    skip_from: Option<u64>,
    /// A client that comes and goes: the session it is in.
    session: Option<Rc<session::Session>>,
    connected: bool,
}

/// Mixed into a client's seed for its sender, so that its messages and its polls draw
/// apart.
const SENDER_SALT: u64 = 0xD6E8_FEB8_6659_FD93;

/// How long a client waits before reconnecting after an error, so a dead server is not
/// hammered.
pub const RECONNECT_DELAY: Duration = Duration::from_millis(100);

impl Client {
    pub fn new(
        id: u64,
        plan: Rc<Plan>,
        recorder: Rc<RefCell<Recorder>>,
        control: Arc<RunControl>,
    ) -> Self {
        let view = plan.key_field.map(|_| StateView::new());
        let topic: Option<Arc<str>> = plan.feed.client_topic(id, plan.clients).map(Arc::from);
        let sender = plan.feed.sends().and_then(|sends| {
            let rng = crate::feed::rng::Rng::new(plan.seed ^ id.wrapping_mul(SENDER_SALT));
            upstream::Sender::new(sends, topic.clone(), id, rng, control.clone())
        });
        let skip_from = plan.feed.sends().filter(|s| !s.hears_own).map(|_| id);
        Self {
            subscribed: topic.clone(),
            skip_from,
            session: None,
            id,
            plan,
            recorder,
            control,
            tally: Tally {
                client: id,
                topic,
                seqs: SeqSet::new(),
                view,
                behind_at_stop: false,
                window_seqs: None,
                sent_window: None,
            },
            sender,
            connected: false,
        }
    }

    /// Runs the client until the run's stop signal, then hands back what it saw: over the
    /// transport's own client, once or session after session. A chat client of a transport
    /// that cannot send on its socket posts its messages beside it.
    pub async fn run(mut self) -> Tally {
        if let Some(sessions) = self.plan.feed.client_sessions(self.id, self.plan.clients) {
            return session::run_sessions(self, sessions).await;
        }
        let side = self.plan.side;
        match self.sender.take() {
            Some(sender) if !self.plan.transport.kind().sends_on_its_socket() => {
                let poster = self.beside();
                let (tally, ()) =
                    futures_util::join!(side.run_client(self), publish::post_loop(poster, sender));
                tally
            }
            sender => {
                self.sender = sender;
                side.run_client(self).await
            }
        }
    }

    /// The same client's second connection (a chat's posts): it counts into the same
    /// recorder and run, and neither subscribes nor sends by itself.
    fn beside(&self) -> Client {
        Client {
            id: self.id,
            plan: self.plan.clone(),
            recorder: self.recorder.clone(),
            control: self.control.clone(),
            tally: Tally {
                client: self.id,
                ..Tally::default()
            },
            subscribed: self.subscribed.clone(),
            skip_from: self.skip_from,
            session: None,
            sender: None,
            connected: false,
        }
    }

    /// Counts the client as connected, once (over all its sessions).
    pub fn mark_connected(&mut self) {
        if let Some(session) = &self.session {
            session.connected.set(true);
        }
        if !self.connected {
            self.connected = true;
            self.control.connected.fetch_add(1, Relaxed);
        }
    }

    /// Its wait for the run's stop, or for its session's end: every loop of a transport's
    /// client selects on it.
    pub fn stop_signal(&self) -> StopSignal {
        match &self.session {
            Some(session) => StopSignal::either(self.control.stopped(), session.left()),
            None => self.control.stop_signal(),
        }
    }

    /// Whether the run has stopped, or its session has ended.
    pub fn is_stopped(&self) -> bool {
        self.control.is_stopped() || self.session.as_ref().is_some_and(|s| s.has_left())
    }

    /// The `since` its stream starts from: a state feed's client from the whole state, as
    /// a real page would, and a session from its fresh topic's start, so that an event
    /// published as it subscribes is not missed; otherwise from what comes next.
    pub fn first_since(&self) -> Option<u64> {
        (self.plan.key_field.is_some() || self.session.is_some()).then_some(0)
    }

    /// When its first poll goes out: at a random phase of the interval, so that clients
    /// started together do not poll together; a session (a page just opened) at once.
    pub fn first_poll_offset(&self, interval: Duration) -> Duration {
        match self.session {
            Some(_) => Duration::ZERO,
            None => interval.mul_f64(self.rng().unit()),
        }
    }

    /// The query its requests carry beside `since`: the transport's own `extra`
    /// (`timeout_ms=...`, or empty), its topic for a feed with topics, and who it is for a
    /// chat member that does not hear its own messages.
    pub fn query(&self, extra: &str) -> String {
        let topic = self
            .subscribed
            .as_ref()
            .map(|topic| format!("topic={topic}"));
        let skip_from = self.skip_from.map(|id| format!("skip_from={id}"));
        [Some(extra.to_string()), topic, skip_from]
            .into_iter()
            .flatten()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn in_window(&self) -> bool {
        self.control.phase() == Phase::Measuring
    }

    /// Records one received event (its JSON object) and returns its head. `received` is
    /// when its bytes were in hand, by the kernel's stamp and the application's clock.
    pub fn deliver(
        &mut self,
        json: &[u8],
        received: Received,
        answer: &mut Answer,
    ) -> Result<EventHead, String> {
        let head = self.plan.dialect.event_head(json, self.plan.key_field)?;
        let arrival = self.tally.seqs.observe(head.seq);
        let new = match (&mut self.tally.view, &head.key) {
            (Some(view), Some(key)) => view.observe(key, head.seq).taken(),
            (Some(_), None) => return Err(format!("state event {} has no key", head.seq)),
            (None, _) => arrival != Arrival::Duplicate,
        };
        let mut recorder = self.recorder.borrow_mut();
        let in_window = self.control.phase() == Phase::Measuring;
        if in_window {
            recorder.payload_in_window += json.len() as u64;
            if new {
                recorder.received_in_window += 1;
            }
        }
        // A session's events are its own figures (time to first event), not the latency
        // of the feed's deliveries.
        if new && let Some(session) = &self.session {
            session.observe(received.instant_ns(), in_window, &mut recorder.sessions);
            answer.delivered += 1;
            return Ok(head);
        }
        if new {
            let (latency_us, _, _) = received.latencies_us(head.ts_ns);
            let second = self.control.started.elapsed().as_secs();
            recorder.timeline.record(second, latency_us);
            if self.owed_in_window(&head) {
                self.tally.note_window_seq(head.seq);
                recorder.record_window_latency(head.ts_ns, received);
                answer.oldest_ts_ns = answer.oldest_ts_ns.min(head.ts_ns);
            }
            answer.delivered += 1;
        }
        Ok(head)
    }

    /// Whether an event counts in the window: one published in it by its `ts`, or for an
    /// echo, the echo of a message the client sent in it (decided when it was sent, so that
    /// its round trip and its accounting agree even at the window's edges).
    fn owed_in_window(&self, head: &EventHead) -> bool {
        match self.plan.feed.echoes() {
            false => self.control.in_window(head.ts_ns),
            true => self
                .tally
                .sent_window
                .is_some_and(|(first, last)| (first..=last).contains(&head.seq)),
        }
    }

    /// Closes an answer (a poll response, or one streamed event): staleness and progress.
    pub fn finish_answer(&mut self, answer: Answer, received: Received) {
        if answer.oldest_ts_ns != u64::MAX {
            let staleness_us = received.instant_ns().saturating_sub(answer.oldest_ts_ns) / 1_000;
            latency::record(&mut self.recorder.borrow_mut().staleness, staleness_us);
        }
        if answer.delivered > 0 {
            self.control.delivered.fetch_add(answer.delivered, Relaxed);
        }
    }

    pub fn count_request(&mut self, empty: bool) {
        if self.in_window() {
            let mut recorder = self.recorder.borrow_mut();
            recorder.requests += 1;
            recorder.empty += u64::from(empty);
        }
    }

    /// A scheduled poll went out later than `LATE_POLL` after it was due.
    pub fn count_late_poll(&mut self) {
        if self.in_window() {
            self.recorder.borrow_mut().late_polls += 1;
        }
    }

    pub fn count_error(&mut self, kind: ErrorKind) {
        let mut recorder = self.recorder.borrow_mut();
        match kind {
            ErrorKind::Connect => recorder.errors.connect += 1,
            ErrorKind::Timeout => recorder.errors.timeout += 1,
            ErrorKind::Disconnect => recorder.errors.disconnect += 1,
            ErrorKind::Protocol => recorder.errors.protocol += 1,
            ErrorKind::Status => recorder.status_errors += 1,
        }
        self.control.errors.fetch_add(1, Relaxed);
    }

    /// A seeded per-client generator, for poll phases.
    pub fn rng(&self) -> crate::feed::rng::Rng {
        crate::feed::rng::Rng::new(self.plan.seed ^ self.id.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
}

/// What one answer carried, for staleness.
pub struct Answer {
    pub delivered: u64,
    pub oldest_ts_ns: u64,
}

impl Default for Answer {
    fn default() -> Self {
        Self {
            delivered: 0,
            oldest_ts_ns: u64::MAX,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum ErrorKind {
    Connect,
    Timeout,
    Disconnect,
    Protocol,
    Status,
}

/// Counts a socket's TCP segments over the measurement window, read through the plan's
/// socket probe when the client notices the window opening and closing (or the socket closing).
pub struct SegmentMeter {
    fd: RawFd,
    probe: Arc<dyn SocketProbe>,
    start: Option<probe::Answer<Segments>>,
    done: bool,
}

impl SegmentMeter {
    pub fn new(fd: RawFd, probe: Arc<dyn SocketProbe>) -> Self {
        Self {
            fd,
            probe,
            start: None,
            done: false,
        }
    }

    pub fn observe(&mut self, client: &Client) {
        if self.done {
            return;
        }
        match client.control.phase() {
            Phase::Connecting | Phase::WarmUp => {}
            Phase::Measuring if self.start.is_none() => {
                self.start = Some(self.probe.segments(self.fd));
            }
            Phase::Measuring => {}
            Phase::Draining => self.close(client),
        }
    }

    /// Notes, once the run has stopped, whether the socket still holds bytes the client has
    /// not read. Call when the client leaves its read loop, before the socket closes.
    pub fn note_unread_at_stop(&self, client: &mut Client) {
        if client.control.is_stopped() && unread_bytes(self.fd) > 0 {
            client.tally.behind_at_stop = true;
        }
    }

    /// Adds the window's segments; call before the socket closes.
    pub fn close(&mut self, client: &Client) {
        if self.done {
            return;
        }
        self.done = true;
        // A socket that saw no window has nothing to add.
        if let Some(start) = self.start.take() {
            let window = start.and_then(|start| Ok(self.probe.segments(self.fd)?.since(&start)));
            client.recorder.borrow_mut().segments.add(window);
        }
    }
}

/// Bytes waiting in a socket's receive queue (`FIONREAD`); 0 when it cannot be read.
fn unread_bytes(fd: RawFd) -> u64 {
    let mut queued: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int through the pointer, which outlives the call.
    let status = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut queued) };
    if status == 0 { queued.max(0) as u64 } else { 0 }
}

/// The wall clock now, ns since the epoch: events carry their publish instant on it.
pub fn now_ns() -> u64 {
    wall_clock_ns()
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    use super::unread_bytes;

    #[test]
    fn unread_bytes_are_what_the_socket_holds_until_read() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        assert_eq!(unread_bytes(client.as_raw_fd()), 0);
        server.write_all(b"0123456789").unwrap();
        // Loopback delivers at once, but let the bytes land before asking.
        let mut first = [0u8; 4];
        client.read_exact(&mut first).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while unread_bytes(client.as_raw_fd()) < 6 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(unread_bytes(client.as_raw_fd()), 6);
        let mut rest = [0u8; 6];
        client.read_exact(&mut rest).unwrap();
        assert_eq!(unread_bytes(client.as_raw_fd()), 0);
        assert_eq!(
            unread_bytes(-1),
            0,
            "an fd that cannot be read holds nothing"
        );
    }
}
