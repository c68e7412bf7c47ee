//! Lubbers & Greco's published figures beside ours, for scenarios with
//! `reference = "lubbers-greco"` (scenarios/lubbers.toml), and what explains the gaps.
//!
//! Their model counts header bytes only: 871 B of HTTP request and response headers per
//! poll, 2 B of WebSocket framing per message, times clients, times 8 bits, divided by
//! 2^20 and called Mbps. We print ours on that basis, and on ours: all bytes at the socket,
//! and an on-the-wire estimate with TCP/IP headers and ACKs, in Mbit/s (10^6 bit/s).

use super::doc::{Block, Table, code, strong, text};
use crate::analysis::saturation;
use crate::figures::{NOT_MEASURED, Unit, text as figure};
use crate::results::{Results, TransportResult};

pub const REFERENCE: &str = "lubbers-greco";
/// HTTP request + response header bytes per poll in their example.
pub const HEADER_BYTES_PER_POLL: f64 = 871.0;
/// WebSocket frame overhead per message in their model.
pub const WS_FRAME_BYTES: f64 = 2.0;
/// Their published table: clients, polling "Mbps", WebSocket "Mbps" (bits / 2^20).
pub const PUBLISHED: [(u64, f64, f64); 3] = [
    (1_000, 6.6, 0.015),
    (10_000, 66.0, 0.153),
    (100_000, 665.0, 1.526),
];
const MEBI: f64 = 1_048_576.0;

/// Whether the run's scenario asks for this comparison.
pub fn applies(results: &Results) -> bool {
    results.scenario.get("reference").and_then(|r| r.as_str()) == Some(REFERENCE)
}

/// Their figure for a transport at a client count: published, or from their formula.
fn theirs(transport: &str, clients: u64) -> Option<(f64, bool)> {
    let published = PUBLISHED.iter().find(|(n, _, _)| *n == clients);
    let per_client_bytes = match transport {
        "poll" => HEADER_BYTES_PER_POLL,
        "ws" => WS_FRAME_BYTES,
        _ => return None,
    };
    Some(match (published, transport) {
        (Some((_, poll, _)), "poll") => (*poll, true),
        (Some((_, _, ws)), _) => (*ws, true),
        (None, _) => (per_client_bytes * 8.0 * clients as f64 / MEBI, false),
    })
}

/// Overhead bit/s divided by 2^20: their basis.
fn overhead_mebibits(t: &TransportResult) -> f64 {
    t.bytes.overhead as f64 / t.window_s.max(f64::MIN_POSITIVE) * 8.0 / MEBI
}

fn mbits(bytes_per_second: f64) -> f64 {
    bytes_per_second * 8.0 / 1e6
}

fn wire_per_second(t: &TransportResult) -> Option<f64> {
    Some(t.tcp.wire_bytes_estimate? as f64 / t.window_s.max(f64::MIN_POSITIVE))
}

pub fn section(results: &Results) -> Vec<Block> {
    let cores = results.machine.cores;
    let saturated = |t: &TransportResult| !saturation(t, cores).is_empty();
    let mut blocks = vec![
        Block::Heading(2, "Lubbers & Greco, side by side".into()),
        Block::Paragraph(vec![text(
            "This scenario reproduces the comparison in Peter Lubbers and Frank Greco, \
             \"HTML5 Web Sockets: A Quantum Leap in Scalability for the Web\" (2010): a stock \
             ticker sending small (about 20-byte) messages, one per second per client, polled \
             once a second by browsers, against the same messages pushed over WebSocket. Their \
             figures count header bytes only: 871 bytes of HTTP request and response headers \
             per poll and 2 bytes of WebSocket framing per message, times the clients, times \
             8 bits, divided by 2^20.",
        )]),
        Block::Paragraph(vec![
            strong("Units."),
            text(
                " Their \"Mbps\" divide bits by 2^20 (1,048,576); the columns marked 2^20 do \
                 the same for a direct comparison. Every other Mbit/s here is 10^6 bit/s.",
            ),
        ]),
    ];

    let mut polls = Table::numeric(&["Clients", "Theirs", "Ours", "Difference"]);
    for t in results
        .transports
        .iter()
        .filter(|t| t.transport.name() == "poll" && t.requests.total > 0)
    {
        let ours = t.bytes.overhead as f64 / t.requests.total as f64;
        polls.row(vec![
            clients_cell(t.clients, saturated(t)),
            figure(HEADER_BYTES_PER_POLL, Unit::Bytes),
            format!("{ours:.1} B"),
            format!(
                "{:+.1} B ({})",
                ours - HEADER_BYTES_PER_POLL,
                versus(ours, HEADER_BYTES_PER_POLL)
            ),
        ]);
    }
    if !polls.rows.is_empty() {
        blocks.push(Block::Heading(3, "Header overhead per poll".into()));
        blocks.push(Block::Paragraph(vec![text(
            "Ours: all bytes of the poll exchanges that are not event JSON (request and \
             response headers, JSON array brackets, empty answers), divided by the polls sent.",
        )]));
        blocks.push(Block::Table(polls));
    }

    blocks.push(Block::Heading(3, "Bandwidth".into()));
    blocks.push(Block::Table(bandwidth_table(results, &saturated)));
    blocks.push(Block::Heading(3, "Where our measurement differs".into()));
    blocks.push(Block::List(differences(results, &saturated)));
    blocks
}

