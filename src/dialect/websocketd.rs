//! websocketd running `wsbench emit`: every WebSocket connection at `/` gets a process of
//! its own, whose stdout lines are the connection's text messages. The lines are the
//! matched server's event JSON, so heads are read as ours are; but each connection's
//! stream is its own (seq from 1, the rate per connection), which the runner judges per
//! client. websocketd serves nothing else: no polls, no event stream, no state to read.

use serde_json::value::RawValue;

use super::{Dialect, Wsbench};
use crate::transport_kind::Transport;
use crate::wire::EventHead;

pub struct Websocketd;

/// Where websocketd serves its one program (it has no routes of its own).
const WS_PATH: &str = "/";

impl Dialect for Websocketd {
    fn name(&self) -> &'static str {
        "websocketd"
    }

    fn path(&self, transport: Transport) -> Option<&'static str> {
        (transport.name() == "ws").then_some(WS_PATH)
    }

    fn event_head(&self, event: &[u8], key_field: Option<&str>) -> Result<EventHead, String> {
        Wsbench.event_head(event, key_field)
    }

    fn poll_events<'b>(&self, _body: &'b [u8]) -> Result<Vec<&'b RawValue>, String> {
        Err("websocketd serves WebSocket only: there is no poll answer to read".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ws_is_served_at_the_root() {
        for &transport in Transport::all() {
            let expected = (transport.name() == "ws").then_some("/");
            assert_eq!(Websocketd.path(transport), expected, "{transport}");
        }
        assert!(Websocketd.poll_events(b"[]").is_err());
    }
}
