//! The matched server's own dialect (docs/PROTOCOL.md): each transport at the path its
//! registry line gives, events as JSON objects with `seq` and `ts`, poll answers as
//! `{"seq":N,"events":[...]}`.

use serde_json::value::RawValue;

use super::Dialect;
use crate::transport::Transport;
use crate::wire::{EventHead, parse_event, poll_events};

pub struct Wsbench;

/// `GET /poll` without `since` answers the latest event of every key.
const STATE_PATH: &str = "/poll";

impl Dialect for Wsbench {
    fn name(&self) -> &'static str {
        "wsbench"
    }

    fn path(&self, transport: Transport) -> Option<&'static str> {
        Some(transport.path())
    }

    fn event_head(&self, event: &[u8], key_field: Option<&str>) -> Result<EventHead, String> {
        parse_event(event, key_field)
    }

    fn poll_events<'b>(&self, body: &'b [u8]) -> Result<Vec<&'b RawValue>, String> {
        poll_events(body)
    }

    fn state_path(&self) -> Option<&'static str> {
        Some(STATE_PATH)
    }
}
