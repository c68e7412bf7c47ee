//! Those who follow a run on the console: the progress display and the summary at the
//! end. They listen to the run's phases (criterion's `Report`: no-op hooks and a
//! composite), so that the loop that measures calls none of them by name. Following
//! cannot fail a run: what a run must write goes to its results directory, not here.

use std::sync::Arc;

use crate::client::{Phase, RunControl};
use crate::results::Results;

/// Hooks of one run, each a no-op unless an observer cares.
pub trait RunObserver {
    /// A phase of the current transport begins; `Connecting` begins the next transport.
    fn phase(&self, _phase: Phase, _control: &Arc<RunControl>, _clients: u64) {}
    /// About four times a second while a phase lasts.
    fn tick(&self, _control: &Arc<RunControl>, _clients: u64) {}
    /// The current transport is over, measured or not.
    fn transport_ended(&self) {}
    /// The run is over (finished, stopped or failed) and `results` is final.
    fn finished(&self, _results: &Results) {}
}

/// Every observer of a run, told in order.
#[derive(Default)]
pub struct Observers(Vec<Box<dyn RunObserver>>);

impl Observers {
    pub fn with(mut self, observer: impl RunObserver + 'static) -> Self {
        self.0.push(Box::new(observer));
        self
    }
}

impl RunObserver for Observers {
    fn phase(&self, phase: Phase, control: &Arc<RunControl>, clients: u64) {
        self.0.iter().for_each(|o| o.phase(phase, control, clients));
    }

    fn tick(&self, control: &Arc<RunControl>, clients: u64) {
        self.0.iter().for_each(|o| o.tick(control, clients));
    }

    fn transport_ended(&self) {
        self.0.iter().for_each(|o| o.transport_ended());
    }

    fn finished(&self, results: &Results) {
        self.0.iter().for_each(|o| o.finished(results));
    }
}
