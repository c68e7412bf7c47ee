//! The loopback floor in the report: what the header says it is, which floor each
//! transport's "CPU vs loopback floor" divides by, and the cells that show the multiple.

use super::content::measured;
use super::doc::{Block, text};
use crate::figures::{Unit, text as figure};
use crate::results::{Results, TransportResult};

/// What "CPU vs loopback floor" divides by: the machine's own cost of moving a message.
pub(super) fn floor_text(results: &Results) -> String {
    let Some(c) = &results.calibration else {
        return format!(
            "not measured ({}): run `wsbench calibrate`",
            crate::calibrate::NO_CALIBRATION
        );
    };
    let source = if c.source == "cache" {
        "cached"
    } else {
        "measured at the start of the run"
    };
    format!(
        "{:.2} µs of CPU per {}-byte message written and read one per syscall over {} \
         loopback connections ({} messages/s), {:.2} µs at {} per write; {source}, {}. \
         \"CPU vs loopback floor\" is the server's and the load generator's CPU per \
         delivered event together, over the floor for writes like the transport's own \
         (below the results).",
        c.floor_us_per_message,
        c.message_bytes,
        figure(c.connections as f64, Unit::Count),
        figure(c.floor_messages_per_s.round(), Unit::Count),
        c.batched_us_per_message,
        c.messages_per_write,
        c.date
    )
}

/// Which floor each "CPU vs loopback floor" divides by: a batched answer is compared with
/// the batched floor, one event per write with the one-per-write floor.
pub(super) fn floors_used(
    results: &Results,
    entries: &[(&TransportResult, bool)],
) -> Option<Block> {
    let c = results.calibration.as_ref()?;
    let used: Vec<String> = entries
        .iter()
        .filter(|(t, _)| t.cpu.floor_multiple.is_some())
        .map(|(t, _)| crate::figures::floor::floor_used(t, c))
        .collect();
    if used.is_empty() {
        return None;
    }
    Some(Block::Paragraph(vec![text(format!(
        "\"CPU vs loopback floor\" divides by the floor for writes carrying as many events \
         as the transport's own (its server's bytes per write over the clients' bytes per \
         event): {}.",
        used.join("; ")
    ))]))
}

/// `1.4×`; a dash for a run without a loopback floor (the header says why).
pub(super) fn floor_cell(t: &TransportResult, calibrated: bool) -> String {
    if calibrated {
        measured(t.cpu.floor_multiple, Unit::Multiple)
    } else {
        "—".into()
    }
}

/// A sweep's floor multiple with the events per write its floor was taken at: polling
/// faster carries fewer events per answer, and is compared with a higher floor.
pub(super) fn swept_floor_cell(t: &TransportResult, calibrated: bool) -> String {
    let cell = floor_cell(t, calibrated);
    match (calibrated, t.cpu.events_per_write) {
        (true, Some(k)) if t.cpu.floor_multiple.is_some() => format!("{cell} at {k:.1}/write"),
        _ => cell,
    }
}
