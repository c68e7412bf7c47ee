//! What is published: feed kinds (one file each), the seeded generator and the hub that
//! stamps, serialises once and fans events out to every transport.

mod hub;
mod params;
mod publisher;
pub mod rng;
mod ticker;
mod tickets;
mod window_log;

use serde::{Deserialize, Serialize};

pub use hub::{Event, Hub, HubLimits, Retained, Schedule, Since};
pub use params::FeedParams;
pub use publisher::{LATE_TOLERANCE, MAX_RATE, Publisher, rate_problem, wall_clock_ns};
use rng::Rng;
pub use window_log::Window;

use crate::scenario::Issue;

/// How clients must treat the events of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Semantics {
    /// Every event matters (a ticker's trades, a chat's messages): a missing one is lost.
    Events,
    /// Only the latest value per key matters (seats left per train): older values may be
    /// coalesced away, which is reported as coalesced, not lost.
    State,
}

/// One kind of feed: given the generator, writes the fields of the next event.
pub trait FeedKind: Send {
    fn semantics(&self) -> Semantics;

    /// Appends the event's own JSON fields (without braces, after `seq` and `ts`) to `out`,
    /// and returns its state key for state feeds.
    fn next_event(&mut self, rng: &mut Rng, out: &mut String) -> Option<u32>;
}

/// The `[feed]` table of a scenario, validated. One variant per feed kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FeedSpec {
    Ticker(ticker::TickerSpec),
    Tickets(tickets::TicketsSpec),
}

type ParseKind = fn(&mut FeedParams) -> Result<FeedSpec, Issue>;

/// The registry of feed kinds: name and parser. A new kind is one file and one line here.
const KINDS: &[(&str, ParseKind)] = &[
    ("ticker", |p| {
        ticker::TickerSpec::from_params(p).map(FeedSpec::Ticker)
    }),
    ("tickets", |p| {
        tickets::TicketsSpec::from_params(p).map(FeedSpec::Tickets)
    }),
];

impl FeedSpec {
    pub fn kind_names() -> String {
        KINDS
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn from_table(table: &toml::Table) -> Result<Self, Issue> {
        let kind = match table.get("kind") {
            Some(toml::Value::String(kind)) => kind.as_str(),
            Some(other) => {
                return Err(Issue::new(
                    "feed.kind",
                    format!(
                        "expected a string, found {}; kinds: {}",
                        other.type_str(),
                        Self::kind_names()
                    ),
                ));
            }
            None => {
                return Err(Issue::new(
                    "feed.kind",
                    format!("is required; kinds: {}", Self::kind_names()),
                ));
            }
        };
        let (_, parse) = KINDS
            .iter()
            .find(|(name, _)| *name == kind)
            .ok_or_else(|| {
                Issue::new(
                    "feed.kind",
                    format!("unknown feed kind `{kind}`; kinds: {}", Self::kind_names()),
                )
            })?;
        let mut params = FeedParams::new(table);
        let spec = parse(&mut params)?;
        params.finish(kind)?;
        Ok(spec)
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Ticker(_) => "ticker",
            Self::Tickets(_) => "tickets",
        }
    }

    /// Events published per second.
    pub fn rate(&self) -> f64 {
        match self {
            Self::Ticker(s) => s.rate,
            Self::Tickets(s) => s.rate,
        }
    }

    pub fn set_rate(&mut self, rate: f64) {
        match self {
            Self::Ticker(s) => s.rate = rate,
            Self::Tickets(s) => s.rate = rate,
        }
    }

    pub fn build(&self) -> Box<dyn FeedKind> {
        match self {
            Self::Ticker(s) => Box::new(ticker::Ticker::new(s)),
            Self::Tickets(s) => Box::new(tickets::Tickets::new(s)),
        }
    }

    pub fn semantics(&self) -> Semantics {
        self.build().semantics()
    }

    /// The field of a state feed's events that names the key, for clients.
    pub fn state_key_field(&self) -> Option<&'static str> {
        match self {
            Self::Ticker(_) => None,
            Self::Tickets(_) => Some("train"),
        }
    }
}

/// Generates the payloads of `count` events for a seed, without a clock: what the
/// publisher sends, minus `seq` and `ts`. Used to prove determinism.
pub fn payloads(spec: &FeedSpec, seed: u64, count: usize) -> Vec<String> {
    let mut kind = spec.build();
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let mut out = String::new();
            kind.next_event(&mut rng, &mut out);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> FeedSpec {
        FeedSpec::from_table(&text.parse::<toml::Table>().unwrap()).unwrap()
    }

    #[test]
    fn same_seed_gives_the_same_payloads() {
        for text in ["kind = \"ticker\"", "kind = \"tickets\""] {
            let spec = spec(text);
            assert_eq!(payloads(&spec, 42, 500), payloads(&spec, 42, 500));
            assert_ne!(payloads(&spec, 42, 500), payloads(&spec, 43, 500));
        }
    }

    #[test]
    fn parameters_of_another_kind_are_refused() {
        let table: toml::Table = "kind = \"ticker\"\ntrains = 3".parse().unwrap();
        let issue = FeedSpec::from_table(&table).unwrap_err();
        assert_eq!(issue.key, "feed.trains");
        assert!(
            issue.message.contains("accepted: kind, rate, symbols"),
            "{}",
            issue.message
        );
    }
}
