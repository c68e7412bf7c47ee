//! Topics: a feed that publishes to many audiences (a chat's rooms, each user's own
//! notifications) keeps one small hub per topic, so that an event wakes only the
//! connections of its topic and each topic numbers its own events from 1: a client's
//! sequence has no gap unless it missed one of its own events. Clients name their topic
//! with `?topic=` on every endpoint (docs/PROTOCOL.md).
//!
//! Any client may name any topic, so what topics hold is bounded in memory, not only in
//! count: a topic takes memory as it is used (see `Hub::for_topic`), and one nobody holds
//! (no connection, no waiting poll, no source: the map's is the only reference) is dropped
//! when it published nothing, at once, or when it was last named, held or published on
//! `idle` ago. Dropping is a sweep: every second (the server's), and whenever a new topic
//! finds the map twice as large as the last sweep left it, so that a flood of names costs
//! at most that many topics at a time, at an amortised constant cost per name.

mod ledger;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::hub::{Hub, HubLimits};
use super::window_log::Window;
use ledger::Ledger;
pub use ledger::{Dropped, Tally};

/// What each topic's hub may keep, and how many topics there may be: small, because a
/// feed with a topic per user has thousands of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicLimits {
    /// Topics at most; a client naming one more is refused.
    pub max_topics: usize,
    /// Events each topic keeps for `since`.
    pub history: usize,
    /// Events a streaming connection may fall behind on its topic.
    pub max_lag: usize,
    /// Publish instants each topic keeps for windows.
    pub window_log: usize,
}

/// Why a topic cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("this feed has no topics; drop `topic=`")]
    NoTopics,
    #[error(
        "malformed topic `{0}`: 1 to {MAX_TOPIC_LEN} characters of A-Z, a-z, 0-9, `-`, `_`, `.`"
    )]
    Malformed(String),
    #[error("too many topics: the server keeps at most {0}")]
    TooMany(usize),
}

pub const MAX_TOPIC_LEN: usize = 64;

/// Topics a map holds at least before a new topic sweeps it.
pub const SWEEP_FLOOR: usize = 1024;

/// A topic a client opened (the first to name it), for the feed's source. The source
/// holding `hub` holds the topic: it is not dropped before the source publishes on it.
pub struct OpenedTopic {
    pub name: Arc<str>,
    pub hub: Arc<Hub>,
}

pub(super) struct Topics {
    map: RwLock<Map>,
    limits: TopicLimits,
    /// A topic's hub: the feed's semantics and encodings, the topic's own bounds.
    hub_limits: HubLimits,
    semantics: super::Semantics,
    /// How long a topic that published may go unused before it is dropped.
    idle: Duration,
    /// What the topics' last uses are counted from.
    epoch: Instant,
    /// Window starts marked so far (for topics made later), and what dropped topics left.
    ledger: Mutex<Ledger>,
    stopped: Mutex<bool>,
    /// Told of each topic a client opens (the first to name it), for a source that
    /// publishes when someone waits (a login page's one event).
    opened: Mutex<Option<mpsc::UnboundedSender<OpenedTopic>>>,
}

struct Map {
    hubs: HashMap<Arc<str>, Entry>,
    /// The size at which a new topic sweeps the map first.
    sweep_at: usize,
}

struct Entry {
    hub: Arc<Hub>,
    /// When it was last named, held or seen publishing: nanoseconds from the epoch.
    used_ns: AtomicU64,
    /// Its latest seq at the last sweep: a later one is a use.
    swept_seq: AtomicU64,
}

impl Entry {
    fn used(&self, now_ns: u64) -> Arc<Hub> {
        self.used_ns.fetch_max(now_ns, Relaxed);
        self.hub.clone()
    }
}

/// Why a sweep drops a topic.
enum Reason {
    /// Nobody holds it and nothing was published on it: it carries no state.
    Unused,
    /// Nobody held, named or published on it for the idle time.
    Idle,
}

