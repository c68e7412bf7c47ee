//! The hub: stamps each event, serialises it once, keeps a bounded history for `since`
//! requests and fans it out to every connection. Every transport reads from here, so
//! they all get the same bytes at the same instant. It knows no transport's framing: an
//! event caches each transport's encoding of it, made once by whoever needs it first.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, watch};

use super::Semantics;
use super::fanout::{FanOut, RingRead, Subscription, ring_lag};
use super::publisher::LATE_TOLERANCE;
use super::source_report::SourceReport;
use super::topics::{OpenedTopic, TopicError, TopicLimits, TopicTotals, TopicWindows, Topics};
use super::window_log::{TooOld, Window, WindowLog};

/// One published event, encoded once for every transport.
#[derive(Debug)]
pub struct Event {
    pub seq: u64,
    /// Intended publish instant, nanoseconds since the Unix epoch (CLOCK_REALTIME).
    pub ts_ns: u64,
    /// State key (state feeds only).
    pub key: Option<u32>,
    /// The client that sent it (a chat message), so that a member who asked not to hear
    /// its own messages (`skip_from=`) is not sent them.
    pub sender: Option<u64>,
    /// The event's JSON object.
    pub json: Bytes,
    /// Per transport (by index), its encoding of the event, once one is asked for.
    encodings: Box<[OnceLock<Box<dyn Any + Send + Sync>>]>,
}

impl Event {
    /// Whether `client` sent it: a member that asked not to hear its own messages
    /// (`skip_from=`) is not sent those.
    pub fn sent_by(&self, client: Option<u64>) -> bool {
        client.is_some_and(|client| self.sender == Some(client))
    }

    /// The event as `encode` makes it for `slot` (a transport's index): made by the first
    /// connection that asks and shared by every other, so each event is encoded once.
    /// `None` for a slot the hub has not got, or that holds another type.
    pub fn encoded<T: Any + Send + Sync>(
        &self,
        slot: usize,
        encode: fn(&Event) -> T,
    ) -> Option<&T> {
        let cell = self.encodings.get(slot)?;
        cell.get_or_init(|| Box::new(encode(self))).downcast_ref()
    }
}

/// The answer to "what is newer than S?".
#[derive(Debug)]
pub enum Since {
    Events(Vec<Arc<Event>>),
    /// Nothing newer than S (yet).
    Nothing,
    /// S is older than the retained history; `oldest` is the oldest seq still held.
    Gone {
        oldest: u64,
    },
}

impl Since {
    /// The answer for `client` (`skip_from=`), without the messages it sent itself:
    /// `Nothing` when those were all there was.
    pub fn not_sent_by(self, client: Option<u64>) -> Self {
        match self {
            Since::Events(mut events) if client.is_some() => {
                events.retain(|event| !event.sent_by(client));
                match events.is_empty() {
                    true => Since::Nothing,
                    false => Since::Events(events),
                }
            }
            other => other,
        }
    }
}

struct HubState {
    encodings: usize,
    ring: VecDeque<Arc<Event>>,
    history: usize,
    /// State feeds: the latest event per key, and those events ordered by seq.
    by_key: HashMap<u32, Arc<Event>>,
    latest_by_seq: BTreeMap<u64, Arc<Event>>,
    window_log: WindowLog,
    /// A room of client messages: the sender of each seq from 1, while it fits the window
    /// log's capacity, so that a window can say which of its events were whose.
    senders: Vec<u64>,
    schedule: Schedule,
    last_seq: u64,
    stopped: bool,
}

/// How far behind its schedule the publisher fell, since the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Events published more than `LATE_TOLERANCE` after their intended instant.
    pub late_events: u64,
    /// The worst lateness of any event, microseconds.
    pub max_late_us: u64,
}

/// What the hub may keep: every structure it holds is bounded by one of these.
#[derive(Debug, Clone, Copy)]
pub struct HubLimits {
    /// Events kept for `since` (event feeds).
    pub history: usize,
    /// Events a streaming connection may fall behind before its receiver reports lag.
    pub max_lag: usize,
    /// Events whose publish instants are kept for window queries.
    pub window_log: usize,
    /// Encodings an event may cache: one per transport.
    pub encodings: usize,
}

impl HubLimits {
    /// One of everything and no encoding: for tests.
    #[cfg(test)]
    pub(crate) const SMALLEST: Self = Self {
        history: 1,
        max_lag: 1,
        window_log: 1,
        encodings: 0,
    };
}

