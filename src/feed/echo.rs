//! An echo (pywebsocket3's `echo_wsh.py`, websocket.org's echo server): each client sends
//! messages at its own rate over its WebSocket, and the server sends each one back to that
//! client alone, byte for byte. A message is an event of the client's own numbering,
//! `{"seq":N,"ts":SENT_NS,"pad":"..."}`, so that the echo is read like any event and its
//! latency is the round trip from the send to the echo's receipt. Nothing is published on
//! a schedule and nothing fans out: the cost measured is taking a message in and writing it
//! back.

use serde::{Deserialize, Serialize};

use super::chat::{ClientsPublish, SendForm, SendPlan};
use super::{FeedKindSpec, FeedParams, FeedSource, Semantics, SourceContext};
use crate::issue::Issue;

/// The largest padding: a message must fit the matched server's 64 KiB WebSocket message.
const MAX_PAD_BYTES: u64 = 60 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EchoSpec {
    /// Messages each client sends per second.
    pub send_rate: f64,
    /// How far a send may move from its even schedule, as a share of the interval (from
    /// the seed): 0 sends like a clock, 1 anywhere in the interval.
    pub jitter: f64,
    /// Bytes of padding in each message, beside its `seq` and `ts` (about 40 bytes).
    pub pad_bytes: u64,
}

impl EchoSpec {
    pub fn from_params(p: &mut FeedParams) -> Result<Self, Issue> {
        Ok(Self {
            send_rate: p.rate("send_rate", 1.0)?,
            jitter: p.fraction("jitter", 0.5)?,
            pad_bytes: p.count("pad_bytes", 64, (0, MAX_PAD_BYTES), "bytes")?,
        })
    }
}

impl FeedKindSpec for EchoSpec {
    fn semantics(&self) -> Semantics {
        Semantics::Events
    }

    fn rate(&self) -> Option<f64> {
        None
    }

    fn sends(&self) -> Option<SendPlan> {
        Some(SendPlan {
            rate: self.send_rate,
            jitter: self.jitter,
            text_bytes: self.pad_bytes as usize,
            hears_own: true,
            form: SendForm::Echo,
        })
    }

    fn echoes(&self) -> bool {
        true
    }

    /// Each message comes back on the socket it went out on.
    fn sends_on_the_socket_it_reads(&self) -> bool {
        true
    }

    fn source(&self, _context: &SourceContext) -> Box<dyn FeedSource> {
        Box::new(ClientsPublish)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use crate::feed::FeedSpec;

    fn parse(text: &str) -> Result<FeedSpec, crate::issue::Issue> {
        FeedSpec::from_table(&text.parse::<toml::Table>().unwrap())
    }

    #[test]
    fn defaults_and_keys_of_other_kinds() {
        let spec = parse("kind = \"echo\"").unwrap();
        let plan = spec.sends().unwrap();
        assert_eq!((plan.rate, plan.jitter, plan.text_bytes), (1.0, 0.5, 64));
        assert!(spec.echoes());
        assert!(spec.sends_on_the_socket_it_reads());
        let issue = parse("kind = \"echo\"\nmembers = 3").unwrap_err();
        assert_eq!(issue.key, "feed.members");
        assert!(
            issue
                .message
                .contains("accepted: kind, send_rate, jitter, pad_bytes"),
            "{}",
            issue.message
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        let issue = parse("kind = \"echo\"\npad_bytes = 100000").unwrap_err();
        assert_eq!(issue.key, "feed.pad_bytes");
        let issue = parse("kind = \"echo\"\nsend_rate = 0").unwrap_err();
        assert_eq!(issue.key, "feed.send_rate");
        let issue = parse("kind = \"echo\"\njitter = 2").unwrap_err();
        assert_eq!(issue.key, "feed.jitter");
        let issue = parse("kind = \"echo\"\nrate = 5").unwrap_err();
        assert_eq!(issue.key, "feed.rate");
    }
}
