//! The server's own byte counters, from the matched server's `/stats` reply.

use super::{Answer, CounterProbe, ProbeError};

/// What the server wrote to and read from its sockets for one transport, whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServerBytes {
    pub written: u64,
    pub read: u64,
    /// Socket writes that moved bytes; 0 from a server that does not count them (older
    /// servers, and shard records written before they were kept).
    #[serde(default)]
    pub writes: u64,
}

/// `transports.<name>.bytes_written`, `bytes_read` and `writes` of the matched server's
/// `/stats`.
#[derive(Debug, Clone, Copy)]
pub struct StatsCounters;

impl CounterProbe for StatsCounters {
    fn bytes(&self, stats: &crate::wire::StatsReply, transport: &str) -> Answer<ServerBytes> {
        let slot = stats.transports.get(transport).ok_or_else(|| {
            ProbeError::Failed(format!(
                "/stats has no counters for transport `{transport}`"
            ))
        })?;
        Ok(ServerBytes {
            written: slot.bytes_written,
            read: slot.bytes_read,
            writes: slot.writes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_transports_counters_or_names_the_missing_one() {
        let stats: crate::wire::StatsReply = serde_json::from_value(
            serde_json::json!({"transports": {"ws": {"bytes_written": 10, "bytes_read": 2, "writes": 3}}}),
        )
        .unwrap();
        assert_eq!(
            StatsCounters.bytes(&stats, "ws"),
            Ok(ServerBytes {
                written: 10,
                read: 2,
                writes: 3,
            })
        );
        assert_eq!(
            StatsCounters.bytes(&stats, "sse"),
            Err(ProbeError::Failed(
                "/stats has no counters for transport `sse`".into()
            ))
        );
    }
}
