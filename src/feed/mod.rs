//! What is published: feed kinds (one file each), the seeded generator and the hub that
//! stamps, serialises once and fans events out to every transport.

mod chat;
mod command;
mod echo;
mod fanout;
mod hub;
mod intake;
mod notifications;
mod params;
mod publisher;
pub mod rng;
mod sessions;
mod source_report;
mod ticker;
mod tickets;
mod topics;
mod window_log;

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use chat::{SendForm, SendPlan};
pub use fanout::Subscription;
pub use hub::{ClientMessage, Event, Hub, HubLimits, Retained, Schedule, Since};
pub use intake::{Accepted, Intake, Refusal};
pub use params::FeedParams;
pub use publisher::{LATE_TOLERANCE, MAX_RATE, Publisher, rate_problem, wall_clock_ns};
use rng::Rng;
pub use sessions::Sessions;
pub use source_report::SourceReport;
pub use topics::{
    Dropped, MAX_TOPIC_LEN, OpenedTopic, SWEEP_FLOOR, Tally, TopicError, TopicLimits, TopicTotals,
    TopicWindow, TopicWindows,
};
pub use window_log::Window;

use crate::issue::Issue;

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

/// A feed's event generator: given the seeded random stream, writes the fields of the
/// next event.
pub trait FeedKind: Send {
    /// Appends the event's own JSON fields (without braces, after `seq` and `ts`) to `out`,
    /// and returns its state key for state feeds.
    fn next_event(&mut self, rng: &mut Rng, out: &mut String) -> Option<u32>;
}

/// A feed kind's settings, validated: what it publishes and how.
pub trait FeedKindSpec: Send + Sync + std::fmt::Debug {
    fn semantics(&self) -> Semantics;

    /// The field of a state feed's events that names the key, for clients.
    fn state_key_field(&self) -> Option<&'static str> {
        None
    }

    /// Events per second, for a feed published on a schedule; `None` for one that
    /// publishes as things happen (a program's output, clients' messages).
    fn rate(&self) -> Option<f64>;

    /// A fresh generator of the events, for a feed published on a schedule.
    fn generator(&self) -> Option<Box<dyn FeedKind>> {
        None
    }

    /// The source that publishes this feed into a hub: by default on a schedule, from the
    /// generator at the rate, seeded.
    fn source(&self, context: &SourceContext) -> Box<dyn FeedSource> {
        match (self.generator(), self.rate()) {
            (Some(generator), Some(rate)) => Box::new(
                Publisher::new(generator, rate, context.seed).starting_at(context.start_ns),
            ),
            _ => unreachable!("a feed kind without a schedule names its own source"),
        }
    }

    /// For a feed published to topics (a chat's rooms, each user's notifications): what
    /// each topic may keep. `None`: one feed for every client.
    fn topics(&self) -> Option<TopicLimits> {
        None
    }

    /// The topic client `id` of `clients` subscribes to, for a feed with topics.
    fn client_topic(&self, _id: u64, _clients: u64) -> Option<String> {
        None
    }

    /// For a feed whose clients send (a chat): what each sends, and how often.
    fn sends(&self) -> Option<SendPlan> {
        None
    }

    /// For a feed that publishes what clients send: what checks and publishes a message.
    fn intake(&self) -> Option<Arc<dyn Intake>> {
        None
    }

    /// For a feed that sends each client's messages back to it alone (an echo): the
    /// matched server's WebSocket answers each message with itself.
    fn echoes(&self) -> bool {
        false
    }

    /// Whether its clients must send on the socket they read from (an echo): it runs over
    /// the transports whose clients do, only.
    fn sends_on_the_socket_it_reads(&self) -> bool {
        false
    }

    /// For a feed whose clients come and go (login pages): what client `id` of `clients`
    /// does, session after session. `None`: it stays for the whole run.
    fn client_sessions(&self, _id: u64, _clients: u64) -> Option<Sessions> {
        None
    }

    /// The settings as run, for results (`kind` is added by the caller).
    fn to_json(&self) -> serde_json::Value;
}

/// What a server tells the source it makes: the run's seed, and where a program the feed
/// runs writes its stderr (`None`: the server's own stderr).
#[derive(Debug, Clone, Default)]
pub struct SourceContext {
    pub seed: u64,
    pub stderr: Option<PathBuf>,
    /// For a feed published on a schedule: the wall-clock instant (ns since the Unix
    /// epoch) of its first interval's start, shared by every process of a server so that
    /// all publish the same events with the same `ts`; `None`: when the source starts.
    pub start_ns: Option<u64>,
}

/// Publishes a feed into a hub by itself until the hub stops: on a schedule (ticker,
/// tickets), as lines arrive (a program's output) or as clients send (chat).
pub trait FeedSource: Send {
    fn start(self: Box<Self>, hub: Arc<Hub>) -> std::io::Result<()>;
}

type ParseKind = fn(&mut FeedParams) -> Result<Arc<dyn FeedKindSpec>, Issue>;

