//! What dropped topics leave behind: how many went, the events they had published, and,
//! for each window start marked (`POST /control/mark`), the events they had published
//! from it on. A window reaching back to a dropped topic's events is then counted from
//! its mark, or said to be unknown; it never silently loses them.

use std::collections::VecDeque;

use crate::feed::hub::Hub;
use crate::feed::window_log::Window;

/// Window starts kept: as many as a window log keeps.
const MARKS_KEPT: usize = 16;

#[derive(Debug, Default)]
pub(super) struct Ledger {
    /// The most recent window starts marked, oldest first.
    marks: VecDeque<Mark>,
    /// Topics dropped because nobody held them and nothing was published on them.
    pub unused: u64,
    /// Topics dropped after they published and then went unused for the idle time.
    pub idle: u64,
    /// The events the idle topics dropped had published.
    pub events: u64,
    /// The instant the window log placed the latest of those at.
    newest_ns: Option<u64>,
}

/// A window start, and what topics dropped after it was marked had published from it on:
/// `None` once that is not known (a topic dropped earlier published after the instant, or
/// a dropped topic's log no longer reached it).
#[derive(Debug, Clone, Copy)]
struct Mark {
    at_ns: u64,
    dropped: Option<Tally>,
}

/// Events summed over topics: how many, how many were late, the worst lateness.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub events: u64,
    pub late: u64,
    pub max_late_us: u64,
}

/// What topics dropped idle had published in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// Nothing: none published in it.
    Nothing,
    /// These: the window's start was marked before they were dropped.
    Counted(Tally),
    /// Unknown: the window reaches back to events of topics that were dropped before its
    /// start was marked, or it was not marked. `newest_ns`: the latest of their events.
    Unknown { topics: u64, newest_ns: u64 },
}

impl Ledger {
    pub fn mark(&mut self, at_ns: u64) {
        if self.marks.len() == MARKS_KEPT {
            self.marks.pop_front();
        }
        let uncounted = self.newest_ns.is_some_and(|newest| newest >= at_ns);
        self.marks.push_back(Mark {
            at_ns,
            dropped: (!uncounted).then_some(Tally::default()),
        });
    }

    /// The window starts marked, oldest first: a new topic is marked with them.
    pub fn marks(&self) -> impl Iterator<Item = u64> + '_ {
        self.marks.iter().map(|mark| mark.at_ns)
    }

    /// `hub`, a topic that published, is dropped: its events are kept as counts.
    pub fn dropped_idle(&mut self, hub: &Hub) {
        self.idle += 1;
        self.events += hub.last_seq();
        self.newest_ns = self.newest_ns.max(hub.newest_publish_ns());
        for mark in &mut self.marks {
            let Some(tally) = &mut mark.dropped else {
                continue;
            };
            match hub.window(mark.at_ns, u64::MAX) {
                Window::Events {
                    first,
                    last,
                    late,
                    max_late_us,
                } => {
                    tally.events += last - first + 1;
                    tally.late += late;
                    tally.max_late_us = tally.max_late_us.max(max_late_us);
                }
                Window::Empty => {}
                Window::NotRetained { .. } => mark.dropped = None,
            }
        }
    }

    /// What the topics dropped idle had published in `[from_ns, to_ns]`.
    pub fn window(&self, from_ns: u64, to_ns: u64) -> Dropped {
        let Some(newest_ns) = self.newest_ns.filter(|&newest| newest >= from_ns) else {
            return Dropped::Nothing;
        };
        if from_ns > to_ns {
            return Dropped::Nothing;
        }
        // Counted from the mark only if none of what it counts lies after the window.
        let counted = self
            .marks
            .iter()
            .rev()
            .find(|mark| mark.at_ns == from_ns)
            .and_then(|mark| mark.dropped)
            .filter(|_| newest_ns <= to_ns);
        match counted {
            Some(tally) if tally.events == 0 => Dropped::Nothing,
            Some(tally) => Dropped::Counted(tally),
            None => Dropped::Unknown {
                topics: self.idle,
                newest_ns,
            },
        }
    }
}
