//! A stock ticker: tens of symbols whose prices take a random walk. Every event matters.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::rng::Rng;
use super::{FeedKind, FeedKindSpec, FeedParams, Semantics};
use crate::issue::Issue;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TickerSpec {
    /// Events per second, over all symbols.
    pub rate: f64,
    pub symbols: u64,
}

impl TickerSpec {
    pub fn from_params(p: &mut FeedParams) -> Result<Self, Issue> {
        Ok(Self {
            rate: p.rate("rate", 20.0)?,
            symbols: p.count("symbols", 40, (1, 10_000), "symbols")?,
        })
    }
}

impl FeedKindSpec for TickerSpec {
    fn semantics(&self) -> Semantics {
        Semantics::Events
    }

    fn rate(&self) -> Option<f64> {
        Some(self.rate)
    }

    fn generator(&self) -> Option<Box<dyn FeedKind>> {
        Some(Box::new(Ticker::new(self)))
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

pub struct Ticker {
    names: Vec<String>,
    /// Prices in cents, so that the walk never accumulates float error.
    cents: Vec<i64>,
    seeded: bool,
}

impl Ticker {
    pub fn new(spec: &TickerSpec) -> Self {
        Self {
            names: Vec::with_capacity(spec.symbols as usize),
            cents: vec![0; spec.symbols as usize],
            seeded: false,
        }
    }

    /// Symbol names and opening prices come from the same seeded stream as the walk.
    fn seed(&mut self, rng: &mut Rng) {
        for i in 0..self.cents.len() {
            let mut name: String = (0..3 + rng.below(2))
                .map(|_| char::from(b'A' + rng.below(26) as u8))
                .collect();
            if self.names.contains(&name) {
                name.push_str(&i.to_string());
            }
            self.names.push(name);
            self.cents[i] = 1_000 + rng.below(49_000) as i64;
        }
        self.seeded = true;
    }
}

impl FeedKind for Ticker {
    fn next_event(&mut self, rng: &mut Rng, out: &mut String) -> Option<u32> {
        if !self.seeded {
            self.seed(rng);
        }
        let i = rng.below(self.cents.len() as u64) as usize;
        // A step of up to ±0.5% keeps the walk plausible; prices never fall below 1.00.
        let step = (self.cents[i] / 200).max(1);
        let delta = rng.below(2 * step as u64 + 1) as i64 - step;
        self.cents[i] = (self.cents[i] + delta).max(100);
        let cents = self.cents[i];
        let _ = write!(
            out,
            "\"sym\":\"{}\",\"px\":{}.{:02}",
            self.names[i],
            cents / 100,
            cents % 100
        );
        None
    }
}
