//! The wsbench wire protocol, shared by the server that speaks it and the runner that reads
//! it (docs/PROTOCOL.md): event heads and the `/stats` and control replies as one
//! Rust type each. A leaf: it imports nothing of the crate, so that `feed`, `scenario`,
//! `server`, `client` and `run` depend on it instead of on each other.

mod event;
mod group;
mod stats;

pub use event::{EventHead, parse_event, poll_events};
pub use group::{GroupError, sum_group};
pub use stats::{
    ConnectionStats, ControlStats, MARKS_REPORTED, MarkRecord, MarkReply, ProcessGroup,
    PublisherStats, SlotStats, StatsReply, StopReply, TopicsDropped, WindowStats,
};

/// The header that carries a run's control token on every `/control/*` request:
/// `Authorization: Bearer <token>`.
pub const CONTROL_AUTH_SCHEME: &str = "Bearer";
