//! Warnings about the figures: what makes one read differently than it seems (a latency
//! on the generator's clock, a publisher that fell behind, a feed that dropped lines).

use crate::results::{ReceiveClock, TransportResult};
use crate::transport_kind::Transport;
use crate::wire::StatsReply;

/// What a reader must know to read an entry's figures right: byte counts that disagree
/// with the server's, a latency that includes the generator's delay, a busy generator.
pub fn figure_warnings(result: &TransportResult) -> Vec<String> {
    let mut warnings = Vec::new();
    let t = &result.transport;
    let check = &result.cross_check;
    if let (Some(down), Some(up)) = (check.down_diff_pct, check.up_diff_pct)
        && (down.abs() > 1.0 || up.abs() > 1.0)
    {
        warnings.push(format!(
            "{t}: client byte counts differ from the server's by {down:.2}% down and {up:.2}% up"
        ));
    }
    if result.receive_clock == ReceiveClock::Application && result.latency_us.is_some() {
        let why = result
            .not_measured_reason("generator_delay_us")
            .unwrap_or("no kernel receive timestamps");
        warnings.push(format!(
            "{t}: latency runs to the load generator's own receive instant, not the kernel's \
             receive timestamp ({why}), so it includes the generator's delay in reading the events"
        ));
    }
    if let Some(cores) = result.cpu.client_cores.filter(|c| *c >= 0.9) {
        warnings.push(format!(
            "{t}: the load generator used {cores:.2} cores during the window and competes with the server \
             for this machine's CPU: latency may include waiting for a core, so read it as a loaded \
             machine, not a slow server"
        ));
    }
    warnings
}

/// A publisher that fell behind during the window: its late events carry their intended
/// instants, so the delay is in every transport's latency, not the transport's. A feed on a
/// `scheduled` rate falls behind its schedule; one published as things happen (a program's
/// output) behind the instants its lines were read.
pub fn publisher_warning(
    stats: &StatsReply,
    transport: Transport,
    scheduled: bool,
) -> Option<String> {
    let window = stats.window.as_ref()?;
    let late = window.late_events.filter(|&late| late > 0)?;
    let behind = if scheduled {
        "its schedule"
    } else {
        "the instants its input was read"
    };
    Some(format!(
        "{transport}: the server's publisher fell behind {behind}: {late} of {} window events \
         went out more than {} ms late (worst {:.1} ms); that delay is in the latency figures",
        window.events.unwrap_or(0),
        crate::feed::LATE_TOLERANCE.as_millis(),
        window.max_late_us.unwrap_or(0) as f64 / 1000.0
    ))
}

/// What the feed's source reported (a program that ended, lines it refused or dropped),
/// one warning each: a feed that published less than it was given is never silent.
pub fn source_warnings(stats: &StatsReply, transport: Transport) -> Vec<String> {
    let publisher = &stats.publisher;
    let mut warnings: Vec<String> = publisher
        .source_notes
        .iter()
        .map(|note| format!("{transport}: {note}"))
        .collect();
    if publisher.skipped_at_source > 0 {
        warnings.push(format!(
            "{transport}: lines of the feed's program refused (not published): {}",
            publisher.skipped_at_source
        ));
    }
    if publisher.dropped_at_source > 0 {
        warnings.push(format!(
            "{transport}: lines of the feed's program dropped at the source (written faster \
             than the server published them): {}",
            publisher.dropped_at_source
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{sse, stats};
    use super::*;

    #[test]
    fn a_publisher_late_in_the_window_is_a_warning() {
        let mut stats = stats(1, 100);
        let window = stats.window.as_mut().unwrap();
        window.late_events = Some(3);
        window.max_late_us = Some(12_500);
        assert_eq!(
            publisher_warning(&stats, sse(), true).as_deref(),
            Some(
                "sse: the server's publisher fell behind its schedule: 3 of 100 window events \
                 went out more than 5 ms late (worst 12.5 ms); that delay is in the latency figures"
            )
        );
        assert!(
            publisher_warning(&stats, sse(), false)
                .unwrap()
                .starts_with(
                    "sse: the server's publisher fell behind the instants its input was read: 3"
                )
        );
        stats.window.as_mut().unwrap().late_events = Some(0);
        assert_eq!(publisher_warning(&stats, sse(), true), None);
    }
}
