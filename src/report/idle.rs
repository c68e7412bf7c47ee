//! The idle cost of a feed whose clients wait for events of their own (personal
//! notifications), side by side per transport: what the window cost per delivered
//! notification and per client-second, where short polling's cost of asking while nothing
//! happens shows beside the push transports'; and the login sessions' time to first event.

use super::content::{latency, measured, name_cell};
use super::doc::{Block, Table, text};
use crate::figures::{Unit, text as figure};
use crate::results::TransportResult;

/// The section, or nothing when no entry has an idle cost.
pub fn section(entries: &[(&TransportResult, bool)], at: &str) -> Vec<Block> {
    let costed: Vec<_> = entries
        .iter()
        .filter(|(t, _)| t.idle_cost.is_some())
        .collect();
    if costed.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![Block::Heading(2, format!("Idle cost{at}"))];
    let mut table = Table::numeric(&[
        "Transport",
        "Notifications",
        "Client-seconds",
        "Bytes per notification",
        "Bytes per client-second",
        "Server CPU per notification",
        "Server CPU per client-second",
    ]);
    for (t, saturated) in &costed {
        let Some(cost) = &t.idle_cost else { continue };
        table.row(vec![
            name_cell(t, *saturated),
            figure(cost.notifications as f64, Unit::Count),
            figure(cost.client_seconds.round(), Unit::Count),
            measured(cost.bytes_per_notification, Unit::Bytes),
            figure(cost.bytes_per_client_s, Unit::Bytes),
            measured(cost.server_cpu_us_per_notification, Unit::Micros),
            measured(cost.server_cpu_us_per_client_s, Unit::Micros),
        ]);
    }
    blocks.push(Block::Table(table));
    blocks.push(Block::Paragraph(vec![text(
        "The window's whole cost, divided two ways: every byte at the client sockets (both \
         directions, login sessions and their connection churn included) and the server's \
         CPU, per notification delivered (users' events published in the window, first \
         receipt per client, plus login events received in it) and per client-second \
         (clients × window seconds: every client counted for the whole window). Per \
         client-second is what a mostly idle client costs to keep: polling pays it in \
         requests whether or not anything happened.",
    )]));
    blocks.extend(sessions(&costed));
    blocks
}

/// The login sessions' table, when any entry had sessions.
fn sessions(entries: &[&(&TransportResult, bool)]) -> Vec<Block> {
    let with: Vec<_> = entries
        .iter()
        .filter(|(t, _)| t.sessions.is_some())
        .collect();
    let Some(timeout_s) = with
        .iter()
        .find_map(|(t, _)| t.sessions.as_ref().map(|s| s.timeout_s))
    else {
        return Vec::new();
    };
    let mut table = Table::numeric(&[
        "Transport",
        "Sessions started",
        "Completed",
        "Timed out",
        "Unfinished",
        "Time to first event p50",
        "p99",
    ]);
    for (t, saturated) in with {
        let Some(s) = &t.sessions else { continue };
        let first = s.time_to_first_event_us.as_ref();
        table.row(vec![
            name_cell(t, *saturated),
            figure(s.started as f64, Unit::Count),
            figure(s.completed as f64, Unit::Count),
            figure(s.timed_out as f64, Unit::Count),
            figure(s.unfinished as f64, Unit::Count),
            latency(first, |l| l.p50),
            latency(first, |l| l.p99),
        ]);
    }
    vec![
        Block::Heading(3, "Scan-to-login sessions".into()),
        Block::Table(table),
        Block::Paragraph(vec![text(format!(
            "Each session waits on a fresh topic for one event, then leaves, and the next \
             starts at once on a new connection. Counted over the sessions started in the \
             window. Time to first event runs from the session's start, just before it \
             connects (connection, request or upgrade, and the server's scripted scan delay \
             included), to the receipt of its event. Timed out: nothing within {}; \
             unfinished: still waiting when the run stopped (nothing is published after the \
             window).",
            crate::units::format_duration(std::time::Duration::from_secs_f64(timeout_s))
        ))]),
    ]
}
