//! Those who follow a run: the progress display, the results directory, the console
//! summary. They listen to the run's phases (criterion's `Report`: no-op hooks and a
//! composite), so that the loop that measures calls none of them by name.

use std::sync::Arc;

use super::RunError;
use crate::client::Phase;
use crate::client::RunControl;
use crate::results::Results;

/// A histogram log made by one transport: its file name and bytes.
pub type HistogramLog = (String, Vec<u8>);

/// Hooks of one run, each a no-op unless an observer cares.
pub trait RunObserver {
    /// A phase of the current transport begins; `Connecting` begins the next transport.
    fn phase(&self, _phase: Phase, _control: &Arc<RunControl>, _clients: u64) {}
    /// About four times a second while a phase lasts.
    fn tick(&self, _control: &Arc<RunControl>, _clients: u64) {}
    /// The current transport is over, measured or not.
    fn transport_ended(&self) {}
    /// The record so far: at the start, then after each transport with its histogram log.
    fn recorded(&self, _results: &Results, _log: Option<&HistogramLog>) -> Result<(), RunError> {
        Ok(())
    }
    /// The run is over (finished, stopped or failed) and `results` is final.
    fn finished(&self, _results: &Results) -> Result<(), RunError> {
        Ok(())
    }
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

    fn recorded(&self, results: &Results, log: Option<&HistogramLog>) -> Result<(), RunError> {
        self.0.iter().try_for_each(|o| o.recorded(results, log))
    }

    /// Every observer hears the end, even after one of them failed; the first error is told.
    fn finished(&self, results: &Results) -> Result<(), RunError> {
        self.0
            .iter()
            .map(|o| o.finished(results))
            .fold(Ok(()), Result::and)
    }
}