/// What the hub holds now, beside its bounds: proof that a long run stays bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retained {
    pub history: usize,
    pub window_log: usize,
    pub window_log_capacity: usize,
    /// State feeds: keys held (bounded by the feed's key count).
    pub state_keys: usize,
    pub state_index: usize,
}

pub struct Hub {
    semantics: Semantics,
    state: RwLock<HubState>,
    fan_out: FanOut,
    latest: watch::Sender<u64>,
    /// Where messages clients send go, once a source takes them (a chat).
    inbox: Mutex<Option<mpsc::Sender<ClientMessage>>>,
    /// What a source publishing as things happen says about its input.
    source_report: Mutex<SourceReport>,
    /// A feed with topics: one small hub per topic. This hub then publishes nothing itself.
    topics: Option<Topics>,
}

/// A message a client sent on its connection, for a source that publishes what clients
/// send (a chat room). The hub keeps no format: the source decodes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientMessage {
    /// The transport it came over.
    pub transport: &'static str,
    pub body: Bytes,
}

impl Hub {
    pub fn new(semantics: Semantics, limits: HubLimits) -> Arc<Self> {
        Arc::new(Self::whole_feed(semantics, limits, None))
    }

    /// The hub of a feed with topics: `limits` bound this hub, `topics` each topic's; a
    /// topic that published and then went unused for `idle` is dropped.
    pub fn with_topics(
        semantics: Semantics,
        limits: HubLimits,
        topics: TopicLimits,
        idle: Duration,
    ) -> Arc<Self> {
        let topics = Topics::new(semantics, topics, limits.encodings, idle);
        Arc::new(Self::whole_feed(semantics, limits, Some(topics)))
    }

    /// A whole feed's hub: everything it may hold is allocated now, so that a long run
    /// cannot grow it.
    fn whole_feed(semantics: Semantics, limits: HubLimits, topics: Option<Topics>) -> Self {
        let ring = VecDeque::with_capacity(limits.history.min(1 << 16));
        let log = WindowLog::new(limits.window_log);
        let fan_out = FanOut::broadcast(limits.max_lag);
        Self::build(semantics, limits, ring, log, fan_out, topics)
    }

    /// One topic's hub: it takes memory as it is used (its ring, its window log, its
    /// subscribers' cursors), since most topics of a feed with thousands stay small. Its
    /// ring holds at least its subscribers' lag allowance, which they read it by.
    pub(super) fn for_topic(semantics: Semantics, limits: HubLimits) -> Arc<Self> {
        let limits = HubLimits {
            history: limits.history.max(ring_lag(limits.max_lag)),
            ..limits
        };
        let log = WindowLog::untouched(limits.window_log);
        let fan_out = FanOut::ring(limits.max_lag);
        Arc::new(Self::build(
            semantics,
            limits,
            VecDeque::new(),
            log,
            fan_out,
            None,
        ))
    }

    fn build(
        semantics: Semantics,
        limits: HubLimits,
        ring: VecDeque<Arc<Event>>,
        window_log: WindowLog,
        fan_out: FanOut,
        topics: Option<Topics>,
    ) -> Self {
        let HubLimits {
            history, encodings, ..
        } = limits;
        Self {
            semantics,
            state: RwLock::new(HubState {
                encodings,
                ring,
                history: history.max(1),
                by_key: HashMap::new(),
                latest_by_seq: BTreeMap::new(),
                window_log,
                senders: Vec::new(),
                schedule: Schedule::default(),
                last_seq: 0,
                stopped: false,
            }),
            fan_out,
            latest: watch::channel(0).0,
            inbox: Mutex::new(None),
            source_report: Mutex::new(SourceReport::default()),
            topics,
        }
    }

    pub fn has_topics(&self) -> bool {
        self.topics.is_some()
    }

    /// The hub of topic `name`, made on first use: what a source publishes to.
    pub fn topic(&self, name: &str) -> Result<Arc<Hub>, TopicError> {
        self.topics
            .as_ref()
            .ok_or(TopicError::NoTopics)?
            .get(name, false)
    }

    /// The hub of topic `name` for a client that names it (`?topic=`); the source hears of
    /// the topic when this client is the first.
    pub fn client_topic(&self, name: &str) -> Result<Arc<Hub>, TopicError> {
        self.topics
            .as_ref()
            .ok_or(TopicError::NoTopics)?
            .get(name, true)
    }

    /// The topics clients open from now on (first namings), for the feed's source; `None`
    /// for a feed without topics. A later call takes them over.
    pub fn opened_topics(&self) -> Option<mpsc::UnboundedReceiver<OpenedTopic>> {
        self.topics.as_ref().map(Topics::opened)
    }