/// Topics held and dropped, and the events published on all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicTotals {
    pub held: usize,
    /// Over every topic, dropped ones included.
    pub events: u64,
    pub dropped_unused: u64,
    pub dropped_idle: u64,
}

/// Each topic's window, and what topics dropped idle had in it.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicWindows {
    /// The topics held that published in it, or cannot say, by name.
    pub topics: Vec<TopicWindow>,
    pub dropped: Dropped,
}

impl Topics {
    pub fn new(
        semantics: super::Semantics,
        limits: TopicLimits,
        encodings: usize,
        idle: Duration,
    ) -> Self {
        Self {
            map: RwLock::new(Map {
                hubs: HashMap::new(),
                sweep_at: SWEEP_FLOOR,
            }),
            limits,
            hub_limits: HubLimits {
                history: limits.history,
                max_lag: limits.max_lag,
                window_log: limits.window_log,
                encodings,
            },
            semantics,
            idle,
            epoch: Instant::now(),
            ledger: Mutex::new(Ledger::default()),
            stopped: Mutex::new(false),
            opened: Mutex::new(None),
        }
    }

    fn since_epoch(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.epoch);
        u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
    }

    /// The hub of topic `name`, made on first use; `by_client` tells the source when a
    /// client is the first to name it.
    pub fn get(&self, name: &str, by_client: bool) -> Result<Arc<Hub>, TopicError> {
        self.get_at(name, by_client, Instant::now())
    }

    /// `get` at `now`: when the topic was last named.
    fn get_at(&self, name: &str, by_client: bool, now: Instant) -> Result<Arc<Hub>, TopicError> {
        let now = self.since_epoch(now);
        if let Some(entry) = read(&self.map).hubs.get(name) {
            return Ok(entry.used(now));
        }
        check_name(name)?;
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = map.hubs.get(name) {
            return Ok(entry.used(now));
        }
        if map.hubs.len() >= map.sweep_at.min(self.limits.max_topics) {
            self.sweep_map(&mut map, now);
        }
        if map.hubs.len() >= self.limits.max_topics {
            return Err(TopicError::TooMany(self.limits.max_topics));
        }
        let hub = Hub::for_topic(self.semantics, self.hub_limits);
        for at_ns in lock(&self.ledger).marks() {
            // A new topic holds nothing older than any mark: marking cannot fail.
            let _ = hub.mark_window_start(at_ns);
        }
        if *lock(&self.stopped) {
            hub.stop();
        }
        let name: Arc<str> = name.into();
        let entry = Entry {
            hub: hub.clone(),
            used_ns: AtomicU64::new(now),
            swept_seq: AtomicU64::new(0),
        };
        map.hubs.insert(name.clone(), entry);
        drop(map);
        if by_client && let Some(opened) = lock(&self.opened).as_ref() {
            let hub = hub.clone();
            let _ = opened.send(OpenedTopic { name, hub });
        }
        Ok(hub)
    }

    /// Drops the topics that `drop_rule` says go, at `now`.
    pub fn sweep(&self, now: Instant) {
        let now = self.since_epoch(now);
        // Looked over under the read lock, which clients naming topics share: the write
        // lock is taken only when something goes.
        let any = read(&self.map)
            .hubs
            .values()
            .any(|entry| self.drop_rule(entry, now).is_some());
        if any {
            let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
            self.sweep_map(&mut map, now);
        }
    }

    fn sweep_map(&self, map: &mut Map, now: u64) {
        let mut ledger = lock(&self.ledger);
        map.hubs
            .retain(|_, entry| match self.drop_rule(entry, now) {
                None => true,
                Some(Reason::Unused) => {
                    ledger.unused += 1;
                    false
                }
                Some(Reason::Idle) => {
                    ledger.dropped_idle(&entry.hub);
                    false
                }
            });
        map.sweep_at = (2 * map.hubs.len()).max(SWEEP_FLOOR);
    }

    /// Whether a topic goes, at `now`; a topic held or seen publishing is used now. Only
    /// the map holds a topic nobody else holds, so under the map's write lock no one can
    /// take it while it is dropped.
    fn drop_rule(&self, entry: &Entry, now: u64) -> Option<Reason> {
        if Arc::strong_count(&entry.hub) > 1 {
            entry.used_ns.fetch_max(now, Relaxed);
            return None;
        }
        let seq = entry.hub.last_seq();
        if seq == 0 {
            return Some(Reason::Unused);
        }
        if entry.swept_seq.swap(seq, Relaxed) != seq {
            entry.used_ns.fetch_max(now, Relaxed);
            return None;
        }
        let unused_for = Duration::from_nanos(now.saturating_sub(entry.used_ns.load(Relaxed)));
        (unused_for >= self.idle).then_some(Reason::Idle)
    }

    /// The topics clients open from now on, first namings only.
    pub fn opened(&self) -> mpsc::UnboundedReceiver<OpenedTopic> {
        let (tx, rx) = mpsc::unbounded_channel();
        *lock(&self.opened) = Some(tx);
        rx
    }

    pub fn stop(&self) {
        *lock(&self.stopped) = true;
        for entry in read(&self.map).hubs.values() {
            entry.hub.stop();
        }
    }

    pub fn mark_window_start(&self, at_ns: u64) {
        lock(&self.ledger).mark(at_ns);
        for entry in read(&self.map).hubs.values() {
            // A topic too quiet to hold the instant has published nothing since: its
            // window is then counted from what it holds.
            let _ = entry.hub.mark_window_start(at_ns);
        }
    }

    /// Each topic's window, for the topics that published in it or cannot say, and what
    /// the topics dropped had in it.
    pub fn windows(&self, from_ns: u64, to_ns: u64) -> TopicWindows {
        // Read under one lock with the ledger: a topic dropped meanwhile is in one or the
        // other, never both or neither.
        let map = read(&self.map);
        let mut topics: Vec<_> = map
            .hubs
            .iter()
            .filter_map(|(name, entry)| {
                let hub = &entry.hub;
                let window = hub.window(from_ns, to_ns);
                let senders = match window {
                    Window::Events { first, last, .. } => hub.senders(first, last),
                    Window::Empty => return None,
                    Window::NotRetained { .. } => None,
                };
                Some(TopicWindow {
                    name: name.clone(),
                    window,
                    senders,
                })
            })
            .collect();
        let dropped = lock(&self.ledger).window(from_ns, to_ns);
        drop(map);
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        TopicWindows { topics, dropped }
    }

    pub fn totals(&self) -> TopicTotals {
        let map = read(&self.map);
        let ledger = lock(&self.ledger);
        let held: u64 = map.hubs.values().map(|entry| entry.hub.last_seq()).sum();
        TopicTotals {
            held: map.hubs.len(),
            events: held + ledger.events,
            dropped_unused: ledger.unused,
            dropped_idle: ledger.idle,
        }
    }
}

/// One topic's window.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicWindow {
    pub name: Arc<str>,
    pub window: Window,
    /// A room of client messages: the sender of each of the window's events, in seq order.
    pub senders: Option<Vec<u64>>,
}

fn check_name(name: &str) -> Result<(), TopicError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.len() > MAX_TOPIC_LEN || !name.chars().all(allowed) {
        return Err(TopicError::Malformed(name.chars().take(80).collect()));
    }
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

/// A feed hub with at most `max_topics` small topics (4 events each), for tests.
#[cfg(test)]
pub(crate) fn small_root(max_topics: usize) -> Arc<Hub> {
    let limits = HubLimits::SMALLEST;
    let topics = TopicLimits {
        max_topics,
        history: 4,
        max_lag: 4,
        window_log: 8,
    };
    Hub::with_topics(super::Semantics::Events, limits, topics, SMALL_IDLE)
}

/// How long `small_root`'s topics may idle.
#[cfg(test)]
pub(crate) const SMALL_IDLE: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests;
