//! Topics: a feed that publishes to many audiences (a chat's rooms, each user's own
//! notifications) keeps one small hub per topic, so that an event wakes only the
//! connections of its topic and each topic numbers its own events from 1: a client's
//! sequence has no gap unless it missed one of its own events. Clients name their topic
//! with `?topic=` on every endpoint (docs/PROTOCOL.md).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::mpsc;

use super::hub::{Hub, HubLimits};
use super::window_log::Window;

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

/// Window starts kept for topics made after their mark: as many as a window log keeps.
const MARKS_KEPT: usize = 16;

pub(super) struct Topics {
    hubs: RwLock<HashMap<Arc<str>, Arc<Hub>>>,
    limits: TopicLimits,
    /// A topic's hub: the feed's semantics and encodings, the topic's own bounds.
    hub_limits: HubLimits,
    semantics: super::Semantics,
    /// Window starts marked so far, for topics made later.
    marks: Mutex<VecDeque<u64>>,
    stopped: Mutex<bool>,
    /// Told of each topic a client opens (the first to name it), for a source that
    /// publishes when someone waits (a login page's one event).
    opened: Mutex<Option<mpsc::UnboundedSender<Arc<str>>>>,
}

impl Topics {
    pub fn new(semantics: super::Semantics, limits: TopicLimits, encodings: usize) -> Self {
        Self {
            hubs: RwLock::new(HashMap::new()),
            limits,
            hub_limits: HubLimits {
                history: limits.history,
                max_lag: limits.max_lag,
                window_log: limits.window_log,
                encodings,
            },
            semantics,
            marks: Mutex::new(VecDeque::new()),
            stopped: Mutex::new(false),
            opened: Mutex::new(None),
        }
    }

    /// The hub of topic `name`, made on first use; `by_client` tells the source when a
    /// client is the first to name it.
    pub fn get(&self, name: &str, by_client: bool) -> Result<Arc<Hub>, TopicError> {
        if let Some(hub) = read(&self.hubs).get(name) {
            return Ok(hub.clone());
        }
        check_name(name)?;
        let mut hubs = self.hubs.write().unwrap_or_else(|e| e.into_inner());
        if let Some(hub) = hubs.get(name) {
            return Ok(hub.clone());
        }
        if hubs.len() >= self.limits.max_topics {
            return Err(TopicError::TooMany(self.limits.max_topics));
        }
        let hub = Hub::for_topic(self.semantics, self.hub_limits);
        for &at_ns in lock(&self.marks).iter() {
            // A new topic holds nothing older than any mark: marking cannot fail.
            let _ = hub.mark_window_start(at_ns);
        }
        if *lock(&self.stopped) {
            hub.stop();
        }
        let name: Arc<str> = name.into();
        hubs.insert(name.clone(), hub.clone());
        drop(hubs);
        if by_client && let Some(opened) = lock(&self.opened).as_ref() {
            let _ = opened.send(name);
        }
        Ok(hub)
    }

    /// The topics clients open from now on, first namings only.
    pub fn opened(&self) -> mpsc::UnboundedReceiver<Arc<str>> {
        let (tx, rx) = mpsc::unbounded_channel();
        *lock(&self.opened) = Some(tx);
        rx
    }

    pub fn stop(&self) {
        *lock(&self.stopped) = true;
        for hub in read(&self.hubs).values() {
            hub.stop();
        }
    }

    pub fn mark_window_start(&self, at_ns: u64) {
        let mut marks = lock(&self.marks);
        if marks.len() == MARKS_KEPT {
            marks.pop_front();
        }
        marks.push_back(at_ns);
        drop(marks);
        for hub in read(&self.hubs).values() {
            // A topic too quiet to hold the instant has published nothing since: its
            // window is then counted from what it holds.
            let _ = hub.mark_window_start(at_ns);
        }
    }

    /// Each topic's window, for the topics that published in it or cannot say.
    pub fn windows(&self, from_ns: u64, to_ns: u64) -> Vec<TopicWindow> {
        let mut windows: Vec<_> = read(&self.hubs)
            .iter()
            .filter_map(|(name, hub)| {
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
        windows.sort_by(|a, b| a.name.cmp(&b.name));
        windows
    }

    /// How many topics there are, and the events published on all of them.
    pub fn totals(&self) -> (usize, u64) {
        let hubs = read(&self.hubs);
        (hubs.len(), hubs.values().map(|hub| hub.last_seq()).sum())
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
    Hub::with_topics(super::Semantics::Events, limits, topics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::{Semantics, Since};

    fn root(max_topics: usize) -> Arc<Hub> {
        small_root(max_topics)
    }

    #[test]
    fn each_topic_numbers_its_own_events_and_bounds_hold() {
        let root = root(2);
        let a = root.topic("room-a").unwrap();
        let b = root.topic("room-b").unwrap();
        for ts in 1..=3 {
            a.publish(ts, None, "\"x\":1");
        }
        b.publish(10, None, "\"x\":2");
        assert!(std::sync::Arc::ptr_eq(&a, &root.topic("room-a").unwrap()));
        assert!(matches!(b.since(Some(0)), Since::Events(e) if e.len() == 1 && e[0].seq == 1));
        assert_eq!(a.last_seq(), 3);
        assert_eq!(root.topic("room-c").err(), Some(TopicError::TooMany(2)));
        let malformed = Some(TopicError::Malformed("a b".into()));
        assert_eq!(root.topic("a b").err(), malformed);
        assert_eq!(root.topic_totals(), (2, 4));
        let plain = Hub::new(Semantics::Events, HubLimits::SMALLEST);
        assert_eq!(plain.topic("a").err(), Some(TopicError::NoTopics));
    }

    #[test]
    fn windows_are_per_topic_and_marks_and_stops_reach_later_topics() {
        let root = root(10);
        let early = root.topic("early").unwrap();
        early.publish(5, None, "");
        root.mark_window_start(10).unwrap();
        let late = root.topic("late").unwrap();
        for ts in [12, 13] {
            late.publish(ts, None, "");
            early.publish(ts, None, "");
        }
        let windows = root.topic_windows(10, 20);
        let first_last = |w: &Window| match *w {
            Window::Events { first, last, .. } => (first, last),
            _ => panic!("{w:?}"),
        };
        assert_eq!(windows.len(), 2);
        assert_eq!(&*windows[0].name, "early");
        assert_eq!(first_last(&windows[0].window), (2, 3));
        assert_eq!(first_last(&windows[1].window), (1, 2));
        assert_eq!(
            windows[0].senders, None,
            "a schedule's events have no senders"
        );
        root.stop();
        assert!(early.is_stopped() && late.is_stopped());
        assert!(root.topic("after").unwrap().is_stopped());
    }

    #[tokio::test]
    async fn a_source_hears_of_topics_clients_open_first() {
        let root = root(10);
        let mut opened = root.opened_topics().unwrap();
        root.topic("by-source").unwrap();
        root.client_topic("login-1").unwrap();
        root.client_topic("login-1").unwrap();
        root.client_topic("by-source").unwrap();
        assert_eq!(&*opened.recv().await.unwrap(), "login-1");
        assert!(opened.try_recv().is_err());
    }
}
