//! An echo's own section: each message's round trip, and what it cost each way, per
//! transport. Its latency is a round trip, never comparable with a one-way publish to
//! receipt, so the section says so beside the figures.

use super::content::{latency, measured};
use super::doc::{Block, Table, text};
use crate::figures::{Unit, text as figure};
use crate::results::Results;

/// Whether the run's clients had their messages echoed (an echo feed).
pub fn applies(results: &Results) -> bool {
    results.transports.iter().any(|t| t.round_trip())
}

pub fn section(results: &Results) -> Vec<Block> {
    let mut table = Table::numeric(&[
        "Transport",
        "Sent",
        "Echoed",
        "Lost",
        "Duplicated",
        "Out of order",
        "Round trip p50",
        "p99",
        "Bytes up per message",
        "Bytes down per echo",
        "Server CPU per 1k echoes",
        "Generator CPU per 1k echoes",
    ]);
    let count = |v: Option<u64>| measured(v.map(|v| v as f64), Unit::Count);
    for t in results.transports.iter().filter(|t| t.round_trip()) {
        let Some(up) = &t.upstream else { continue };
        table.row(vec![
            t.transport.name().to_string(),
            figure(up.sent as f64, Unit::Count),
            figure(t.events.delivered as f64, Unit::Count),
            count(t.events.lost),
            count(t.events.duplicated),
            count(t.events.out_of_order),
            latency(t.latency_us.as_ref(), |l| l.p50),
            latency(t.latency_us.as_ref(), |l| l.p99),
            measured(up.bytes_up_per_message, Unit::Bytes),
            measured(up.bytes_down_per_delivery, Unit::Bytes),
            measured(t.cpu.server_us_per_event, Unit::CpuPerEvent),
            measured(t.cpu.client_us_per_event, Unit::CpuPerEvent),
        ]);
    }
    vec![
        Block::Heading(2, "Echo: round trips".into()),
        Block::Table(table),
        Block::Paragraph(vec![text(
            "Each client sends its own numbered messages and the server sends each back to \
             it alone. Latency is the ROUND TRIP from a message's send instant to the receipt \
             of its echo (the kernel's receive timestamp), both on the client's clock: the \
             way up, the server's turn-around and the way down. It is not a one-way \
             publish-to-receive latency and does not compare with one. Lost: a message sent \
             in the window with no echo by the end of the drain. Bytes up are everything \
             the clients wrote in the window (the masked frames), bytes down everything \
             they read; CPU is per echoed message.",
        )]),
    ]
}
