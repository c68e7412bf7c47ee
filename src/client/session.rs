//! Clients that come and go (a login page waiting for its phone's scan): each session
//! subscribes to a fresh topic over the run's transport, waits for the events it came for,
//! then leaves, and a new session takes its place at once, on a new connection. The
//! transport's own client runs each session unchanged; it stops when the session's leave
//! signal fires, as it would at the run's end.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use hdrhistogram::Histogram;
use tokio::sync::watch;

use super::{Client, Phase, Tally, now_ns};
use crate::feed::Sessions;
use crate::metrics::latency;
use crate::metrics::sequence::SeqSet;

/// One session, shared by the loop that runs it and the client that waits in it.
pub struct Session {
    /// When it started, on the wall clock (ns): just before its first connection opens.
    started_ns: u64,
    /// Started while the window was open: only those sessions are counted.
    counted: bool,
    /// Events it waits for before it leaves.
    wanted: u64,
    received: Cell<u64>,
    /// Time to its first event, µs.
    first_us: Cell<Option<u64>>,
    /// Whether it got an answer or opened its stream, so that the client's slot counts as
    /// connected once, whatever session it was in.
    pub(super) connected: Cell<bool>,
    leave: watch::Sender<bool>,
}

impl Session {
    fn new(wanted: u64, counted: bool) -> Self {
        Self {
            started_ns: now_ns(),
            counted,
            wanted,
            received: Cell::new(0),
            first_us: Cell::new(None),
            connected: Cell::new(false),
            leave: watch::channel(false).0,
        }
    }

    /// Its client's wait for the leave signal.
    pub(super) fn left(&self) -> watch::Receiver<bool> {
        self.leave.subscribe()
    }

    pub(super) fn has_left(&self) -> bool {
        *self.leave.borrow()
    }

    /// A new event arrived (its bytes were in hand at `received_ns`, the kernel's stamp
    /// where there was one); the session leaves once it has what it came for.
    pub(super) fn observe(&self, received_ns: u64, in_window: bool, counts: &mut SessionCounts) {
        let received = self.received.get() + 1;
        self.received.set(received);
        if self.first_us.get().is_none() {
            self.first_us
                .set(Some(received_ns.saturating_sub(self.started_ns) / 1_000));
        }
        if in_window {
            counts.events_in_window += 1;
        }
        if received >= self.wanted {
            self.leave.send_replace(true);
        }
    }

    fn outcome(&self, timed_out: bool) -> Outcome {
        match self.first_us.get() {
            Some(first_us) if self.received.get() >= self.wanted => Outcome::Completed {
                first_us,
                extra: self.received.get() - self.wanted,
            },
            _ if timed_out => Outcome::TimedOut,
            _ => Outcome::Unfinished,
        }
    }
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It got what it waited for; the first event `first_us` after it started, and
    /// `extra` events beyond those it waited for before it left.
    Completed { first_us: u64, extra: u64 },
    /// It waited its limit without getting them.
    TimedOut,
    /// The run stopped while it waited (publishing ends with the window).
    Unfinished,
}

/// One worker's session figures, over the sessions started in the window.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SessionCounts {
    pub started: u64,
    pub completed: u64,
    pub timed_out: u64,
    pub unfinished: u64,
    /// Events completed sessions got beyond those they waited for.
    pub extra_events: u64,
    /// Session events received while the window was open (any session's).
    pub events_in_window: u64,
    /// Start of a session to its first event's receipt, µs.
    #[serde(with = "crate::metrics::histogram_codec")]
    pub time_to_first_event: Histogram<u64>,
}

impl Default for SessionCounts {
    fn default() -> Self {
        Self {
            started: 0,
            completed: 0,
            timed_out: 0,
            unfinished: 0,
            extra_events: 0,
            events_in_window: 0,
            time_to_first_event: latency::interval_histogram(),
        }
    }
}

impl SessionCounts {
    pub fn record(&mut self, outcome: Outcome) {
        self.started += 1;
        match outcome {
            Outcome::Completed { first_us, extra } => {
                self.completed += 1;
                self.extra_events += extra;
                latency::record(&mut self.time_to_first_event, first_us);
            }
            Outcome::TimedOut => self.timed_out += 1,
            Outcome::Unfinished => self.unfinished += 1,
        }
    }

