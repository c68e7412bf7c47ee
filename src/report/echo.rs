//! An echo's own section: each message's round trip, and what it cost each way, per
//! transport. Its latency is a round trip, never comparable with a one-way publish to
//! receipt, so the section says so beside the figures.

use super::doc::{Block, Table, text};
use super::format::{bytes, latency, thousands};
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
    let none = || "not measured".to_string();
    let count = |v: Option<u64>| v.map_or_else(none, |v| thousands(v as i64));
    let ms = |v: Option<f64>| v.map_or_else(none, |v| format!("{v:.1} ms"));
    for t in results.transports.iter().filter(|t| t.round_trip()) {
        let Some(up) = &t.upstream else { continue };
        table.row(vec![
            t.transport.name().to_string(),
            thousands(up.sent as i64),
            thousands(t.events.delivered as i64),
            count(t.events.lost),
            count(t.events.duplicated),
            count(t.events.out_of_order),
            latency(t.latency_us.p50),
            latency(t.latency_us.p99),
            up.bytes_up_per_message.map_or_else(none, bytes),
            up.bytes_down_per_delivery.map_or_else(none, bytes),
            ms(t.cpu.server_us_per_event),
            ms(t.cpu.client_us_per_event),
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
