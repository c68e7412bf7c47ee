//! What the figures' tests share: a window, a `/stats` reply, clients and their tallies.

use super::delivery::Clients;
use crate::client::Tally;
use crate::transport_kind::Transport;
use crate::wire::{StatsReply, WindowStats};

pub fn sse() -> Transport {
    Transport::named("sse").unwrap()
}

pub fn stats(first: u64, last: u64) -> StatsReply {
    StatsReply {
        window: Some(WindowStats::counted(first, last, last - first + 1, 0, 0)),
        ..Default::default()
    }
}

pub fn reply(json: serde_json::Value) -> StatsReply {
    serde_json::from_value(json).unwrap()
}

/// `count` clients of a feed without topics, of which `tallies` reported.
pub fn plain(tallies: &[Tally], count: u64) -> Clients<'_> {
    Clients {
        count,
        tallies,
        topic_of: &|_| None,
        skip_own: false,
    }
}

pub fn tally(seqs: &[u64]) -> Tally {
    let mut tally = Tally::default();
    for &seq in seqs {
        tally.seqs.observe(seq);
    }
    tally
}