    pub fn merge(&mut self, other: &SessionCounts) {
        self.started += other.started;
        self.completed += other.completed;
        self.timed_out += other.timed_out;
        self.unfinished += other.unfinished;
        self.extra_events += other.extra_events;
        self.events_in_window += other.events_in_window;
        // Both grow as needed, so adding cannot fail.
        let _ = self.time_to_first_event.add(&other.time_to_first_event);
    }
}

/// Runs `first`'s sessions one after another until the run stops. Its tally names no
/// topic: a session's events are its own figures, owed to no per-topic account.
pub async fn run_sessions(first: Client, sessions: Sessions) -> Tally {
    let Client {
        id,
        plan,
        recorder,
        control,
        mut tally,
        mut connected,
        ..
    } = first;
    tally.topic = None;
    let side = plan.side;
    for n in 0.. {
        if control.is_stopped() {
            break;
        }
        let session = Rc::new(Session::new(
            sessions.events,
            control.phase() == Phase::Measuring,
        ));
        let client = Client {
            id,
            plan: plan.clone(),
            recorder: recorder.clone(),
            control: control.clone(),
            tally: Tally {
                client: id,
                seqs: SeqSet::new(),
                ..Tally::default()
            },
            subscribed: Some(Arc::from(sessions.topic(n))),
            skip_from: None,
            session: Some(session.clone()),
            // A login page only waits: it sends nothing.
            sender: None,
            connected,
        };
        let run = side.run_client(client);
        tokio::pin!(run);
        let limit = tokio::time::sleep(sessions.limit);
        let timed_out = tokio::select! {
            _ = &mut run => false,
            _ = limit => {
                session.leave.send_replace(true);
                run.await;
                true
            }
        };
        connected |= session.connected.get();
        if session.counted {
            recorder
                .borrow_mut()
                .sessions
                .record(session.outcome(timed_out));
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(wanted: u64, arrivals_after_us: &[u64], timed_out: bool) -> Outcome {
        let session = Session::new(wanted, true);
        let mut counts = SessionCounts::default();
        for (i, &after) in arrivals_after_us.iter().enumerate() {
            session.observe(session.started_ns + after * 1_000, i % 2 == 0, &mut counts);
            assert_eq!(
                session.has_left(),
                i as u64 + 1 >= wanted,
                "after event {i}"
            );
        }
        session.outcome(timed_out)
    }

    #[test]
    fn a_session_ends_by_its_events_its_limit_or_the_runs_stop() {
        let done = Outcome::Completed {
            first_us: 2_500,
            extra: 0,
        };
        assert_eq!(session(1, &[2_500], false), done);
        assert_eq!(
            session(1, &[2_500], true),
            done,
            "it came before the limit fired"
        );
        assert_eq!(session(1, &[], true), Outcome::TimedOut);
        assert_eq!(session(1, &[], false), Outcome::Unfinished);
        assert_eq!(session(2, &[700], true), Outcome::TimedOut, "one of two");
        assert_eq!(
            session(1, &[900, 1_200], false),
            Outcome::Completed {
                first_us: 900,
                extra: 1
            }
        );
    }

    #[test]
    fn counts_add_up_per_outcome_and_merge() {
        let mut a = SessionCounts::default();
        for outcome in [
            Outcome::Completed {
                first_us: 1_000,
                extra: 0,
            },
            Outcome::Completed {
                first_us: 3_000,
                extra: 2,
            },
            Outcome::TimedOut,
        ] {
            a.record(outcome);
        }
        let mut b = SessionCounts::default();
        b.record(Outcome::Unfinished);
        b.events_in_window = 4;
        a.merge(&b);
        assert_eq!(
            (a.started, a.completed, a.timed_out, a.unfinished),
            (4, 2, 1, 1)
        );
        assert_eq!(a.started, a.completed + a.timed_out + a.unfinished);
        assert_eq!((a.extra_events, a.events_in_window), (2, 4));
        assert_eq!(a.time_to_first_event.len(), 2);
        let ttfe = &a.time_to_first_event;
        assert!(ttfe.equivalent(ttfe.min(), 1_000) && ttfe.equivalent(ttfe.max(), 3_000));
    }

    #[test]
    fn events_in_the_window_are_counted_whichever_session_gets_them() {
        let session = Session::new(3, false);
        let mut counts = SessionCounts::default();
        for in_window in [true, false, true] {
            session.observe(session.started_ns, in_window, &mut counts);
        }
        assert_eq!(counts.events_in_window, 2);
        assert!(session.has_left());
    }
}