    /// Each topic's window, for the topics that published in it (or cannot say), by name,
    /// and what topics dropped since had in it; `None` for a feed without topics.
    pub fn topic_windows(&self, from_ns: u64, to_ns: u64) -> Option<TopicWindows> {
        let topics = self.topics.as_ref()?;
        Some(topics.windows(from_ns, to_ns))
    }

    /// Topics held and dropped, and the events published on all of them; `None` for a
    /// feed without topics.
    pub fn topic_totals(&self) -> Option<TopicTotals> {
        self.topics.as_ref().map(Topics::totals)
    }

    /// Drops the topics nobody holds that published nothing, or nothing for the feed's
    /// idle time before `now`: the server calls it every second.
    pub fn sweep_topics(&self, now: std::time::Instant) {
        if let Some(topics) = &self.topics {
            topics.sweep(now);
        }
    }

    /// The messages clients send from now on, for the feed's source to publish from; up to
    /// `capacity` wait for it. A later call takes them over.
    pub fn client_messages(&self, capacity: usize) -> mpsc::Receiver<ClientMessage> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        *self.inbox.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
        rx
    }

    /// A client sent `message`. Handed to the source that takes client messages; `false`
    /// when none does (a scheduled feed) or it is `capacity` behind, which drops it.
    pub fn client_sent(&self, message: ClientMessage) -> bool {
        let inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        inbox
            .as_ref()
            .is_some_and(|tx| tx.try_send(message).is_ok())
    }

    /// Updates what the source reports about its input (lines dropped or refused, notes).
    pub fn report_source(&self, update: impl FnOnce(&mut SourceReport)) {
        update(&mut self.source_report.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn source_report(&self) -> SourceReport {
        self.source_report
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn semantics(&self) -> Semantics {
        self.semantics
    }

    /// Publishes an event whose own fields are `fields` (JSON members without braces).
    /// Returns `None` once the hub is stopped.
    pub fn publish(&self, ts_ns: u64, key: Option<u32>, fields: &str) -> Option<Arc<Event>> {
        self.publish_late(ts_ns, Duration::ZERO, key, fields)
    }

    /// Publishes like `publish` an event that went out `late` after its intended instant.
    pub fn publish_late(
        &self,
        ts_ns: u64,
        late: Duration,
        key: Option<u32>,
        fields: &str,
    ) -> Option<Arc<Event>> {
        self.publish_logged(ts_ns, None, late, key, fields)
    }

    /// Publishes a message a client sent at `sent_ns` (its `ts`, where latency starts):
    /// windows place it by the instant it is published now, which, unlike the senders'
    /// clocks, never goes back from one seq to the next.
    pub fn publish_sent(&self, sent_ns: u64, sender: u64, fields: &str) -> Option<Arc<Event>> {
        self.publish_logged(
            sent_ns,
            Some((super::wall_clock_ns, sender)),
            Duration::ZERO,
            None,
            fields,
        )
    }

    /// `sent`: a client's message, by `sender`, which windows place where `now` says
    /// (read under the lock, so that it grows with seq); `None`: placed at `ts_ns`.
    fn publish_logged(
        &self,
        ts_ns: u64,
        sent: Option<(fn() -> u64, u64)>,
        late: Duration,
        key: Option<u32>,
        fields: &str,
    ) -> Option<Arc<Event>> {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.stopped {
            return None;
        }
        let seq = state.last_seq + 1;
        let json = if fields.is_empty() {
            format!("{{\"seq\":{seq},\"ts\":{ts_ns}}}")
        } else {
            format!("{{\"seq\":{seq},\"ts\":{ts_ns},{fields}}}")
        };
        let event = Arc::new(Event {
            seq,
            ts_ns,
            key,
            sender: sent.map(|(_, sender)| sender),
            json: Bytes::from(json),
            encodings: (0..state.encodings).map(|_| OnceLock::new()).collect(),
        });
        state.last_seq = seq;
        let late_us = u32::try_from(late.as_micros()).unwrap_or(u32::MAX);
        state
            .window_log
            .push(sent.map_or(ts_ns, |(now, _)| now()), late_us);
        if let Some((_, sender)) = sent
            && state.senders.len() + 1 == seq as usize
            && state.senders.len() < state.window_log.capacity()
        {
            state.senders.push(sender);
        }
        if late > LATE_TOLERANCE {
            state.schedule.late_events += 1;
        }
        state.schedule.max_late_us = state.schedule.max_late_us.max(u64::from(late_us));
        if state.ring.len() == state.history {
            state.ring.pop_front();
        }
        state.ring.push_back(event.clone());
        if let Some(key) = key {
            if let Some(previous) = state.by_key.insert(key, event.clone()) {
                state.latest_by_seq.remove(&previous.seq);
            }
            state.latest_by_seq.insert(seq, event.clone());
        }
        self.fan_out.send(&event);
        drop(state);
        self.latest.send_replace(seq);
        Some(event)
    }

    /// Stops publishing for good (on every topic too) and returns the last seq published.
    pub fn stop(&self) -> u64 {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.stopped = true;
        let last_seq = state.last_seq;
        drop(state);
        if let Some(topics) = &self.topics {
            topics.stop();
        }
        last_seq
    }

    pub fn is_stopped(&self) -> bool {
        self.state.read().unwrap_or_else(|e| e.into_inner()).stopped
    }

    pub fn last_seq(&self) -> u64 {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .last_seq
    }

    /// Events newer than `since`. State feeds answer with the latest value of every key
    /// that changed after `since`, so they never answer `Gone`. Without `since`: the
    /// latest event, or the whole state.
    pub fn since(&self, since: Option<u64>) -> Since {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        if state.last_seq == 0 || since.is_some_and(|s| s >= state.last_seq) {
            return Since::Nothing;
        }
        if self.semantics == Semantics::State {
            let from = since.map_or(0, |s| s + 1);
            return Since::Events(
                state
                    .latest_by_seq
                    .range(from..)
                    .map(|(_, e)| e.clone())
                    .collect(),
            );
        }
        let oldest = state.ring.front().map_or(1, |e| e.seq);
        match since {
            None => Since::Events(state.ring.back().cloned().into_iter().collect()),
            Some(s) if s + 1 < oldest => Since::Gone { oldest },
            Some(s) => {
                let skip = (s + 1 - oldest) as usize;
                Since::Events(state.ring.range(skip..).cloned().collect())
            }
        }
    }

    /// A live stream of every event published from now on.
    pub fn subscribe(self: &Arc<Self>) -> Subscription {
        Subscription::new(self, &self.fan_out)
    }

    /// For a topic's subscriber: event `seq` if the ring still holds it, the oldest held
    /// and the latest published.
    pub(super) fn ring_at(&self, seq: u64) -> RingRead {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let oldest = state.ring.front().map_or(state.last_seq + 1, |e| e.seq);
        RingRead {
            event: (seq.checked_sub(oldest))
                .and_then(|at| state.ring.get(usize::try_from(at).ok()?).cloned()),
            oldest,
            latest: state.last_seq,
        }
    }

    /// The instant the window log placed the latest event at, if any was published.
    pub(super) fn newest_publish_ns(&self) -> Option<u64> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.window_log.newest_ns()
    }

    /// The latest seq, watched: long polls wait on it.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// Marks a window's start while its events are recent, so that the window can be
    /// counted however long it lasts.
    pub fn mark_window_start(&self, at_ns: u64) -> Result<(), TooOld> {
        if let Some(topics) = &self.topics {
            topics.mark_window_start(at_ns);
        }
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.window_log.mark(at_ns)
    }

    /// The events whose `ts_ns` lies in `[from_ns, to_ns]`, if the log still holds them.
    pub fn window(&self, from_ns: u64, to_ns: u64) -> Window {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.window_log.window(from_ns, to_ns)
    }

    /// A room of client messages: the sender of each seq in `first..=last`, if it kept
    /// them all.
    pub fn senders(&self, first: u64, last: u64) -> Option<Vec<u64>> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let range = usize::try_from(first.checked_sub(1)?).ok()?..usize::try_from(last).ok()?;
        state.senders.get(range).map(<[u64]>::to_vec)
    }

    pub fn schedule(&self) -> Schedule {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .schedule
    }

    /// One event (seq 1, ts 77) of a small hub with one encoding slot, for encoding tests.
    #[cfg(test)]
    pub fn sample_event(fields: &str) -> Arc<Event> {
        let limits = HubLimits {
            encodings: 1,
            ..HubLimits::SMALLEST
        };
        let hub = Self::new(Semantics::Events, limits);
        hub.publish(77, None, fields).expect("a new hub publishes")
    }

    pub fn retained(&self) -> Retained {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        Retained {
            history: state.ring.len(),
            window_log: state.window_log.len(),
            window_log_capacity: state.window_log.capacity(),
            state_keys: state.by_key.len(),
            state_index: state.latest_by_seq.len(),
        }
    }
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
