//! The server's memory (its RSS idle, connected and at its peak) and its own byte counters
//! beside the clients': figures of the server process, each `null` when it cannot be read.

use super::gaps::Gaps;
use crate::metrics::probe::{Answer, ProbeError, ServerBytes};
use crate::results::{CrossCheck, Memory};

/// Why a byte difference is null when the server counted no byte that way and the clients
/// did.
pub const NO_SERVER_BYTES: &str =
    "the server counted no byte this way, so the clients' bytes have nothing to compare with";

/// Server memory from its RSS when idle, connected and at its peak.
pub fn memory([idle, connected, peak]: [Answer<u64>; 3], clients: u64, gaps: &mut Gaps) -> Memory {
    // Divided by the clients that connected: the others hold no server memory.
    let per_conn = idle.clone().and_then(|idle| {
        let connected = connected.clone()?;
        // Never a 0 that would rank as free: a server that gave memory back meanwhile
        // shows no growth to divide.
        match connected.checked_sub(idle) {
            Some(growth) => Ok(growth as f64 / clients.max(1) as f64),
            None => Err(ProbeError::Failed(format!(
                "the server's RSS shrank from {idle} B idle to {connected} B with the clients \
                 connected (it gave memory back to the system): its growth per connection \
                 cannot be read"
            ))),
        }
    });
    Memory {
        server_peak_rss_bytes: gaps.figure("memory.server_peak_rss_bytes", peak),
        server_rss_idle_bytes: gaps.figure("memory.server_rss_idle_bytes", idle),
        server_rss_connected_bytes: gaps.figure("memory.server_rss_connected_bytes", connected),
        server_rss_per_conn_bytes: gaps.figure("memory.server_rss_per_conn_bytes", per_conn),
    }
}

pub fn cross_check(
    server: Answer<ServerBytes>,
    (client_down, client_up): (u64, u64),
    gaps: &mut Gaps,
) -> CrossCheck {
    // Against a server that counted nothing, a difference in percent has nothing to divide
    // by unless the clients counted nothing too.
    let diff = |ours: u64, theirs: u64| match (ours, theirs) {
        (0, 0) => Ok(0.0),
        (_, 0) => Err(ProbeError::Absent(NO_SERVER_BYTES.into())),
        _ => Ok((ours as f64 - theirs as f64) * 100.0 / theirs as f64),
    };
    let written = server.clone().map(|s| s.written);
    let read = server.clone().map(|s| s.read);
    // A server that moved bytes but counted no write does not count writes at all.
    let writes = server.and_then(|s| match (s.writes, s.written) {
        (0, 1..) => Err(ProbeError::Absent(super::floor::WRITES_NOT_COUNTED.into())),
        (writes, _) => Ok(writes),
    });
    CrossCheck {
        client_down,
        client_up,
        server_written: gaps.figure("cross_check.server_written", written.clone()),
        server_read: gaps.figure("cross_check.server_read", read.clone()),
        server_writes: gaps.figure("cross_check.server_writes", writes),
        down_diff_pct: gaps.figure(
            "cross_check.down_diff_pct",
            written.and_then(|w| diff(client_down, w)),
        ),
        up_diff_pct: gaps.figure(
            "cross_check.up_diff_pct",
            read.and_then(|r| diff(client_up, r)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::warnings::figure_warnings;
    use super::*;
    use crate::results::TransportResult;

    #[test]
    fn memory_per_connection_needs_both_idle_and_connected_rss() {
        let failed = || Err(ProbeError::Failed("cannot read /proc/7/status".into()));
        let mut gaps = Gaps::default();
        let m = memory([Ok(1000), Ok(5096), failed()], 4, &mut gaps);
        assert_eq!(m.server_rss_per_conn_bytes, Some(1024.0));
        assert_eq!(m.server_peak_rss_bytes, None);
        assert_eq!(
            gaps.folded(&TransportResult::default()),
            BTreeMap::from([(
                "memory.server_peak_rss_bytes".to_string(),
                "cannot read /proc/7/status".to_string()
            )])
        );
        let mut gaps = Gaps::default();
        let m = memory([Ok(1000), failed(), Ok(9000)], 4, &mut gaps);
        assert_eq!(
            (m.server_rss_connected_bytes, m.server_rss_per_conn_bytes),
            (None, None),
            "derived from a missing figure"
        );
        assert_eq!(gaps.0.len(), 2);
        let mut gaps = Gaps::default();
        let m = memory([Ok(5000), Ok(4000), Ok(9000)], 4, &mut gaps);
        assert_eq!(m.server_rss_per_conn_bytes, None, "a shrink is not 0 B");
        assert!(
            gaps.0["memory.server_rss_per_conn_bytes"]
                .starts_with("the server's RSS shrank from 5000 B idle to 4000 B"),
            "{:?}",
            gaps.0
        );
    }

    #[test]
    fn missing_server_counters_leave_the_cross_check_unmeasured_not_passed() {
        let mut gaps = Gaps::default();
        let absent = Err(ProbeError::Absent(
            "the target keeps no byte counters".into(),
        ));
        let check = cross_check(absent, (1000, 200), &mut gaps);
        assert_eq!((check.client_down, check.client_up), (1000, 200));
        assert_eq!((check.down_diff_pct, check.up_diff_pct), (None, None));
        let result = TransportResult {
            cross_check: check,
            ..Default::default()
        };
        assert!(figure_warnings(&result).is_empty());
        let reasons = gaps.folded(&result);
        assert_eq!(
            reasons.len(),
            5,
            "client side measured: not folded: {reasons:?}"
        );
        let measured = Ok(ServerBytes {
            written: 800,
            read: 200,
            writes: 8,
        });
        let check = cross_check(measured, (1000, 200), &mut Gaps::default());
        assert_eq!(
            (check.down_diff_pct, check.up_diff_pct),
            (Some(25.0), Some(0.0))
        );
        assert_eq!(check.server_writes, Some(8));
        let mut gaps = Gaps::default();
        let silent = Ok(ServerBytes {
            written: 0,
            read: 0,
            writes: 0,
        });
        let check = cross_check(silent, (1000, 0), &mut gaps);
        assert_eq!((check.down_diff_pct, check.up_diff_pct), (None, Some(0.0)));
        assert_eq!(gaps.0["cross_check.down_diff_pct"], NO_SERVER_BYTES);
        assert_eq!(check.server_writes, Some(0), "nothing written, no write");
        let mut gaps = Gaps::default();
        let older = Ok(ServerBytes {
            written: 800,
            read: 200,
            writes: 0,
        });
        let check = cross_check(older, (1000, 200), &mut gaps);
        assert_eq!(check.server_writes, None);
        assert_eq!(
            gaps.0["cross_check.server_writes"],
            super::super::floor::WRITES_NOT_COUNTED
        );
    }
}
