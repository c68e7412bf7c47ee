//! A chat's own section: what the clients sent and what each message cost on its way up,
//! through the server's fan-out and down to every member, per transport. Bytes up and
//! down are split, since a chat is the one feed whose clients write as much as they read.

use super::content::{latency, measured};
use super::doc::{Block, Table, text};
use crate::figures::{Unit, text as figure};
use crate::results::{Results, TransportResult};

/// Whether the run's clients sent messages to their rooms (a chat feed, not an echo).
pub fn applies(results: &Results) -> bool {
    results
        .transports
        .iter()
        .any(|t| t.upstream.is_some() && !t.round_trip())
}

pub fn section(results: &Results) -> Vec<Block> {
    let mut table = Table::numeric(&[
        "Transport",
        "Messages sent",
        "Deliveries per message",
        "Bytes up per message",
        "Bytes down per delivery",
        "Up / down",
        "Send to receipt p50",
        "p99",
        "Server CPU per 1k deliveries",
        "Refused (server)",
    ]);
    for t in results.transports.iter() {
        let Some(up) = &t.upstream else { continue };
        table.row(vec![
            name(t),
            figure(up.sent as f64, Unit::Count),
            measured(up.deliveries_per_message, Unit::Number),
            measured(up.bytes_up_per_message, Unit::Bytes),
            measured(up.bytes_down_per_delivery, Unit::Bytes),
            format!(
                "{} / {}",
                figure(t.bytes.up as f64, Unit::Bytes),
                figure(t.bytes.down as f64, Unit::Bytes)
            ),
            latency(t.latency_us.as_ref(), |l| l.p50),
            latency(t.latency_us.as_ref(), |l| l.p99),
            measured(t.cpu.server_us_per_event, Unit::CpuPerEvent),
            measured(up.server_refused.map(|v| v as f64), Unit::Count),
        ]);
    }
    vec![
        Block::Heading(2, "Chat: messages up, deliveries down".into()),
        Block::Table(table),
        Block::Paragraph(vec![text(
            "Latency runs from the sender's send instant (the message's ts) to each member's \
             receipt, so it holds the way up, the server's parsing and fan-out, and the way \
             down. Bytes up are everything the clients wrote in the window: over WebSocket \
             the messages' frames; over the HTTP transports each message's POST /publish and \
             also the polls or the stream's request, which is why polling pays per message \
             sent what it pays to ask. Server CPU per delivery includes taking each message \
             in. Refused counts the server's refusals over the run (malformed, too big, too \
             fast, after publishing stopped).",
        )]),
    ]
}

fn name(t: &TransportResult) -> String {
    t.transport.name().to_string()
}
