//! The probe of a figure the target cannot give: every read answers the same reason.

use std::marker::PhantomData;

use super::{Answer, CounterProbe, Probe, ProbeError, Segments, ServerBytes, SocketProbe};

/// Answers `reason` for a reading of type `R` (or, as a socket or counter probe, for those).
#[derive(Debug)]
pub struct Absent<R = ()> {
    reason: String,
    reading: PhantomData<fn() -> R>,
}

impl<R> Absent<R> {
    pub fn new(reason: &str) -> Self {
        Self {
            reason: reason.into(),
            reading: PhantomData,
        }
    }

    fn answer<T>(&self) -> Answer<T> {
        Err(ProbeError::Absent(self.reason.clone()))
    }
}

impl<R> Probe for Absent<R> {
    type Reading = R;
    fn read(&self) -> Answer<R> {
        self.answer()
    }
}

impl SocketProbe for Absent {
    fn segments(&self, _fd: std::os::fd::RawFd) -> Answer<Segments> {
        self.answer()
    }
}

impl CounterProbe for Absent {
    fn bytes(&self, _stats: &crate::wire::StatsReply, _transport: &str) -> Answer<ServerBytes> {
        self.answer()
    }
}
