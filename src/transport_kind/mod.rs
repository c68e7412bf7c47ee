//! What a transport is, apart from the code that speaks it: its name, its path on the
//! matched server, its settings, and the properties the rest of wsbench asks of it (its
//! colour, what its requests look like, how its events arrive, how a page opens it). A
//! leaf: it imports nothing of the crate but `units`.
//!
//! The transports themselves live in the `transport` module, a folder each with its client
//! and server code, and register there, one line each. They depend on this module, never
//! the other way round: the registry is installed at start (`transport::install()`),
//! and everything else names a transport by a `Transport` handle into it, never by a
//! string.

mod properties;
mod settings;
mod value;

use std::sync::OnceLock;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use properties::{Arrival, RequestStyle};
pub use settings::{RawTransports, Setting, Settings, TransportSettings, Value};

/// What one transport is: the registry holds one of each.
pub trait TransportKind: Sync {
    /// Its name in scenarios, on the command line and in results.
    fn name(&self) -> &'static str;

    /// The keys of its `[transport.<name>]` table.
    fn settings(&self) -> &'static [Setting] {
        &[]
    }

    /// Whether a scenario that lists no transports runs it.
    fn by_default(&self) -> bool {
        true
    }

    /// How long a run waits after the window for events still in flight.
    fn drain(&self, _settings: &Settings) -> Duration {
        Duration::from_secs(1)
    }

    /// Its colour on every chart and on the browser page (RGB).
    fn colour(&self) -> (u8, u8, u8);

    /// What its requests look like, for the header profiles.
    fn request_style(&self) -> RequestStyle;

    /// How its events reach a client, with the timing its settings give: what a preflight
    /// checks and the API a browser page opens it with.
    fn arrival(&self, settings: &Settings) -> Arrival;

    /// Whether its clients send messages on their own connection (a WebSocket); the others
    /// `POST /publish` beside it.
    fn sends_on_its_socket(&self) -> bool {
        false
    }

    /// The largest message a client may send on its socket, in bytes, when it has a limit.
    fn max_message(&self) -> Option<usize> {
        None
    }

    /// The compression it applies to every message (`permessage-deflate`), if any: a
    /// report sets it beside the uncompressed transport that arrives the same way.
    fn compression(&self) -> Option<&'static str> {
        None
    }

    /// The setting, and its span, within which each client's first request falls at a
    /// random point (a poll's interval): a run shorter than it would find most clients
    /// never connected. `None` for a transport whose clients ask at once.
    fn first_request_within(&self, _settings: &Settings) -> Option<(&'static Setting, Duration)> {
        None
    }

    /// The duration setting a latency–cost frontier measures it over (`[frontier]`, as
    /// `<name>_<key>`): a poll's interval trades freshness for requests, a long poll's hold
    /// empty answers for held connections. `None` for a transport with no such knob.
    fn frontier_setting(&self) -> Option<&'static Setting> {
        None
    }

    /// Whether its frontier setting acts only through empty answers (a long poll's hold
    /// runs out only when no event came in it): where no answer was empty, another value
    /// would have measured the same.
    fn frontier_acts_when_idle(&self) -> bool {
        false
    }
}

/// A transport as registered: what it is, and its URL path on the matched server (the
/// wsbench dialect, docs/PROTOCOL.md).
#[derive(Clone, Copy)]
pub struct Registered {
    pub kind: &'static dyn TransportKind,
    pub path: &'static str,
}

/// The installed registry, in the order runs, tables and charts use.
struct Registry {
    entries: Vec<Registered>,
    all: Vec<Transport>,
    names: Vec<&'static str>,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// Installs the transports, once, in their order: `transport::install()` does it,
/// before anything names a transport. A second call is ignored.
pub fn install(entries: impl IntoIterator<Item = Registered>) {
    REGISTRY.get_or_init(|| {
        let entries: Vec<Registered> = entries.into_iter().collect();
        assert!(entries.len() <= usize::from(u8::MAX), "too many transports");
        Registry {
            all: (0..entries.len() as u8).map(Transport).collect(),
            names: entries.iter().map(|r| r.kind.name()).collect(),
            entries,
        }
    });
}

fn registry() -> &'static Registry {
    REGISTRY.get().unwrap_or_else(|| uninstalled())
}

