//! Dialects: how a family of servers names and frames the transports. A dialect maps each
//! transport to the URL a server serves it at, and decodes that server's events into the
//! heads a client measures (seq, publish instant, state key). `wsbench` (docs/PROTOCOL.md)
//! is the first; a server we did not write brings its own, one file and one line here.

mod nchan;
mod pywebsocket3;
// The dialects against recorded exchanges, decoded with the transports' own parsers.
#[cfg(test)]
#[path = "tests/recorded.rs"]
mod recorded;
mod websocketd;
mod wsbench;

use serde_json::value::RawValue;

pub use nchan::Nchan;
pub use pywebsocket3::Pywebsocket3;
pub use websocketd::Websocketd;
pub use wsbench::Wsbench;

use crate::transport_kind::Transport;
use crate::wire::EventHead;

pub trait Dialect: Send + Sync {
    /// Its name on the command line and in results.
    fn name(&self) -> &'static str;

    /// The URL path a transport is served at, or `None` when this server has no such
    /// transport.
    fn path(&self, transport: Transport) -> Option<&'static str>;

    /// The head of one event, from its bytes once the transport's framing is removed (an
    /// SSE `data` field, a WebSocket text message, one element of a poll answer).
    fn event_head(&self, event: &[u8], key_field: Option<&str>) -> Result<EventHead, String>;

    /// The events of one poll or long-poll answer, each as its own bytes.
    fn poll_events<'b>(&self, body: &'b [u8]) -> Result<Vec<&'b RawValue>, String>;

    /// Where a state feed's whole state is read after a run (the latest event per key), if
    /// this server serves it.
    fn state_path(&self) -> Option<&'static str> {
        None
    }

    /// How a polling client keeps its place from one answer to the next.
    fn poll_cursor(&self) -> PollCursor {
        PollCursor::Since
    }

    /// Where wsbench itself publishes the scenario's feed, one HTTP `POST` of each event's
    /// JSON, for a server that publishes nothing by itself (a pub/sub server); `None` for a
    /// server with its own publisher.
    fn publish_path(&self) -> Option<&'static str> {
        None
    }
}

/// A polling client's place in the feed, carried from answer to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollCursor {
    /// `since=SEQ` (the highest seq held) in the query, beside the transport's own
    /// parameters; an answer holds every event after it (docs/PROTOCOL.md).
    Since,
    /// HTTP validators: each request carries `If-Modified-Since` / `If-None-Match` from the
    /// previous answer's `Last-Modified` / `Etag`, and no query; an answer holds one message,
    /// so a poll asks again at once after one, and `304 Not Modified` means nothing new.
    Validators,
}

/// The registry of dialects.
pub const DIALECTS: &[&dyn Dialect] = &[&Wsbench, &Pywebsocket3, &Nchan, &Websocketd];
