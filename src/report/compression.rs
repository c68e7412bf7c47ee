//! What compression saves and costs, per side: a transport that compresses every message
//! (`ws-deflate`, permessage-deflate) against the one that arrives the same way without it
//! (`ws`), on the same feed in the same run: bytes per event at the socket, CPU per
//! delivery of the server and of the load generator (whose clients inflate), and the
//! server's memory per connection (a compressor each, with context takeover).

use super::content::measured;
use super::doc::{Block, Table, text};
use crate::figures::Unit;
use crate::results::{Results, TransportResult};
use crate::transport_kind::TransportSettings;

/// Whether the run has a compressing transport and its plain twin, at the same point of
/// a sweep.
pub fn applies(results: &Results) -> bool {
    pair(results).is_some()
}

/// The plain entry and the compressed one: the first compressing transport, and an entry
/// that arrives the same way without compression, at the same sweep point.
fn pair(results: &Results) -> Option<(&TransportResult, &TransportResult)> {
    let arrival = |t: &TransportResult| {
        let transport = t.transport;
        let settings = TransportSettings::default();
        std::mem::discriminant(&transport.kind().arrival(settings.of(transport)))
    };
    let compressed = |t: &TransportResult| t.transport.kind().compression().is_some();
    results
        .transports
        .iter()
        .filter(|t| compressed(t))
        .find_map(|packed| {
            let plain = results.transports.iter().find(|t| {
                !compressed(t)
                    && arrival(t) == arrival(packed)
                    && t.sweep_value == packed.sweep_value
            })?;
            Some((plain, packed))
        })
}

pub fn section(results: &Results) -> Vec<Block> {
    let Some((plain, deflate)) = pair(results) else {
        return Vec::new();
    };
    let (p, d) = (plain.transport.name(), deflate.transport.name());
    let versus = format!("{d} vs {p}");
    let mut table = Table::numeric(&["Figure", p, d, &versus]);
    let row = |table: &mut Table, name: &str, a: Option<f64>, b: Option<f64>, unit: Unit| {
        let change = match (a, b) {
            (Some(a), Some(b)) if a > 0.0 => Some((b / a - 1.0) * 100.0),
            _ => None,
        };
        table.row(vec![
            name.into(),
            measured(a, unit),
            measured(b, unit),
            measured(change.map(f64::round), Unit::Percent),
        ]);
    };
    row(
        &mut table,
        "Bytes per event (at the socket)",
        plain.bytes.per_event,
        deflate.bytes.per_event,
        Unit::Bytes,
    );
    row(
        &mut table,
        "Server CPU per 1k deliveries",
        plain.cpu.server_us_per_event,
        deflate.cpu.server_us_per_event,
        Unit::CpuPerEvent,
    );
    row(
        &mut table,
        "Load generator CPU per 1k deliveries",
        plain.cpu.client_us_per_event,
        deflate.cpu.client_us_per_event,
        Unit::CpuPerEvent,
    );
    row(
        &mut table,
        "Server RSS per connection",
        plain.memory.server_rss_per_conn_bytes,
        deflate.memory.server_rss_per_conn_bytes,
        Unit::Memory,
    );
    vec![
        Block::Heading(2, format!("Compression: {d} against {p}")),
        Block::Table(table),
        Block::Paragraph(vec![text(
            "Both on the same feed in this run. Bytes are counted compressed, at the client \
             sockets. The server compresses each event once per connection (its context is \
             the connection's), the load generator's clients inflate it: each side's CPU per \
             delivery is its own process's. With context takeover each connection keeps a \
             compressor on the server, which its RSS per connection holds; see docs/DEFLATE.md.",
        )]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport_kind::Transport;

    fn entry(name: &str, per_event: f64, server_us: f64, rss: Option<f64>) -> TransportResult {
        let mut t = TransportResult {
            transport: Transport::named(name).unwrap(),
            ..Default::default()
        };
        t.bytes.per_event = Some(per_event);
        t.cpu.server_us_per_event = Some(server_us);
        t.memory.server_rss_per_conn_bytes = rss;
        t
    }

    #[test]
    fn the_saving_and_the_cost_are_set_side_by_side() {
        let plain = entry("ws", 62.0, 24.0, Some(16.0 * 1024.0));
        let deflate = entry("ws-deflate", 18.6, 48.0, None);
        let rows = match &section_of(&plain, &deflate)[1] {
            Block::Table(table) => table.rows.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(rows[0][1..], ["62 B", "19 B", "-70.0%"]);
        assert_eq!(rows[1][1..], ["24.0 ms", "48.0 ms", "+100.0%"]);
        assert_eq!(rows[2][1..], ["n/m", "n/m", "n/m"]);
        assert_eq!(rows[3][3], "n/m", "a missing figure is never a change");
    }

    fn section_of(plain: &TransportResult, deflate: &TransportResult) -> Vec<Block> {
        section(&crate::ci::fixture::results(vec![
            plain.clone(),
            deflate.clone(),
        ]))
    }
}