/// A transport, as a small handle into the registry; serialised by its name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Transport(u8);

impl Transport {
    /// Every transport, in registry order.
    pub fn all() -> &'static [Transport] {
        &registry().all
    }

    /// How many there are: the length of per-transport arrays.
    pub fn count() -> usize {
        registry().entries.len()
    }

    pub fn named(name: &str) -> Option<Self> {
        Self::all().iter().copied().find(|t| t.name() == name)
    }

    pub fn kind(self) -> &'static dyn TransportKind {
        registry().entries[self.index()].kind
    }

    pub fn name(self) -> &'static str {
        self.kind().name()
    }

    /// Its URL path on the matched server.
    pub fn path(self) -> &'static str {
        registry().entries[self.index()].path
    }

    /// The transport served at `path`, if any.
    pub fn at_path(path: &str) -> Option<Self> {
        Self::all().iter().copied().find(|t| t.path() == path)
    }

    /// Position in registry order, for per-transport arrays.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// What a scenario that lists no transports runs, in registry order.
    pub fn defaults() -> Vec<Transport> {
        Self::all()
            .iter()
            .copied()
            .filter(|t| t.kind().by_default())
            .collect()
    }

    /// Every name, in registry order (static, for serde's "expected one of" messages).
    pub fn names() -> &'static [&'static str] {
        &registry().names
    }

    pub fn accepted_names() -> String {
        Self::names().join(", ")
    }
}

/// The first registered transport: for records built field by field (`..Default::default()`).
impl Default for Transport {
    fn default() -> Self {
        Self(0)
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for Transport {
    /// Padded as a string is (`{:<9}`), so that names line up in columns.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

impl std::str::FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::named(s).ok_or_else(|| {
            format!(
                "unknown transport `{s}`; accepted: {}",
                Self::accepted_names()
            )
        })
    }
}

impl Serialize for Transport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Transport {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(settings::NameVisitor("unknown variant"))
    }
}

#[cfg(not(test))]
fn uninstalled() -> &'static Registry {
    panic!("no transports installed: call wsbench::transport::install() first")
}

/// Unit tests anywhere in the crate name transports: they get the registry the binary
/// installs. (Integration tests call `wsbench::transport::install()` themselves.)
#[cfg(test)]
fn uninstalled() -> &'static Registry {
    crate::transport::install();
    REGISTRY.get().expect("installed just now")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_paths_and_order_come_from_the_registry() {
        assert_eq!(
            Transport::names(),
            ["poll", "longpoll", "sse", "ws", "ws-deflate"]
        );
        let defaults: Vec<_> = Transport::defaults()
            .into_iter()
            .map(Transport::name)
            .collect();
        assert_eq!(defaults, ["poll", "longpoll", "sse", "ws"]);
        let ws: Transport = "ws".parse().unwrap();
        assert_eq!((ws.index(), ws.path()), (3, "/ws"));
        assert_eq!(Transport::at_path("/sse").map(Transport::name), Some("sse"));
        assert_eq!(serde_json::to_string(&ws).unwrap(), "\"ws\"");
        assert_eq!(serde_json::from_str::<Transport>("\"ws\"").unwrap(), ws);
        let err = serde_json::from_str::<Transport>("\"websocket\"").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown variant `websocket`, expected one of `poll`, `longpoll`")
        );
        assert!(Transport::all().windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Transport::count(), 5);
    }

    /// The console's spread lines and tables pad names into columns.
    #[test]
    fn a_name_pads_like_a_string() {
        let ws: Transport = "ws".parse().unwrap();
        assert_eq!(format!("[{ws:<6}][{ws:>4}]"), "[ws    ][  ws]");
    }
}