fn clients_cell(clients: u64, saturated: bool) -> String {
    let flag = if saturated { " (saturated)" } else { "" };
    format!("{}{flag}", figure(clients as f64, Unit::Count))
}

fn bandwidth_table(results: &Results, saturated: &dyn Fn(&TransportResult) -> bool) -> Table {
    let mut table = Table::numeric(&[
        "Clients",
        "Transport",
        "Theirs: headers only (2^20 bit/s)",
        "Ours, same basis: overhead (2^20 bit/s)",
        "Difference",
        "Ours: all socket bytes (Mbit/s)",
        "Ours: on the wire, TCP/IP + ACKs est. (Mbit/s)",
    ]);
    table.align[1] = super::doc::Align::Left;
    let mut counts: Vec<u64> = PUBLISHED.iter().map(|(n, _, _)| *n).collect();
    counts.extend(results.transports.iter().map(|t| t.clients));
    counts.sort_unstable();
    counts.dedup();
    for clients in counts {
        for transport in ["poll", "ws"] {
            let theirs = theirs(transport, clients);
            let measured = results
                .transports
                .iter()
                .find(|t| t.transport.name() == transport && t.clients == clients);
            let their_cell = theirs.map_or("—".into(), |(v, published)| {
                // Published figures exactly as printed.
                if published {
                    format!("{v}")
                } else {
                    format!("≈ {} (their formula)", figure(v, Unit::Number))
                }
            });
            let row = match measured {
                Some(t) => {
                    let ours = overhead_mebibits(t);
                    vec![
                        clients_cell(clients, saturated(t)),
                        transport.into(),
                        their_cell,
                        figure(ours, Unit::Number),
                        theirs.map_or("—".into(), |(v, _)| versus(ours, v)),
                        figure(mbits(t.bytes.per_second), Unit::Number),
                        wire_per_second(t)
                            .map_or(NOT_MEASURED.into(), |w| figure(mbits(w), Unit::Number)),
                    ]
                }
                None if theirs.is_some_and(|(_, published)| published) => {
                    let blank = NOT_MEASURED.to_string();
                    let mut row = vec![clients_cell(clients, false), transport.into(), their_cell];
                    row.extend([blank.clone(), "—".into(), blank.clone(), blank]);
                    row
                }
                None => continue,
            };
            table.row(row);
        }
    }
    table
}

/// The entry of a transport that best represents it: its largest unsaturated client
/// count, or its largest when all saturated.
fn representative<'a>(
    results: &'a Results,
    transport: &str,
    saturated: &dyn Fn(&TransportResult) -> bool,
) -> Option<&'a TransportResult> {
    let entries = results
        .transports
        .iter()
        .filter(|t| t.transport.name() == transport && t.events.received_in_window > 0);
    let largest = |a: &&TransportResult, b: &&TransportResult| a.clients.cmp(&b.clients);
    entries
        .clone()
        .filter(|t| !saturated(t))
        .max_by(largest)
        .or_else(|| entries.max_by(largest))
}

