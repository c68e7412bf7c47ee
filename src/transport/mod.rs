//! The ways of pushing real-time data that wsbench compares. Each transport is one folder
//! holding all it knows (its settings, headers, client, server handler, encoding, drain
//! rule, colour) behind `TransportKind`; `TRANSPORTS` lists them, one line each.

mod longpoll;
mod poll;
mod settings;
pub(crate) mod sse;
mod value;
pub(crate) mod ws;
mod ws_deflate;

use std::sync::OnceLock;
use std::time::Duration;

use futures_util::future::{BoxFuture, LocalBoxFuture};
use http::Response;
use serde::{Deserialize, Serialize};

pub use settings::{RawTransports, Setting, Settings, TransportSettings, Value};

use crate::client::{Client, RequestStyle, Tally};
use crate::server::{Body, Call};

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

    /// Its colour on every chart (RGB).
    fn colour(&self) -> (u8, u8, u8);

    /// What its requests look like, for the header profiles.
    fn request_style(&self) -> RequestStyle;

    /// Whether its clients send messages on their own connection (a WebSocket); the others
    /// `POST /publish` beside it.
    fn sends_on_its_socket(&self) -> bool {
        false
    }

    /// The largest message its clients and the matched server take on a connection (a
    /// WebSocket message, either way); `None`: no limit of its own.
    fn max_message(&self) -> Option<usize> {
        None
    }

    /// Runs one client until the run stops it; hands back what it saw.
    fn run_client(&self, client: Client) -> LocalBoxFuture<'static, Tally>;

    /// Answers one request routed to it by the matched server.
    fn serve(&self, call: Call) -> BoxFuture<'static, Response<Body>>;
}

/// A registered transport, with its URL path in the wsbench dialect (docs/PROTOCOL.md).
pub struct Registered {
    pub kind: &'static dyn TransportKind,
    pub path: &'static str,
}

const fn at(path: &'static str, kind: &'static dyn TransportKind) -> Registered {
    Registered { kind, path }
}

/// The registry: one line per transport, in the order runs, tables and charts use.
pub const TRANSPORTS: &[Registered] = &[
    at("/poll", &poll::Poll),
    at("/longpoll", &longpoll::Longpoll),
    at("/sse", &sse::Sse),
    at("/ws", &ws::Ws),
    at("/ws-deflate", &ws_deflate::WsDeflate),
];

const COUNT: usize = TRANSPORTS.len();

/// A transport, as a small handle into `TRANSPORTS`; serialised by its name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Transport(usize);

impl Transport {
    pub const ALL: [Transport; COUNT] = {
        let mut all = [Transport(0); COUNT];
        let mut i = 0;
        while i < COUNT {
            all[i] = Transport(i);
            i += 1;
        }
        all
    };

    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn kind(self) -> &'static dyn TransportKind {
        TRANSPORTS[self.0].kind
    }

    pub fn name(self) -> &'static str {
        self.kind().name()
    }

    pub fn as_str(&self) -> &'static str {
        self.name()
    }

    /// Its URL path on the matched server.
    pub fn path(self) -> &'static str {
        TRANSPORTS[self.0].path
    }

    /// The transport served at `path`, if any.
    pub fn at_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.path() == path)
    }

    /// Position in `ALL`, for per-transport arrays.
    pub fn index(self) -> usize {
        self.0
    }

    /// Every name, in registry order (static, for serde's "expected one of" messages).
    /// What a scenario that lists no transports runs, in registry order.
    pub fn defaults() -> Vec<Transport> {
        Self::ALL
            .into_iter()
            .filter(|t| t.kind().by_default())
            .collect()
    }

    pub fn names() -> &'static [&'static str] {
        static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
        NAMES.get_or_init(|| Self::ALL.map(Self::name).to_vec())
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

/// A transport reads as its name wherever a name is wanted (tables, charts, files).
impl std::ops::Deref for Transport {
    type Target = str;
    fn deref(&self) -> &str {
        self.name()
    }
}

impl PartialEq<str> for Transport {
    fn eq(&self, other: &str) -> bool {
        self.name() == other
    }
}

impl PartialEq<&str> for Transport {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
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
        assert!(Transport::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
