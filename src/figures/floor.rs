//! The floor multiple: a delivery's CPU, both sides, over this machine's loopback floor
//! (`wsbench calibrate`), so that it reads as "1.4x what the machine cannot go below".
//!
//! Like with like: the calibration measures the floor one message per write and
//! `messages_per_write` (10) per write, and a write's cost is mostly the syscall, shared by
//! whatever it carries. A poll's answer holds every event since the client's last poll
//! (about 20 at 20 events/s and a 1 s interval): against the one-per-write floor it would
//! read as near the floor when it is far above what batched writes cost. So each entry's
//! floor is taken at its own events per server write, between the two measured floors.

use super::gaps::NOTHING_RECEIVED;
use crate::metrics::probe::{Answer, ProbeError, ServerBytes};
use crate::results::{CalibrationRecord, Cpu, TransportResult};

/// Why a floor multiple is `null`, when no calibration was made or read.
pub const NO_CALIBRATION: &str = "no calibration";
/// Why a floor multiple is `null` when a CPU figure it needs is.
pub const NO_CPU: &str = "the server's or the load generator's CPU was not measured";
/// Why events per write are `null` when the server moved bytes but counted no write.
pub const WRITES_NOT_COUNTED: &str =
    "the server does not count its socket writes (`/stats` `writes`, an older server)";
/// Why events per write are `null` when the server wrote nothing.
pub const NOTHING_WRITTEN: &str = "the server wrote nothing for this transport";

/// Deliveries per server socket write: the server's bytes per write over the run (its own
/// counters) over the clients' bytes down per event received in the window. Writes that
/// carry no event (keep-alives, empty answers, handshakes) count: they are writes a
/// delivery shares the cost of, as the calibration's are.
pub fn events_per_write(server: Answer<ServerBytes>, down: u64, received: u64) -> Answer<f64> {
    let server = server?;
    match (server.writes, server.written) {
        (0, 0) => return Err(ProbeError::Absent(NOTHING_WRITTEN.into())),
        (0, _) => return Err(ProbeError::Absent(WRITES_NOT_COUNTED.into())),
        _ => {}
    }
    if received == 0 || down == 0 {
        return Err(ProbeError::Absent(NOTHING_RECEIVED.into()));
    }
    let per_write = server.written as f64 / server.writes as f64;
    Ok(per_write / (down as f64 / received as f64))
}

/// Which of the calibration's floors an entry is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Basis {
    /// Its events per write were not measured: the one-per-write floor, as before the
    /// batching could be told.
    Unknown,
    /// One event per write, or fewer (writes that carry none): the one-per-write floor.
    OnePerWrite(f64),
    /// Between one and the calibration's batch: interpolated.
    Between(f64),
    /// As many as the calibration's batch, or more: the batched floor. More events per
    /// write would cost less still, so above the batch the multiple understates.
    Batched(f64),
}

impl Basis {
    pub fn of(calibration: &CalibrationRecord, events_per_write: Option<f64>) -> Self {
        let batch = calibration.messages_per_write as f64;
        match events_per_write.filter(|k| k.is_finite() && *k > 0.0) {
            None => Self::Unknown,
            Some(k) if k <= 1.0 || batch <= 1.0 => Self::OnePerWrite(k),
            Some(k) if k >= batch => Self::Batched(k),
            Some(k) => Self::Between(k),
        }
    }

    /// `one per write (1.0 event per write)`, `the batched floor (20.3 events per write;
    /// measured at 10)`.
    pub fn words(self, calibration: &CalibrationRecord) -> String {
        let batch = calibration.messages_per_write;
        match self {
            Self::Unknown => "one per write (events per write not measured)".into(),
            Self::OnePerWrite(k) => format!("one per write ({k:.1} events per write)"),
            Self::Between(k) => {
                format!("between one and {batch} per write ({k:.1} events per write)")
            }
            Self::Batched(k) => {
                format!("the batched floor ({k:.1} events per write; measured at {batch})")
            }
        }
    }
}

/// `poll 1.50 µs, the batched floor (20.1 events per write; measured at 10)`: the floor an
/// entry's multiple divides by, and why that one.
pub fn floor_used(t: &TransportResult, calibration: &CalibrationRecord) -> String {
    let floor = floor_at(calibration, t.cpu.events_per_write);
    let basis = Basis::of(calibration, t.cpu.events_per_write);
    format!(
        "{} {}, {}",
        t.transport,
        super::text(floor, super::Unit::Micros),
        basis.words(calibration)
    )
}

/// The floor, CPU µs per message, at `events_per_write`: linear in 1/k between the
/// one-per-write floor (k = 1) and the batched floor (k = batch), as a per-write cost
/// shared by k messages is; the one-per-write floor when k is not known or at most 1, the
/// batched floor from the batch up (never extrapolated past what was measured).
pub fn floor_at(calibration: &CalibrationRecord, events_per_write: Option<f64>) -> f64 {
    let (one, batched) = (
        calibration.floor_us_per_message,
        calibration.batched_us_per_message,
    );
    let batch = calibration.messages_per_write as f64;
    match Basis::of(calibration, events_per_write) {
        Basis::Unknown | Basis::OnePerWrite(_) => one,
        Basis::Batched(_) => batched,
        Basis::Between(k) => {
            batched + (one - batched) * (1.0 / k - 1.0 / batch) / (1.0 - 1.0 / batch)
        }
    }
}

/// `(server + load generator CPU per delivery) / floor`: how many times the machine's
/// loopback floor a delivery costs; `Err` with the reason when it cannot be said.
pub fn floor_multiple(cpu: &Cpu, floor_us: Option<f64>) -> Result<f64, &'static str> {
    let floor = floor_us.filter(|f| *f > 0.0).ok_or(NO_CALIBRATION)?;
    match (cpu.server_us_per_event, cpu.client_us_per_event) {
        (Some(server), Some(client)) => Ok((server + client) / floor),
        _ => Err(NO_CPU),
    }
}

/// Sets an entry's `cpu.floor_us_per_event` and `cpu.floor_multiple` against
/// `calibration`, at the entry's events per write, or their reason for `null`.
pub fn apply(result: &mut TransportResult, calibration: Option<&CalibrationRecord>) {
    const MULTIPLE: &str = "cpu.floor_multiple";
    const FLOOR: &str = "cpu.floor_us_per_event";
    let floor = calibration.map(|c| floor_at(c, result.cpu.events_per_write));
    result.cpu.floor_us_per_event = floor;
    match floor {
        Some(_) => result.not_measured.remove(FLOOR),
        None => result
            .not_measured
            .insert(FLOOR.into(), NO_CALIBRATION.into()),
    };
    match floor_multiple(&result.cpu, floor) {
        Ok(multiple) => {
            result.cpu.floor_multiple = Some(multiple);
            result.not_measured.remove(MULTIPLE);
        }
        Err(reason) => {
            result.cpu.floor_multiple = None;
            result.not_measured.insert(MULTIPLE.into(), reason.into());
        }
    }
}

#[cfg(test)]
#[path = "floor_tests.rs"]
mod tests;