/// The registry of feed kinds: name and parser. A new kind is one file and one line here.
const KINDS: &[(&str, ParseKind)] = &[
    ("ticker", |p| {
        Ok(Arc::new(ticker::TickerSpec::from_params(p)?))
    }),
    ("tickets", |p| {
        Ok(Arc::new(tickets::TicketsSpec::from_params(p)?))
    }),
    ("command", |p| {
        Ok(Arc::new(command::CommandSpec::from_params(p)?))
    }),
    ("chat", |p| Ok(Arc::new(chat::ChatSpec::from_params(p)?))),
    ("notifications", |p| {
        Ok(Arc::new(notifications::NotificationsSpec::from_params(p)?))
    }),
    ("echo", |p| Ok(Arc::new(echo::EchoSpec::from_params(p)?))),
];

/// The `[feed]` table of a scenario, validated: the table as written, and the kind's
/// settings it gave. Serialised as the settings as run, `kind` first.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    kind: &'static str,
    table: toml::Table,
    settings: Arc<dyn FeedKindSpec>,
}

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
        let (name, parse) = KINDS
            .iter()
            .find(|(name, _)| *name == kind)
            .ok_or_else(|| {
                Issue::new(
                    "feed.kind",
                    format!("unknown feed kind `{kind}`; kinds: {}", Self::kind_names()),
                )
            })?;
        let mut params = FeedParams::new(table);
        let settings = parse(&mut params)?;
        // Said plainly, whether the rate came from the file, `--rate` or a rate sweep.
        if settings.rate().is_none() && table.contains_key("rate") {
            return Err(Issue::new(
                "feed.rate",
                format!(
                    "feed kind `{kind}` has no rate: it publishes as things happen, at their pace"
                ),
            ));
        }
        params.finish(kind)?;
        Ok(Self {
            kind: name,
            table: table.clone(),
            settings,
        })
    }

    pub fn kind_name(&self) -> &'static str {
        self.kind
    }

    /// Events per second, for a feed published on a schedule.
    pub fn rate(&self) -> Option<f64> {
        self.settings.rate()
    }

    /// The same feed at another rate (a rate sweep's point), validated like the file's.
    pub fn with_rate(&self, rate: f64) -> Result<Self, Issue> {
        let mut table = self.table.clone();
        table.insert("rate".into(), toml::Value::Float(rate));
        Self::from_table(&table)
    }

    pub fn semantics(&self) -> Semantics {
        self.settings.semantics()
    }

    /// The field of a state feed's events that names the key, for clients.
    pub fn state_key_field(&self) -> Option<&'static str> {
        self.settings.state_key_field()
    }

    /// A fresh generator of the events, for a feed published on a schedule.
    pub fn generator(&self) -> Option<Box<dyn FeedKind>> {
        self.settings.generator()
    }

    /// Whether every process that publishes it from the same instant publishes the same
    /// events: a feed on a schedule to every client, which nothing a client does changes.
    pub fn same_in_every_process(&self) -> bool {
        self.generator().is_some() && self.topics().is_none() && self.intake().is_none()
    }

    /// What each topic may keep, for a feed published to topics.
    pub fn topics(&self) -> Option<TopicLimits> {
        self.settings.topics()
    }

    /// The topic client `id` of `clients` subscribes to, for a feed with topics.
    pub fn client_topic(&self, id: u64, clients: u64) -> Option<String> {
        self.settings.client_topic(id, clients)
    }

    /// For a feed whose clients send (a chat): what each sends, and how often.
    pub fn sends(&self) -> Option<SendPlan> {
        self.settings.sends()
    }

    /// For a feed that publishes what clients send: what checks and publishes a message.
    pub fn intake(&self) -> Option<Arc<dyn Intake>> {
        self.settings.intake()
    }

    /// Whether each client's messages come back to it alone (an echo).
    pub fn echoes(&self) -> bool {
        self.settings.echoes()
    }

    /// Whether its clients must send on the socket they read from (an echo).
    pub fn sends_on_the_socket_it_reads(&self) -> bool {
        self.settings.sends_on_the_socket_it_reads()
    }

    /// What client `id` of `clients` does session after session, if it comes and goes.
    pub fn client_sessions(&self, id: u64, clients: u64) -> Option<Sessions> {
        self.settings.client_sessions(id, clients)
    }

    /// The source that publishes this feed.
    pub fn source(&self, context: &SourceContext) -> Box<dyn FeedSource> {
        self.settings.source(context)
    }
}

impl Serialize for FeedSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serde_json::Map::new();
        map.insert("kind".into(), self.kind.into());
        if let serde_json::Value::Object(settings) = self.settings.to_json() {
            map.extend(settings);
        }
        map.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FeedSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = toml::Table::deserialize(deserializer)?;
        Self::from_table(&table)
            .map_err(|issue| serde::de::Error::custom(format!("{}: {}", issue.key, issue.message)))
    }
}

/// Generates the payloads of `count` events for a seed, without a clock: what the
/// publisher sends, minus `seq` and `ts`. Used to prove determinism.
/// Empty for a feed that is not generated on a schedule.
pub fn payloads(spec: &FeedSpec, seed: u64, count: usize) -> Vec<String> {
    let Some(mut kind) = spec.generator() else {
        return Vec::new();
    };
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
