//! nginx with Nchan (scripts/targets/nchan/): one channel, published at `/pub` and served
//! at a subscriber location per transport. Nchan carries a message's bytes unchanged: the
//! events wsbench publishes there (the matched server's JSON, `seq` and `ts` first) come
//! back as WebSocket text messages, EventSource `data` fields (its `id:` is Nchan's own
//! message id, `TIME:TAG`, not a seq) and poll answers of one message each, whose
//! `Last-Modified` / `Etag` the next request sends back (`PollCursor::Validators`).

use serde_json::value::RawValue;

use super::{Dialect, PollCursor, Wsbench};
use crate::transport_kind::Transport;
use crate::wire::EventHead;

pub struct Nchan;

impl Dialect for Nchan {
    fn name(&self) -> &'static str {
        "nchan"
    }

    /// The locations of scripts/targets/nchan/nginx.conf; no `ws-deflate` (Nchan's
    /// permessage-deflate is not configured there).
    fn path(&self, transport: Transport) -> Option<&'static str> {
        match transport.name() {
            "poll" => Some("/sub/poll"),
            "longpoll" => Some("/sub/longpoll"),
            "sse" => Some("/sub/sse"),
            "ws" => Some("/sub/ws"),
            _ => None,
        }
    }

    /// The message is the event wsbench published, byte for byte.
    fn event_head(&self, event: &[u8], key_field: Option<&str>) -> Result<EventHead, String> {
        Wsbench.event_head(event, key_field)
    }

    /// A `200` answer's body is one message, the event itself.
    fn poll_events<'b>(&self, body: &'b [u8]) -> Result<Vec<&'b RawValue>, String> {
        let text = std::str::from_utf8(body)
            .map_err(|_| "malformed poll answer: not UTF-8".to_string())?;
        serde_json::from_str::<&RawValue>(text)
            .map(|event| vec![event])
            .map_err(|e| format!("malformed poll answer: {e}"))
    }

    fn poll_cursor(&self) -> PollCursor {
        PollCursor::Validators
    }

    fn publish_path(&self) -> Option<&'static str> {
        Some("/pub")
    }
}

#[cfg(test)]
mod tests;
