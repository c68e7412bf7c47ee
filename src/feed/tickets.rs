//! Train tickets: seats left per train. A client needs the latest count per train,
//! so this is a state feed: superseded counts may be coalesced.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::rng::Rng;
use super::{FeedKind, FeedKindSpec, FeedParams, Semantics};
use crate::issue::Issue;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketsSpec {
    /// Changes per second, over all trains.
    pub rate: f64,
    pub trains: u64,
    /// Seats per train when sales open.
    pub seats: u64,
}

impl TicketsSpec {
    pub fn from_params(p: &mut FeedParams) -> Result<Self, Issue> {
        Ok(Self {
            rate: p.rate("rate", 4.0)?,
            trains: p.count("trains", 300, (1, 1_000_000), "trains")?,
            seats: p.count("seats", 500, (1, 100_000), "seats")?,
        })
    }
}

impl FeedKindSpec for TicketsSpec {
    fn semantics(&self) -> Semantics {
        Semantics::State
    }

    fn state_key_field(&self) -> Option<&'static str> {
        Some("train")
    }

    fn rate(&self) -> Option<f64> {
        Some(self.rate)
    }

    fn generator(&self) -> Option<Box<dyn FeedKind>> {
        Some(Box::new(Tickets::new(self)))
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

pub struct Tickets {
    left: Vec<u64>,
    seats: u64,
}

impl Tickets {
    pub fn new(spec: &TicketsSpec) -> Self {
        Self {
            left: vec![spec.seats; spec.trains as usize],
            seats: spec.seats,
        }
    }
}

impl FeedKind for Tickets {
    fn next_event(&mut self, rng: &mut Rng, out: &mut String) -> Option<u32> {
        let train = rng.below(self.left.len() as u64) as usize;
        // Mostly sales of 1-4 seats, one change in five a cancellation.
        let amount = 1 + rng.below(4);
        let left = &mut self.left[train];
        *left = if rng.below(5) == 0 {
            (*left + amount).min(self.seats)
        } else {
            left.saturating_sub(amount)
        };
        let _ = write!(out, "\"train\":\"T{:04}\",\"left\":{}", train + 1, *left);
        Some(train as u32)
    }
}
