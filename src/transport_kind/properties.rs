//! Properties of a transport that code outside its folder asks about, so that it never
//! asks "is this poll?" by name.

use std::time::Duration;

use serde::Serialize;

/// What a transport's requests are, for the header profiles: what a browser sends depends
/// on the API the page uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStyle {
    /// `fetch()` or EventSource: `accept` is what it asks for; `no_cache` is EventSource's
    /// `Cache-Control: no-cache`.
    Fetch {
        accept: &'static str,
        no_cache: bool,
    },
    /// A WebSocket opening handshake: the library writes Host and the handshake itself.
    Handshake,
}

impl RequestStyle {
    /// What a page's plain `fetch()` sends (a chat's `POST /publish` beside any transport).
    pub const PAGE_FETCH: RequestStyle = RequestStyle::Fetch {
        accept: "*/*",
        no_cache: false,
    };
}

/// How a transport's events reach a client, with the timing its settings give: what a
/// preflight checks before a run, and the browser API the page opens it with. Serialised
/// for the page (`GET /feed`) by that API: `{"api": "scheduled_fetch", "interval_ms":
/// 1000}`, `{"api": "held_fetch", "timeout_ms": 30000}`, `{"api": "event_source"}`,
/// `{"api": "web_socket"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "api", rename_all = "snake_case")]
pub enum Arrival {
    /// A `fetch()` on a schedule, each answer at once with what is new (0: as soon as the
    /// previous answer is in).
    #[serde(rename = "scheduled_fetch")]
    Poll {
        #[serde(rename = "interval_ms", serialize_with = "millis")]
        interval: Duration,
    },
    /// A `fetch()` the server holds until something is new, asked again at once.
    #[serde(rename = "held_fetch")]
    LongPoll {
        #[serde(rename = "timeout_ms", serialize_with = "millis")]
        timeout: Duration,
    },
    /// One response that never ends, an `EventSource` on the page.
    #[serde(rename = "event_source")]
    EventStream,
    /// A WebSocket, one message per event.
    WebSocket,
}

impl Arrival {
    /// Whether events come in answers to requests (a poll or a long poll).
    pub fn answers_requests(self) -> bool {
        matches!(self, Arrival::Poll { .. } | Arrival::LongPoll { .. })
    }
}

fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}
