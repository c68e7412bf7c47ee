//! Publishes the notifications on a thread of its own (a sleeping thread wakes within
//! microseconds; the runtime's timer only on whole milliseconds): each user's events at
//! their Poisson instants, and each login's one event a seeded delay after a client
//! opened its topic.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedReceiver;

use super::{LOGIN_PREFIX, NotificationsSpec, PoissonSchedule, scan_delay};
use crate::feed::rng::Rng;
use crate::feed::{FeedSource, Hub, OpenedTopic, wall_clock_ns};

/// How often the thread looks for newly opened login topics while nothing is due: the
/// most a scan's delay is stretched by, beside a scan of a second or more.
const OPENED_CHECK: Duration = Duration::from_millis(10);

const TITLES: &[&str] = &[
    "New comment on your post",
    "Your order has shipped",
    "You have a new follower",
    "Payment received",
    "Meeting starts in 10 minutes",
    "Someone mentioned you",
];

pub struct NotificationSource {
    spec: NotificationsSpec,
    seed: u64,
}

/// A login scan waiting to be published: when (from the start), its topic, its delay.
type Scan = Reverse<(Duration, Arc<str>, Duration)>;

impl NotificationSource {
    pub fn new(spec: NotificationsSpec, seed: u64) -> Self {
        Self { spec, seed }
    }

    fn run(self, hub: &Hub, mut opened: UnboundedReceiver<OpenedTopic>) {
        let users: Vec<Arc<Hub>> = match (0..self.spec.users)
            .map(|user| hub.topic(&format!("u{user}")))
            .collect()
        {
            Ok(users) => users,
            // The topic limit counts every user first, so this cannot happen.
            Err(_) => return,
        };
        let mut schedule = PoissonSchedule::new(self.seed, self.spec.rate, self.spec.users);
        let mut titles = Rng::new(self.seed.rotate_left(17));
        let mut next = schedule.next().expect("the schedule never ends");
        let mut scans: BinaryHeap<Scan> = BinaryHeap::new();
        // Each login topic waiting for its scan, held: a topic nobody holds that published
        // nothing is dropped, and its next naming would open it (and schedule a scan) again.
        let mut logins: HashMap<Arc<str>, Arc<Hub>> = HashMap::new();
        let bounds = (self.spec.scan_min, self.spec.scan_max);
        let start = Instant::now();
        let start_ns = wall_clock_ns();
        let mut fields = String::with_capacity(128);
        for n in 1u64.. {
            if hub.is_stopped() {
                return;
            }
            while let Ok(OpenedTopic { name, hub }) = opened.try_recv() {
                if name.starts_with(LOGIN_PREFIX) {
                    let delay = scan_delay(self.seed, &name, bounds);
                    scans.push(Reverse((start.elapsed() + delay, name.clone(), delay)));
                    logins.insert(name, hub);
                }
            }
            let now = start.elapsed();
            // An instant no `Duration` holds is never due (a validated rate never gets there).
            let due = Duration::try_from_secs_f64(next.at_s).unwrap_or(Duration::MAX);
            fields.clear();
            if due <= now {
                let title = TITLES[titles.below(TITLES.len() as u64) as usize];
                let _ = write!(
                    fields,
                    "\"to\":\"u{}\",\"n\":{n},\"title\":\"{title}\"",
                    next.user
                );
                let intended = start_ns + due.as_nanos() as u64;
                users[next.user as usize].publish_late(intended, now - due, None, &fields);
                next = schedule.next().expect("the schedule never ends");
                continue;
            }
            if let Some(Reverse((at, _, _))) = scans.peek()
                && *at <= now
                && let Some(Reverse((at, topic, delay))) = scans.pop()
            {
                let _ = write!(
                    fields,
                    "\"login\":\"{topic}\",\"scan_ms\":{}",
                    delay.as_millis()
                );
                if let Some(login) = logins.remove(&topic) {
                    login.publish_late(start_ns + at.as_nanos() as u64, now - at, None, &fields);
                }
                continue;
            }
            let scan = scans
                .peek()
                .map_or(Duration::MAX, |Reverse((at, _, _))| *at);
            let wake = due.min(scan).min(now + OPENED_CHECK);
            std::thread::sleep(wake.saturating_sub(now));
        }
    }
}

impl FeedSource for NotificationSource {
    fn start(self: Box<Self>, hub: Arc<Hub>) -> std::io::Result<()> {
        let opened = hub.opened_topics().ok_or_else(|| {
            std::io::Error::other("the notifications feed needs a hub with topics")
        })?;
        std::thread::Builder::new()
            .name("wsbench-notifications".into())
            .spawn(move || self.run(&hub, opened))
            .map(drop)
    }
}