fn differences(
    results: &Results,
    saturated: &dyn Fn(&TransportResult) -> bool,
) -> Vec<super::doc::Line> {
    let mut items = Vec::new();
    let poll = representative(results, "poll", saturated);
    let ws = representative(results, "ws", saturated);
    if let Some(p) = poll.filter(|p| p.requests.total > 0) {
        let ours = p.bytes.overhead as f64 / p.requests.total as f64;
        items.push(vec![
            strong("Real header sizes."),
            text(format!(
                " Our polls ({} clients, ",
                figure(p.clients as f64, Unit::Count)
            )),
            code(&p.header_profile),
            text(format!(
                " header profile) carry {ours:.1} B of overhead each against their 871 B: \
                 {:+.1} B ({}).",
                ours - HEADER_BYTES_PER_POLL,
                versus(ours, HEADER_BYTES_PER_POLL)
            )),
        ]);
    }
    if let Some((t, payload)) = ws
        .or(poll)
        .and_then(|t| Some((t, t.bytes.payload_per_event?)))
    {
        items.push(vec![
            strong("Payload."),
            text(format!(
                " Their figures leave out the message itself (about 20 B). Ours are {} of ticker \
                 JSON per event, like ",
                figure(payload, Unit::Bytes)
            )),
            code(r#"{"seq":1042,"ts":1763700000123456789,"sym":"ACME","px":101.25}"#),
            text(format!(
                ", {} more than theirs, which every transport pays: {} Mbit/s of event JSON at \
                 {} clients.",
                figure(payload - 20.0, Unit::Bytes),
                figure(
                    mbits(t.bytes.payload as f64 / t.window_s.max(f64::MIN_POSITIVE)),
                    Unit::Number
                ),
                figure(t.clients as f64, Unit::Count)
            )),
        ]);
    }
    if let Some(w) = ws.filter(|w| w.events.received_in_window > 0) {
        let framing = w.bytes.overhead as f64 / w.events.received_in_window as f64;
        items.push(vec![
            strong("WebSocket framing."),
            text(format!(
                " Their 2 B per message; we measured {framing:.1} B of overhead per delivered \
                 event ({}): frame headers plus keep-alive pings and pongs.",
                versus(framing, WS_FRAME_BYTES)
            )),
        ]);
    }
    let tcp: Vec<String> = [poll, ws]
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let per_event = t.bytes.per_event.filter(|b| *b > 0.0)?;
            let wire = t.tcp.wire_per_event_estimate?;
            let extra = wire / per_event - 1.0;
            Some(format!(
                "{} +{} ({} per event)",
                t.transport,
                figure(extra, Unit::Share),
                figure(wire - per_event, Unit::Bytes)
            ))
        })
        .collect();
    if !tcp.is_empty() {
        items.push(vec![
            strong("TCP/IP and ACKs."),
            text(format!(
                " Their figures stop at the socket. Each TCP segment adds about 52 B of IPv4 and \
                 TCP headers (with timestamps), and the receiver's ACKs are segments too; our \
                 estimate adds {} on top of the socket bytes. For one small message a second, \
                 the segment headers outweigh the 2-byte WebSocket frame many times over.",
                tcp.join(", ")
            )),
        ]);
    }
    let max_measured = results
        .transports
        .iter()
        .map(|t| t.clients)
        .max()
        .unwrap_or(0);
    if max_measured < 100_000 {
        items.push(vec![
            strong("Scale."),
            text(format!(
                " This run measured up to {} clients; their 100,000-client row is theirs alone.",
                figure(max_measured as f64, Unit::Count)
            )),
        ]);
    }
    for t in results.transports.iter().filter(|t| saturated(t)) {
        let reasons: Vec<String> = saturation(t, results.machine.cores)
            .iter()
            .map(|r| r.to_string())
            .collect();
        items.push(vec![
            strong("Saturation."),
            text(format!(
                " {} at {} clients saturated the machine ({}): its figures are bounds set by \
                 this machine, not the transport's cost.",
                t.transport,
                figure(t.clients as f64, Unit::Count),
                reasons.join(", ")
            )),
        ]);
    }
    items
}

/// Ours against a published figure: `+1.7%` while close, `3.2×` or `0.31×` when not.
fn versus(ours: f64, theirs: f64) -> String {
    if theirs == 0.0 {
        return "—".into();
    }
    let ratio = ours / theirs;
    if (0.5..=2.0).contains(&ratio) {
        figure((ratio - 1.0) * 100.0, Unit::Percent)
    } else {
        format!("{}×", figure(ratio, Unit::Number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ours_against_theirs_in_percent_while_close_and_a_factor_when_not() {
        assert_eq!(versus(6.714, 6.6), "+1.7%");
        assert_eq!(versus(0.0214, 0.015), "+42.7%");
        assert_eq!(versus(0.518, 0.015), "34.5×");
        assert_eq!(versus(1.0, 0.0), "—");
    }

    #[test]
    fn their_figures_follow_their_formula() {
        assert_eq!(theirs("poll", 1_000), Some((6.6, true)));
        assert_eq!(theirs("ws", 100_000), Some((1.526, true)));
        assert_eq!(theirs("sse", 1_000), None);
        // Their published numbers are their formula, cut to the digits they printed
        // (0.01526 printed as 0.015).
        for (clients, poll, ws) in PUBLISHED {
            let (p, _) = theirs("poll", clients + 1).unwrap();
            assert!((p - poll).abs() / poll < 0.02, "{clients}: {p} vs {poll}");
            let ws_formula = WS_FRAME_BYTES * 8.0 * clients as f64 / MEBI;
            assert!(
                (ws_formula - ws).abs() / ws < 0.02,
                "{clients}: {ws_formula} vs {ws}"
            );
        }
    }

    #[test]
    fn overhead_in_their_unit() {
        let mut t = TransportResult {
            window_s: 10.0,
            ..Default::default()
        };
        t.bytes.overhead = 10 * 1_048_576 / 8;
        assert_eq!(overhead_mebibits(&t), 1.0);
        assert_eq!(mbits(125_000.0), 1.0);
    }
}
